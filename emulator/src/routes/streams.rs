//! `/v1/Services/{ServiceSid}/Streams[/{Sid}[/Messages]]`.
//!
//! Messages are not stored: publishing appends a `stream_message_published` event, which
//! the realtime side delivers to the stream's subscribers, and answers with the message
//! SID and data as Twilio does.

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
use crate::store::events;
use crate::store::objects::Kind;

pub fn routes() -> Router<Shared> {
    Router::new()
        .merge(super::objects::routes(Kind::Stream))
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
    let sid = new_sid(Prefix::StreamMessage);
    let message_sid = sid.clone();
    let text = data.clone();
    st.write_in(service, move |s| {
        let stream = s.object(Kind::Stream, &id)?;
        s.ctx.limit(&stream.sid, Op::StreamMessage)?;
        events::message_published(s.conn, s.ctx.now, &stream, &message_sid, &text)
    })
    .await?;
    let data: serde_json::Value = serde_json::from_str(&data).unwrap_or_else(|_| json!({}));
    Ok(render::respond(
        StatusCode::CREATED,
        json!({ "sid": sid, "data": data }),
        None,
    ))
}
