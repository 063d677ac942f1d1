//! `callflow token`: a Twilio access token for twilio-sync.js, minted locally from an
//! API key, the same token the `sync-token` function answers (and twilio-python's
//! `AccessToken` + `SyncGrant` builds).
//!
//! For a real account, or for `callflow serve` with its development API key, which it
//! reads from `./.callflow/dev-credentials` when no key is given
//! ([`crate::credentials::for_token`]).
//! `--issued-at` pins the issue time, which makes the token reproducible (the
//! conformance suite compares it with twilio-python's at the same clock).

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use callflow::access_token::{self, SigningKey, SyncTokenRequest};
use callflow::webhook::is_sid;

/// What to mint.
#[derive(Debug, Clone)]
pub struct TokenOptions {
    /// `AC…`: the token's `sub`.
    pub account_sid: String,
    /// `SK…`: the API key that signs, the token's `iss`.
    pub api_key: String,
    /// The API key's secret (the HMAC key).
    pub api_secret: String,
    /// `IS…`; `None` or `default` leaves `service_sid` out of the grant, which Twilio
    /// reads as the account's default service.
    pub service_sid: Option<String>,
    /// The identity the grant gives the client.
    pub identity: String,
    /// Seconds the token is valid for, 1 to 86,400.
    pub ttl: u64,
    /// Unix seconds; `None`: now.
    pub issued_at: Option<u64>,
}

/// The signed token.
pub fn mint(options: &TokenOptions) -> anyhow::Result<String> {
    anyhow::ensure!(
        is_sid(&options.account_sid, "AC"),
        "TWILIO_ACCOUNT_SID is not an account SID (AC followed by 32 hex digits)"
    );
    anyhow::ensure!(
        is_sid(&options.api_key, "SK"),
        "TWILIO_API_KEY is not an API key SID (SK followed by 32 hex digits)"
    );
    let service_sid = options
        .service_sid
        .as_deref()
        .filter(|sid| *sid != "default");
    if let Some(sid) = service_sid {
        anyhow::ensure!(
            is_sid(sid, "IS"),
            "the service SID is not a Sync service SID (IS followed by 32 hex digits) or \"default\""
        );
    }
    let issued_at = match options.issued_at {
        Some(at) => at,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs(),
    };
    let key = SigningKey {
        account_sid: options.account_sid.clone(),
        key_sid: options.api_key.clone(),
        secret: options.api_secret.clone(),
    };
    Ok(access_token::mint(
        &key,
        &SyncTokenRequest {
            identity: &options.identity,
            service_sid,
            issued_at,
            ttl: options.ttl,
        },
    )?)
}
