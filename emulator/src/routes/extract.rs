//! Request parsing for the REST face: form bodies, query strings, path segments and headers,
//! size-capped, turned into [`Params`] (whose readers check values: `ops::params`).
//!
//! Everything here turns bad input into a [`SyncError`] (a 4xx), never a panic.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;

use crate::error::SyncError;
pub use crate::ops::params::Params;
use crate::state::Shared;

/// Largest request body accepted; Sync data is at most 16 KiB, so this leaves room for
/// form encoding and the other parameters.
pub const MAX_BODY: usize = 64 * 1024;

/// The form body of a POST, size-capped.
#[derive(Debug)]
pub struct Form(pub Params);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = SyncError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        read_form(req, MAX_BODY).await.map(Form)
    }
}

/// Largest request body of Studio's Flows API, whose `Definition` is a whole flow.
pub const MAX_FLOW_BODY: usize = 1024 * 1024;

/// The form body of a Studio Flows API POST, capped at [`MAX_FLOW_BODY`].
#[derive(Debug)]
pub struct FlowForm(pub Params);

impl<S: Send + Sync> FromRequest<S> for FlowForm {
    type Rejection = SyncError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        read_form(req, MAX_FLOW_BODY).await.map(FlowForm)
    }
}

pub(super) async fn read_form(req: Request, limit: usize) -> Result<Params, SyncError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(SyncError::BodyTooLarge(limit));
    }
    let body: Body = req.into_body();
    // A chunked body is cut at the limit; one that stalls fails with the connection's
    // body timeout (see `callflow_httpd`).
    let bytes =
        axum::body::to_bytes(body, limit).await.map_err(
            |e| match callflow_httpd::body_timed_out(&e) {
                Some(t) => SyncError::BodyTimeout(t.0),
                None => SyncError::BodyTooLarge(limit),
            },
        )?;
    Params::parse(&bytes)
}

/// The query string of a GET.
#[derive(Debug)]
pub struct Query(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = SyncError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Params::parse(q.as_bytes()).map(Query)
    }
}

/// Path segments, percent-decoded, with decoding failures answered as 400.
#[derive(Debug)]
pub struct Ids<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = SyncError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Ids(t))
            .map_err(|e| SyncError::InvalidParameter(format!("invalid path: {e}")))
    }
}

/// The `If-Match` header, if sent.
pub fn if_match(headers: &HeaderMap) -> Result<Option<String>, SyncError> {
    match headers.get(header::IF_MATCH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| SyncError::InvalidParameter("If-Match must be ASCII text".into())),
    }
}

/// The scheme and authority resource URLs are built on, e.g. `http://127.0.0.1:4010`:
/// the configured public base URL, else the request's `Host`, so URLs work through
/// whatever address the client used.
#[derive(Debug, Clone)]
pub struct Base(pub String);

impl FromRequestParts<Shared> for Base {
    type Rejection = SyncError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        if let Some(b) = &state.public_base_url {
            return Ok(Base(b.trim_end_matches('/').to_owned()));
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '@']))
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let scheme = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https" || *p == "http")
            .unwrap_or("http");
        Ok(Base(format!("{scheme}://{host}")))
    }
}
