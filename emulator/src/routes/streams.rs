//! `/v1/Services/{ServiceSid}/Streams[/{Sid}[/Messages]]`.
//!
//! Messages are published, not stored: without the realtime (websocket) side there is
//! nobody to deliver them to, so publish checks the stream and the data and answers with
//! the message SID and data as Twilio does.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde_json::json;

use super::extract::{Form, Ids, MAX_MESSAGE_DATA};
use super::render;
use crate::error::SyncError;
use crate::ratelimit::Op;
use crate::sid::{new_sid, Prefix};
use crate::state::Shared;
use crate::store::objects::{self, Kind};

pub fn routes() -> Router<Shared> {
    Router::new()
        .merge(super::collections::routes(Kind::Stream))
        .route(
            "/v1/Services/{service}/Streams/{id}/Messages",
            post(publish),
        )
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
    let lookup = ctx.clone();
    let stream = st
        .store
        .read(move |c| {
            let svc = services.resolve(c, &service)?;
            objects::get(c, &svc, Kind::Stream, &id, lookup.now)
        })
        .await?;
    ctx.limit(&stream.sid, Op::StreamMessage)?;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
    Ok(render::respond(
        StatusCode::CREATED,
        json!({ "sid": new_sid(Prefix::StreamMessage), "data": data }),
        None,
    ))
}
