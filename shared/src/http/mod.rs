//! Glue between HTTP requests/responses and the webhook, TwiML and config modules.
//!
//! Everything here works on plain [`http::Request<B>`](lambda_http::http::Request)
//! with any body that is `AsRef<[u8]>`: `lambda_http::Request` (whose `Body` is
//! `Text`, `Binary` or `Empty`; form posts arrive as `Binary` with base64 already
//! decoded), or a request the local dev server collected into `Bytes`. Responses are
//! `http::Response<lambda_http::Body>`, which the dev server converts. So the same
//! handler code serves under Lambda and locally.
//!
//! Layout, split as lambda_http splits `request` and `response`:
//! - [`error`]: [`ErrorResponse`], the one shape of every refusal (Twilio's error body),
//!   and what library errors ([`WebhookError`](crate::webhook::WebhookError),
//!   [`SyncError`](crate::sync::SyncError)) become;
//! - [`respond`]: TwiML, JSON and empty responses;
//! - [`verify`]: [`WebhookVerifier`], which checks an incoming webhook's method, content
//!   type, size, encoding and `X-Twilio-Signature`;
//! - [`auth`]: reads that are not webhooks: a bearer token, or a signed GET.

pub mod auth;
pub mod error;
pub mod respond;
pub mod verify;

pub use auth::check_bearer;
pub use error::{codes, ErrorBody, ErrorResponse};
pub use respond::{empty, json, twiml};
pub use verify::WebhookVerifier;

/// Largest webhook body accepted (Twilio's voice webhooks are a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The form content type Twilio posts.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
