//! Reads that are not Twilio webhooks: JSON for agent screens, CRMs and tests.
//!
//! Such a request is authorised by `Authorization: Bearer <CALLFLOW_API_TOKEN>` or, like a
//! webhook, by an `X-Twilio-Signature` over its URL. A request that carries an
//! `Authorization` header is judged by it alone, so a wrong token is a 401 even when a
//! signature is present too.

use lambda_http::http::header::AUTHORIZATION;
use lambda_http::http::{HeaderMap, Request};
use subtle::ConstantTimeEq;

use super::{ErrorResponse, WebhookVerifier};

/// Checks `Authorization: Bearer <token>` against the configured token, in constant
/// time. With no token configured (`None`), every bearer token is refused.
///
/// Refusals are 401 with `WWW-Authenticate: Bearer`.
pub fn check_bearer(headers: &HeaderMap, expected: Option<&str>) -> Result<(), ErrorResponse> {
    let Some(expected) = expected else {
        return Err(ErrorResponse::unauthorized(
            "bearer tokens are not accepted here (CALLFLOW_API_TOKEN is not set); sign the request instead",
        ));
    };
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(ErrorResponse::unauthorized(
            "missing Authorization: Bearer <token> header",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| ErrorResponse::unauthorized("Authorization header is not a Bearer token"))?;
    if !expected.is_empty() && bool::from(token.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(ErrorResponse::unauthorized("bearer token is not valid"))
    }
}

impl WebhookVerifier {
    /// Authorises a read: with an `Authorization` header, the bearer token must equal
    /// `api_token` (401 otherwise, also when no token is configured); without one, the
    /// request must be a signed GET or HEAD whose signature covers the URL with its
    /// query (405 for other methods, 403 for a missing or wrong signature).
    pub fn authorize_read<B>(
        &self,
        req: &Request<B>,
        api_token: Option<&str>,
    ) -> Result<(), ErrorResponse> {
        if req.headers().contains_key(AUTHORIZATION) {
            check_bearer(req.headers(), api_token)
        } else {
            self.verify_get(req).map(|_| ())
        }
    }
}
