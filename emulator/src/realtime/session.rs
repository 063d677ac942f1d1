//! One twilsock connection: `init`, CDS requests, subscriptions and event delivery.
//!
//! The session is one task that owns the socket's state and waits on four things: frames
//! from the client, events from the store's feed, answers of CDS requests (each runs in a
//! task of its own, so a slow write does not hold up the others), and a one-second tick
//! that watches the token's expiry (`client_update` 30 s before, `close` 410 at expiry).
//! A fifth, the alarm, bounds silence: a socket that has not sent a successful `init`
//! within `realtime_init_timeout` (the server's header timeout) is closed, and an
//! initialised one is sent a WebSocket Ping every `realtime_ping_interval` and closed once
//! nothing at all, Pongs included, has arrived for `realtime_idle_timeout`. Without this
//! an upgraded connection, which the HTTP server's timeouts no longer cover, could hold
//! its descriptor forever.
//!
//! Subscriptions keep a cursor per object: the id of the last event sent. A subscribe
//! replays from the log everything after the client's `last_event_id`, then reports
//! `subscription_established`; live events at or below the cursor (already replayed) are
//! skipped, so the client sees each event once and in order. If the feed overflows for
//! this session (`Lagged`), every subscription is caught up from the log the same way.
//!
//! On a service with `AclEnabled`, a subscription lasts only as long as the identity may
//! read the object: when a Sync Permission changes over REST, the store announces it
//! ([`Store::permission_changes`](crate::store::Store::permission_changes)) and each
//! session serving that identity re-checks `read` for that object. A subscription no
//! longer allowed is dropped and the client is sent `subscription_failed` with the 403 /
//! 54007 error, the notification twilio-sync.js turns into the object's `failure` event
//! (with `correlation_id` null, which matches an established subscription's). Pending
//! changes are handled before every live event, and the store announces a change before
//! it publishes any later commit's events, so no event written after a revocation
//! reaches the revoked identity. A token `update` naming another identity re-checks all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use serde_json::{json, Map, Value};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use super::cds::{self, Request};
use super::frame::Frame;
use super::notifications::{self as render, SYNC_EVENT};
use super::token::{self, Grant, TokenError};
use crate::error::SyncError;
use crate::ops::acl;
use crate::sid::new_secret;
use crate::state::Shared;
use crate::store::event_log::{self, Event, Logged};
use crate::store::objects::{self, Kind};
use crate::store::permissions::{self, Access};

/// The host written into URLs when the client did not name one.
const DEFAULT_CDS_HOST: &str = "cds.us1.twilio.com";
/// Events read from the log at a time while replaying.
const REPLAY_PAGE: usize = 1000;
/// How long before expiry the client is told to fetch a new token.
const ABOUT_TO_EXPIRE_MS: i64 = 30_000;
/// What the subscribe reply promises; the client re-subscribes if nothing arrives by then.
const ESTIMATED_DELIVERY_MS: u64 = 5_000;
/// Most subscriptions one request may carry (the reply's `max_batch_size`).
const MAX_BATCH: usize = 100;

/// How an event reaches the client.
#[derive(Clone, Copy)]
enum Delivery<'a> {
    /// Live from the feed, as the kind's message type, rendered once for all sessions.
    Live(&'a Logged),
    /// Replayed from the log (or a Document's current value standing in for it), as
    /// `twilio.sync.event`, answering the subscribe request `correlation` if any.
    Replay(Option<&'a Value>),
}

/// A subscribed object and the id of the last event sent for it.
#[derive(Debug, Clone, Copy)]
struct Sub {
    kind: Kind,
    cursor: i64,
}

struct Session {
    st: Shared,
    /// The latest live event's payload, shared by the instance's sessions.
    live: Arc<render::LiveRender>,
    socket: WebSocket,
    /// The token's service (a SID), identity and expiry, once `init` succeeded.
    service_sid: Option<String>,
    identity: Option<String>,
    expires_at_ms: i64,
    warned_expiry: bool,
    subs: HashMap<String, Sub>,
    /// `https://host` of the CDS URLs, from the first request that named a host.
    base: String,
    replies: mpsc::UnboundedSender<Vec<u8>>,
    /// When the last frame of any kind (Pongs included) arrived; the socket's opening
    /// before the first.
    last_heard: Instant,
    /// When the next WebSocket Ping is due (set by `init`).
    next_ping: Instant,
    /// `init` just succeeded: the alarm is to be set from the init deadline to the pings.
    rearm: bool,
}

/// Why the session ends.
enum End {
    /// The client closed, a send failed, or the session was done (refused, expired).
    Closed,
    /// No successful `init` in time, or nothing heard (not even a Pong) for the idle
    /// timeout: the reason goes in the WebSocket Close frame.
    Silent(&'static str),
}

/// How long the Close frame to a silent client may wait on its socket.
const SILENT_CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Serves one upgraded socket until it closes.
pub async fn run(socket: WebSocket, st: Shared, live: Arc<render::LiveRender>) {
    let _open = st.stats.session_opened();
    // Subscribe to the feed before anything can be subscribed, so no commit falls between
    // a subscription's log read and its first live event.
    let mut feed = st.store.events();
    let mut permission_changes = st.store.permission_changes();
    let (replies, mut answers) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut s = Session {
        st,
        live,
        socket,
        service_sid: None,
        identity: None,
        expires_at_ms: i64::MAX,
        warned_expiry: false,
        subs: HashMap::new(),
        base: format!("https://{DEFAULT_CDS_HOST}"),
        replies,
        last_heard: Instant::now(),
        next_ping: Instant::now(),
        rearm: false,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Until `init` succeeds the alarm is the init deadline; after, it is the next ping or
    // the idle deadline, whichever comes first (see `on_alarm`).
    let alarm = tokio::time::sleep_until(s.last_heard + s.st.realtime_init_timeout);
    tokio::pin!(alarm);
    let end = loop {
        let step = tokio::select! {
            msg = s.socket.recv() => {
                if matches!(msg, Some(Ok(_))) {
                    s.last_heard = Instant::now();
                }
                match msg {
                    Some(Ok(Message::Binary(b))) => s.on_bytes(&b).await,
                    Some(Ok(Message::Text(t))) => s.on_bytes(t.as_bytes()).await,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => Err(End::Closed),
                }
            },
            () = &mut alarm => match s.on_alarm().await {
                Ok(next) => {
                    alarm.as_mut().reset(next);
                    Ok(())
                }
                Err(end) => Err(end),
            },
            ev = feed.recv() => match ev {
                Ok(ev) => match s.pending_permission_changes(&mut permission_changes).await {
                    Ok(()) => s.on_event(&ev).await,
                    Err(end) => Err(end),
                },
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(missed = n, "realtime session lagged; catching up from the log");
                    s.st.stats.record_catch_up();
                    s.catch_up_all().await
                }
                Err(broadcast::error::RecvError::Closed) => Err(End::Closed),
            },
            change = permission_changes.recv() => match change {
                Ok(change) => s.on_permission_change(&change).await,
                Err(broadcast::error::RecvError::Lagged(_)) => s.recheck_all().await,
                Err(broadcast::error::RecvError::Closed) => Err(End::Closed),
            },
            Some(bytes) = answers.recv() => s.send(bytes).await,
            _ = tick.tick() => s.on_tick().await,
        };
        if let Err(end) = step {
            break end;
        }
        if std::mem::take(&mut s.rearm) {
            alarm
                .as_mut()
                .reset(s.next_ping.min(s.last_heard + s.st.realtime_idle_timeout));
        }
    };
    // Bounded like every send: a client that stopped reading would hold this task (and the
    // socket) forever; dropping the socket instead closes the connection. A silent client
    // is presumably gone, so its close is not waited on for long.
    let (timeout, close) = match end {
        End::Closed => (s.st.realtime_send_timeout, None),
        End::Silent(reason) => (
            s.st.realtime_send_timeout.min(SILENT_CLOSE_WAIT),
            Some(CloseFrame {
                code: close_code::POLICY,
                reason: reason.into(),
            }),
        ),
    };
    let _ = tokio::time::timeout(timeout, s.socket.send(Message::Close(close))).await;
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn frame_id() -> String {
    format!("TM{}", new_secret())
}

fn status(code: u16, text: &str) -> Value {
    json!({ "code": code, "status": text })
}

/// The reason phrase twilsock shows for an HTTP status.
fn reason(code: u16) -> &'static str {
    http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

impl Session {
    async fn send(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        // A client that stops reading would hold this session forever; events it misses
        // meanwhile are in the log, so dropping it loses nothing it cannot replay.
        match tokio::time::timeout(
            self.st.realtime_send_timeout,
            self.socket.send(Message::Binary(bytes.into())),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(End::Closed),
        }
    }

    async fn send_frame(&mut self, f: Frame) -> Result<(), End> {
        self.send(f.encode()).await
    }

    /// A twilsock-level reply (`status`), e.g. to `init`.
    async fn reply(&mut self, id: &str, code: u16, extra: Value) -> Result<(), End> {
        let mut h =
            obj(json!({ "method": "reply", "id": id, "status": status(code, reason(code)) }));
        h.extend(obj(extra));
        self.send_frame(Frame::new(h)).await
    }

    async fn notify(&mut self, message_type: &str, payload: &Value) -> Result<(), End> {
        self.notify_bytes(message_type, payload.to_string().into_bytes())
            .await
    }

    async fn notify_bytes(&mut self, message_type: &str, payload: Vec<u8>) -> Result<(), End> {
        let h = obj(json!({
            "method": "notification",
            "id": frame_id(),
            "message_type": message_type,
            "payload_type": "application/json",
        }));
        let f = Frame { header: h, payload };
        self.send_frame(f).await
    }

    async fn on_bytes(&mut self, bytes: &[u8]) -> Result<(), End> {
        let frame = match Frame::parse(bytes) {
            Ok(f) => f,
            Err(e) => {
                // Without a readable header there is no id to answer; twilsock treats 406
                // as "the server cannot parse the protocol" and stops.
                tracing::debug!(error = %e, "realtime: unreadable frame");
                let h = obj(json!({
                    "method": "close",
                    "id": frame_id(),
                    "status": { "code": 406, "status": "Not Acceptable", "description": e.to_string() },
                }));
                let _ = self.send_frame(Frame::new(h)).await;
                return Err(End::Closed);
            }
        };
        let id = frame.id().unwrap_or_default().to_owned();
        match frame.method().unwrap_or_default() {
            "init" => self.on_init(&id, &frame).await,
            "update" => self.on_update(&id, &frame).await,
            // The client's acknowledgement of our notifications: nothing to do.
            "reply" => Ok(()),
            "close" => Err(End::Closed),
            "message" => self.on_message(&id, &frame).await,
            // Keep-alives, notification contexts (push registrations) and telemetry are
            // accepted and have no effect here.
            "ping" | "put_notification_ctx" | "delete_notification_ctx" | "telemetry.v1" => {
                self.reply(&id, 200, json!({})).await
            }
            other => {
                let description = format!("unknown method {other:?}");
                self.reply(&id, 400, json!({ "status": { "code": 400, "status": "Bad Request", "description": description } }))
                    .await
            }
        }
    }

    /// Checks a token and resolves its service to a SID.
    async fn check(st: Shared, token: Option<&str>) -> Result<(Grant, String), TokenError> {
        let token = token.ok_or_else(|| TokenError::Malformed("no token".into()))?;
        let grant = token::verify(token, &st.api_keys, &st.account_sid, st.clock.now_ms())?;
        let services = st.services();
        let name = grant.service.clone();
        let sid = st
            .store
            .read(move |c| services.resolve(c, &name))
            .await
            .map_err(|_| TokenError::UnknownService(grant.service.clone()))?;
        Ok((grant, sid))
    }

    async fn refuse(&mut self, id: &str, e: &TokenError) -> Result<(), End> {
        tracing::debug!(error = %e, "realtime: token refused");
        self.reply(
            id,
            401,
            json!({ "status": {
                "code": 401, "status": "UNAUTHORIZED",
                "errorCode": e.code(), "description": e.to_string(),
            }}),
        )
        .await
    }

    async fn on_init(&mut self, id: &str, f: &Frame) -> Result<(), End> {
        let token = f.header.get("token").and_then(Value::as_str);
        match Self::check(self.st.clone(), token).await {
            Ok((grant, sid)) => {
                self.expires_at_ms = grant.expires_at_ms;
                self.warned_expiry = false;
                let storage = format!("{sid}-{}", grant.identity.as_deref().unwrap_or(""));
                if self.service_sid.is_none() {
                    // Pings start now: the alarm moves from the init deadline to the first.
                    self.next_ping = Instant::now() + self.st.realtime_ping_interval;
                    self.rearm = true;
                }
                self.service_sid = Some(sid);
                self.identity = grant.identity;
                self.reply(
                    id,
                    200,
                    json!({
                        "continuation_token": new_secret(),
                        "continuation_token_status": { "reissued": false },
                        "capabilities": ["client_update", "offline_storage"],
                        "offline_storage": { "data_sync": { "storage_id": storage } },
                        "init_registrations": f.header.get("registrations").cloned().unwrap_or(Value::Null),
                        "debug_info": { "emulator": "sync-emulator" },
                    }),
                )
                .await
            }
            Err(e) => {
                self.refuse(id, &e).await?;
                // A refused client stops (`denied`); nothing more to serve.
                Err(End::Closed)
            }
        }
    }

    async fn on_update(&mut self, id: &str, f: &Frame) -> Result<(), End> {
        let token = f.header.get("token").and_then(Value::as_str);
        match Self::check(self.st.clone(), token).await {
            Ok((grant, sid)) if self.service_sid.as_deref() == Some(sid.as_str()) => {
                self.expires_at_ms = grant.expires_at_ms;
                self.warned_expiry = false;
                // Permissions follow the token in use.
                let changed = self.identity != grant.identity;
                self.identity = grant.identity;
                self.reply(id, 200, json!({})).await?;
                if changed {
                    self.recheck_all().await?;
                }
                Ok(())
            }
            Ok((grant, _)) => {
                self.refuse(id, &TokenError::UnknownService(grant.service))
                    .await
            }
            Err(e) => self.refuse(id, &e).await,
        }
    }

    /// The session's alarm went off: before `init`, that is the init deadline; after, a
    /// ping may be due, or the client may have been silent too long. Returns when to look
    /// again.
    async fn on_alarm(&mut self) -> Result<Instant, End> {
        if self.service_sid.is_none() {
            tracing::debug!("realtime: no init within the init timeout; closing");
            self.st.stats.record_init_timeout();
            return Err(End::Silent("no init in time"));
        }
        let now = Instant::now();
        let silent_until = self.last_heard + self.st.realtime_idle_timeout;
        if now >= silent_until {
            tracing::debug!("realtime: nothing heard within the idle timeout; closing");
            self.st.stats.record_idle_closed();
            return Err(End::Silent("idle"));
        }
        if now >= self.next_ping {
            self.next_ping = now + self.st.realtime_ping_interval;
            match tokio::time::timeout(
                self.st.realtime_send_timeout,
                self.socket.send(Message::Ping(Default::default())),
            )
            .await
            {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return Err(End::Closed),
            }
        }
        Ok(self.next_ping.min(silent_until))
    }

    async fn on_tick(&mut self) -> Result<(), End> {
        if self.service_sid.is_none() {
            return Ok(());
        }
        let now = self.st.clock.now_ms();
        if now >= self.expires_at_ms {
            let h = obj(json!({
                "method": "close",
                "id": frame_id(),
                "status": { "code": 410, "status": "TOKEN_EXPIRED", "errorCode": 20104,
                            "description": "Access Token expired" },
            }));
            let _ = self.send_frame(Frame::new(h)).await;
            return Err(End::Closed);
        }
        if !self.warned_expiry && self.expires_at_ms - now <= ABOUT_TO_EXPIRE_MS {
            self.warned_expiry = true;
            let h = obj(json!({
                "method": "client_update",
                "id": frame_id(),
                "client_update_type": "token_about_to_expire",
            }));
            return self.send_frame(Frame::new(h)).await;
        }
        Ok(())
    }

    /// Answers a CDS request: `reply` with `http_status` and the body as payload.
    fn http_reply(id: &str, code: u16, body: &Value) -> Vec<u8> {
        let h = obj(json!({
            "method": "reply",
            "id": id,
            "status": status(200, "OK"),
            "http_status": status(code, reason(code)),
            "http_headers": { "Content-Type": "application/json" },
            "payload_type": "application/json",
        }));
        Frame {
            header: h,
            payload: body.to_string().into_bytes(),
        }
        .encode()
    }

    fn error_reply(id: &str, e: &SyncError) -> Vec<u8> {
        Self::http_reply(id, e.status().as_u16(), &e.body())
    }

    async fn on_message(&mut self, id: &str, f: &Frame) -> Result<(), End> {
        let Some(service) = self.service_sid.clone() else {
            let e = SyncError::Unauthorized;
            return self.send(Self::error_reply(id, &e)).await;
        };
        let req = match self.request(f) {
            Ok(r) => r,
            Err(e) => return self.send(Self::error_reply(id, &e)).await,
        };
        if req.path.trim_end_matches('/') == "/v4/Subscriptions" {
            return self.on_subscriptions(id, &req).await;
        }
        let st = self.st.clone();
        let replies = self.replies.clone();
        let id = id.to_owned();
        let identity = self.identity.clone();
        tokio::spawn(async move {
            let bytes = match cds::dispatch(&st, &service, identity.as_deref(), req).await {
                Ok(r) => Self::http_reply(&id, r.status, &r.body),
                Err(e) => {
                    if e.status().is_server_error() {
                        tracing::error!(error = %e, "realtime request failed");
                    }
                    Self::error_reply(&id, &e)
                }
            };
            // The session may have ended meanwhile; the answer then has nobody to go to.
            let _ = replies.send(bytes);
        });
        Ok(())
    }

    /// Unpacks `http_request` and the JSON payload of a `message` frame.
    fn request(&mut self, f: &Frame) -> Result<Request, SyncError> {
        let bad = |m: &str| SyncError::InvalidParameter(m.to_owned());
        let http = f
            .header
            .get("http_request")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("the message has no http_request"))?;
        let method = http
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("http_request.method is missing"))?;
        let path = http
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("http_request.path is missing"))?;
        if let Some(host) = http.get("host").and_then(Value::as_str) {
            if !host.is_empty() && !host.contains(['/', ' ', '@']) {
                self.base = format!("https://{host}");
            }
        }
        let if_match = http
            .get("headers")
            .and_then(Value::as_object)
            .and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("if-match"))
                    .map(|(_, v)| v)
            })
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            });
        let body = match f.json_payload() {
            Ok(b) => b,
            // twilio-sync.js passes its product id where twilsock expects a DELETE body,
            // so a DELETE arrives with the payload `data_sync`; GET and DELETE have no body.
            Err(_)
                if method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("DELETE") =>
            {
                Value::Null
            }
            Err(e) => {
                return Err(SyncError::InvalidData(format!(
                    "the payload is not JSON: {e}"
                )))
            }
        };
        Ok(Request {
            method: method.to_owned(),
            path: path.to_owned(),
            params: cds::params_from(http.get("params"))?,
            if_match,
            body,
            base: self.base.clone(),
        })
    }

    /// `POST /v4/Subscriptions`: `establish` or `cancel` a batch of subscriptions.
    async fn on_subscriptions(&mut self, id: &str, req: &Request) -> Result<(), End> {
        let action = req.body.get("action").and_then(Value::as_str).unwrap_or("");
        let requests = req.body.get("requests").and_then(Value::as_array);
        let (Some(requests), "establish" | "cancel") = (requests, action) else {
            let e = SyncError::InvalidParameter(
                "a subscription request needs action (establish or cancel) and requests".into(),
            );
            return self.send(Self::error_reply(id, &e)).await;
        };
        if requests.len() > MAX_BATCH {
            let e = SyncError::InvalidParameter(format!(
                "at most {MAX_BATCH} subscriptions per request, got {}",
                requests.len()
            ));
            return self.send(Self::error_reply(id, &e)).await;
        }
        let requests = requests.clone();
        let correlation = req
            .body
            .get("correlation_id")
            .cloned()
            .unwrap_or(Value::Null);
        self.send(Self::http_reply(
            id,
            200,
            &json!({
                "estimated_delivery_in_ms": ESTIMATED_DELIVERY_MS,
                "max_batch_size": MAX_BATCH,
                "ttl_in_s": -1,
            }),
        ))
        .await?;
        for r in requests {
            let Some(sid) = r.get("object_sid").and_then(Value::as_str) else {
                continue;
            };
            let object_type = r.get("object_type").cloned().unwrap_or(Value::Null);
            if action == "cancel" {
                self.subs.remove(sid);
                let p = json!({
                    "event_type": "subscription_canceled",
                    "correlation_id": correlation,
                    "event": { "object_sid": sid, "object_type": object_type },
                });
                self.notify(SYNC_EVENT, &p).await?;
                continue;
            }
            let last = r.get("last_event_id").and_then(Value::as_i64);
            self.establish(sid, object_type, last, &correlation).await?;
        }
        Ok(())
    }

    async fn establish(
        &mut self,
        sid: &str,
        object_type: Value,
        last: Option<i64>,
        correlation: &Value,
    ) -> Result<(), End> {
        let service = self.service_sid.clone().unwrap_or_default();
        let identity = self.identity.clone();
        let now = self.st.clock.now_ms();
        let id = sid.to_owned();
        let found = self
            .st
            .store
            .read(move |c| {
                let kind = objects::KINDS
                    .iter()
                    .map(|f| f.kind)
                    .find(|k| crate::sid::is_sid(k.prefix(), &id));
                let Some(kind) = kind else {
                    return Ok(None);
                };
                let Some(row) = objects::find(c, &service, kind, &id, now)? else {
                    return Ok(None);
                };
                // Subscribing is reading (services with AclEnabled).
                let need = acl::Need::On(row.sid.clone(), Access::Read);
                acl::check(c, &service, identity.as_deref(), kind, &need, now)?;
                let head = event_log::last_id(c, &row.sid)?;
                Ok(Some((row, head)))
            })
            .await;
        let (row, head) = match found {
            Ok(Some(x)) => x,
            Ok(None) => {
                let p = json!({
                    "event_type": "subscription_failed",
                    "correlation_id": correlation,
                    "event": {
                        "object_sid": sid, "object_type": object_type,
                        "error": { "status": 404, "code": 54100,
                                   "message": format!("The object {sid} does not exist") },
                    },
                });
                return self.notify(SYNC_EVENT, &p).await;
            }
            Err(e) => {
                let p = json!({
                    "event_type": "subscription_failed",
                    "correlation_id": correlation,
                    "event": { "object_sid": sid, "object_type": object_type, "error": e.body() },
                });
                return self.notify(SYNC_EVENT, &p).await;
            }
        };
        // No last_event_id (a Stream, or a client that has seen nothing): start from now.
        let from = last.unwrap_or(head).min(head);
        self.subs.insert(
            row.sid.clone(),
            Sub {
                kind: row.kind,
                cursor: from,
            },
        );
        self.catch_up(&row.sid, Some(correlation)).await?;
        let cursor = self.subs.get(&row.sid).map(|s| s.cursor).unwrap_or(from);
        let p = json!({
            "event_type": "subscription_established",
            "correlation_id": correlation,
            "event": {
                "object_sid": row.sid, "object_type": object_type,
                "replay_status": "completed", "last_event_id": cursor,
            },
        });
        self.notify(SYNC_EVENT, &p).await
    }

    /// Sends what the log holds after the subscription's cursor.
    async fn catch_up(&mut self, sid: &str, correlation: Option<&Value>) -> Result<(), End> {
        let Some(sub) = self.subs.get(sid).copied() else {
            return Ok(());
        };
        let id = sid.to_owned();
        let service = self.service_sid.clone().unwrap_or_default();
        let now = self.st.clock.now_ms();
        let read = self
            .st
            .store
            .read(move |c| {
                let first = event_log::first_id(c, &id)?;
                // Further behind than the log reaches: a Document is its value, so the
                // current value stands in for the events that are gone.
                let gap = first.is_some_and(|f| f > sub.cursor + 1);
                let current = if gap && sub.kind == Kind::Document {
                    match objects::find(c, &service, Kind::Document, &id, now)? {
                        Some(doc) => Some((doc, event_log::last_id(c, &id)?)),
                        None => None,
                    }
                } else {
                    None
                };
                Ok((gap, current))
            })
            .await;
        let (gap, current) = match read {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "realtime: cannot read the event log");
                return Ok(());
            }
        };
        if gap {
            tracing::debug!(
                object = sid,
                "realtime: replay reaches past the retained log"
            );
        }
        if let Some((doc, head)) = current {
            let current = event_log::document_current(&doc, head);
            return self
                .send_event(&current, Delivery::Replay(correlation))
                .await;
        }
        // Page through the log; `send_event` advances the cursor as it goes.
        loop {
            let Some(cursor) = self.subs.get(sid).map(|s| s.cursor) else {
                return Ok(()); // the object's removal was among the events
            };
            let id = sid.to_owned();
            let page = match self
                .st
                .store
                .read(move |c| event_log::since(c, &id, cursor, REPLAY_PAGE))
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "realtime: cannot read the event log");
                    return Ok(());
                }
            };
            for e in &page {
                self.send_event(e, Delivery::Replay(correlation)).await?;
            }
            if page.len() < REPLAY_PAGE {
                return Ok(());
            }
        }
    }

    async fn catch_up_all(&mut self) -> Result<(), End> {
        let sids: Vec<String> = self.subs.keys().cloned().collect();
        for sid in sids {
            self.catch_up(&sid, None).await?;
        }
        Ok(())
    }

    /// Sends an event if it is newer than what this subscription has, and advances it.
    async fn send_event(&mut self, e: &Event, how: Delivery<'_>) -> Result<(), End> {
        match self.subs.get_mut(&e.object_sid) {
            Some(sub) if e.id > sub.cursor => sub.cursor = e.id,
            _ => return Ok(()),
        }
        match how {
            // The same bytes for every session (see `LiveRender`).
            Delivery::Live(logged) => {
                let bytes = self.live.payload(logged, &self.base);
                self.notify_bytes(render::live_message_type(e.kind), bytes.to_vec())
                    .await?;
            }
            Delivery::Replay(correlation) => {
                let p = render::payload(e, &self.base, correlation);
                self.notify(SYNC_EVENT, &p).await?;
            }
        }
        if e.event_type.ends_object() {
            self.subs.remove(&e.object_sid);
        }
        Ok(())
    }

    /// Handles the permission changes already announced, so that an event committed after
    /// a revocation is never sent on the subscription it ended.
    async fn pending_permission_changes(
        &mut self,
        changes: &mut broadcast::Receiver<Arc<permissions::Change>>,
    ) -> Result<(), End> {
        loop {
            match changes.try_recv() {
                Ok(change) => self.on_permission_change(&change).await?,
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.recheck_all().await?,
                Err(_) => return Ok(()),
            }
        }
    }

    /// A Sync Permission changed: if it is this session's identity on an object it is
    /// subscribed to, the subscription is re-checked.
    async fn on_permission_change(&mut self, c: &permissions::Change) -> Result<(), End> {
        if self.service_sid.as_deref() != Some(c.service_sid.as_str())
            || self.identity.as_deref() != Some(c.identity.as_str())
            || !self.subs.contains_key(&c.object_sid)
        {
            return Ok(());
        }
        self.recheck(&c.object_sid).await
    }

    /// Re-checks every subscription (the change feed overflowed, or the identity changed).
    async fn recheck_all(&mut self) -> Result<(), End> {
        let sids: Vec<String> = self.subs.keys().cloned().collect();
        for sid in sids {
            self.recheck(&sid).await?;
        }
        Ok(())
    }

    /// Ends the subscription to `sid` with `subscription_failed` (403 / 54007) if the
    /// identity may no longer read the object (services with `AclEnabled`).
    async fn recheck(&mut self, sid: &str) -> Result<(), End> {
        let Some(sub) = self.subs.get(sid).copied() else {
            return Ok(());
        };
        let service = self.service_sid.clone().unwrap_or_default();
        let identity = self.identity.clone();
        let now = self.st.clock.now_ms();
        let id = sid.to_owned();
        let checked = self
            .st
            .store
            .read(move |c| {
                let need = acl::Need::On(id, Access::Read);
                acl::check(c, &service, identity.as_deref(), sub.kind, &need, now)
            })
            .await;
        let e = match checked {
            Ok(()) => return Ok(()),
            Err(e @ SyncError::PermissionDenied { .. }) => e,
            Err(e) => {
                tracing::warn!(error = %e, object = sid, "realtime: cannot re-check a permission");
                return Ok(());
            }
        };
        self.subs.remove(sid);
        tracing::debug!(
            object = sid,
            "realtime: subscription ended by a permission change"
        );
        let p = json!({
            "event_type": "subscription_failed",
            "correlation_id": null,
            "event": { "object_sid": sid, "object_type": sub.kind.tag(), "error": e.body() },
        });
        self.notify(SYNC_EVENT, &p).await
    }

    async fn on_event(&mut self, e: &Arc<Logged>) -> Result<(), End> {
        if !self.subs.contains_key(&e.object_sid) {
            return Ok(());
        }
        self.send_event(e, Delivery::Live(e)).await
    }
}
