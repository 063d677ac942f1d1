//! What the REST routes of all object kinds share: the request as they read it
//! ([`SyncRequest`]), running its [`Operation`] for the account and answering it as REST
//! v1 does, and the write parameters items take.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::extract::{read_form, Base, Params, MAX_BODY};
use crate::error::SyncError;
use crate::ops::params::MAX_DATA;
use crate::ops::render::{self, Face};
use crate::ops::{self, Caller, Input, Operation};
use crate::state::Shared;

/// What every Sync object route reads: the state, the URL base, the headers, and the
/// parameters (a GET's query string, a POST's form body; a DELETE takes none).
pub struct SyncRequest {
    st: Shared,
    base: String,
    /// The request headers (`If-Match`).
    pub headers: HeaderMap,
    /// The query or form parameters.
    pub params: Params,
}

impl FromRequest<Shared> for SyncRequest {
    type Rejection = SyncError;

    async fn from_request(req: Request, st: &Shared) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Base(base) = Base::from_request_parts(&mut parts, st).await?;
        let headers = parts.headers.clone();
        let params = match parts.method {
            Method::POST => read_form(Request::from_parts(parts, body), MAX_BODY).await?,
            Method::GET => Params::parse(parts.uri.query().unwrap_or("").as_bytes())?,
            _ => Params::default(),
        };
        Ok(SyncRequest {
            st: st.clone(),
            base,
            headers,
            params,
        })
    }
}

impl SyncRequest {
    /// Applies `op` in `service` with the account's rights and renders the REST answer.
    pub async fn serve(self, service: String, op: Operation) -> Result<Response, SyncError> {
        let shape = op.shape();
        let outcome = ops::run(&self.st, service, &Caller::Account, false, op).await?;
        let face = Face::Rest {
            base: &self.base,
            account_sid: &self.st.account_sid,
        };
        let a = ops::answer(face, &shape, outcome);
        let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
        Ok(match a.body {
            Some(body) => render::respond(status, body, a.etag),
            None => status.into_response(),
        })
    }

    /// The write parameters every item create/update accepts. `ItemTtl` wins over its
    /// alias `Ttl`.
    pub fn item_input(&self, if_match: Option<String>) -> Result<Input, SyncError> {
        let p = &self.params;
        Ok(Input {
            if_match,
            data: p.json_data(MAX_DATA)?,
            ttl: p.ttl_of(&["ItemTtl", "Ttl"])?,
            collection_ttl: p.ttl("CollectionTtl")?,
            ..Input::default()
        })
    }
}

/// The empty 204 of a delete.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
