//! `callflow serve`: every function and the Sync emulator on one local port.
//!
//! The functions run the very handlers the Lambda binaries run: each request is collected
//! into a `lambda_http::Request` (body as `Body::Binary`, as API Gateway delivers a form
//! post) and the handler's `lambda_http` response is sent back as is. The emulator's
//! router is mounted beside them (`/v1/...`), so the functions' Sync client talks to the
//! same port over loopback, exactly as it would talk to `sync.twilio.com`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, SERVER};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use callflow::config::{var, Config, ConfigError};
use callflow::http::{ErrorResponse, MAX_BODY_BYTES};
use callflow::runtime::{Function, Services};
use callflow_httpd::ConnLimits;
use lambda_http::Body as LambdaBody;
use sync_emulator::{Emulator, EmulatorConfig};
use tokio::net::TcpListener;

use crate::dashboard::Dashboard;
use crate::dev_credentials::{self, DevCredentials};
use crate::shell;

/// The functions `serve` runs, each at the path `template.yaml` deploys it at. A new
/// function is one line here.
pub const FUNCTIONS: &[Function] = &[
    store_call_state::FUNCTION,
    get_call_state::FUNCTION,
    presence_heartbeat::FUNCTION,
    sync_token::FUNCTION,
];

/// The router of [`FUNCTIONS`] over shared services.
///
/// The services sit behind one `Arc`: axum hands each request its own copy of the state,
/// and a `Services` copy is a dozen allocations (the webhook verifier's token and URLs,
/// the token issuer's key) on every webhook.
pub fn app(services: Services) -> Router {
    FUNCTIONS
        .iter()
        .fold(Router::new(), |router, function| {
            let route = any(move |State(services): State<Arc<Services>>, req: Request| {
                invoke(services, function, req)
            });
            router.route(function.path, route)
        })
        .with_state(Arc::new(services))
}

/// Runs one function's handler on a request, as Lambda would.
async fn invoke(services: Arc<Services>, function: &Function, req: Request) -> Response {
    match to_lambda(req).await {
        Ok(req) => from_lambda(function.call(&services, req).await),
        Err(refusal) => refusal,
    }
}

/// Collects the body and re-types the request as Lambda hands it to a handler.
///
/// A body whose declared `Content-Length` is over `MAX_BODY_BYTES` is refused before any
/// of it is read; a chunked one is read up to the limit and refused there; one that
/// stalls is refused with 408 when the connection's body timeout runs out.
pub(crate) async fn to_lambda(req: Request) -> Result<lambda_http::Request, Response> {
    let (parts, body) = req.into_parts();
    let refuse = |e: ErrorResponse| from_lambda(e.into_response());
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(refuse(ErrorResponse::payload_too_large(MAX_BODY_BYTES)));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| match callflow_httpd::body_timed_out(&e) {
            Some(t) => refuse(ErrorResponse::request_timeout(t.to_string())),
            None => refuse(ErrorResponse::payload_too_large(MAX_BODY_BYTES)),
        })?;
    let body = if bytes.is_empty() {
        LambdaBody::Empty
    } else {
        LambdaBody::Binary(bytes.to_vec())
    };
    Ok(lambda_http::Request::from_parts(parts, body))
}

pub(crate) fn from_lambda(response: lambda_http::Response<LambdaBody>) -> Response {
    let (parts, body) = response.into_parts();
    // The body moves across: TwiML and JSON answers are not copied again.
    let body = match body {
        LambdaBody::Empty => AxumBody::empty(),
        LambdaBody::Text(text) => AxumBody::from(text),
        LambdaBody::Binary(bytes) => AxumBody::from(bytes),
        other => AxumBody::from(other.as_ref().to_vec()),
    };
    Response::from_parts(parts, body)
}

/// How `serve` was asked to run: its flags. Each flag that configures the functions
/// reads the environment variable the functions read in Lambda (`env =` one of
/// [`callflow::config::var`]), so a name is written once; a test checks that every
/// variable has its flag.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// TCP port to listen on (0 picks a free one; the banner shows which)
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Address to listen on (0.0.0.0 for every interface)
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// SQLite file of the embedded Sync emulator (`:memory:` keeps nothing)
    #[arg(long, default_value = ".callflow/sync.sqlite3")]
    pub data: String,
    /// Use this Sync (e.g. a separate sync-emulator) instead of the embedded one
    #[arg(long, env = var::TWILIO_SYNC_URL)]
    pub sync_url: Option<String>,
    /// Twilio's REST API that a Studio flow's send-message and record-call widgets call
    /// [default: this server's own 2010-04-01 API with the embedded emulator, else `https://api.twilio.com`]
    #[arg(long, env = var::TWILIO_API_URL)]
    pub twilio_api_url: Option<String>,
    /// Sync service (IS…, or default) the functions use [default: default]
    #[arg(long, env = var::TWILIO_SYNC_SERVICE_SID)]
    pub sync_service_sid: Option<String>,
    /// Account SID (AC…) signatures and Sync use [default: a development pair kept in .callflow/dev-credentials]
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    pub account_sid: Option<String>,
    /// Auth token that signs webhooks (give it with --account-sid, or neither)
    #[arg(long, env = var::TWILIO_AUTH_TOKEN, hide_env_values = true)]
    pub auth_token: Option<String>,
    /// The URL prefix signatures are computed over [default: the served address]
    #[arg(long, env = var::PUBLIC_BASE_URL)]
    pub public_base_url: Option<String>,
    /// SharedKey secret for HMAC-SHA256 webhook signatures [default: none, SHA-256 signatures refused]
    #[arg(long, env = var::TWILIO_WEBHOOK_SHARED_KEY, hide_env_values = true)]
    pub webhook_shared_key: Option<String>,
    /// Bearer token for JSON reads and sync-token [default: the development one]
    #[arg(long, env = var::CALLFLOW_API_TOKEN, hide_env_values = true)]
    pub api_token: Option<String>,
    /// API key SID (SK…) that signs access tokens [default: the development one]
    #[arg(long, env = var::TWILIO_API_KEY)]
    pub api_key: Option<String>,
    /// Secret of --api-key
    #[arg(long, env = var::TWILIO_API_SECRET, hide_env_values = true)]
    pub api_secret: Option<String>,
    /// Lifetime of sync-token's access tokens, and the most a request may ask for, in seconds (1 to 86400)
    #[arg(long, env = var::SYNC_TOKEN_TTL, value_name = "SECONDS")]
    pub sync_token_ttl: Option<u64>,
    /// Flow definition file: callflow's TOML, or a Twilio Studio flow (JSON, as the
    /// Console exports it or as the Flows API returns it) [default: the bundled support menu]
    #[arg(long, env = var::CALLFLOW_FLOW)]
    pub flow: Option<PathBuf>,
    /// Rewrite a URL prefix in a Studio flow's HTTP calls and redirects, FROM=TO (repeat;
    /// the variable takes a comma-separated list), e.g. `https://x.twil.io=http://127.0.0.1:9000`
    #[arg(long = "http-rewrite", env = var::CALLFLOW_HTTP_REWRITE, value_name = "FROM=TO", value_delimiter = ',')]
    pub http_rewrite: Vec<String>,
    /// A Studio flow's HTTP calls reach public addresses only: not loopback, private or
    /// link-local ones (what a deployment wants; stand-ins on loopback need it off)
    #[arg(long, env = var::CALLFLOW_HTTP_PUBLIC_ONLY, value_parser = clap::builder::BoolishValueParser::new())]
    pub http_public_only: bool,
    /// Folder a Studio flow's run-subflow widgets find their subflows in (by SID or file
    /// name) [default: the flow file's folder]
    #[arg(long, env = var::CALLFLOW_SUBFLOWS, value_name = "DIR")]
    pub subflows: Option<PathBuf>,
    /// How long a call's state document lives in Sync, in seconds (0: forever) [default: 3600]
    #[arg(long, env = var::CALL_STATE_TTL, value_name = "SECONDS")]
    pub call_state_ttl: Option<u64>,
    /// How long a presence entry lives after its last beat, in seconds [default: 300]
    #[arg(long, env = var::PRESENCE_TTL, value_name = "SECONDS")]
    pub presence_ttl: Option<u64>,
    /// How many Sync maps presence is spread over (1 to 64; about 20 beats/s each) [default: 1]
    #[arg(long, env = var::PRESENCE_SHARDS, value_name = "MAPS")]
    pub presence_shards: Option<u32>,
    /// Sync map listing every call (what the dashboard at / subscribes to)
    #[arg(long, env = var::CALL_INDEX_MAP, default_value = "calls")]
    pub call_index_map: String,
    /// Seconds a voice webhook may wait for Sync (every retry included) before it answers
    /// TwiML computed without Sync, 0.1 to 10 [default: 4]
    #[arg(long, env = var::CALLFLOW_WEBHOOK_BUDGET, value_name = "SECONDS")]
    pub webhook_budget: Option<String>,
    /// Print a CloudWatch Embedded Metric Format record per request (as on Lambda)
    #[arg(long, env = var::CALLFLOW_METRICS, value_parser = clap::builder::BoolishValueParser::new())]
    pub metrics: bool,
    /// Do not check X-Twilio-Signature (local experiments only)
    #[arg(long, env = var::CALLFLOW_INSECURE_NO_SIGNATURE, value_parser = clap::builder::BoolishValueParser::new())]
    pub insecure_no_signature: bool,
    /// Seconds a connection may take to send a request's headers, counted from when it
    /// opens or from its previous answer: idle and half-sent connections close after this
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = callflow_httpd::parse_seconds)]
    pub header_timeout: std::time::Duration,
    /// Seconds a request's body may take to arrive after its headers (else 408)
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = callflow_httpd::parse_seconds)]
    pub body_timeout: std::time::Duration,
}

impl ServeOptions {
    /// The connection timeouts, as the accept loop takes them.
    pub fn conn_limits(&self) -> ConnLimits {
        ConnLimits {
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
        }
    }
}

/// A running dev server.
pub struct Served {
    /// The address it listens on (the port is the OS's pick when asked for 0).
    pub addr: SocketAddr,
    /// `http://{addr}`: where the functions, the dashboard and the embedded emulator are.
    pub base_url: String,
    /// The account the functions check signatures for (and the embedded emulator runs as).
    pub account_sid: String,
    /// The auth token webhooks must be signed with.
    pub auth_token: String,
    /// The bearer token for `get-call-state`'s JSON reads and `sync-token`.
    pub api_token: Option<String>,
    /// The API key that signs access tokens (`None`: `sync-token` cannot sign).
    pub api_key: Option<(String, String)>,
    /// The prefix signatures are checked against (the served address unless given).
    pub public_base_url: String,
    /// The Sync the functions use: `base_url` for the embedded emulator, else `--sync-url`.
    pub sync_url: String,
    /// Whether the Sync emulator runs inside this server (no `--sync-url` given).
    pub embedded_emulator: bool,
    /// The development numbers the embedded emulator's 2010-04-01 API answers for
    /// ([`DEV_NUMBERS`]; none with an external Sync).
    pub phone_numbers: Vec<sync_emulator::api::PhoneNumber>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The flow file's watcher, when there is a flow file.
    watcher: Option<tokio::task::JoinHandle<()>>,
    /// The writer of the call index's aggregates, when the index is on.
    stats: Option<tokio::task::JoinHandle<()>>,
}

impl Served {
    /// Stops serving (what `callflow flow test` does after each test's call): the accept
    /// loop and the flow-file watcher end, and with them the functions and the embedded
    /// emulator, once the connections still open have closed.
    pub fn stop(self) {
        self.server.abort();
        if let Some(watcher) = self.watcher {
            watcher.abort();
        }
        if let Some(stats) = self.stats {
            stats.abort();
        }
    }

    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.server.await.context("server task failed")??;
        Ok(())
    }
}

/// Binds, builds everything, and serves in a background task.
pub async fn start(options: ServeOptions) -> anyhow::Result<Served> {
    let listener = bind(&options.host, options.port).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let creds = credentials(&options)?;
    let (account_sid, auth_token) = (creds.account_sid.clone(), creds.auth_token.clone());
    let embedded = options.sync_url.is_none();
    let api_key = api_key(&options, &creds, embedded)?;
    let api_token = options.api_token.clone().unwrap_or(creds.api_token);

    let (router, phone_numbers, sync_url) = match &options.sync_url {
        Some(url) => (Router::new(), Vec::new(), url.clone()),
        None => {
            let (router, numbers) =
                embed_emulator(&options, &account_sid, &auth_token, &base_url, &api_key).await?;
            (router, numbers, base_url.clone())
        }
    };

    let public_base_url = options
        .public_base_url
        .clone()
        .unwrap_or_else(|| base_url.clone());
    let served = ServedUrls {
        base_url: &base_url,
        sync_url: &sync_url,
        public_base_url: &public_base_url,
        embedded,
    };
    let vars = function_vars(
        &options,
        &account_sid,
        &auth_token,
        &api_token,
        &api_key,
        &served,
    );
    let config = Config::from_vars(vars.into_iter().map(|(k, v)| (k.to_owned(), v)))
        .map_err(|e| anyhow::anyhow!(naming_flags(&e)))?;
    config.log_startup_warnings();
    let services = Services::from_config(config)?;
    let watcher = crate::reload::watch(services.clone());
    let stats = crate::dashboard::publish_stats(&services);
    let presence_maps = services.presence.maps();
    let dashboard = Dashboard::new(
        services.clone(),
        addr.ip().is_loopback(),
        addr.port(),
        embedded,
        presence_maps,
    );
    let router = router
        .merge(app(services))
        .merge(dashboard.router())
        .layer(axum::middleware::map_response(identify))
        .layer(axum::middleware::from_fn(log_request));
    let limits = options.conn_limits();
    let server = tokio::spawn(callflow_httpd::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    Ok(Served {
        addr,
        base_url,
        account_sid,
        auth_token,
        api_token: Some(api_token),
        api_key,
        public_base_url: public_base_url.trim_end_matches('/').to_owned(),
        sync_url,
        embedded_emulator: embedded,
        phone_numbers,
        server,
        watcher,
        stats,
    })
}

/// The URLs `start` has settled: where serve listens, where Sync is, what Twilio signs.
struct ServedUrls<'a> {
    base_url: &'a str,
    sync_url: &'a str,
    public_base_url: &'a str,
    embedded: bool,
}

/// The API key pair: both flags, or neither (then serve's development pair where serve
/// makes up the account or runs the emulator). The API key signs access tokens, and the
/// embedded emulator is told about it so that its realtime socket accepts them (and REST
/// calls made with it).
fn api_key(
    options: &ServeOptions,
    creds: &DevCredentials,
    embedded: bool,
) -> anyhow::Result<Option<(String, String)>> {
    Ok(match (&options.api_key, &options.api_secret) {
        (Some(sid), Some(secret)) => Some((sid.clone(), secret.clone())),
        (None, None) if embedded || options.account_sid.is_none() => {
            Some((creds.api_key_sid.clone(), creds.api_key_secret.clone()))
        }
        (None, None) => None,
        _ => anyhow::bail!("give both TWILIO_API_KEY and TWILIO_API_SECRET, or neither"),
    })
}

/// Opens the embedded emulator (its SQLite file's folder made first), seeds the
/// development numbers, and answers its routes and the numbers it holds.
async fn embed_emulator(
    options: &ServeOptions,
    account_sid: &str,
    auth_token: &str,
    base_url: &str,
    api_key: &Option<(String, String)>,
) -> anyhow::Result<(Router, Vec<sync_emulator::api::PhoneNumber>)> {
    if options.data != ":memory:" {
        if let Some(dir) = Path::new(&options.data).parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let mut config = EmulatorConfig::with_file(account_sid, auth_token, &options.data);
    config.public_base_url = Some(base_url.to_owned());
    config.api_keys.extend(api_key.clone());
    // Upgraded realtime sockets are past the header timeout; init is held to it.
    config.realtime_init_timeout = options.header_timeout;
    let emulator = Emulator::open(config)?;
    let numbers = emulator
        .seed_phone_numbers(&DEV_NUMBERS.map(str::to_owned))
        .await?;
    Ok((emulator.router(), numbers))
}

/// The variables the functions read, as in Lambda: what serve settled, then each flag
/// that was given.
fn function_vars(
    options: &ServeOptions,
    account_sid: &str,
    auth_token: &str,
    api_token: &str,
    api_key: &Option<(String, String)>,
    served: &ServedUrls<'_>,
) -> Vec<(&'static str, String)> {
    // The functions read their configuration as they do in Lambda, from variables.
    let mut vars = vec![
        (var::TWILIO_ACCOUNT_SID, account_sid.to_owned()),
        (var::TWILIO_AUTH_TOKEN, auth_token.to_owned()),
        (var::TWILIO_SYNC_URL, served.sync_url.to_owned()),
        // A flow's messages and recordings land in the embedded emulator, where `callflow
        // call` lists them; with an external Sync, Twilio's own API unless told.
        (
            var::TWILIO_API_URL,
            match (&options.twilio_api_url, served.embedded) {
                (Some(url), _) => url.clone(),
                (None, true) => served.base_url.to_owned(),
                (None, false) => callflow::config::DEFAULT_API_URL.to_owned(),
            },
        ),
        (var::PUBLIC_BASE_URL, served.public_base_url.to_owned()),
        (var::CALLFLOW_API_TOKEN, api_token.to_owned()),
        (var::CALL_INDEX_MAP, options.call_index_map.clone()),
    ];
    if let Some((sid, secret)) = api_key {
        vars.push((var::TWILIO_API_KEY, sid.clone()));
        vars.push((var::TWILIO_API_SECRET, secret.clone()));
    }
    let optional = [
        (
            var::TWILIO_SYNC_SERVICE_SID,
            options.sync_service_sid.clone(),
        ),
        (
            var::TWILIO_WEBHOOK_SHARED_KEY,
            options.webhook_shared_key.clone(),
        ),
        (
            var::SYNC_TOKEN_TTL,
            options.sync_token_ttl.map(|n| n.to_string()),
        ),
        (
            var::CALLFLOW_FLOW,
            options.flow.as_ref().map(|p| p.display().to_string()),
        ),
        (
            var::CALLFLOW_HTTP_PUBLIC_ONLY,
            options.http_public_only.then(|| "1".to_owned()),
        ),
        (
            var::CALLFLOW_SUBFLOWS,
            options.subflows.as_ref().map(|p| p.display().to_string()),
        ),
        (
            var::CALLFLOW_HTTP_REWRITE,
            (!options.http_rewrite.is_empty()).then(|| options.http_rewrite.join(",")),
        ),
        (
            var::CALL_STATE_TTL,
            options.call_state_ttl.map(|n| n.to_string()),
        ),
        (
            var::PRESENCE_TTL,
            options.presence_ttl.map(|n| n.to_string()),
        ),
        (
            var::PRESENCE_SHARDS,
            options.presence_shards.map(|n| n.to_string()),
        ),
        (
            var::CALLFLOW_INSECURE_NO_SIGNATURE,
            options.insecure_no_signature.then(|| "1".to_owned()),
        ),
        (var::CALLFLOW_WEBHOOK_BUDGET, options.webhook_budget.clone()),
        (
            var::CALLFLOW_METRICS,
            options.metrics.then(|| "1".to_owned()),
        ),
    ];
    vars.extend(
        optional
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?))),
    );
    vars
}

/// The configuration's problems, each also naming the flag that sets its variable (the
/// value may have come from either).
fn naming_flags(error: &ConfigError) -> String {
    use clap::Args as _;
    let command = ServeOptions::augment_args(clap::Command::new("serve"));
    let flag_of = |var: &str| {
        command
            .get_arguments()
            .find(|arg| arg.get_env().is_some_and(|env| env == var))
            .and_then(|arg| arg.get_long())
    };
    error
        .problems
        .iter()
        .map(|problem| match flag_of(problem.var()) {
            Some(flag) => format!("{problem} (flag --{flag})"),
            None => problem.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every answer says it comes from `callflow serve`: that is how a second `serve` started
/// on the same port recognizes the first one.
pub const SERVER_HEADER: &str = concat!("callflow-serve/", env!("CARGO_PKG_VERSION"));

async fn identify(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(SERVER, HeaderValue::from_static(SERVER_HEADER));
    response
}

/// One log line per request, as a dev server shows them: method, path (no query: it may
/// carry a caller's digits), status and how long the answer took to be ready.
async fn log_request(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        target: "callflow::serve",
        "{method} {path} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1e3
    );
    response
}

/// Binds the port; a taken one is reported with what holds it and what to do.
async fn bind(host: &str, port: u16) -> anyhow::Result<TcpListener> {
    let error = match TcpListener::bind((host, port)).await {
        Ok(listener) => return Ok(listener),
        Err(error) => error,
    };
    if error.kind() != std::io::ErrorKind::AddrInUse {
        return Err(error).with_context(|| format!("cannot listen on {host}:{port}"));
    }
    let holder = match holder_of(host, port).await {
        Some(url) => format!(
            "another `callflow serve` is already running there ({url}): use that one, or stop it"
        ),
        None => "another program (not `callflow serve`) is listening there".to_owned(),
    };
    anyhow::bail!(
        "cannot listen on {host}:{port}: the port is taken; {holder}, or start this one on \
         another port with --port N (--port 0 picks a free one)"
    )
}

/// The base URL of the `callflow serve` listening on `host:port`, if that is what listens.
async fn holder_of(host: &str, port: u16) -> Option<String> {
    // Listening on every address means answering on loopback too.
    let host = match host {
        "0.0.0.0" => "127.0.0.1",
        "::" | "[::]" => "[::1]",
        other => other,
    };
    let base = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => format!("http://{}", SocketAddr::new(ip, port)),
        Err(_) => format!("http://{host}:{port}"),
    };
    let client = callflow::tls::client_builder()
        .ok()?
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .ok()?;
    let response = client.get(format!("{base}/")).send().await.ok()?;
    let server = response.headers().get(SERVER)?.to_str().ok()?;
    server.starts_with("callflow-serve/").then_some(base)
}

/// Given credentials, or the development set kept under `./.callflow/` so that the
/// emulator's data and signed test requests stay valid from one run to the next. With
/// given credentials, the API key and bearer token not given are random for this run.
fn credentials(options: &ServeOptions) -> anyhow::Result<DevCredentials> {
    match (&options.account_sid, &options.auth_token) {
        (Some(sid), Some(token)) => Ok(DevCredentials {
            account_sid: sid.clone(),
            auth_token: token.clone(),
            ..DevCredentials::random()
        }),
        (None, None) => DevCredentials::load_or_create(Path::new(dev_credentials::PATH)),
        (Some(_), None) => anyhow::bail!(
            "{} (--account-sid) is set but {} (--auth-token) is not: give both, or neither \
             for the development set in {}",
            var::TWILIO_ACCOUNT_SID,
            var::TWILIO_AUTH_TOKEN,
            dev_credentials::PATH
        ),
        (None, Some(_)) => anyhow::bail!(
            "{} (--auth-token) is set but {} (--account-sid) is not: give both, or neither \
             for the development set in {}",
            var::TWILIO_AUTH_TOKEN,
            var::TWILIO_ACCOUNT_SID,
            dev_credentials::PATH
        ),
    }
}

/// The numbers the embedded emulator's `IncomingPhoneNumbers` holds in development:
/// 555-01xx numbers, which North America keeps for fiction, so they never ring anyone.
pub const DEV_NUMBERS: [&str; 2] = ["+12065550100", "+12065550101"];

/// What `serve` prints once it accepts connections.
pub fn banner(served: &Served) -> String {
    let b = &served.base_url;
    let mut text = format!("callflow dev server on {b}\n  dashboard: {b}/\n");
    for function in FUNCTIONS {
        let (methods, path, summary) = (function.allow(), function.path, function.summary);
        text.push_str(&format!("  {methods:<9} {b}{path}  {summary}\n"));
    }
    if served.embedded_emulator {
        text.push_str(&format!("  Sync emulator: {b}/v1/Services/default/...\n"));
        // The same port speaks twilsock: twilio-sync.js connects with `twilsock.uri` set to it.
        let socket = format!(
            "ws{}{}",
            b.trim_start_matches("http"),
            sync_emulator::realtime::PATH
        );
        text.push_str(&format!(
            "  realtime socket: {socket}   (twilio-sync.js: new SyncClient(token, {{ twilsock: {{ uri }} }}))\n"
        ));
    } else {
        text.push_str(&format!("  Sync: {}\n", served.sync_url));
    }
    text.push_str(&format!(
        "  credentials (signatures are checked against these):\n\
         \x20   TWILIO_ACCOUNT_SID={}\n\
         \x20   TWILIO_AUTH_TOKEN={}\n",
        served.account_sid, served.auth_token
    ));
    if let Some((sid, secret)) = &served.api_key {
        text.push_str(&format!(
            "    TWILIO_API_KEY={sid}\n    TWILIO_API_SECRET={secret}   (signs access tokens)\n"
        ));
    }
    if let Some(token) = &served.api_token {
        text.push_str(&format!("    CALLFLOW_API_TOKEN={token}\n"));
        if served.api_key.is_some() {
            text.push_str(&format!(
                "  token: curl -H 'Authorization: Bearer {token}' '{b}{}?identity=alice'\n",
                sync_token::FUNCTION.path
            ));
        }
    }
    // The binary that is running, by absolute path: the line works pasted in any terminal
    // and directory, without `callflow` on PATH and without building anything again.
    let program = std::env::current_exe()
        .map(|path| shell::quote_if_needed(&path.to_string_lossy()))
        .unwrap_or_else(|_| "callflow".to_owned());
    text.push_str(&format!(
        "  try: TWILIO_ACCOUNT_SID={} TWILIO_AUTH_TOKEN={} {program} call --to {}{} --digits 2,1\n",
        shell::quote_if_needed(&served.account_sid),
        shell::quote_if_needed(&served.auth_token),
        served.public_base_url,
        store_call_state::FUNCTION.path
    ));
    for n in &served.phone_numbers {
        let wired = match &n.voice_url {
            Some(url) => format!("voice URL {url}"),
            None => "not wired".to_owned(),
        };
        text.push_str(&format!(
            "  phone number: {} ({}, {wired})\n",
            n.phone_number, n.sid
        ));
    }
    // The local API holds these numbers as Twilio's does; `wire` sets them up the way it
    // sets up a real one, so the step is rehearsed before going live.
    if let Some(n) = served.phone_numbers.first() {
        text.push_str(&format!(
            "  wire: TWILIO_ACCOUNT_SID={} TWILIO_AUTH_TOKEN={} TWILIO_API_URL={b} {program} wire --number {} --base-url {}\n",
            shell::quote_if_needed(&served.account_sid),
            shell::quote_if_needed(&served.auth_token),
            n.phone_number,
            served.public_base_url
        ));
    }
    text.push_str(&format!("READY {b}"));
    text
}
