//! `sync-token`: a Twilio access token for twilio-sync.js, for an identity the caller's
//! credentials allow.
//!
//! `GET ?identity=alice[&ttl=600]`, or `POST` the same fields as a form or as JSON
//! (`{"identity": "alice", "ttl": 600}`). Answers 200
//! `{"identity", "token", "ttl", "service_sid"}` (`Cache-Control: no-store`). The token
//! is what twilio-python's `AccessToken` + `SyncGrant` builds (see
//! [`callflow::access_token`]): signed with `TWILIO_API_SECRET`, `iss` = `TWILIO_API_KEY`,
//! `sub` = the account, `grants.data_sync.service_sid` = the Sync service's `IS…` SID
//! (looked up once when configured as `default`).
//!
//! Who may have a token for which identity is an [`IdentityCheck`]. The deployed
//! function uses [`BearerToken`]: `Authorization: Bearer $CALLFLOW_API_TOKEN` lets the
//! caller name any identity, which suits a trusted backend that fetches tokens for its
//! users. A real application plugs its own check in (its session cookie, an OIDC token)
//! with [`handle_with`]; see [`IdentityCheck`].
//!
//! Refusals, all with Twilio's error body: 401 without a valid credential, 403 when
//! tokens are not issued at all (no `CALLFLOW_API_TOKEN`) or the check refuses the
//! identity, 400 for a missing or bad identity (1 to 256 characters, no control
//! characters, no surrounding spaces) or `ttl` (1 to `SYNC_TOKEN_TTL` seconds, default
//! and most 3600), 405 / 413 / 415 as everywhere.
//!
//! Layout: `request` (reading `identity` and `ttl`), `check` (the authorisation seam),
//! this file (the handler).

mod check;
mod request;

use std::time::{SystemTime, UNIX_EPOCH};

use callflow::access_token::IssueError;
use callflow::http::{self as web, ErrorResponse};
use callflow::runtime::{Answer, Function, Services};
use callflow::sync::SyncError;
use lambda_http::http::header::{HeaderValue, CACHE_CONTROL};
use lambda_http::http::{Method, StatusCode};
use lambda_http::Request;

pub use check::{BearerToken, IdentityCheck};
pub use request::TokenParams;

/// The methods this function answers.
pub const METHODS: &[Method] = &[Method::GET, Method::POST];

/// The function as deployed: [`BearerToken`] decides who gets which identity.
pub const FUNCTION: Function = Function {
    path: "/sync-token",
    methods: METHODS,
    summary: "access token for twilio-sync.js (?identity=…, bearer token)",
    handler: |services, req| {
        Box::pin(async move { handle_with(services, &BearerToken, &req).await })
    },
};

/// Handles one request, with `check` deciding who gets a token for which identity.
pub async fn handle_with<C: IdentityCheck>(
    services: &Services,
    check: &C,
    req: &Request,
) -> Answer {
    let params = match *req.method() {
        Method::GET | Method::HEAD | Method::POST => TokenParams::read(req)?,
        ref other => return Err(ErrorResponse::method_not_allowed(other, METHODS)),
    };
    let identity = check
        .identity(services, req, params.identity.as_deref())
        .await?;
    let issued = services
        .sync_tokens
        .issue(&identity, params.ttl, unix_now())
        .await
        .map_err(issue_error_response)?;
    let mut response = web::json(StatusCode::OK, &issued);
    // A token is a credential: no cache between here and the caller may keep it.
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn issue_error_response(error: IssueError) -> ErrorResponse {
    match error {
        IssueError::Ttl { .. } | IssueError::Token(_) => {
            ErrorResponse::bad_request(error.to_string())
        }
        IssueError::NoSigningKey => {
            tracing::error!("{error}");
            ErrorResponse::internal(
                "this function has no API key to sign tokens with (see its logs)",
            )
        }
        IssueError::Service(SyncError::NotFound(_)) => {
            tracing::error!("{error}");
            ErrorResponse::new(
                StatusCode::BAD_GATEWAY,
                20502,
                "the configured Sync service does not exist",
            )
        }
        IssueError::Service(sync) => sync.into(),
    }
}

/// Seconds since the Unix epoch (0 if the clock is before it, which no host is).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
