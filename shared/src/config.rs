//! Configuration from the environment, read and checked once at start.
//!
//! [`Config::from_env`] collects *every* problem before failing, one line per variable,
//! so a deployment with three mistakes is fixed in one round, and a bad variable stops
//! the start instead of surfacing later as a 500. Tests use [`Config::from_vars`],
//! which reads the same names from a list and never touches the process environment.
//!
//! | variable | field | default |
//! |---|---|---|
//! | `TWILIO_ACCOUNT_SID` | [`account_sid`](Config::account_sid) (`AC` + 32 hex) | required |
//! | `TWILIO_AUTH_TOKEN` | [`auth_token`](Config::auth_token) | required |
//! | `TWILIO_API_KEY` / `TWILIO_API_SECRET` | [`api_key`](Config::api_key) (`SK` + 32 hex, secret) | both or neither |
//! | `TWILIO_SYNC_SERVICE_SID` | [`sync_service_sid`](Config::sync_service_sid) (`IS` + 32 hex or `default`) | `default` |
//! | `TWILIO_SYNC_URL` | [`sync_url`](Config::sync_url) | `https://sync.twilio.com` |
//! | `TWILIO_API_URL` | [`api_url`](Config::api_url): Twilio's 2010-04-01 REST API, for a Studio flow's `send-message` and `record-call` | `https://api.twilio.com` |
//! | `PUBLIC_BASE_URL` | [`signatures`](Config::signatures): [`PublicBase::Url`], or `auto` for the API Gateway domain ([`PublicBase::FromRequestContext`]) | required unless signatures are off |
//! | `TWILIO_WEBHOOK_SHARED_KEY` | [`signatures`](Config::signatures): the SharedKey secret for HMAC-SHA256 signatures | unset: SHA-256 signatures refused |
//! | `CALL_STATE_TTL` / `PRESENCE_TTL` | seconds, 0 to 31 536 000 | 3600 / 300 |
//! | `SYNC_TOKEN_TTL` | [`sync_token_ttl`](Config::sync_token_ttl): lifetime of `sync-token`'s tokens and the most a request may ask for, 1 to 86 400 s | 3600 |
//! | `PRESENCE_SHARDS` | [`presence_shards`](Config::presence_shards): presence maps, 1 to 64 | 1 |
//! | `CALL_INDEX_MAP` | [`call_index_map`](Config::call_index_map): Sync map listing the active and the newest ended calls, for realtime dashboards | unset: no index |
//! | `CALLFLOW_API_TOKEN` | [`api_token`](Config::api_token) | unset: only signed reads |
//! | `CALLFLOW_FLOW` | [`flow_path`](Config::flow_path) | unset: the bundled flow |
//! | `CALLFLOW_HTTP_REWRITE` | [`http_rewrites`](Config::http_rewrites) | none |
//! | `CALLFLOW_SUBFLOWS` | [`subflows_dir`](Config::subflows_dir) | the flow file's folder |
//! | `CALLFLOW_HTTP_PUBLIC_ONLY` | [`http_targets`](Config::http_targets) | any address |
//! | `CALLFLOW_INSECURE_NO_SIGNATURE` | `1`/`true`: [`Signatures::Off`] | signatures checked |
//! | `CALLFLOW_WEBHOOK_BUDGET` | [`webhook_budget`](Config::webhook_budget): seconds a voice webhook may spend on Sync before it answers degraded TwiML, 0.1 to 10 | 4 |
//! | `CALLFLOW_METRICS` | [`metrics`](Config::metrics): `1`/`true` prints CloudWatch EMF records | on under Lambda |
//!
//! `PUBLIC_BASE_URL` is the URL prefix Twilio calls, to which each request's path and
//! raw query are appended to rebuild the signed URL (see [`crate::http`] for what the
//! path contains under API Gateway stages and `cargo lambda watch`). Empty variables
//! count as unset, since deployment tools often write `NAME=` for "no value".
//!
//! Each name is written once, as a constant in [`var`].

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::access_token;
use crate::webhook::is_sid;

/// Most presence maps (`PRESENCE_SHARDS`): 64 maps at ~20 writes/s take a beat every
/// 30 s from ~38,000 agents, and listing them stays 64 page walks.
pub const MAX_PRESENCE_SHARDS: u32 = 64;

/// Largest TTL Twilio Sync accepts (one year), in seconds.
pub const MAX_TTL_SECONDS: u64 = 31_536_000;

const DEFAULT_SYNC_URL: &str = "https://sync.twilio.com";
/// Twilio's REST API (2010-04-01), where `TWILIO_API_URL` points by default.
pub const DEFAULT_API_URL: &str = "https://api.twilio.com";

/// Declares each variable once: a constant named as the variable, and [`var::ALL`].
macro_rules! vars {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $($(#[$doc])* pub const $name: &str = stringify!($name);)*
        /// Every variable [`Config`](super::Config) reads, in the order problems are
        /// reported (others are ignored).
        pub const ALL: &[&str] = &[$($name),*];
    };
}

/// The variables' names, one constant each: `from_vars`, the CLI's `env =` attributes
/// and the tests use these, so a name is written in one place.
pub mod var {
    vars! {
        /// The account SID (`AC…`), also the Basic-auth user.
        TWILIO_ACCOUNT_SID,
        /// The auth token: Basic-auth password and webhook signing key.
        TWILIO_AUTH_TOKEN,
        /// An API key SID (`SK…`) used for REST instead of the token; with its secret.
        TWILIO_API_KEY,
        /// The secret of `TWILIO_API_KEY`.
        TWILIO_API_SECRET,
        /// The Sync service (`IS…` or `default`).
        TWILIO_SYNC_SERVICE_SID,
        /// The base URL of the Sync API.
        TWILIO_SYNC_URL,
        /// The base URL of Twilio's 2010-04-01 REST API (Messages, Recordings).
        TWILIO_API_URL,
        /// The URL prefix Twilio calls, or `auto`.
        PUBLIC_BASE_URL,
        /// The SharedKey secret for HMAC-SHA256 webhook signatures.
        TWILIO_WEBHOOK_SHARED_KEY,
        /// Seconds a call's state lives.
        CALL_STATE_TTL,
        /// Seconds a presence entry lives after its last beat.
        PRESENCE_TTL,
        /// Seconds `sync-token`'s tokens live.
        SYNC_TOKEN_TTL,
        /// How many presence maps.
        PRESENCE_SHARDS,
        /// The Sync map listing every call.
        CALL_INDEX_MAP,
        /// The bearer token for reads that do not come from Twilio.
        CALLFLOW_API_TOKEN,
        /// A flow definition file.
        CALLFLOW_FLOW,
        /// URL-prefix rewrites for a Studio flow's HTTP calls (`FROM=TO`, comma-separated).
        CALLFLOW_HTTP_REWRITE,
        /// The folder a Studio flow's subflows are read from.
        CALLFLOW_SUBFLOWS,
        /// `1`: a Studio flow's HTTP calls reach public addresses only.
        CALLFLOW_HTTP_PUBLIC_ONLY,
        /// `1` turns signature checks off.
        CALLFLOW_INSECURE_NO_SIGNATURE,
        /// Seconds a voice webhook may wait for Sync before answering without it.
        CALLFLOW_WEBHOOK_BUDGET,
        /// `1`: print CloudWatch Embedded Metric Format records (on by default in Lambda).
        CALLFLOW_METRICS,
    }
}

use var::*;

/// How webhook signatures are checked: one value, so that "checked, but against no URL"
/// cannot be built.
#[derive(Clone, PartialEq, Eq)]
pub enum Signatures {
    /// `CALLFLOW_INSECURE_NO_SIGNATURE=1`: not checked (logged loudly at start).
    Off,
    /// `X-Twilio-Signature` is checked over `base` + the request's path and raw query:
    /// HMAC-SHA1 with the auth token, or, when the request announces it
    /// (`X-Twilio-Webhooks-Signature-Settings: …algorithm=HMAC_SHA256`), HMAC-SHA256
    /// with `shared_key`.
    Checked {
        /// `PUBLIC_BASE_URL`: the URL prefix Twilio called, which the signed URL starts
        /// with (behind API Gateway or a proxy the request itself does not say it).
        base: PublicBase,
        /// `TWILIO_WEBHOOK_SHARED_KEY`: the SharedKey secret of Twilio's Webhooks
        /// configuration API (public beta); without it, SHA-256 signatures are refused.
        shared_key: Option<String>,
    },
}

/// The URL prefix Twilio calls (`PUBLIC_BASE_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicBase {
    /// A fixed prefix, e.g. `https://abc.execute-api.us-east-1.amazonaws.com`.
    Url(Url),
    /// `auto`: `https://` + the domain API Gateway reports in the request context (set by
    /// API Gateway, not by the client, unlike `Host`); for SAM, where the API's URL
    /// cannot be passed to its own functions.
    FromRequestContext,
}

impl fmt::Debug for Signatures {
    /// The shared key is redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signatures::Off => f.write_str("Off"),
            Signatures::Checked { base, shared_key } => f
                .debug_struct("Checked")
                .field("base", base)
                .field("shared_key", &shared_key.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

/// Everything the functions need to know about their environment.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// `TWILIO_ACCOUNT_SID`: the account (`AC…`), also the Basic-auth user.
    pub account_sid: String,
    /// `TWILIO_AUTH_TOKEN`: the webhook signing key, and the REST password unless an
    /// API key is set.
    pub auth_token: String,
    /// `TWILIO_API_KEY` and `TWILIO_API_SECRET` (key SID `SK…`, secret), used for REST
    /// instead of the auth token when set.
    pub api_key: Option<(String, String)>,
    /// `TWILIO_SYNC_SERVICE_SID`: `IS…`, or `default` for the account's default service.
    pub sync_service_sid: String,
    /// `TWILIO_SYNC_URL`: base URL of the Sync API (the emulator's URL locally).
    pub sync_url: Url,
    /// `TWILIO_API_URL`: base URL of Twilio's 2010-04-01 REST API, which a Studio flow's
    /// `send-message` and `record-call` widgets call (`callflow serve`'s own locally).
    pub api_url: Url,
    /// `PUBLIC_BASE_URL`, `TWILIO_WEBHOOK_SHARED_KEY` and
    /// `CALLFLOW_INSECURE_NO_SIGNATURE`: how webhook signatures are checked.
    pub signatures: Signatures,
    /// `CALL_STATE_TTL` in seconds.
    pub call_state_ttl: u64,
    /// `PRESENCE_TTL` in seconds.
    pub presence_ttl: u64,
    /// `SYNC_TOKEN_TTL` in seconds: how long the access tokens `sync-token` mints are
    /// valid, and the longest a request may ask for (1 to
    /// [`access_token::MAX_TTL`], Twilio's 24 h).
    pub sync_token_ttl: u64,
    /// `PRESENCE_SHARDS`: how many Sync maps presence is spread over (1 to
    /// [`MAX_PRESENCE_SHARDS`]). Sync takes about 20 writes/s per map, items included.
    pub presence_shards: u32,
    /// `CALL_INDEX_MAP`: a Sync map listing the active calls and the newest ended ones, each
    /// item a call's summary (key: CallSid), for realtime dashboards; one more write per
    /// new call and per webhook that changes a call's summary (see
    /// [`CallIndex`](crate::call_state::CallIndex)).
    pub call_index_map: Option<String>,
    /// `CALLFLOW_API_TOKEN`: bearer token for JSON reads that do not come from Twilio.
    pub api_token: Option<String>,
    /// `CALLFLOW_FLOW`: path of a flow definition file (`None`: the bundled flow).
    pub flow_path: Option<PathBuf>,
    /// `CALLFLOW_HTTP_REWRITE`: URL prefixes rewritten in a Studio flow's HTTP calls and
    /// redirects (`FROM=TO,FROM=TO`), so that a flow runs against stand-ins.
    pub http_rewrites: Vec<crate::studio::Rewrite>,
    /// `CALLFLOW_SUBFLOWS`: the folder a Studio flow's `run-subflow` widgets find their
    /// subflows in (`None`: the flow file's folder).
    pub subflows_dir: Option<PathBuf>,
    /// `CALLFLOW_HTTP_PUBLIC_ONLY=1`: a Studio flow's HTTP calls (and redirects) may reach
    /// public addresses only, not loopback, private or link-local ones.
    pub http_targets: crate::studio::Targets,
    /// `CALLFLOW_WEBHOOK_BUDGET`: how long a voice webhook may spend on Sync (every
    /// request, retry and back-off) before it answers degraded TwiML without it, so the
    /// caller never waits out Twilio's 15 s and hears its application error.
    pub webhook_budget: std::time::Duration,
    /// `CALLFLOW_METRICS`: whether every request prints a CloudWatch Embedded Metric
    /// Format record on stdout (`None`: only when running in Lambda).
    pub metrics: Option<bool>,
}

impl fmt::Debug for Config {
    /// Secrets are redacted so that logging the configuration is safe.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field(
                "api_key",
                &self.api_key.as_ref().map(|(sid, _)| (sid, "<redacted>")),
            )
            .field("sync_service_sid", &self.sync_service_sid)
            .field("sync_url", &self.sync_url.as_str())
            .field("api_url", &self.api_url.as_str())
            .field("signatures", &self.signatures)
            .field("call_state_ttl", &self.call_state_ttl)
            .field("presence_ttl", &self.presence_ttl)
            .field("sync_token_ttl", &self.sync_token_ttl)
            .field("presence_shards", &self.presence_shards)
            .field("call_index_map", &self.call_index_map)
            .field("api_token", &self.api_token.as_ref().map(|_| "<redacted>"))
            .field("flow_path", &self.flow_path)
            .field("http_rewrites", &self.http_rewrites)
            .field("subflows_dir", &self.subflows_dir)
            .field("http_targets", &self.http_targets)
            .field("webhook_budget", &self.webhook_budget)
            .field("metrics", &self.metrics)
            .finish()
    }
}

/// Every problem found in the environment, one per variable.
///
/// `Display` writes one line per problem, e.g.
/// `TWILIO_AUTH_TOKEN is missing` / `PUBLIC_BASE_URL is not a URL: relative URL without a base`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// The problems, in the order of the table in the module docs.
    pub problems: Vec<ConfigProblem>,
}

/// One variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// A required variable is unset or empty.
    #[error("{var} is missing{hint}")]
    Missing {
        /// The variable name.
        var: &'static str,
        /// Extra advice (may be empty), starting with a separator.
        hint: &'static str,
    },
    /// A variable is set but its value cannot be used.
    #[error("{var} is {reason}")]
    Malformed {
        /// The variable name.
        var: &'static str,
        /// Why, e.g. `not a URL: …` (never includes secret values).
        reason: String,
    },
}

impl ConfigProblem {
    /// The variable the problem is about.
    pub fn var(&self) -> &'static str {
        match self {
            Self::Missing { var, .. } | Self::Malformed { var, .. } => var,
        }
    }
}

impl Config {
    /// Reads the process environment. Call once in `main`, before serving.
    ///
    /// A variable that is not valid UTF-8 is reported as malformed.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars = Vec::new();
        let mut not_utf8 = Vec::new();
        for (name, value) in std::env::vars_os() {
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => vars.push((name, value)),
                Err(_) => {
                    if let Some(known) = var::ALL.iter().find(|v| **v == name) {
                        not_utf8.push(ConfigProblem::Malformed {
                            var: known,
                            reason: "not valid UTF-8".into(),
                        });
                    }
                }
            }
        }
        match Self::from_vars(vars) {
            Ok(config) if not_utf8.is_empty() => Ok(config),
            Ok(_) => Err(ConfigError { problems: not_utf8 }),
            Err(mut e) => {
                e.problems.extend(not_utf8);
                Err(e)
            }
        }
    }

    /// Reads the configuration from `(name, value)` pairs instead of the environment.
    ///
    /// ```
    /// use callflow::config::var::{PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN};
    /// use callflow::config::{Config, Signatures};
    ///
    /// let config = Config::from_vars([
    ///     (TWILIO_ACCOUNT_SID.to_string(), format!("AC{}", "0".repeat(32))),
    ///     (TWILIO_AUTH_TOKEN.to_string(), "secret".to_string()),
    ///     (PUBLIC_BASE_URL.to_string(), "https://api.example.com/prod".to_string()),
    /// ])?;
    /// assert_eq!(config.sync_service_sid, "default");
    /// assert_eq!(config.call_state_ttl, 3600);
    /// assert!(matches!(config.signatures, Signatures::Checked { .. }));
    ///
    /// let err = Config::from_vars(Vec::<(String, String)>::new()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "TWILIO_ACCOUNT_SID is missing\nTWILIO_AUTH_TOKEN is missing\n\
    ///      PUBLIC_BASE_URL is missing (needed to check X-Twilio-Signature; \
    ///      set CALLFLOW_INSECURE_NO_SIGNATURE=1 to run without checks)"
    /// );
    /// # Ok::<(), callflow::config::ConfigError>(())
    /// ```
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars = Vars(
            vars.into_iter()
                .filter(|(name, _)| var::ALL.contains(&name.as_str()))
                .collect(),
        );
        let mut problems = Vec::new();
        // One reader per variable (or pair), called in the order of the module table,
        // which is the order the problems are reported in.
        let account_sid = account_sid(&vars, &mut problems);
        let auth_token = match vars.get(TWILIO_AUTH_TOKEN) {
            None => missing(&mut problems, TWILIO_AUTH_TOKEN, ""),
            Some(v) => v.to_owned(),
        };
        let api_key = api_key(&vars, &mut problems);
        let sync_service_sid = sync_service_sid(&vars, &mut problems);
        let sync_url = sync_url(&vars, &mut problems);
        let api_url = api_url(&vars, &mut problems);
        let signatures = signatures(&vars, &mut problems);
        let call_state_ttl = ttl(
            &mut problems,
            CALL_STATE_TTL,
            vars.get(CALL_STATE_TTL),
            3600,
        );
        let presence_ttl = ttl(&mut problems, PRESENCE_TTL, vars.get(PRESENCE_TTL), 300);
        let sync_token_ttl = sync_token_ttl(&vars, &mut problems);
        let presence_shards = presence_shards(&vars, &mut problems);
        let call_index_map = call_index_map(&vars, &mut problems);
        let http_targets = http_targets(&vars, &mut problems);
        let http_rewrites = http_rewrites(&vars, &mut problems);
        let webhook_budget = webhook_budget(&vars, &mut problems);
        let metrics = switch(&vars, &mut problems, CALLFLOW_METRICS);

        match (problems.is_empty(), sync_url, api_url) {
            (true, Some(sync_url), Some(api_url)) => Ok(Self {
                account_sid,
                auth_token,
                api_key,
                sync_service_sid,
                sync_url,
                api_url,
                signatures,
                call_state_ttl,
                presence_ttl,
                sync_token_ttl,
                presence_shards,
                call_index_map,
                api_token: vars.get(CALLFLOW_API_TOKEN).map(str::to_owned),
                flow_path: vars.get(CALLFLOW_FLOW).map(PathBuf::from),
                http_rewrites,
                subflows_dir: vars.get(CALLFLOW_SUBFLOWS).map(PathBuf::from),
                http_targets,
                webhook_budget,
                metrics,
            }),
            _ => Err(ConfigError { problems }),
        }
    }

    /// Logs what an operator must know at start: a loud warning when signature checks
    /// are off. Call it once in `main` after the tracing subscriber is installed.
    pub fn log_startup_warnings(&self) {
        if self.signatures == Signatures::Off {
            tracing::warn!(
                "CALLFLOW_INSECURE_NO_SIGNATURE is set: X-Twilio-Signature is NOT checked and anyone \
                 who can reach these endpoints can forge Twilio webhooks. Never use this in production."
            );
        }
    }
}

/// The variables `from_vars` knows, by name.
struct Vars(HashMap<String, String>);

impl Vars {
    /// The value of `name`, trimmed; empty counts as unset (deployment tools write
    /// `NAME=` for "no value").
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

fn account_sid(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> String {
    match vars.get(TWILIO_ACCOUNT_SID) {
        None => missing(problems, TWILIO_ACCOUNT_SID, ""),
        Some(v) if is_sid(v, "AC") => v.to_owned(),
        Some(_) => malformed(
            problems,
            TWILIO_ACCOUNT_SID,
            "not an account SID (\"AC\" followed by 32 hex digits)",
        ),
    }
}

/// `TWILIO_API_KEY` and `TWILIO_API_SECRET`: both or neither.
fn api_key(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Option<(String, String)> {
    match (vars.get(TWILIO_API_KEY), vars.get(TWILIO_API_SECRET)) {
        (None, None) => None,
        (Some(key), Some(secret)) if is_sid(key, "SK") => Some((key.to_owned(), secret.to_owned())),
        (Some(_), Some(_)) => malformed(
            problems,
            TWILIO_API_KEY,
            "not an API key SID (\"SK\" followed by 32 hex digits)",
        ),
        (Some(_), None) => missing(
            problems,
            TWILIO_API_SECRET,
            " (TWILIO_API_KEY is set; set both or neither)",
        ),
        (None, Some(_)) => missing(
            problems,
            TWILIO_API_KEY,
            " (TWILIO_API_SECRET is set; set both or neither)",
        ),
    }
}

fn sync_service_sid(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> String {
    match vars.get(TWILIO_SYNC_SERVICE_SID) {
        None | Some("default") => "default".to_owned(),
        Some(v) if is_sid(v, "IS") => v.to_owned(),
        Some(_) => malformed(
            problems,
            TWILIO_SYNC_SERVICE_SID,
            "not a Sync service SID (\"IS\" followed by 32 hex digits) or \"default\"",
        ),
    }
}

/// `None` only with a problem recorded (a `Url` has no placeholder value).
fn sync_url(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Option<Url> {
    match http_url(vars.get(TWILIO_SYNC_URL).unwrap_or(DEFAULT_SYNC_URL)) {
        Ok(url) => Some(url),
        Err(reason) => malformed(problems, TWILIO_SYNC_URL, &reason),
    }
}

fn api_url(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Option<Url> {
    match http_url(vars.get(TWILIO_API_URL).unwrap_or(DEFAULT_API_URL)) {
        Ok(url) if url.query().is_some() || url.fragment().is_some() => malformed(
            problems,
            TWILIO_API_URL,
            "a URL with a query or fragment; give only the base (scheme, host, optional path)",
        ),
        Ok(url) => Some(url),
        Err(reason) => malformed(problems, TWILIO_API_URL, &reason),
    }
}

/// `CALLFLOW_INSECURE_NO_SIGNATURE`, `PUBLIC_BASE_URL` and `TWILIO_WEBHOOK_SHARED_KEY`.
fn signatures(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Signatures {
    let insecure = match vars.get(CALLFLOW_INSECURE_NO_SIGNATURE) {
        None => false,
        Some(v) if matches!(v.to_ascii_lowercase().as_str(), "0" | "false" | "no") => false,
        Some(v) if matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes") => true,
        Some(_) => malformed(
            problems,
            CALLFLOW_INSECURE_NO_SIGNATURE,
            "not a boolean (use 1 to turn signature checks off, or leave it unset)",
        ),
    };
    // Checked even when signatures are off, so a typo is found before it matters.
    let base = match vars.get(PUBLIC_BASE_URL) {
        None => None,
        Some("auto") => Some(PublicBase::FromRequestContext),
        Some(v) => match http_url(v).and_then(|url| {
            if url.query().is_some() || url.fragment().is_some() {
                Err("a URL with a query or fragment; give only the prefix (scheme, host, optional path)".into())
            } else {
                Ok(url)
            }
        }) {
            Ok(url) => Some(PublicBase::Url(url)),
            Err(reason) => malformed(problems, PUBLIC_BASE_URL, &reason),
        },
    };
    match (insecure, base) {
        (true, _) => Signatures::Off,
        (false, Some(base)) => Signatures::Checked {
            base,
            shared_key: vars.get(TWILIO_WEBHOOK_SHARED_KEY).map(str::to_owned),
        },
        (false, None) => {
            if vars.get(PUBLIC_BASE_URL).is_none() {
                missing::<()>(
                    problems,
                    PUBLIC_BASE_URL,
                    " (needed to check X-Twilio-Signature; set CALLFLOW_INSECURE_NO_SIGNATURE=1 to run without checks)",
                );
            }
            // Never used: a problem was recorded, so `from_vars` fails.
            Signatures::Off
        }
    }
}

fn sync_token_ttl(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> u64 {
    match vars.get(SYNC_TOKEN_TTL) {
        None => access_token::DEFAULT_TTL,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=access_token::MAX_TTL).contains(&n) => n,
            _ => malformed(
                problems,
                SYNC_TOKEN_TTL,
                &format!(
                    "not a number of seconds from 1 to {} (Twilio's 24 h limit): {v:?}",
                    access_token::MAX_TTL
                ),
            ),
        },
    }
}

/// Default `CALLFLOW_WEBHOOK_BUDGET`: a caller hears up to this much silence while Sync
/// is frozen, and a cold start (~100 ms) plus the budget stays far inside Twilio's 15 s.
pub const DEFAULT_WEBHOOK_BUDGET: std::time::Duration = std::time::Duration::from_secs(4);

/// Accepted `CALLFLOW_WEBHOOK_BUDGET` range, in seconds: below 0.1 s a healthy Sync in
/// another region would count as down; above 10 s the caller would wait out Twilio's limit.
const WEBHOOK_BUDGET_RANGE: std::ops::RangeInclusive<f64> = 0.1..=10.0;

fn webhook_budget(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> std::time::Duration {
    match vars.get(CALLFLOW_WEBHOOK_BUDGET) {
        None => DEFAULT_WEBHOOK_BUDGET,
        Some(v) => match v.parse::<f64>() {
            Ok(secs) if WEBHOOK_BUDGET_RANGE.contains(&secs) => {
                std::time::Duration::from_secs_f64(secs)
            }
            _ => malformed(
                problems,
                CALLFLOW_WEBHOOK_BUDGET,
                &format!("not a number of seconds from 0.1 to 10: {v:?}"),
            ),
        },
    }
}

/// A `1`/`true`/`0`/`false` variable (`None` when unset).
fn switch(vars: &Vars, problems: &mut Vec<ConfigProblem>, name: &'static str) -> Option<bool> {
    let v = vars.get(name)?;
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => malformed(problems, name, &format!("not 1/true or 0/false: {v:?}")),
    }
}

fn presence_shards(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> u32 {
    match vars.get(PRESENCE_SHARDS) {
        None => 1,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_PRESENCE_SHARDS).contains(&n) => n,
            _ => malformed(
                problems,
                PRESENCE_SHARDS,
                &format!("not a whole number from 1 to {MAX_PRESENCE_SHARDS}: {v:?}"),
            ),
        },
    }
}

fn call_index_map(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Option<String> {
    match vars.get(CALL_INDEX_MAP) {
        None => None,
        Some(name) if is_unique_name(name) => Some(name.to_owned()),
        Some(name) => malformed(
            problems,
            CALL_INDEX_MAP,
            &format!("not a Sync unique name (letters, digits, - and _, at most 320, not a SID): {name:?}"),
        ),
    }
}

fn http_targets(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> crate::studio::Targets {
    match vars.get(CALLFLOW_HTTP_PUBLIC_ONLY) {
        None | Some("" | "0" | "false") => crate::studio::Targets::Any,
        Some("1" | "true") => crate::studio::Targets::PublicOnly,
        Some(other) => malformed(
            problems,
            CALLFLOW_HTTP_PUBLIC_ONLY,
            &format!("give 1 or 0, not {other:?}"),
        ),
    }
}

fn http_rewrites(vars: &Vars, problems: &mut Vec<ConfigProblem>) -> Vec<crate::studio::Rewrite> {
    match vars.get(CALLFLOW_HTTP_REWRITE) {
        None => Vec::new(),
        Some(v) => crate::studio::http::parse_rewrites(v)
            .unwrap_or_else(|e| malformed(problems, CALLFLOW_HTTP_REWRITE, &e)),
    }
}

/// Records a missing variable and gives a placeholder value (never used: the problem
/// list is then non-empty and `from_vars` fails).
fn missing<T: Default>(
    problems: &mut Vec<ConfigProblem>,
    var: &'static str,
    hint: &'static str,
) -> T {
    problems.push(ConfigProblem::Missing { var, hint });
    T::default()
}

fn malformed<T: Default>(problems: &mut Vec<ConfigProblem>, var: &'static str, reason: &str) -> T {
    problems.push(ConfigProblem::Malformed {
        var,
        reason: reason.to_owned(),
    });
    T::default()
}

/// A name this code is willing to give a Sync object: plain characters only (it ends up in
/// URLs), at most Sync's 320, and not shaped like a SID (Sync reads those as SIDs).
fn is_unique_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 320
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !(name.len() == 34
            && name.is_char_boundary(2)
            && name[2..].chars().all(|c| c.is_ascii_hexdigit()))
}

fn http_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err("a URL without a host".into()),
        other => Err(format!("a URL with scheme {other:?}; use http or https")),
    }
}

fn ttl(
    problems: &mut Vec<ConfigProblem>,
    var: &'static str,
    value: Option<&str>,
    default: u64,
) -> u64 {
    match value {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n <= MAX_TTL_SECONDS => n,
            _ => malformed(
                problems,
                var,
                &format!("not a number of seconds from 0 to {MAX_TTL_SECONDS}: {v:?}"),
            ),
        },
    }
}
