//! What every function builds once per process, and how a function is run.
//!
//! A Lambda `main` calls [`Services::from_env`] before `lambda_http::run`, so a bad
//! variable or flow stops the cold start with one clear message instead of failing the
//! first request, and the Sync client (its connection pool) is reused by every warm
//! invocation. The dev server builds the same [`Services`] from its own [`Config`].
//!
//! A function is a [`Function`]: its path and a handler that answers
//! `Result<Response, ErrorResponse>`. [`run_function`] (Lambda) and `callflow serve`
//! both call it through [`Function::call`], the one place a refusal becomes a response.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};

use crate::access_token::SyncTokenIssuer;
use crate::call_state::{CallIndex, CallStateStore};
use crate::config::{Config, ConfigError};
use crate::flow::{Flow, FlowError};
use crate::http::{ErrorResponse, WebhookVerifier};
use crate::presence::PresenceStore;
use crate::studio::{FlowHttp, StudioRuntime, TwilioApi};
use crate::sync::{Credentials, SyncClient, SyncConfig, SyncError, Ttl};

/// Overall deadline for one Sync operation. Twilio gives a webhook 15 s in total; a
/// cold start plus a couple of operations must fit well inside it.
pub const SYNC_DEADLINE: Duration = Duration::from_secs(5);

/// Why a function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The environment is missing a variable or has a bad one.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The flow file cannot be read or is not a valid flow.
    #[error("{0}")]
    Flow(#[from] FlowError),
    /// The Sync client cannot be built.
    #[error("cannot build the Sync client: {0}")]
    Sync(#[from] SyncError),
    /// The client a Studio flow's HTTP widgets use cannot be built.
    #[error("cannot build the HTTP client of the Studio flow: {0}")]
    FlowHttp(String),
}

/// The shared parts of every function.
#[derive(Clone)]
pub struct Services {
    /// What the environment configured.
    pub config: Arc<Config>,
    /// Checks `X-Twilio-Signature` as [`Config::signatures`] says.
    pub verifier: WebhookVerifier,
    /// The Sync client every store below shares (one connection pool, one deadline).
    pub sync: SyncClient,
    /// Call-state documents, and the TOML flow they follow.
    pub call_states: CallStateStore,
    /// Agents' presence items.
    pub presence: PresenceStore,
    /// Access tokens for twilio-sync.js (`sync-token`).
    pub sync_tokens: SyncTokenIssuer,
    /// The Studio flow calls run through, when the flow file is one (else the TOML flow
    /// in `call_states` is used): read it with [`Services::studio`]. Shared by every
    /// clone and swapped by [`Services::reload`].
    studio: Arc<RwLock<Option<Arc<StudioRuntime>>>>,
    /// How many times the flow was swapped (0: the one loaded at start).
    generation: Arc<AtomicU64>,
    /// Whether each request prints its CloudWatch EMF record ([`crate::metrics`]):
    /// `CALLFLOW_METRICS`, else on in Lambda ([`run_function`]) and off in `callflow serve`.
    pub emit_metrics: bool,
}

/// What a reload swapped in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// `N widgets` (Studio) or `N stages` (TOML).
    pub summary: String,
}

impl Services {
    /// Reads and checks the environment, the flow, and builds the clients.
    pub fn from_env() -> Result<Services, StartError> {
        Services::from_config(Config::from_env()?)
    }

    /// Builds everything from a checked configuration.
    pub fn from_config(config: Config) -> Result<Services, StartError> {
        let (flow, studio) = load_flow(&config)?;
        let flow = Arc::new(flow);
        let sync = SyncClient::new(sync_config(&config))?;
        let emit_metrics = config.metrics.unwrap_or(false);
        let verifier = WebhookVerifier::from_config(&config);
        let call_ttl = Ttl::secs(clamp_ttl(config.call_state_ttl));
        let mut call_states = CallStateStore::new(sync.clone(), flow, call_ttl);
        if let Some(map) = &config.call_index_map {
            call_states =
                call_states.with_index(CallIndex::new(sync.clone(), map.clone(), call_ttl));
        }
        let presence = PresenceStore::new(sync.clone(), Ttl::secs(clamp_ttl(config.presence_ttl)))
            .with_shards(config.presence_shards);
        let sync_tokens = SyncTokenIssuer::from_config(&config, &sync);
        Ok(Services {
            config: Arc::new(config),
            verifier,
            sync,
            call_states,
            presence,
            sync_tokens,
            studio: Arc::new(RwLock::new(studio)),
            generation: Arc::new(AtomicU64::new(0)),
            emit_metrics,
        })
    }

    /// The Studio flow calls run through now, when the flow is one.
    pub fn studio(&self) -> Option<Arc<StudioRuntime>> {
        // A poisoned lock still holds a whole value: a swap is one assignment.
        self.studio
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Runs calls through `studio` from now on (`None`: the TOML flow of `call_states`).
    pub fn set_studio(&self, studio: Option<Arc<StudioRuntime>>) {
        *self.studio.write().unwrap_or_else(|e| e.into_inner()) = studio;
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Loads the configured flow file again, the way [`Services::from_config`] does, and
    /// swaps it in for every clone of these services. On any problem the running flow is
    /// kept and the error lists every problem (`file:line:col: …`). Webhooks already
    /// running finish with the flow they started with; a call waiting at a widget or stage
    /// the new flow lacks ends with a goodbye at its next webhook, the reason in its state.
    pub fn reload(&self) -> Result<Reloaded, StartError> {
        let (flow, studio) = load_flow(&self.config)?;
        let summary = match &studio {
            Some(runtime) => format!("{} widgets", runtime.flow.widgets().len()),
            None => format!("{} stages", flow.stages.len()),
        };
        // Two swaps, not one: a webhook landing between them sees a mix only when the
        // file changed format (TOML to Studio or back).
        self.call_states.set_flow(Arc::new(flow));
        self.set_studio(studio);
        Ok(Reloaded { summary })
    }

    /// A number that changes whenever the flow is swapped (for caches of its drawing).
    pub fn flow_generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The flow as a graph (TOML or Studio), for the dashboard.
    pub fn flow_graph(&self) -> crate::flow::FlowGraph {
        match self.studio() {
            Some(studio) => studio.flow.graph(),
            None => self.call_states.flow().graph(),
        }
    }

    /// The bearer token for JSON reads, if one is configured.
    pub fn api_token(&self) -> Option<&str> {
        self.config.api_token.as_deref()
    }
}

/// The flow file of the configuration: callflow's TOML, or a Studio flow (told by its
/// content), whose TOML stand-in is a one-stage flow no Studio call uses.
fn load_flow(config: &Config) -> Result<(Flow, Option<Arc<StudioRuntime>>), StartError> {
    let Some(path) = config.flow_path.as_deref() else {
        return Ok((Flow::example(), None));
    };
    let text = std::fs::read_to_string(path).map_err(|e| FlowError::Read {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    if !crate::studio::definition::looks_like_studio(&text) {
        return Ok((Flow::parse_file(&path.display().to_string(), &text)?, None));
    }
    let flow = crate::studio::load_file(
        &path.display().to_string(),
        &text,
        config.subflows_dir.as_deref(),
    )?;
    let api = TwilioApi::new(config.api_url.as_str(), credentials(config));
    let http = FlowHttp::with_targets(config.http_rewrites.clone(), config.http_targets)
        .and_then(|http| http.with_twilio_api(api))
        .map_err(StartError::FlowHttp)?;
    Ok((
        Flow::minimal(),
        Some(Arc::new(StudioRuntime { flow, http })),
    ))
}

/// The Sync client settings the configuration asks for.
pub fn sync_config(config: &Config) -> SyncConfig {
    SyncConfig::with_credentials(credentials(config))
        .base_url(config.sync_url.as_str().trim_end_matches('/'))
        .service_sid(config.sync_service_sid.clone())
        // One operation never outlives the webhook's budget (the handler's own limit
        // covers several operations together).
        .deadline(SYNC_DEADLINE.min(config.webhook_budget))
}

/// The REST credentials the configuration gives: the API key when set, else the auth
/// token (Sync and a Studio flow's REST widgets use the same).
fn credentials(config: &Config) -> Credentials {
    match &config.api_key {
        Some((key_sid, secret)) => Credentials::ApiKey {
            account_sid: config.account_sid.clone(),
            key_sid: key_sid.clone(),
            secret: secret.clone(),
        },
        None => Credentials::AuthToken {
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
        },
    }
}

/// Config checks TTLs against Sync's range already; this only narrows the type.
fn clamp_ttl(secs: u64) -> u32 {
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// What a handler gives: a response, or a refusal that [`Function::call`] turns into
/// Twilio's error body. Handlers `?` library errors ([`WebhookError`](crate::webhook::WebhookError),
/// [`SyncError`]) straight into it.
pub type Answer = Result<Response<Body>, ErrorResponse>;

/// The future of one handler call, borrowing the process's [`Services`].
pub type AnswerFuture<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// One Lambda function: where it is deployed and what answers there.
///
/// Each function crate exports one of these as `FUNCTION`; its `main` is
/// `run_function(FUNCTION)`, and `callflow serve` routes a table of them, so a new
/// function is one entry there.
#[derive(Clone, Copy)]
pub struct Function {
    /// The path it is deployed at (`template.yaml`'s route), e.g. `/store-call-state`.
    pub path: &'static str,
    /// The methods it answers: the `Allow` header of its 405s, the methods `template.yaml`
    /// deploys it for (a test checks), the list in `callflow serve`'s banner.
    pub methods: &'static [Method],
    /// What it answers, in a few words, for `callflow serve`'s banner.
    pub summary: &'static str,
    /// The request handler (a plain `fn`, so a `Function` can be a `const`).
    pub handler: for<'a> fn(&'a Services, Request) -> AnswerFuture<'a>,
}

impl Function {
    /// The methods as an `Allow` header says them: `GET, POST`.
    pub fn allow(&self) -> String {
        crate::http::allow_list(self.methods)
    }

    /// Runs the handler; a refusal becomes its Twilio-style error response. The handler
    /// runs in a `request` span (Lambda's request id, and the CallSid and stage once the
    /// handler notes them: [`crate::metrics::note_call`]), so every log line of the
    /// request carries them; with [`Services::emit_metrics`] the request's EMF record is
    /// printed on stdout once it is answered.
    pub async fn call(&self, services: &Services, req: Request) -> Response<Body> {
        use lambda_http::RequestExt as _;
        use tracing::Instrument as _;

        let started = std::time::Instant::now();
        let request_id = req.lambda_context_ref().map(|c| c.request_id.clone());
        let name = self.path.trim_start_matches('/');
        let span = tracing::info_span!(
            "request",
            function = name,
            request_id = request_id.as_deref(),
            call_sid = tracing::field::Empty,
            stage = tracing::field::Empty,
        );
        let counters = Arc::new(crate::metrics::Counters::default());
        let response = crate::metrics::scope(
            counters.clone(),
            (self.handler)(services, req).instrument(span),
        )
        .await
        .unwrap_or_else(ErrorResponse::into_response);
        if services.emit_metrics {
            let record = crate::metrics::Record {
                function: name,
                status: response.status().as_u16(),
                latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                request_id: request_id.as_deref(),
                counters: &counters,
                timestamp_ms: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            };
            // One line, as the EMF agent of Lambda's log stream reads it.
            println!("{}", record.to_json());
        }
        response
    }
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("path", &self.path)
            .finish()
    }
}

/// What the Lambda runtime client needs from the environment; without any of them
/// `lambda_runtime` panics, so [`run_function`] checks them first.
pub const LAMBDA_RUNTIME_VARS: [&str; 4] = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_RUNTIME_API",
];

/// The one line a function binary prints when it is started outside Lambda, or `None`
/// when `var` finds every [`LAMBDA_RUNTIME_VARS`].
pub fn outside_lambda(program: &str, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let missing = LAMBDA_RUNTIME_VARS
        .into_iter()
        .find(|name| var(name).is_none_or(|value| value.is_empty()))?;
    Some(format!(
        "{program} is an AWS Lambda function and {missing} is not set: not inside Lambda; \
         locally, run `callflow serve` (every function on one port) or `cargo lambda watch`"
    ))
}

/// The whole `main` of a function binary: a check that it runs under a Lambda runtime
/// (else one line pointing to `callflow serve` and `cargo lambda watch`, and exit code 1),
/// logging, [`Services::from_env`] once per process (a bad variable or flow ends the
/// cold start with one clear log line and exit code 1), then the runtime loop with the
/// function's handler for every invocation.
///
/// The loop is `lambda_http::run_concurrent`: it polls one invocation at a time unless
/// `AWS_LAMBDA_MAX_CONCURRENCY` (set by Lambda Managed Instances, and by `cargo lambda
/// watch`) asks for more, which it then honours; `lambda_http::run` would instead log a
/// warning at every start that it cannot.
///
/// The services are leaked on purpose: they live as long as the process, and a
/// `'static` reference is what lets every invocation share them without an `Arc` clone.
pub async fn run_function(function: Function) -> Result<(), lambda_http::Error> {
    let program = function.path.trim_start_matches('/');
    if let Some(line) = outside_lambda(program, |name| std::env::var(name).ok()) {
        eprintln!("{line}");
        std::process::exit(1);
    }
    init_tracing();
    let services = match Services::from_env() {
        Ok(mut services) => {
            services.emit_metrics = services.config.metrics.unwrap_or(true);
            services
        }
        Err(error) => {
            tracing::error!("cannot start: {error}");
            std::process::exit(1);
        }
    };
    services.config.log_startup_warnings();
    let services: &'static Services = Box::leak(Box::new(services));
    lambda_http::run_concurrent(lambda_http::service_fn(move |req| async move {
        Ok::<_, std::convert::Infallible>(function.call(services, req).await)
    }))
    .await
}

/// Sets up logging the way Lambda wants it: `AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON
/// lines, `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` the level (as
/// `lambda_http::tracing::init_default_subscriber` does), and colour only when stdout is
/// a terminal: CloudWatch, `cargo lambda watch` piping and log files get plain text.
pub fn init_tracing() {
    use std::io::IsTerminal as _;
    use std::str::FromStr as _;
    use tracing_subscriber::filter::{EnvFilter, LevelFilter};

    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| LevelFilter::from_str(&level).ok())
        .unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(
            EnvFilter::builder()
                .with_default_directive(level.into())
                .from_env_lossy(),
        )
        .with_ansi(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    // `try_init`: a second call (tests building several functions) keeps the first.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
