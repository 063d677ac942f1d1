//! `GET /_emulator/stats` and `DELETE /_emulator/stats`: how many Sync API requests were
//! served, so tools outside the process can measure what an operation costs, and how often
//! a realtime session fell behind the live feed and caught up from the log, and how many
//! realtime sockets were closed for never sending `init` (`realtime_init_timeouts`) or for
//! going silent, Pongs included (`realtime_idle_closed`).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::common::no_content;
use crate::state::Shared;

pub fn routes() -> Router<Shared> {
    Router::new().route("/_emulator/stats", get(show).delete(reset))
}

async fn show(State(st): State<Shared>) -> Response {
    Json(json!({
        "requests": st.stats.total(),
        "by_method": st.stats.by_method(),
        "realtime_catch_ups": st.stats.catch_ups(),
        "realtime_sessions": st.stats.sessions(),
        "realtime_init_timeouts": st.stats.init_timeouts(),
        "realtime_idle_closed": st.stats.idle_closed(),
    }))
    .into_response()
}

async fn reset(State(st): State<Shared>) -> Response {
    st.stats.reset();
    no_content()
}
