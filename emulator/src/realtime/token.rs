//! Checking the access token a twilsock `init` (or `update`) carries.
//!
//! A Twilio access token is a JWT signed HS256 with an API key's secret: `iss` is the API
//! key SID, `sub` the account SID, `exp` the expiry (seconds), and `grants.data_sync.
//! service_sid` the Sync service it is good for (the default service when the grant
//! names none). The signature is checked with the secret
//! of the API key named by `iss`, among the keys this emulator was given; `exp` is compared
//! with the emulator's clock (so tests can move time). Whether the service exists is the
//! caller's check, since it needs the store.
//!
//! Time claims allow [`CLOCK_SKEW_S`] (60 s) of clock difference between the token's
//! issuer and the emulator, both ways: a token is refused once `exp` is more than that in
//! the past (one accepted within the allowance is then closed with 410 at `exp` like any
//! other) and while `nbf` is more than that in the future (20105). A lifetime (`exp` less
//! `nbf`, else `iat`, else now) over [`MAX_TTL_S`], Twilio's 24 h maximum, is refused
//! (20157), as is a grant identity that [`identity_problem`] finds fault with (20101).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Clock difference allowed between a token's issuer and the emulator, in seconds, for
/// `exp` and `nbf` alike.
pub const CLOCK_SKEW_S: i64 = 60;

/// Longest token lifetime Twilio issues or accepts: 24 hours.
pub const MAX_TTL_S: i64 = 86_400;

/// Longest identity, in characters (Sync's limit, error 54351).
pub const MAX_IDENTITY_CHARS: usize = 256;

/// What is wrong with a grant identity, if anything: the rule `sync-token` mints by
/// (`callflow::access_token::check_identity`): 1 to 256 characters, no control
/// characters, no leading or trailing white space, and no invisible format characters
/// (Unicode general category Cf: bidi controls such as U+202E, zero-width characters such
/// as U+200B, the BOM U+FEFF), which let one identity pass for another in logs and
/// permission lists. The emulator does not depend on the callflow crate, so the Cf table
/// is kept in both; callflow's test `identities_follow_the_emulators_rule` compares the
/// two rules on every code point.
///
/// ```
/// use sync_emulator::realtime::token::identity_problem;
/// assert_eq!(identity_problem("agent-42@example.com"), None);
/// assert!(identity_problem("").is_some());
/// assert!(identity_problem("a\nb").is_some());
/// assert!(identity_problem("admin\u{202E}nimda").is_some());
/// ```
pub fn identity_problem(identity: &str) -> Option<String> {
    if identity.is_empty() {
        return Some("the identity is empty".into());
    }
    let chars = identity.chars().count();
    if chars > MAX_IDENTITY_CHARS {
        return Some(format!(
            "the identity is {chars} characters long, more than {MAX_IDENTITY_CHARS}"
        ));
    }
    if let Some(c) = identity.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the identity contains the control character U+{:04X}",
            c as u32
        ));
    }
    if let Some(c) = identity.chars().find(|c| is_format_char(*c)) {
        return Some(format!(
            "the identity contains the invisible format character U+{:04X}",
            c as u32
        ));
    }
    if identity.trim() != identity {
        return Some("the identity starts or ends with white space".into());
    }
    None
}

/// Unicode general category Cf (format characters; Unicode 15.1).
fn is_format_char(c: char) -> bool {
    matches!(c as u32,
        0x00AD
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x0890..=0x0891
        | 0x08E2
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0x110BD
        | 0x110CD
        | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0001
        | 0xE0020..=0xE007F)
}

/// What a good token grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `grants.identity`: who the client is, for Sync permissions; `None` when the token has
    /// none.
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
    /// Not a JWT, or a claim is missing or of the wrong type (20101); the text says which.
    #[error("Invalid Access Token: {0}")]
    Malformed(String),
    /// `iss` names an API key the emulator does not know (20107).
    #[error("Invalid Access Token issuer: no API key {0} is known")]
    UnknownKey(String),
    /// The signature does not verify with the key's secret (20101).
    #[error("Invalid Access Token signature")]
    BadSignature,
    /// `exp` is missing or has passed, beyond the allowed clock skew (20104).
    #[error("Access Token expired or expiration date invalid")]
    Expired,
    /// `nbf` is ahead of the emulator's clock by more than the allowed skew; by this many
    /// seconds (20105).
    #[error("Access Token not yet valid: nbf is {0} s ahead of the emulator's clock")]
    NotYetValid(i64),
    /// `exp` is more than 24 h after the token starts being good (`nbf`, else `iat`, else
    /// now); the lifetime in seconds (20157).
    #[error("Access Token lifetime of {0} s exceeds the maximum of 24 hours")]
    TooLong(i64),
    /// The identity breaks Sync's rules (20101); the text says how.
    #[error("Invalid Access Token identity: {0}")]
    BadIdentity(String),
    /// `sub` is another account than the emulator's (20107).
    #[error("Invalid Access Token subject: not this account")]
    WrongAccount,
    /// The grants have no `data_sync` (20151).
    #[error("Invalid Access Token grants: no data_sync grant")]
    NoSyncGrant,
    /// `data_sync.service_sid` names no service of the emulator (20151).
    #[error("Invalid Access Token grants: no Sync service {0}")]
    UnknownService(String),
}

impl TokenError {
    /// Twilio's error code for the problem.
    pub fn code(&self) -> u32 {
        match self {
            TokenError::Malformed(_) | TokenError::BadSignature | TokenError::BadIdentity(_) => {
                20101
            }
            TokenError::Expired => 20104,
            TokenError::NotYetValid(_) => 20105,
            TokenError::TooLong(_) => 20157,
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
    nbf: Option<i64>,
    iat: Option<i64>,
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
    let skew_ms = CLOCK_SKEW_S * 1000;
    if expires_at_ms.saturating_add(skew_ms) <= now_ms {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = claims.nbf {
        let ahead_ms = nbf.saturating_mul(1000).saturating_sub(now_ms);
        if ahead_ms > skew_ms {
            return Err(TokenError::NotYetValid(ahead_ms / 1000));
        }
    }
    // The lifetime from when the token starts being good; without nbf or iat, from now.
    let start_ms = claims
        .nbf
        .or(claims.iat)
        .map_or(now_ms, |s| s.saturating_mul(1000));
    let lifetime_ms = expires_at_ms.saturating_sub(start_ms);
    if lifetime_ms > (MAX_TTL_S + CLOCK_SKEW_S) * 1000 {
        return Err(TokenError::TooLong(lifetime_ms / 1000));
    }
    if let Some(problem) = claims.grants.identity.as_deref().and_then(identity_problem) {
        return Err(TokenError::BadIdentity(problem));
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
        let expired = token("s3cret", claims(1_000 - CLOCK_SKEW_S));
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

    fn with(mut c: serde_json::Value, key: &str, value: serde_json::Value) -> String {
        c[key] = value;
        token("s3cret", c)
    }

    #[test]
    fn time_claims_allow_a_minute_of_skew() {
        let now = 1_000_000; // ms: 1,000 s
                             // exp: good up to a minute past it.
        assert!(verify(&token("s3cret", claims(950)), &keys(), ACCOUNT, now).is_ok());
        assert_eq!(
            verify(&token("s3cret", claims(940)), &keys(), ACCOUNT, now),
            Err(TokenError::Expired)
        );
        // nbf: refused while more than a minute ahead.
        let early = with(claims(2_000), "nbf", json!(1_061));
        assert_eq!(
            verify(&early, &keys(), ACCOUNT, now),
            Err(TokenError::NotYetValid(61))
        );
        assert_eq!(TokenError::NotYetValid(61).code(), 20105);
        let skewed = with(claims(2_000), "nbf", json!(1_059));
        assert!(verify(&skewed, &keys(), ACCOUNT, now).is_ok());
        let started = with(claims(2_000), "nbf", json!(900));
        assert!(verify(&started, &keys(), ACCOUNT, now).is_ok());
    }

    #[test]
    fn lifetimes_over_a_day_are_refused() {
        let now = 1_000_000;
        // From nbf, from iat, or (neither given) from now.
        let day = MAX_TTL_S;
        let long = with(claims(1_000 + day + 61), "nbf", json!(1_000));
        assert_eq!(
            verify(&long, &keys(), ACCOUNT, now),
            Err(TokenError::TooLong(day + 61))
        );
        assert_eq!(TokenError::TooLong(1).code(), 20157);
        let long = with(claims(900 + day + 61), "iat", json!(900));
        assert!(matches!(
            verify(&long, &keys(), ACCOUNT, now),
            Err(TokenError::TooLong(_))
        ));
        let long = token("s3cret", claims(1_000 + day + 3_600));
        assert!(matches!(
            verify(&long, &keys(), ACCOUNT, now),
            Err(TokenError::TooLong(_))
        ));
        // A day exactly is Twilio's maximum, and fine.
        let day_long = with(claims(1_000 + day), "iat", json!(1_000));
        assert!(verify(&day_long, &keys(), ACCOUNT, now).is_ok());
    }

    #[test]
    fn identities_follow_sync_token_rules_and_refuse_invisible_characters() {
        let now = 1_000_000;
        let with_identity = |identity: &str| {
            let mut c = claims(2_000);
            c["grants"]["identity"] = json!(identity);
            verify(&token("s3cret", c), &keys(), ACCOUNT, now)
        };
        for good in [
            "alice",
            "agent-42@example.com",
            "Zoë Ωmega",
            &"x".repeat(256),
        ] {
            assert!(with_identity(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            &"x".repeat(257),
            "a\nb",
            "a\u{7}b",
            "a\u{85}b",
            " alice",
            "alice ",
            "admin\u{202E}nimda",
            "ali\u{200B}ce",
            "\u{FEFF}alice",
            "alice\u{2066}",
            "a\u{200F}b",
            "a\u{E0041}b",
        ] {
            let e = with_identity(bad).expect_err(bad);
            assert!(matches!(e, TokenError::BadIdentity(_)), "{bad:?}: {e:?}");
            assert_eq!(e.code(), 20101);
        }
        // No identity at all is still accepted (the grant's identity is optional here).
        let mut c = claims(2_000);
        c["grants"] = json!({"data_sync": {}});
        assert!(verify(&token("s3cret", c), &keys(), ACCOUNT, now).is_ok());
    }
}
