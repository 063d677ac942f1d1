//! Twilio webhooks: form parsing into typed requests and `X-Twilio-Signature` checks.
//!
//! - [`Form`]: the urlencoded body as ordered pairs (everything kept, strict decoding).
//! - [`VoiceRequest`] / [`StatusCallback`]: typed views of a voice webhook.
//! - [`signature`]: computing and validating signatures (HMAC-SHA1, `bodySHA256`,
//!   and the HMAC-SHA256 SharedKey beta).
//! - [`WebhookError`]: what is wrong with a body; the HTTP layer answers it with 400.
//!
//! Nothing here knows about HTTP; [`crate::http`] wires it to requests and responses.

mod error;
mod form;
mod sid;
pub mod signature;
mod status;
mod voice;

pub use error::WebhookError;
pub use form::Form;
pub use sid::{is_sid, is_sid_like};
pub use status::StatusCallback;
pub use voice::{CallStatus, Direction, Location, VoiceRequest};
