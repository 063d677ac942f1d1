//! The state one emulator instance shares between its handlers and its purge task.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::purge::PurgeSchedule;
use rusqlite::Connection;

use crate::clock::Clock;
use crate::error::SyncError;
use crate::ratelimit::{RateLimiter, WriteCtx};
use crate::store::objects::{self, Kind, ObjectRow};
use crate::store::{services, Store};

/// Everything a request needs. Held in an `Arc`; there are no globals, so several
/// emulators can live in one process (one per test).
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub account_sid: String,
    pub(crate) auth_token: String,
    pub(crate) api_keys: Vec<(String, String)>,
    pub(crate) limiter: Option<Arc<RateLimiter>>,
    pub default_service_sid: String,
    pub(crate) public_base_url: Option<String>,
    pub(crate) stats: Stats,
    /// The nearest expiry the purge task waits for, and its wake-up for a sooner one.
    pub(crate) purge: Arc<PurgeSchedule>,
    /// How long a realtime frame may wait on a client that does not read before the
    /// session is dropped ([`EmulatorConfig::realtime_send_timeout`](crate::EmulatorConfig)).
    pub(crate) realtime_send_timeout: std::time::Duration,
    /// How long a realtime socket may go without a successful `init`
    /// ([`EmulatorConfig::realtime_init_timeout`](crate::EmulatorConfig)).
    pub(crate) realtime_init_timeout: std::time::Duration,
    /// Pings to initialised sessions, and how long one may stay silent
    /// ([`EmulatorConfig::realtime_ping_interval`](crate::EmulatorConfig),
    /// [`EmulatorConfig::realtime_idle_timeout`](crate::EmulatorConfig)).
    pub(crate) realtime_ping_interval: std::time::Duration,
    pub(crate) realtime_idle_timeout: std::time::Duration,
}

pub type Shared = Arc<AppState>;

impl AppState {
    /// The time and limiter for a request happening now (REST or realtime): store
    /// functions count writes with it, and `ctx.read(sid)` / `ctx.limit(sid, op)` count
    /// reads and stream messages.
    pub fn write_ctx(&self) -> WriteCtx {
        WriteCtx {
            now: self.clock.now_ms(),
            limiter: self.limiter.clone(),
        }
    }

    /// Tells the purge task about a new expiry time.
    pub fn note_expiry(&self, date_expires: Option<i64>) {
        if let Some(at) = date_expires {
            self.purge.note(at);
        }
    }

    /// Makes the purge task re-read the nearest deadline.
    pub fn wake_purge(&self) {
        self.purge.wake();
    }

    /// Runs `f` in the writer's transaction (see [`Store::write`]) inside the service the
    /// `{ServiceSid}` path segment names: a SID, a unique name or `default` (404 if none).
    pub async fn write_in<T, F>(&self, service: String, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&InService<'_>) -> Result<T, SyncError> + Send + 'static,
    {
        let (ctx, services) = (self.write_ctx(), self.services());
        self.store
            .write(move |conn| {
                let sid = services.resolve(conn, &service)?;
                f(&InService { conn, sid, ctx })
            })
            .await
    }

    /// [`write_in`](Self::write_in) for a change of Sync Permissions: `f` names the
    /// object and identity whose permission it changed, and realtime sessions hear of it
    /// once it is committed (see [`Store::write_announcing`]).
    pub async fn write_permission_in<T, F>(&self, service: String, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&InService<'_>) -> Result<(T, String, String), SyncError> + Send + 'static,
    {
        let (ctx, services) = (self.write_ctx(), self.services());
        self.store
            .write_announcing(move |conn| {
                let sid = services.resolve(conn, &service)?;
                let (value, object_sid, identity) = f(&InService {
                    conn,
                    sid: sid.clone(),
                    ctx,
                })?;
                let change = crate::store::permissions::Change {
                    service_sid: sid,
                    object_sid,
                    identity,
                };
                Ok((value, change))
            })
            .await
    }

    /// [`write_in`](Self::write_in) for reads: against committed state (see
    /// [`Store::read`]).
    pub async fn read_in<T, F>(&self, service: String, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&InService<'_>) -> Result<T, SyncError> + Send + 'static,
    {
        let (ctx, services) = (self.write_ctx(), self.services());
        self.store
            .read(move |conn| {
                let sid = services.resolve(conn, &service)?;
                f(&InService { conn, sid, ctx })
            })
            .await
    }

    /// A resolver for the service path segment that can move into a store closure.
    pub fn services(&self) -> ServiceResolver {
        ServiceResolver {
            default_sid: self.default_service_sid.clone(),
        }
    }
}

/// A store call inside one service: the connection, the service's SID, and the time
/// and limiter of the request.
pub struct InService<'c> {
    pub conn: &'c Connection,
    /// The resolved `IS…` SID.
    pub sid: String,
    pub ctx: WriteCtx,
}

impl InService<'_> {
    /// A live object of this service by SID or unique name, or 404.
    pub fn object(&self, kind: Kind, id: &str) -> Result<ObjectRow, SyncError> {
        objects::get(self.conn, &self.sid, kind, id, self.ctx.now)
    }
}

/// Turns the `{ServiceSid}` path segment (a SID, a unique name or `default`) into a SID.
#[derive(Debug, Clone)]
pub struct ServiceResolver {
    default_sid: String,
}

impl ServiceResolver {
    pub fn resolve(&self, conn: &Connection, id: &str) -> Result<String, SyncError> {
        // The default service cannot be deleted, so its SID can be answered from memory;
        // it is the service nearly every request names.
        if id == services::DEFAULT || id == self.default_sid {
            return Ok(self.default_sid.clone());
        }
        services::resolve(conn, id)
    }
}

/// Counts of Sync API requests served, for `GET /_emulator/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    total: AtomicU64,
    by_method: Mutex<BTreeMap<String, u64>>,
    catch_ups: AtomicU64,
    sessions: Arc<AtomicU64>,
    init_timeouts: AtomicU64,
    idle_closed: AtomicU64,
}

/// Counts one realtime session as open until dropped.
pub struct OpenSession(Arc<AtomicU64>);

impl Drop for OpenSession {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Stats {
    pub fn record(&self, method: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.by_method.lock() {
            *m.entry(method.to_owned()).or_insert(0) += 1;
        }
    }

    /// A realtime session starts; it counts as open until the guard is dropped.
    pub fn session_opened(&self) -> OpenSession {
        self.sessions.fetch_add(1, Ordering::Relaxed);
        OpenSession(self.sessions.clone())
    }

    /// Realtime sessions open now.
    pub fn sessions(&self) -> u64 {
        self.sessions.load(Ordering::Relaxed)
    }

    /// A realtime session fell behind the live feed and re-read the log.
    pub fn record_catch_up(&self) {
        self.catch_ups.fetch_add(1, Ordering::Relaxed);
    }

    pub fn catch_ups(&self) -> u64 {
        self.catch_ups.load(Ordering::Relaxed)
    }

    /// A realtime socket was closed for not sending a successful `init` in time.
    pub fn record_init_timeout(&self) {
        self.init_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub fn init_timeouts(&self) -> u64 {
        self.init_timeouts.load(Ordering::Relaxed)
    }

    /// An initialised realtime session was closed for sending nothing (not even a Pong)
    /// for the idle timeout.
    pub fn record_idle_closed(&self) {
        self.idle_closed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn idle_closed(&self) -> u64 {
        self.idle_closed.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn by_method(&self) -> BTreeMap<String, u64> {
        self.by_method.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn reset(&self) {
        if let Ok(mut m) = self.by_method.lock() {
            self.total.store(0, Ordering::Relaxed);
            self.catch_ups.store(0, Ordering::Relaxed);
            self.init_timeouts.store(0, Ordering::Relaxed);
            self.idle_closed.store(0, Ordering::Relaxed);
            m.clear();
        }
    }
}
