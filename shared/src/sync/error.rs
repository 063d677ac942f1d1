//! Typed Sync errors, and the one place that turns an HTTP status plus a Twilio error
//! code into an error kind.
//!
//! Classification looks at the status and the code together because the codes people
//! carry around disagree with what Sync sends: Twilio's published codes are 20404 (not
//! found), 54301 (unique name exists), 54208 (map key exists), 54103 / 54155 (revision
//! mismatch), 54006 (too large), 54009 (rate limit) and 54011 (bad TTL), while the table
//! in the common Node skill says 54007 "document not found", 54009 "map not found",
//! 54011 "list item not found", 54301 "data too large" and 54302 "name exists". The
//! status settles each clash (54009 with 404 is a missing map, with 429 a rate limit;
//! 54301 with 409 is a taken name, with 400 or 413 an oversized value); the code only
//! decides where the status alone is too generic (400).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The largest `Data` Sync accepts for a document, map item or list item (16 KiB).
pub const MAX_DATA_BYTES: usize = 16 * 1024;
/// The largest `Data` Sync accepts for a stream message (4 KiB).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024;

/// Twilio's error body: `{code, message, more_info, status}`.
///
/// `code` is absent when the body was not a Twilio error (a proxy's HTML page, an empty
/// 502); `message` then holds the start of the body or the status text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwilioError {
    /// Twilio's numeric error code, e.g. `20404`.
    pub code: Option<u32>,
    /// Human-readable message.
    pub message: String,
    /// Link to Twilio's page on the code.
    pub more_info: Option<String>,
    /// HTTP status of the response.
    pub status: u16,
}

impl TwilioError {
    /// An error made by this client rather than received, shaped like Twilio's so that
    /// an HTTP edge can answer with it unchanged.
    pub(crate) fn local(code: u32, status: u16, message: impl Into<String>) -> Self {
        TwilioError {
            code: Some(code),
            message: message.into(),
            more_info: Some(format!("https://www.twilio.com/docs/errors/{code}")),
            status,
        }
    }

    /// Parses a response body, falling back to the raw text when it is not Twilio's JSON.
    pub(crate) fn from_body(status: u16, body: &[u8]) -> Self {
        #[derive(Deserialize)]
        struct Wire {
            code: Option<u32>,
            message: Option<String>,
            more_info: Option<String>,
        }
        match serde_json::from_slice::<Wire>(body) {
            Ok(w) => TwilioError {
                code: w.code,
                message: w.message.unwrap_or_default(),
                more_info: w.more_info,
                status,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let text: String = text.chars().take(200).collect();
                TwilioError {
                    code: None,
                    message: if text.trim().is_empty() {
                        format!("HTTP {status} with no Twilio error body")
                    } else {
                        text
                    },
                    more_info: None,
                    status,
                }
            }
        }
    }
}

impl fmt::Display for TwilioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "HTTP {} code {}: {}", self.status, code, self.message),
            None => write!(f, "HTTP {}: {}", self.status, self.message),
        }
    }
}

/// Everything a Sync call can fail with. Match on the kind; the Twilio details ride along.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The object, item or service does not exist (or has expired).
    #[error("not found: {0}")]
    NotFound(TwilioError),
    /// A unique name or map key is already taken.
    #[error("already exists: {0}")]
    AlreadyExists(TwilioError),
    /// `If-Match` did not match the current revision, or `mutate` ran out of attempts.
    #[error("revision mismatch: {0}")]
    RevisionMismatch(TwilioError),
    /// The value is over Sync's size limit; refused locally (before any request) when
    /// the client can tell, with code 54006 and status 413.
    #[error("too large: {0}")]
    TooLarge(TwilioError),
    /// Sync answered 429 on every attempt until the deadline or the attempt limit.
    #[error("rate limited: {error}")]
    RateLimited {
        /// Twilio's error body.
        error: TwilioError,
        /// The last `Retry-After` Sync sent, if any.
        retry_after: Option<Duration>,
    },
    /// Wrong credentials or no permission (401 / 403).
    #[error("unauthorized: {0}")]
    Unauthorized(TwilioError),
    /// Sync refused the request as malformed (bad TTL, bad key, bad page size, ...), or
    /// this client refused it before sending.
    #[error("invalid request: {0}")]
    InvalidRequest(TwilioError),
    /// Sync failed (5xx) on every attempt it was safe to make.
    #[error("server error: {0}")]
    Server(TwilioError),
    /// The connection failed or broke; no HTTP answer was received.
    #[error("transport error: {message}")]
    Transport {
        /// What failed, from the HTTP stack.
        message: String,
        /// True when the connection was never established, so the request was not sent.
        connect: bool,
    },
    /// The operation's overall deadline passed, or its last attempt timed out.
    #[error("timed out after {elapsed:?} ({attempts} attempt(s))")]
    Timeout {
        /// Time spent on the operation.
        elapsed: Duration,
        /// HTTP attempts made.
        attempts: u32,
    },
    /// A 2xx answer whose body did not decode, or stored data that does not fit `T`.
    #[error("could not decode Sync data: {0}")]
    Decode(String),
    /// The client configuration is unusable (bad base URL, bad credentials format).
    #[error("invalid Sync client configuration: {0}")]
    Config(String),
}

impl SyncError {
    /// Classifies a non-2xx answer. See the module doc for why status and code together.
    pub(crate) fn from_response(status: u16, body: &[u8], retry_after: Option<Duration>) -> Self {
        let e = TwilioError::from_body(status, body);
        match (status, e.code) {
            (404, _) => SyncError::NotFound(e),
            (409, _) => SyncError::AlreadyExists(e),
            (412, _) => SyncError::RevisionMismatch(e),
            (413, _) => SyncError::TooLarge(e),
            (429, _) => SyncError::RateLimited {
                error: e,
                retry_after,
            },
            (401 | 403, _) => SyncError::Unauthorized(e),
            (500..=599, _) => SyncError::Server(e),
            // A generic 4xx: the code says what it is.
            (_, Some(54006 | 54301)) => SyncError::TooLarge(e),
            (_, Some(54103 | 54155)) => SyncError::RevisionMismatch(e),
            (_, Some(54208 | 54302)) => SyncError::AlreadyExists(e),
            (_, Some(20404 | 54007)) => SyncError::NotFound(e),
            _ => SyncError::InvalidRequest(e),
        }
    }

    /// A value refused before sending because it is over `limit` bytes.
    pub(crate) fn too_large(size: usize, limit: usize) -> Self {
        SyncError::TooLarge(TwilioError::local(
            54006,
            413,
            format!("value is {size} bytes of JSON; Sync accepts at most {limit} (refused before sending)"),
        ))
    }

    /// A request refused before sending because an argument is out of range.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        SyncError::InvalidRequest(TwilioError::local(20001, 400, message))
    }

    /// Twilio's error details, when there are any.
    pub fn twilio(&self) -> Option<&TwilioError> {
        match self {
            SyncError::NotFound(e)
            | SyncError::AlreadyExists(e)
            | SyncError::RevisionMismatch(e)
            | SyncError::TooLarge(e)
            | SyncError::Unauthorized(e)
            | SyncError::InvalidRequest(e)
            | SyncError::Server(e)
            | SyncError::RateLimited { error: e, .. } => Some(e),
            SyncError::Transport { .. }
            | SyncError::Timeout { .. }
            | SyncError::Decode(_)
            | SyncError::Config(_) => None,
        }
    }

    /// Twilio's error code, when there is one.
    pub fn code(&self) -> Option<u32> {
        self.twilio().and_then(|e| e.code)
    }

    /// The HTTP status received, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.twilio().map(|e| e.status)
    }

    /// True for `NotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, SyncError::NotFound(_))
    }

    /// True for `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, SyncError::AlreadyExists(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: u32) -> Vec<u8> {
        format!(r#"{{"code":{code},"message":"m","more_info":"https://www.twilio.com/docs/errors/{code}","status":0}}"#)
            .into_bytes()
    }

    fn kind(status: u16, code: u32) -> &'static str {
        match SyncError::from_response(status, &body(code), None) {
            SyncError::NotFound(_) => "NotFound",
            SyncError::AlreadyExists(_) => "AlreadyExists",
            SyncError::RevisionMismatch(_) => "RevisionMismatch",
            SyncError::TooLarge(_) => "TooLarge",
            SyncError::RateLimited { .. } => "RateLimited",
            SyncError::Unauthorized(_) => "Unauthorized",
            SyncError::InvalidRequest(_) => "InvalidRequest",
            SyncError::Server(_) => "Server",
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn published_codes_classify_by_status_and_code() {
        assert_eq!(kind(404, 20404), "NotFound");
        assert_eq!(kind(409, 54301), "AlreadyExists");
        assert_eq!(kind(409, 54208), "AlreadyExists");
        assert_eq!(kind(412, 54103), "RevisionMismatch");
        assert_eq!(kind(412, 54155), "RevisionMismatch");
        assert_eq!(kind(413, 54006), "TooLarge");
        assert_eq!(kind(400, 54006), "TooLarge");
        assert_eq!(kind(429, 54009), "RateLimited");
        assert_eq!(kind(400, 54011), "InvalidRequest");
        // 54008 with 400 is an invalid body, whatever the seed table calls it with 404.
        assert_eq!(kind(400, 54008), "InvalidRequest");
        assert_eq!(kind(404, 54008), "NotFound");
        assert_eq!(kind(401, 20003), "Unauthorized");
        assert_eq!(kind(503, 20503), "Server");
    }

    #[test]
    fn seed_table_codes_are_understood_too() {
        // The Node skill's table: 54007 document not found, 54009 map not found,
        // 54011 list item not found, 54301 data too large, 54302 name exists.
        assert_eq!(kind(404, 54007), "NotFound");
        assert_eq!(kind(404, 54009), "NotFound");
        assert_eq!(kind(404, 54011), "NotFound");
        assert_eq!(kind(400, 54301), "TooLarge");
        assert_eq!(kind(409, 54302), "AlreadyExists");
        assert_eq!(kind(400, 54302), "AlreadyExists");
    }

    #[test]
    fn non_twilio_bodies_keep_status_and_text() {
        let e = SyncError::from_response(502, b"<html>bad gateway</html>", None);
        let t = e.twilio().expect("details");
        assert_eq!(t.code, None);
        assert_eq!(t.status, 502);
        assert!(t.message.contains("bad gateway"));
        assert!(matches!(e, SyncError::Server(_)));
    }
}
