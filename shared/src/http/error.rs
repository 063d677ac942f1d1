//! # Error bodies
//!
//! Every refusal is one [`ErrorResponse`], sent as Twilio's error JSON
//! `{"code", "message", "more_info", "status"}`. Codes follow Twilio's `20000 + status`
//! pattern (20403 forbidden, 20404 not found, 20429, 20500), with 20003 for 401 as
//! Twilio's REST API answers.

use lambda_http::http::header::{HeaderName, HeaderValue, ALLOW, WWW_AUTHENTICATE};
use lambda_http::http::{Method, Response, StatusCode};
use lambda_http::Body;
use serde::{Deserialize, Serialize};

use super::respond::json;
use crate::sync::SyncError;
use crate::webhook::WebhookError;

/// Error codes used in [`ErrorResponse`] bodies.
pub mod codes {
    /// 400: malformed body or parameters.
    pub const BAD_REQUEST: u32 = 20400;
    /// 401: missing or wrong bearer token (Twilio's "Authenticate" code).
    pub const UNAUTHORIZED: u32 = 20003;
    /// 403: missing or wrong `X-Twilio-Signature`.
    pub const FORBIDDEN: u32 = 20403;
    /// 404: no such resource.
    pub const NOT_FOUND: u32 = 20404;
    /// 405: wrong HTTP method.
    pub const METHOD_NOT_ALLOWED: u32 = 20405;
    /// 408: the body did not arrive in time (`callflow serve`'s body timeout).
    pub const REQUEST_TIMEOUT: u32 = 20408;
    /// 413: body over [`MAX_BODY_BYTES`](crate::http::MAX_BODY_BYTES).
    pub const PAYLOAD_TOO_LARGE: u32 = 20413;
    /// 415: wrong content type.
    pub const UNSUPPORTED_MEDIA_TYPE: u32 = 20415;
    /// 500: our fault.
    pub const INTERNAL: u32 = 20500;
    /// 502: the state store (Sync) failed.
    pub const BAD_GATEWAY: u32 = 20502;
    /// 504: the state store (Sync) did not answer in time.
    pub const GATEWAY_TIMEOUT: u32 = 20504;
    /// Sync's code for a value over its 16 KiB limit (answered with 413).
    pub const SYNC_DATA_TOO_LARGE: u32 = 54006;
    /// Sync's code for too many writes to one object (answered with 503).
    pub const SYNC_RATE_LIMITED: u32 = 54009;
    /// Sync's code for a document revision mismatch (answered with 503 once the
    /// store's retries are used up).
    pub const SYNC_REVISION_MISMATCH: u32 = 54103;
}

/// The JSON body of an error, in Twilio's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Error code (see [`codes`]).
    pub code: u32,
    /// What went wrong, for a human.
    pub message: String,
    /// `https://www.twilio.com/docs/errors/<code>`.
    pub more_info: String,
    /// The HTTP status, repeated.
    pub status: u16,
}

/// A refusal: status, code and message, turned into a response in one place.
///
/// Library errors convert into it (`From<WebhookError>` gives 400, `From<SyncError>`
/// the status that says whose fault it is), so a handler `?`s them and
/// [`Function::call`](crate::runtime::Function::call) answers `err.into_response()`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} ({code}): {message}")]
pub struct ErrorResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Error code for the body.
    pub code: u32,
    /// Human-readable message for the body.
    pub message: String,
    header: Option<(HeaderName, HeaderValue)>,
}

impl ErrorResponse {
    /// Any status, code and message.
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            header: None,
        }
    }

    /// 400 with [`codes::BAD_REQUEST`].
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::BAD_REQUEST, message)
    }

    /// 401 with [`codes::UNAUTHORIZED`] and `WWW-Authenticate: Bearer`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            header: Some((WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))),
            ..Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, message)
        }
    }

    /// 403 with [`codes::FORBIDDEN`].
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::FORBIDDEN, message)
    }

    /// 404 with [`codes::NOT_FOUND`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message)
    }

    /// 405 with [`codes::METHOD_NOT_ALLOWED`] and an `Allow` header listing `allowed`
    /// (`GET, POST`).
    pub fn method_not_allowed(got: &Method, allowed: &[Method]) -> Self {
        let allowed = allow_list(allowed);
        Self {
            // Method names are HTTP tokens, always a valid header value.
            header: HeaderValue::from_str(&allowed)
                .ok()
                .map(|value| (ALLOW, value)),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                codes::METHOD_NOT_ALLOWED,
                format!("method {got} is not allowed here; use {allowed}"),
            )
        }
    }

    /// 408 with [`codes::REQUEST_TIMEOUT`]: the body stalled.
    pub fn request_timeout(message: impl Into<String>) -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, codes::REQUEST_TIMEOUT, message)
    }

    /// 413 with [`codes::PAYLOAD_TOO_LARGE`].
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {limit} bytes"),
        )
    }

    /// 415 with [`codes::UNSUPPORTED_MEDIA_TYPE`].
    pub fn unsupported_media_type(got: Option<&str>, expected: &str) -> Self {
        let message = match got {
            Some(got) => format!("Content-Type {got:?} is not supported; send {expected}"),
            None => format!("Content-Type is missing; send {expected}"),
        };
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::UNSUPPORTED_MEDIA_TYPE,
            message,
        )
    }

    /// 500 with [`codes::INTERNAL`]. The message is sent to the client, so keep
    /// details in the logs.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, message)
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message: self.message.clone(),
            more_info: format!("https://www.twilio.com/docs/errors/{}", self.code),
            status: self.status.as_u16(),
        }
    }

    /// The response: status, `application/json` Twilio error body, and `Allow` /
    /// `WWW-Authenticate` where the status calls for one.
    pub fn into_response(self) -> Response<Body> {
        let mut response = json(self.status, &self.body());
        if let Some((name, value)) = self.header {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

impl From<WebhookError> for ErrorResponse {
    fn from(e: WebhookError) -> Self {
        Self::bad_request(e.to_string())
    }
}

/// `methods` as an `Allow` header lists them: `GET, POST`.
pub fn allow_list(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The answer for a Sync failure: the caller's fault only where it is (404, 413); for
/// the rest, a 5xx that tells Twilio to try its fallback URL, with the reason logged.
impl From<SyncError> for ErrorResponse {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::NotFound(_) => Self::not_found("no such state (unknown, or expired)"),
            SyncError::TooLarge(e) => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                e.code.unwrap_or(codes::SYNC_DATA_TOO_LARGE),
                "the state would exceed Sync's 16 KiB limit",
            ),
            SyncError::RateLimited { .. } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SYNC_RATE_LIMITED,
                "Sync is rate limiting this object; try again shortly",
            ),
            SyncError::RevisionMismatch(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                codes::SYNC_REVISION_MISMATCH,
                "too many concurrent updates to this call; try again",
            ),
            SyncError::Timeout { .. } => {
                tracing::error!(%error, "Sync timed out");
                Self::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    codes::GATEWAY_TIMEOUT,
                    "Sync did not answer in time",
                )
            }
            other => {
                tracing::error!(error = %other, "Sync request failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    codes::BAD_GATEWAY,
                    "the state store failed",
                )
            }
        }
    }
}

impl From<ErrorResponse> for Response<Body> {
    fn from(e: ErrorResponse) -> Self {
        e.into_response()
    }
}
