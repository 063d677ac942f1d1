//! The error type of the emulator and its one translation to Twilio's wire form.
//!
//! Every failure a handler or the store can produce is a [`SyncError`] variant; the HTTP
//! edge turns it into a status and a `{code, message, more_info, status}` body here and
//! nowhere else, so the codes clients match on stay consistent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Which kind of object a revision mismatch happened on; Twilio uses a different code each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionTarget {
    Document,
    MapItem,
    ListItem,
}

/// Everything that can go wrong while serving a Sync request.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Authenticate")]
    Unauthorized,
    #[error("The requested resource {0} was not found")]
    NotFound(String),
    #[error("Method not allowed")]
    MethodNotAllowed,
    #[error("Missing required parameter {0} in the post body")]
    MissingParameter(&'static str),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("Request entity too large: the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    #[error("Request timeout: the request body did not arrive within {0:?}")]
    BodyTimeout(std::time::Duration),
    #[error("Request entity too large: Data is larger than {0} bytes")]
    DataTooLarge(usize),
    #[error("Invalid request body: {0}")]
    InvalidData(String),
    #[error("Invalid TTL: {0}")]
    InvalidTtl(String),
    #[error("The actual revision of the {} does not match the expected revision", target_name(*.0))]
    RevisionMismatch(RevisionTarget),
    #[error("Unique name already exists: {0}")]
    UniqueNameExists(String),
    #[error("Map Item already exists: {0}")]
    ItemKeyExists(String),
    #[error("Invalid Map Item key: {0}")]
    InvalidItemKey(String),
    #[error("Rate limit exceeded: more than {per_second} {what} per second to one object; retry after {retry_after_s} s")]
    RateLimited {
        per_second: u32,
        what: &'static str,
        /// Whole seconds until the object has budget again (`Retry-After`).
        retry_after_s: u64,
    },
    #[error("{0}")]
    Forbidden(String),
    /// A realtime client's identity lacks the Sync Permission the request needs
    /// (services with `AclEnabled`).
    #[error("The identity {identity:?} does not have permission to {action} {object}")]
    PermissionDenied {
        identity: String,
        action: &'static str,
        object: String,
    },
    /// A Studio flow definition that breaks the flow-definition schema (Studio's
    /// `POST /v2/Flows`, `/v2/Flows/{Sid}` and `/v2/Flows/Validate`); each problem is in
    /// the body's `details.errors`.
    #[error("Invalid Flow Definition")]
    InvalidFlowDefinition(Vec<FlowProblem>),
    /// A request to Twilio's 2010-04-01 API (or IAM's Keys) refused with one of that
    /// API's own codes, e.g. 21604 "A 'To' phone number is required." (always a 400).
    #[error("{message}")]
    Refused {
        /// Twilio's error code (twilio.com/docs/errors/{code}).
        code: u32,
        /// Twilio's message for it.
        message: String,
    },
    #[error("Internal error: {0}")]
    Internal(String),
}

/// One problem of a Studio flow definition, as Studio reports it: a message and the JSON
/// pointer (`#/states/1/transitions/0/next`) of what it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlowProblem {
    pub message: String,
    pub property_path: String,
}

fn target_name(t: RevisionTarget) -> &'static str {
    match t {
        RevisionTarget::Document => "Document",
        RevisionTarget::MapItem => "Map Item",
        RevisionTarget::ListItem => "List Item",
    }
}

impl SyncError {
    /// Twilio's numeric error code, as documented at twilio.com/docs/errors.
    pub fn code(&self) -> u32 {
        match self {
            SyncError::Unauthorized => 20003,
            SyncError::NotFound(_) => 20404,
            SyncError::MethodNotAllowed => 20004,
            SyncError::MissingParameter(_)
            | SyncError::InvalidParameter(_)
            | SyncError::InvalidFlowDefinition(_) => 20001,
            SyncError::BodyTooLarge(_) => 20413,
            SyncError::BodyTimeout(_) => 20408,
            SyncError::DataTooLarge(_) => 54006,
            SyncError::InvalidData(_) => 54008,
            SyncError::InvalidTtl(_) => 54011,
            SyncError::RevisionMismatch(RevisionTarget::Document) => 54103,
            SyncError::RevisionMismatch(RevisionTarget::MapItem) => 54205,
            SyncError::RevisionMismatch(RevisionTarget::ListItem) => 54155,
            SyncError::UniqueNameExists(_) => 54301,
            SyncError::ItemKeyExists(_) => 54208,
            SyncError::InvalidItemKey(_) => 54209,
            SyncError::RateLimited { .. } => 54009,
            SyncError::Forbidden(_) => 20403,
            SyncError::PermissionDenied { .. } => 54007,
            SyncError::Refused { code, .. } => *code,
            SyncError::Internal(_) => 20500,
        }
    }

    /// The HTTP status that goes with the code.
    pub fn status(&self) -> StatusCode {
        match self {
            SyncError::Unauthorized => StatusCode::UNAUTHORIZED,
            SyncError::NotFound(_) => StatusCode::NOT_FOUND,
            SyncError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            SyncError::MissingParameter(_)
            | SyncError::InvalidParameter(_)
            | SyncError::InvalidData(_)
            | SyncError::InvalidTtl(_)
            | SyncError::InvalidItemKey(_)
            | SyncError::InvalidFlowDefinition(_)
            | SyncError::Refused { .. } => StatusCode::BAD_REQUEST,
            SyncError::BodyTooLarge(_) | SyncError::DataTooLarge(_) => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            SyncError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            SyncError::RevisionMismatch(_) => StatusCode::PRECONDITION_FAILED,
            SyncError::UniqueNameExists(_) | SyncError::ItemKeyExists(_) => StatusCode::CONFLICT,
            SyncError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            SyncError::Forbidden(_) | SyncError::PermissionDenied { .. } => StatusCode::FORBIDDEN,
            SyncError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body Twilio sends with an error.
    pub fn body(&self) -> serde_json::Value {
        let code = self.code();
        let mut body = json!({
            "code": code,
            "message": self.to_string(),
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": self.status().as_u16(),
        });
        if let SyncError::InvalidFlowDefinition(errors) = self {
            body["details"] = json!({ "errors": errors });
        }
        body
    }
}

impl From<rusqlite::Error> for SyncError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "sqlite error");
        SyncError::Internal(format!("storage: {e}"))
    }
}

impl IntoResponse for SyncError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let mut resp = (status, axum::Json(self.body())).into_response();
        match self {
            SyncError::RateLimited { retry_after_s, .. } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            // As Twilio does, so curl and browsers know to send Basic credentials.
            SyncError::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Twilio API\""),
                );
            }
            _ => {}
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_twilio_shape() {
        let b = SyncError::RevisionMismatch(RevisionTarget::ListItem).body();
        assert_eq!(b["code"], 54155);
        assert_eq!(b["status"], 412);
        assert_eq!(b["more_info"], "https://www.twilio.com/docs/errors/54155");
        assert!(b["message"]
            .as_str()
            .is_some_and(|m| m.contains("List Item")));
    }
}
