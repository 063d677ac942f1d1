//! `/v1/Services/{ServiceSid}/Streams[/{Sid}[/Messages]]`.
//!
//! Messages are not stored: publishing appends a `stream_message_published` event, which
//! the realtime side delivers to the stream's subscribers, and answers with the message
//! SID and data as Twilio does.

use axum::response::Response;
use axum::routing::post;
use axum::Router;

use super::common::SyncRequest;
use super::extract::Ids;
use crate::error::SyncError;
use crate::ops::params::MAX_MESSAGE_DATA;
use crate::ops::{Input, Operation, Target, Verb};
use crate::state::Shared;
use crate::store::objects::Kind;

pub fn routes() -> Router<Shared> {
    Router::new().route(
        "/v1/Services/{service}/Streams/{id}/Messages",
        post(publish),
    )
}

async fn publish(
    Ids((service, id)): Ids<(String, String)>,
    r: SyncRequest,
) -> Result<Response, SyncError> {
    r.params.required("Data")?;
    let input = Input {
        data: r.params.json_data(MAX_MESSAGE_DATA)?,
        ..Input::default()
    };
    let op = Operation::new(Kind::Stream, Verb::Publish, Target::Messages(id), input);
    r.serve(service, op).await
}
