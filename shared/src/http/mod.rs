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
pub use error::{allow_list, codes, ErrorBody, ErrorResponse};
pub use respond::{empty, json, twiml};
pub use verify::WebhookVerifier;

/// Largest webhook body accepted (Twilio's voice webhooks are a few KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most bytes of any request-controlled value (a URL, a header) a log line carries: a
/// request with a 60 KB query must not write 60 KB to the log.
pub const MAX_LOGGED_BYTES: usize = 256;

/// `text` as a log field: whole when short, else its first [`MAX_LOGGED_BYTES`] (cut on a
/// character boundary) and how long it was.
pub fn for_log(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_LOGGED_BYTES {
        return std::borrow::Cow::Borrowed(text);
    }
    let kept = crate::text::cut(text, MAX_LOGGED_BYTES);
    std::borrow::Cow::Owned(format!("{kept}… ({} bytes)", text.len()))
}

/// The form content type Twilio posts.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_values_are_clipped() {
        assert_eq!(for_log("short"), "short");
        let long = format!("https://x/{}", "é".repeat(30_000));
        let logged = for_log(&long);
        assert!(logged.len() <= MAX_LOGGED_BYTES + 32, "{}", logged.len());
        assert!(logged.ends_with(&format!("… ({} bytes)", long.len())));
    }
}
