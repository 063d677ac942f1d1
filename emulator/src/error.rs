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
    /// A document's revision (54103).
    Document,
    /// A map item's revision (54205).
    MapItem,
    /// A list item's revision (54155).
    ListItem,
}

/// Everything that can go wrong while serving a Sync request.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No or wrong credentials (20003, HTTP 401).
    #[error("Authenticate")]
    Unauthorized,
    /// The path or the object it names does not exist (20404); the text names what was asked.
    #[error("The requested resource {0} was not found")]
    NotFound(String),
    /// The path exists but not with this method (20004, HTTP 405).
    #[error("Method not allowed")]
    MethodNotAllowed,
    /// A required form parameter is absent (20001, HTTP 400).
    #[error("Missing required parameter {0} in the post body")]
    MissingParameter(&'static str),
    /// A parameter is present but not acceptable (20001, HTTP 400); the text says why.
    #[error("{0}")]
    InvalidParameter(String),
    /// The request body is over the configured limit, in bytes (20413, HTTP 413).
    #[error("Request entity too large: the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    /// The request body did not arrive in time (20408, HTTP 408).
    #[error("Request timeout: the request body did not arrive within {0:?}")]
    BodyTimeout(std::time::Duration),
    /// An object's `Data` is over Sync's 16 KiB limit, in bytes (54006, HTTP 413).
    #[error("Request entity too large: Data is larger than {0} bytes")]
    DataTooLarge(usize),
    /// `Data` is not a JSON object (54008, HTTP 400).
    #[error("Invalid request body: {0}")]
    InvalidData(String),
    /// `Ttl` is not a whole number of seconds in Sync's range (54011, HTTP 400).
    #[error("Invalid TTL: {0}")]
    InvalidTtl(String),
    /// `If-Match` named another revision than the stored one (HTTP 412; the code depends
    /// on the target).
    #[error("The actual revision of the {} does not match the expected revision", target_name(*.0))]
    RevisionMismatch(RevisionTarget),
    /// Another object of the service already has this `UniqueName` (54301, HTTP 409).
    #[error("Unique name already exists: {0}")]
    UniqueNameExists(String),
    /// The map already has an item with this key (54208, HTTP 409).
    #[error("Map Item already exists: {0}")]
    ItemKeyExists(String),
    /// The map item key is empty, too long or has characters Sync refuses (54209, HTTP 400).
    #[error("Invalid Map Item key: {0}")]
    InvalidItemKey(String),
    /// Too many requests of one kind to one object in one second (54009, HTTP 429, with
    /// `Retry-After`).
    #[error("Rate limit exceeded: more than {per_second} {what} per second to one object; retry after {retry_after_s} s")]
    RateLimited {
        /// The budget that was exceeded, per object and second.
        per_second: u32,
        /// What was counted: `writes`, `writes of 10 KiB or more`, `reads` or `stream messages`.
        what: &'static str,
        /// Whole seconds until the object has budget again (`Retry-After`).
        retry_after_s: u64,
    },
    /// An operation Sync never allows, e.g. deleting the `default` service (20403, HTTP
    /// 403); the text says which.
    #[error("{0}")]
    Forbidden(String),
    /// A realtime client's identity lacks the Sync Permission the request needs
    /// (services with `AclEnabled`).
    #[error("The identity {identity:?} does not have permission to {action} {object}")]
    PermissionDenied {
        /// The realtime client's identity, from its access token.
        identity: String,
        /// What it tried, e.g. `create` or `read`.
        action: &'static str,
        /// What it tried it on, as the message names it (`a document`, a SID).
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
    /// A fault of the emulator itself, e.g. SQLite (20500, HTTP 500; logged).
    #[error("Internal error: {0}")]
    Internal(String),
}

/// One problem of a Studio flow definition, as Studio reports it: a message and the JSON
/// pointer (`#/states/1/transitions/0/next`) of what it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlowProblem {
    /// What is wrong, in Studio's words.
    pub message: String,
    /// JSON pointer to the offending part of the definition, e.g.
    /// `#/states/1/transitions/0/next`.
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
