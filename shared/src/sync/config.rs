//! Client configuration: where Sync is, who we are, and how long we may take.

use std::fmt;
use std::time::Duration;

/// Twilio's production Sync API.
pub const DEFAULT_BASE_URL: &str = "https://sync.twilio.com";

/// How the client authenticates (HTTP Basic either way).
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Account SID and auth token.
    AuthToken {
        /// `AC…`
        account_sid: String,
        /// The account's auth token.
        auth_token: String,
    },
    /// An API key: `SK…` SID and its secret; the account SID is kept for reference.
    ApiKey {
        /// `AC…`
        account_sid: String,
        /// `SK…`
        key_sid: String,
        /// The key's secret.
        secret: String,
    },
}

impl Credentials {
    /// The Basic-auth user and password.
    pub(crate) fn basic(&self) -> (&str, &str) {
        match self {
            Credentials::AuthToken {
                account_sid,
                auth_token,
            } => (account_sid, auth_token),
            Credentials::ApiKey {
                key_sid, secret, ..
            } => (key_sid, secret),
        }
    }

    /// The account (`AC…`) the credentials act for.
    pub fn account_sid(&self) -> &str {
        match self {
            Credentials::AuthToken { account_sid, .. }
            | Credentials::ApiKey { account_sid, .. } => account_sid,
        }
    }
}

// Secrets stay out of logs and panic messages.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AuthToken { account_sid, .. } => f
                .debug_struct("AuthToken")
                .field("account_sid", account_sid)
                .field("auth_token", &"<redacted>")
                .finish(),
            Credentials::ApiKey {
                account_sid,
                key_sid,
                ..
            } => f
                .debug_struct("ApiKey")
                .field("account_sid", account_sid)
                .field("key_sid", key_sid)
                .field("secret", &"<redacted>")
                .finish(),
        }
    }
}

/// Everything [`SyncClient::new`](super::SyncClient::new) needs.
///
/// The defaults suit a webhook: one operation (with its retries and `mutate` rounds)
/// gives up after 8 s, leaving room inside Twilio's 15 s webhook limit for the rest of
/// the handler and the Lambda cold start.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Base URL without `/v1`, e.g. `https://sync.twilio.com` or an emulator's address.
    pub base_url: String,
    /// Sync service SID (`IS…`) or `default`.
    pub service_sid: String,
    /// Basic-auth credentials.
    pub credentials: Credentials,
    /// Limit for establishing one connection.
    pub connect_timeout: Duration,
    /// Limit for one HTTP attempt, answer body included.
    pub request_timeout: Duration,
    /// Overall limit for one operation: every attempt, back-off and `mutate` round.
    pub deadline: Duration,
    /// HTTP attempts per request when repeating is safe (1 = no retries).
    pub max_attempts: u32,
    /// Read-modify-write rounds `mutate` makes before giving up with `RevisionMismatch`.
    pub mutate_attempts: u32,
    /// First back-off step; doubled per retry, with full jitter.
    pub backoff_base: Duration,
    /// Longest single back-off (a longer `Retry-After` is still honoured).
    pub backoff_max: Duration,
    /// How an `https://` Sync is reached: straight, or through a proxy.
    pub proxy: Proxy,
}

/// Whether the client tunnels its `https://` connections through an HTTP proxy (`CONNECT`).
/// Plain-`http://` URLs (an emulator on this machine) always go straight: a proxy would see
/// their requests in the clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Proxy {
    /// `HTTPS_PROXY` or `ALL_PROXY` (or their lowercase forms), except hosts in
    /// `NO_PROXY`, read when the client is built, as curl reads them.
    #[default]
    FromEnv,
    /// Never a proxy.
    Direct,
    /// Through `url` (`http://[user:password@]host:port`), except hosts listed in
    /// `no_proxy` (`NO_PROXY`'s syntax: comma-separated hosts, domains, IPs, CIDR ranges).
    Url {
        /// The proxy.
        url: String,
        /// Hosts reached straight.
        no_proxy: String,
    },
}

impl SyncConfig {
    /// Production defaults with an account SID and auth token.
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        SyncConfig::with_credentials(Credentials::AuthToken {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
        })
    }

    /// Production defaults with the given credentials.
    pub fn with_credentials(credentials: Credentials) -> Self {
        SyncConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            service_sid: "default".to_owned(),
            credentials,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(4),
            deadline: Duration::from_secs(8),
            max_attempts: 4,
            mutate_attempts: 16,
            backoff_base: Duration::from_millis(25),
            backoff_max: Duration::from_secs(1),
            proxy: Proxy::FromEnv,
        }
    }

    /// Sets the base URL (an emulator, a proxy).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets how an `https://` Sync is reached (default: the proxy the environment names).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Sets the Sync service (`IS…` or `default`).
    pub fn service_sid(mut self, service_sid: impl Into<String>) -> Self {
        self.service_sid = service_sid.into();
        self
    }

    /// Sets the per-attempt timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the per-operation deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the HTTP attempts per request.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Sets the `mutate` rounds.
    pub fn mutate_attempts(mut self, attempts: u32) -> Self {
        self.mutate_attempts = attempts;
        self
    }

    /// Sets the back-off range.
    pub fn backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }
}
