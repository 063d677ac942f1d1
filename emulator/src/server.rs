//! Building an emulator from a config, and serving it on a socket.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use callflow_httpd::ConnLimits;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::EmulatorConfig;
use crate::ratelimit::RateLimiter;
use crate::state::{AppState, Shared, Stats};
use crate::store::Store;
use crate::{purge, routes};

/// An emulator's state plus its purge task, ready to hand out a router.
#[derive(Clone)]
pub struct Emulator {
    state: Shared,
}

impl Emulator {
    /// Opens the store, creates the `default` service if needed and starts the purge task.
    /// Must be called inside a Tokio runtime.
    pub fn open(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        tokio::runtime::Handle::try_current()
            .context("Emulator::open must run inside a Tokio runtime")?;
        let now = config.clock.now_ms();
        let (store, default_service_sid) = Store::open(
            &config.data,
            now,
            config.realtime_feed_capacity,
            config.durability,
        )?;
        let state = Arc::new(AppState {
            store,
            clock: config.clock,
            account_sid: config.account_sid,
            auth_token: config.auth_token,
            api_keys: config.api_keys,
            limiter: config.rate_limit.map(|l| Arc::new(RateLimiter::new(l))),
            default_service_sid,
            public_base_url: config.public_base_url,
            stats: Stats::default(),
            purge: Arc::default(),
            realtime_send_timeout: config.realtime_send_timeout,
            realtime_init_timeout: config.realtime_init_timeout,
            realtime_ping_interval: config.realtime_ping_interval,
            // Never shorter than a ping interval, else a client that answers every ping
            // would be closed between two of them.
            realtime_idle_timeout: config
                .realtime_idle_timeout
                .max(config.realtime_ping_interval + config.realtime_ping_interval / 2),
        });
        purge::spawn(Arc::downgrade(&state));
        Ok(Emulator { state })
    }

    /// The router serving the Sync API and `/_emulator/stats`.
    pub fn router(&self) -> Router {
        routes::router(self.state.clone())
    }

    /// The shared state, for the API modules that extend `Emulator`.
    pub(crate) fn state(&self) -> &Shared {
        &self.state
    }

    /// Sync API requests served so far.
    pub fn request_count(&self) -> u64 {
        self.state.stats.total()
    }

    /// The SID of the `default` service.
    pub fn default_service_sid(&self) -> &str {
        &self.state.default_service_sid
    }

    /// The clock this emulator reads (advance it in tests made with a manual clock).
    pub fn clock(&self) -> &crate::Clock {
        &self.state.clock
    }

    /// Serves on an already-bound listener until `shutdown` resolves, with the default
    /// connection limits.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_with(listener, ConnLimits::default(), shutdown)
            .await
    }

    /// Serves on an already-bound listener until `shutdown` resolves: idle connections,
    /// unfinished headers and stalled bodies are cut off after `limits`.
    pub async fn serve_with(
        self,
        listener: TcpListener,
        limits: ConnLimits,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        callflow_httpd::serve(listener, self.router(), limits, shutdown).await
    }
}

/// The router for an emulator (same as [`Emulator::router`]).
pub fn app(emulator: &Emulator) -> Router {
    emulator.router()
}

/// An emulator serving on `127.0.0.1` in a background task.
pub struct RunningEmulator {
    emulator: Emulator,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts an emulator on `127.0.0.1` and an ephemeral port.
pub async fn spawn(config: EmulatorConfig) -> anyhow::Result<RunningEmulator> {
    spawn_on(config, "127.0.0.1:0").await
}

/// Starts an emulator on the given address (e.g. `127.0.0.1:4010`).
pub async fn spawn_on(config: EmulatorConfig, bind: &str) -> anyhow::Result<RunningEmulator> {
    let emulator = Emulator::open(config)?;
    let listener = TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(emulator.clone().serve(listener, async move {
        let _ = stopped.await;
    }));
    Ok(RunningEmulator {
        emulator,
        addr,
        stop: Some(stop),
        task,
    })
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sync API requests served so far.
    pub fn request_count(&self) -> u64 {
        self.emulator.request_count()
    }

    /// The emulator it serves (its clock, default service SID, request count).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
