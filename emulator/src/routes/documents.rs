//! `/v1/Services/{ServiceSid}/Documents[/{Sid}]`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::common;
use super::extract::{if_match, Base, Form, Ids, Query, MAX_DATA};
use super::render;
use crate::error::SyncError;
use crate::state::Shared;
use crate::store::objects::{self, Kind, NewObject, ObjectUpdate};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/Services/{service}/Documents", get(list).post(create))
        .route(
            "/v1/Services/{service}/Documents/{id}",
            get(fetch).post(update).delete(remove),
        )
}

async fn create(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(service): Ids<String>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let new = NewObject {
        unique_name: p.unique_name()?,
        data: p.json_data(MAX_DATA)?,
        ttl: p.ttl("Ttl")?,
    };
    let ctx = st.write_ctx();
    let services = st.services();
    let row = st
        .store
        .write(move |c| {
            let svc = services.resolve(c, &service)?;
            objects::create(c, &ctx, &svc, Kind::Document, new)
        })
        .await?;
    st.note_expiry(row.date_expires);
    Ok(render::respond(
        StatusCode::CREATED,
        render::object(&base, &st.account_sid, &row),
        Some(row.revision),
    ))
}

async fn fetch(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    common::fetch_object(st, &base, service, Kind::Document, id).await
}

async fn update(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    headers: HeaderMap,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let upd = ObjectUpdate {
        if_match: if_match(&headers)?,
        data: p.json_data(MAX_DATA)?,
        ttl: p.ttl("Ttl")?,
    };
    let ctx = st.write_ctx();
    let services = st.services();
    let row = st
        .store
        .write(move |c| {
            let svc = services.resolve(c, &service)?;
            objects::update(c, &ctx, &svc, Kind::Document, &id, upd)
        })
        .await?;
    st.note_expiry(row.date_expires);
    Ok(render::respond(
        StatusCode::OK,
        render::object(&base, &st.account_sid, &row),
        Some(row.revision),
    ))
}

async fn remove(
    State(st): State<Shared>,
    Ids((service, id)): Ids<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, SyncError> {
    let m = if_match(&headers)?;
    common::delete_object(st, service, Kind::Document, id, m).await
}

async fn list(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(service): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    common::list_objects(st, &base, service, Kind::Document, &p).await
}
