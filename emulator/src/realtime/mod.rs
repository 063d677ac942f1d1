//! The realtime face: Twilio Sync's WebSocket protocol (twilsock V3) at `/v3/wsconnect`,
//! on the same router and store as REST v1, so the unmodified twilio-sync.js client works
//! against the emulator (`new SyncClient(token, { twilsock: { uri: 'ws://HOST/v3/wsconnect' } })`).
//!
//! # Layout
//! - [`frame`]: parsing and encoding `TWILSOCK V3.0` frames.
//! - [`token`]: checking the access token of `init` / `update` (HS256 with a known API key
//!   secret, account, expiry, Sync grant).
//! - `session`: one connection: init, CDS requests, subscriptions, event delivery, expiry.
//! - `cds`: the CDS API carried in `message` frames (`/v3/Documents`, `/v3/Maps`, …),
//!   translated into the operations of `ops`, which checks Sync Permissions, applies
//!   and renders them as for REST.
//! - `notifications`: rendering logged events as the notifications the client consumes.
//!
//! Events themselves are written by the store (`store::event_log`): every write appends to a
//! per-object log in its own transaction, and the store's writer publishes each commit's
//! events on a broadcast channel that sessions listen to.

mod cds;
pub mod frame;
mod notifications;
mod session;
pub mod token;

use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::state::Shared;

/// The path twilio-sync.js connects to.
pub const PATH: &str = "/v3/wsconnect";

/// Largest frame accepted from a client: Sync data is at most 16 KiB, so this leaves room.
const MAX_MESSAGE: usize = 256 * 1024;

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 8 * 1024;

/// The WebSocket endpoint at [`PATH`], for the emulator's router.
pub fn routes() -> Router<Shared> {
    // The latest live event's payload, rendered once for all of this instance's sessions.
    let live = Arc::new(notifications::LiveRender::default());
    Router::new().route(
        PATH,
        get(move |st: State<Shared>, ws: WebSocketUpgrade| upgrade(st, ws, live.clone())),
    )
}

async fn upgrade(
    State(st): State<Shared>,
    ws: WebSocketUpgrade,
    live: Arc<notifications::LiveRender>,
) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        // tungstenite zero-fills its whole read buffer before every socket read (128 KiB by
        // default): with hundreds of sessions that memset was a third of the CPU of the
        // realtime bench. Twilsock frames are small (an init with its token ~2 KB); a
        // larger message still arrives, the buffer grows for it.
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| session::run(socket, st, live))
}
