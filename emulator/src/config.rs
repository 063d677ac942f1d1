//! What an emulator instance is started with.

use crate::clock::Clock;
use crate::ratelimit::Limits;
pub use crate::store::Durability;

/// Where state lives, who may call, and the optional knobs.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The `AC…` SID clients authenticate with (Basic auth user name).
    pub account_sid: String,
    /// The auth token clients authenticate with (Basic auth password).
    pub auth_token: String,
    /// A SQLite file path, or `:memory:` to keep nothing.
    pub data: String,
    /// Sync's rate limits (429 / 54009), off unless set; [`Limits::twilio`] are Twilio's
    /// documented tiers.
    pub rate_limit: Option<Limits>,
    /// Extra credentials: API key SIDs (`SK…`) and their secrets.
    pub api_keys: Vec<(String, String)>,
    /// The time source for TTLs; tests pass [`Clock::manual`].
    pub clock: Clock,
    /// If set, resource `url`s are built on this base (e.g. `http://127.0.0.1:4010`) instead of
    /// the request's `Host` header; useful when the router is mounted behind a proxy.
    pub public_base_url: Option<String>,
    /// Events buffered for each realtime session before it must re-read them from the
    /// log instead (a session that falls this far behind catches up from SQLite and loses
    /// nothing; `realtime_catch_ups` in `/_emulator/stats` counts those). Default 4,096.
    pub realtime_feed_capacity: usize,
    /// How long a realtime frame may wait on a client that has stopped reading before its
    /// session is dropped (what it misses stays in the log for when it reconnects), so a
    /// stalled client cannot hold a session, and its buffers, forever. Default 30 s.
    pub realtime_send_timeout: std::time::Duration,
    /// How long an upgraded realtime socket may take to send a successful twilsock `init`
    /// before it is closed (`realtime_init_timeouts` in `/_emulator/stats`). The HTTP
    /// server's header timeout stops applying once a connection is upgraded, so without
    /// this a socket that never says anything would hold its descriptor forever; servers
    /// set it to their `--header-timeout`. Default: `ConnLimits`' default header timeout.
    pub realtime_init_timeout: std::time::Duration,
    /// How often an initialised realtime session is sent a WebSocket Ping (browsers and
    /// Node's `ws`, hence twilio-sync.js, answer Pong by themselves). Default 30 s.
    pub realtime_ping_interval: std::time::Duration,
    /// An initialised session from which nothing at all (no frame, no Pong) has arrived
    /// for this long is closed (`realtime_idle_closed` in `/_emulator/stats`). Should be
    /// a few ping intervals. Default 90 s.
    pub realtime_idle_timeout: std::time::Duration,
    /// What an acknowledged write survives (files only; `:memory:` keeps nothing).
    pub durability: Durability,
}

impl EmulatorConfig {
    /// A configuration that keeps everything in memory.
    pub fn in_memory(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        Self {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            data: ":memory:".to_owned(),
            rate_limit: None,
            api_keys: Vec::new(),
            clock: Clock::system(),
            public_base_url: None,
            realtime_feed_capacity: crate::store::event_log::DEFAULT_FEED_CAPACITY,
            realtime_send_timeout: std::time::Duration::from_secs(30),
            realtime_init_timeout: callflow_httpd::ConnLimits::DEFAULT_HEADER_TIMEOUT,
            realtime_ping_interval: std::time::Duration::from_secs(30),
            realtime_idle_timeout: std::time::Duration::from_secs(90),
            durability: Durability::default(),
        }
    }

    /// Same as [`EmulatorConfig::in_memory`] but stored in the SQLite file at `path`.
    pub fn with_file(
        account_sid: impl Into<String>,
        auth_token: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        Self {
            data: path.into(),
            ..Self::in_memory(account_sid, auth_token)
        }
    }

    /// Sets the clock (builder style).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Enforces Twilio's tiers but with `per_second` writes per object and no burst
    /// allowance (builder style): a client's back-off runs after a handful of writes.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(Limits::writes(per_second));
        self
    }

    /// Enforces these limits (builder style), e.g. [`Limits::twilio`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.rate_limit = Some(limits);
        self
    }
}
