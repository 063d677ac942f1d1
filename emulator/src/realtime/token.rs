//! Checking the access token a twilsock `init` (or `update`) carries.
//!
//! A Twilio access token is a JWT signed HS256 with an API key's secret: `iss` is the API
//! key SID, `sub` the account SID, `exp` the expiry (seconds), and `grants.data_sync.
//! service_sid` the Sync service it is good for (the default service when the grant
//! names none). The signature is checked with the secret
//! of the API key named by `iss`, among the keys this emulator was given; `exp` is compared
//! with the emulator's clock (so tests can move time). Whether the service exists is the
//! caller's check, since it needs the store.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// What a good token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub identity: Option<String>,
    /// As written in the token: a service SID or unique name (e.g. `default`).
    pub service: String,
    /// Unix milliseconds.
    pub expires_at_ms: i64,
}

/// Why a token is refused; each maps to the status the client sees (always 401, which
/// makes twilsock end in `denied`) and a Twilio error code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("Invalid Access Token: {0}")]
    Malformed(String),
    #[error("Invalid Access Token issuer: no API key {0} is known")]
    UnknownKey(String),
    #[error("Invalid Access Token signature")]
    BadSignature,
    #[error("Access Token expired or expiration date invalid")]
    Expired,
    #[error("Invalid Access Token subject: not this account")]
    WrongAccount,
    #[error("Invalid Access Token grants: no data_sync grant")]
    NoSyncGrant,
    #[error("Invalid Access Token grants: no Sync service {0}")]
    UnknownService(String),
}

impl TokenError {
    /// Twilio's error code for the problem.
    pub fn code(&self) -> u32 {
        match self {
            TokenError::Malformed(_) | TokenError::BadSignature => 20101,
            TokenError::Expired => 20104,
            TokenError::UnknownKey(_) | TokenError::WrongAccount => 20107,
            TokenError::NoSyncGrant | TokenError::UnknownService(_) => 20151,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    exp: Option<i64>,
    #[serde(default)]
    grants: Grants,
}

#[derive(Debug, Default, Deserialize)]
struct Grants {
    identity: Option<String>,
    data_sync: Option<SyncGrant>,
}

#[derive(Debug, Deserialize)]
struct SyncGrant {
    service_sid: Option<String>,
}

/// Checks signature, account, expiry and the presence of a Sync grant.
pub fn verify(
    token: &str,
    api_keys: &[(String, String)],
    account_sid: &str,
    now_ms: i64,
) -> Result<Grant, TokenError> {
    // `iss` picks the key; the claims are trusted only once that key's signature checks.
    let unverified: Claims = jsonwebtoken::dangerous::insecure_decode_claims(token)
        .map_err(|e| TokenError::Malformed(e.to_string()))?;
    let iss = unverified
        .iss
        .ok_or_else(|| TokenError::Malformed("no iss claim".into()))?;
    let secret = api_keys
        .iter()
        .find(|(sid, _)| *sid == iss)
        .map(|(_, secret)| secret)
        .ok_or_else(|| TokenError::UnknownKey(iss.clone()))?;
    let key = DecodingKey::from_secret(secret.as_bytes()).map_err(|_| TokenError::BadSignature)?;
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked below against the emulator's clock, not the system's.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
            _ => TokenError::Malformed(e.to_string()),
        })?
        .claims;
    if claims.sub.as_deref() != Some(account_sid) {
        return Err(TokenError::WrongAccount);
    }
    let exp = claims.exp.ok_or(TokenError::Expired)?;
    let expires_at_ms = exp.saturating_mul(1000);
    if expires_at_ms <= now_ms {
        return Err(TokenError::Expired);
    }
    // A Sync grant that names no service is for the account's default one, as Twilio
    // reads it (twilio-python's `SyncGrant()` without arguments writes `"data_sync": {}`).
    let service = claims
        .grants
        .data_sync
        .ok_or(TokenError::NoSyncGrant)?
        .service_sid
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "default".to_owned());
    Ok(Grant {
        identity: claims.grants.identity,
        service,
        expires_at_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    const ACCOUNT: &str = "AC00000000000000000000000000000000";
    const KEY: &str = "SK00000000000000000000000000000001";

    fn keys() -> Vec<(String, String)> {
        vec![(KEY.to_owned(), "s3cret".to_owned())]
    }

    fn token(secret: &str, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.cty = Some("twilio-fpa;v=1".into());
        encode(
            &header,
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
        )
        .expect("encodes")
    }

    fn claims(exp: i64) -> serde_json::Value {
        json!({
            "jti": format!("{KEY}-1"), "iss": KEY, "sub": ACCOUNT, "exp": exp,
            "grants": {"identity": "alice", "data_sync": {"service_sid": "default"}}
        })
    }

    #[test]
    fn accepts_a_good_token() {
        let g =
            verify(&token("s3cret", claims(2_000)), &keys(), ACCOUNT, 1_000_000).expect("valid");
        assert_eq!(g.identity.as_deref(), Some("alice"));
        assert_eq!(g.service, "default");
        assert_eq!(g.expires_at_ms, 2_000_000);
    }

    #[test]
    fn refuses_bad_tokens() {
        let now = 1_000_000;
        let other_secret = token("other", claims(2_000));
        assert_eq!(
            verify(&other_secret, &keys(), ACCOUNT, now),
            Err(TokenError::BadSignature)
        );
        let expired = token("s3cret", claims(1_000));
        assert_eq!(
            verify(&expired, &keys(), ACCOUNT, now),
            Err(TokenError::Expired)
        );
        let mut c = claims(2_000);
        c["iss"] = json!("SK99999999999999999999999999999999");
        assert!(matches!(
            verify(&token("s3cret", c), &keys(), ACCOUNT, now),
            Err(TokenError::UnknownKey(_))
        ));
        let mut c = claims(2_000);
        c["sub"] = json!("AC99999999999999999999999999999999");
        assert_eq!(
            verify(&token("s3cret", c), &keys(), ACCOUNT, now),
            Err(TokenError::WrongAccount)
        );
        let mut c = claims(2_000);
        c["grants"] = json!({"identity": "alice"});
        assert_eq!(
            verify(&token("s3cret", c), &keys(), ACCOUNT, now),
            Err(TokenError::NoSyncGrant)
        );
        let mut c = claims(2_000);
        c["grants"] = json!({"identity": "alice", "data_sync": {}});
        let grant = verify(&token("s3cret", c), &keys(), ACCOUNT, now).expect("default service");
        assert_eq!(grant.service, "default");
        assert!(matches!(
            verify("not.a.jwt", &keys(), ACCOUNT, now),
            Err(TokenError::Malformed(_))
        ));
    }
}
