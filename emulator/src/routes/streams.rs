//! `/v1/Services/{ServiceSid}/Streams[/{Sid}[/Messages]]`.
//!
//! Messages are published, not stored: without the realtime (websocket) side there is
//! nobody to deliver them to, so publish checks the stream and the data and answers with
//! the message SID and data as Twilio does.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::common;
use super::extract::{Base, Form, Ids, Query, MAX_MESSAGE_DATA};
use super::render;
use crate::error::SyncError;
use crate::sid::{new_sid, Prefix};
use crate::state::Shared;
use crate::store::objects::{self, Kind, NewObject, ObjectUpdate};

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/v1/Services/{service}/Streams", get(list).post(create))
        .route(
            "/v1/Services/{service}/Streams/{id}",
            get(fetch).post(update).delete(remove),
        )
        .route(
            "/v1/Services/{service}/Streams/{id}/Messages",
            post(publish),
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
        data: None,
        ttl: p.ttl("Ttl")?,
    };
    common::create_collection(st, &base, service, Kind::Stream, new).await
}

async fn fetch(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    common::fetch_object(st, &base, service, Kind::Stream, id).await
}

async fn update(
    State(st): State<Shared>,
    Base(base): Base,
    Ids((service, id)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    let upd = ObjectUpdate {
        ttl: p.ttl("Ttl")?,
        ..Default::default()
    };
    common::update_collection(st, &base, service, Kind::Stream, id, upd).await
}

async fn remove(
    State(st): State<Shared>,
    Ids((service, id)): Ids<(String, String)>,
) -> Result<Response, SyncError> {
    common::delete_object(st, service, Kind::Stream, id, None).await
}

async fn list(
    State(st): State<Shared>,
    Base(base): Base,
    Ids(service): Ids<String>,
    Query(p): Query,
) -> Result<Response, SyncError> {
    common::list_objects(st, &base, service, Kind::Stream, &p).await
}

async fn publish(
    State(st): State<Shared>,
    Ids((service, id)): Ids<(String, String)>,
    Form(p): Form,
) -> Result<Response, SyncError> {
    p.required("Data")?;
    let data = p
        .json_data(MAX_MESSAGE_DATA)?
        .unwrap_or_else(|| "{}".into());
    let ctx = st.write_ctx();
    let services = st.services();
    let stream = st
        .store
        .read(move |c| {
            let svc = services.resolve(c, &service)?;
            objects::get(c, &svc, Kind::Stream, &id, ctx.now)
        })
        .await?;
    st.write_ctx().touch(&stream.sid)?;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
    Ok(render::respond(
        StatusCode::CREATED,
        json!({ "sid": new_sid(Prefix::StreamMessage), "data": data }),
        None,
    ))
}
