//! [`SyncTokenIssuer`]: what the `sync-token` function keeps per process.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::{mint, SigningKey, SyncTokenRequest, TokenError};
use crate::config::Config;
use crate::sync::{SyncClient, SyncError};

/// The signing key, the lifetime, and the Sync service SID tokens are minted with.
///
/// With `TWILIO_SYNC_SERVICE_SID=default` the service's real `IS…` SID is fetched from
/// Sync once (`GET /v1/Services/default`) and kept for the life of the process: Twilio's
/// realtime socket (and the emulator's) read the service from the token, where `default`
/// is not a SID. Twilio itself would also take a token without `service_sid` as "the
/// default service", but naming the service keeps the token and the functions' REST
/// writes on the same service whatever the socket assumes.
#[derive(Clone)]
pub struct SyncTokenIssuer {
    key: Option<SigningKey>,
    ttl: u64,
    service: Service,
}

#[derive(Clone)]
enum Service {
    Sid(String),
    Default {
        sync: SyncClient,
        sid: Arc<OnceCell<String>>,
    },
}

/// Why no token was issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// `TWILIO_API_KEY` / `TWILIO_API_SECRET` are not configured.
    #[error("access tokens need an API key: set TWILIO_API_KEY and TWILIO_API_SECRET")]
    NoSigningKey,
    /// The request asked for a longer lifetime than configured.
    #[error("ttl must be 1 to {max} seconds (SYNC_TOKEN_TTL), got {asked}")]
    Ttl {
        /// Seconds asked for.
        asked: u64,
        /// Seconds allowed (`SYNC_TOKEN_TTL`).
        max: u64,
    },
    /// The default service's SID could not be looked up.
    #[error("cannot look up the Sync service: {0}")]
    Service(#[source] SyncError),
    /// The token could not be made (its identity is refused, or signing failed).
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// A minted token and what it says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssuedToken {
    /// The identity in its grant.
    pub identity: String,
    /// The signed JWT, what the client SDK is given.
    pub token: String,
    /// Seconds it is valid for.
    pub ttl: u64,
    /// The `IS…` SID in its Sync grant.
    pub service_sid: String,
}

impl SyncTokenIssuer {
    /// From the configuration (`TWILIO_API_KEY`/`_SECRET`, `SYNC_TOKEN_TTL`,
    /// `TWILIO_SYNC_SERVICE_SID`); `sync` looks up the `default` service.
    pub fn from_config(config: &Config, sync: &SyncClient) -> Self {
        let key = config.api_key.as_ref().map(|(key_sid, secret)| SigningKey {
            account_sid: config.account_sid.clone(),
            key_sid: key_sid.clone(),
            secret: secret.clone(),
        });
        let service = if config.sync_service_sid == "default" {
            Service::Default {
                sync: sync.clone(),
                sid: Arc::new(OnceCell::new()),
            }
        } else {
            Service::Sid(config.sync_service_sid.clone())
        };
        SyncTokenIssuer {
            key,
            ttl: config.sync_token_ttl,
            service,
        }
    }

    /// The lifetime of tokens when the request asks for none, and the longest allowed.
    pub fn ttl(&self) -> u64 {
        self.ttl
    }

    /// Whether an API key is configured (tokens can be signed).
    pub fn can_sign(&self) -> bool {
        self.key.is_some()
    }

    /// The `IS…` SID tokens name, looked up once if configured as `default`.
    pub async fn service_sid(&self) -> Result<String, SyncError> {
        match &self.service {
            Service::Sid(sid) => Ok(sid.clone()),
            Service::Default { sync, sid } => sid
                .get_or_try_init(|| async { Ok(sync.service().await?.sid) })
                .await
                .cloned(),
        }
    }

    /// Mints a token for `identity` valid `ttl` seconds (default and most:
    /// [`ttl`](Self::ttl)) from `issued_at` (Unix seconds).
    pub async fn issue(
        &self,
        identity: &str,
        ttl: Option<u64>,
        issued_at: u64,
    ) -> Result<IssuedToken, IssueError> {
        let key = self.key.as_ref().ok_or(IssueError::NoSigningKey)?;
        let ttl = match ttl {
            None => self.ttl,
            Some(asked) if (1..=self.ttl).contains(&asked) => asked,
            Some(asked) => {
                return Err(IssueError::Ttl {
                    asked,
                    max: self.ttl,
                })
            }
        };
        super::check_identity(identity)?;
        let service_sid = self.service_sid().await.map_err(IssueError::Service)?;
        let token = mint(
            key,
            &SyncTokenRequest {
                identity,
                service_sid: Some(&service_sid),
                issued_at,
                ttl,
            },
        )?;
        Ok(IssuedToken {
            identity: identity.to_owned(),
            token,
            ttl,
            service_sid,
        })
    }
}
