//! The one error type for everything that can be wrong with a webhook's *content*:
//! its encoding, its required fields and the shape of typed values. HTTP-level
//! problems (method, content type, size, signature) live in [`crate::http`].

/// A webhook body or field that cannot be used.
///
/// Every variant is the sender's fault, so the HTTP layer answers it with 400 and the
/// `Display` text as the message (see [`crate::http::ErrorResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// A `%` that is not followed by two hex digits.
    #[error("malformed form encoding at byte {position}: {reason}")]
    MalformedEncoding {
        /// Byte offset of the offending `%` in the body.
        position: usize,
        /// What was wrong, for the error message.
        reason: &'static str,
    },
    /// A name or value that is not UTF-8 once percent-decoded.
    #[error(
        "form parameter starting at byte {position} is not valid UTF-8 after percent-decoding"
    )]
    NonUtf8 {
        /// Byte offset in the body where the offending `name=value` pair starts.
        position: usize,
    },
    /// A parameter the request type cannot do without is absent or empty.
    #[error("required parameter {0} is missing or empty")]
    MissingField(&'static str),
    /// A parameter is present but its value has the wrong shape.
    #[error("parameter {field} has an invalid value {value:?}: expected {expected}")]
    InvalidField {
        /// Twilio's parameter name, e.g. `Confidence`.
        field: &'static str,
        /// The value received (already decoded).
        value: String,
        /// What the value should look like.
        expected: &'static str,
    },
}
