//! What every function builds once per process, and how store errors become answers.
//!
//! A Lambda `main` calls [`Services::from_env`] before `lambda_http::run`, so a bad
//! variable or flow stops the cold start with one clear message instead of failing the
//! first request, and the Sync client (its connection pool) is reused by every warm
//! invocation. The dev server builds the same [`Services`] from its own [`Config`].

use std::sync::Arc;
use std::time::Duration;

use lambda_http::http::StatusCode;

use crate::call_state::CallStateStore;
use crate::config::{Config, ConfigError};
use crate::flow::{Flow, FlowError};
use crate::http::{ErrorResponse, WebhookVerifier};
use crate::presence::PresenceStore;
use crate::sync::{Credentials, SyncClient, SyncConfig, SyncError, Ttl};

/// Overall deadline for one Sync operation. Twilio gives a webhook 15 s in total; a
/// cold start plus a couple of operations must fit well inside it.
pub const SYNC_DEADLINE: Duration = Duration::from_secs(5);

/// Why a function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Flow(#[from] FlowError),
    #[error("cannot build the Sync client: {0}")]
    Sync(#[from] SyncError),
}

/// The shared parts of every function.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub verifier: WebhookVerifier,
    pub sync: SyncClient,
    pub call_states: CallStateStore,
    pub presence: PresenceStore,
}

impl Services {
    /// Reads and checks the environment, the flow, and builds the clients.
    pub fn from_env() -> Result<Services, StartError> {
        Services::from_config(Config::from_env()?)
    }

    /// Builds everything from a checked configuration.
    pub fn from_config(config: Config) -> Result<Services, StartError> {
        let flow = Arc::new(Flow::load(config.flow_path.as_deref())?);
        let sync = SyncClient::new(sync_config(&config))?;
        let verifier = WebhookVerifier::from_config(&config);
        let call_states = CallStateStore::new(
            sync.clone(),
            flow,
            Ttl::secs(clamp_ttl(config.call_state_ttl)),
        );
        let presence = PresenceStore::new(sync.clone(), Ttl::secs(clamp_ttl(config.presence_ttl)))
            .with_shards(config.presence_shards);
        Ok(Services {
            config: Arc::new(config),
            verifier,
            sync,
            call_states,
            presence,
        })
    }

    /// The bearer token for JSON reads, if one is configured.
    pub fn api_token(&self) -> Option<&str> {
        self.config.api_token.as_deref()
    }
}

/// The Sync client settings the configuration asks for.
pub fn sync_config(config: &Config) -> SyncConfig {
    let credentials = match &config.api_key {
        Some((key_sid, secret)) => Credentials::ApiKey {
            account_sid: config.account_sid.clone(),
            key_sid: key_sid.clone(),
            secret: secret.clone(),
        },
        None => Credentials::AuthToken {
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
        },
    };
    SyncConfig::with_credentials(credentials)
        .base_url(config.sync_url.as_str().trim_end_matches('/'))
        .service_sid(config.sync_service_sid.clone())
        .deadline(SYNC_DEADLINE)
}

/// Config checks TTLs against Sync's range already; this only narrows the type.
fn clamp_ttl(secs: u64) -> u32 {
    u32::try_from(secs).unwrap_or(u32::MAX)
}

/// The whole `main` of a function binary: logging, [`Services::from_env`] once per
/// process (a bad variable or flow ends the cold start with one clear log line
/// and exit code 1), then `lambda_http::run` with `handler` for every invocation.
///
/// The services are leaked on purpose: they live as long as the process, and a
/// `'static` reference is what lets every invocation share them without an `Arc` clone.
pub async fn run_function<H, Fut>(handler: H) -> Result<(), lambda_http::Error>
where
    H: Fn(&'static Services, lambda_http::Request) -> Fut,
    Fut: std::future::Future<Output = lambda_http::Response<lambda_http::Body>> + Send,
{
    init_tracing();
    let services = match Services::from_env() {
        Ok(services) => services,
        Err(error) => {
            tracing::error!("cannot start: {error}");
            std::process::exit(1);
        }
    };
    services.config.log_startup_warnings();
    let services: &'static Services = Box::leak(Box::new(services));
    lambda_http::run(lambda_http::service_fn(move |req| {
        let answer = handler(services, req);
        async move { Ok::<_, std::convert::Infallible>(answer.await) }
    }))
    .await
}

/// Sets up logging the way Lambda wants it: `AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON
/// lines, `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` the level.
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The answer for a Sync failure: the caller's fault only where it is (404, 413); for
/// the rest, a 5xx that tells Twilio to try its fallback URL, with the reason logged.
pub fn sync_error_response(error: &SyncError) -> ErrorResponse {
    match error {
        SyncError::NotFound(_) => ErrorResponse::not_found("no such call state"),
        SyncError::TooLarge(e) => ErrorResponse::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            e.code.unwrap_or(54006),
            "the state would exceed Sync's 16 KiB limit",
        ),
        SyncError::RateLimited { .. } => ErrorResponse::new(
            StatusCode::SERVICE_UNAVAILABLE,
            54009,
            "Sync is rate limiting this object; try again shortly",
        ),
        SyncError::RevisionMismatch(_) => ErrorResponse::new(
            StatusCode::SERVICE_UNAVAILABLE,
            54103,
            "too many concurrent updates to this call; try again",
        ),
        SyncError::Timeout { .. } => {
            tracing::error!(%error, "Sync timed out");
            ErrorResponse::new(
                StatusCode::GATEWAY_TIMEOUT,
                20504,
                "Sync did not answer in time",
            )
        }
        other => {
            tracing::error!(error = %other, "Sync request failed");
            ErrorResponse::new(StatusCode::BAD_GATEWAY, 20502, "the state store failed")
        }
    }
}
