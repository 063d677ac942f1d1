//! Twilio access tokens for the client SDKs (twilio-sync.js), built claim for claim as
//! twilio-python's `AccessToken` + `SyncGrant` builds them.
//!
//! A token is a JWT signed HS256 with an API key's secret:
//!
//! - header `{"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}`;
//! - claims, in twilio-python's order: `jti` (`{key SID}-{issued at}`), `grants`
//!   (`data_sync.service_sid`, then `identity`), `iss` (the API key SID), `exp`
//!   (issued at + lifetime), `nbf` (issued at), `sub` (the account SID). twilio-python
//!   writes no `iat`, and neither does this.
//!
//! The issue time is an argument ([`SyncTokenRequest::issued_at`]), so tests pin the
//! clock; [`mint`] is pure. Lifetimes are 1 s to [`MAX_TTL`] (24 h, Twilio's limit);
//! identities follow [`check_identity`].
//!
//! Layout: this file (claims, minting, identity and lifetime rules), `issuer` (the
//! per-process [`SyncTokenIssuer`]: key, lifetime, the service SID looked up once),
//! `hs256` (the HS256-only crypto backend for `jsonwebtoken`, see there for why).

mod hs256;
mod issuer;

pub use issuer::{IssueError, IssuedToken, SyncTokenIssuer};

use serde::{Deserialize, Serialize};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

/// Lifetime of a token when nothing else is asked for: one hour, twilio-python's default.
pub const DEFAULT_TTL: u64 = 3600;

/// Longest lifetime Twilio accepts for an access token (24 hours; longer tokens are
/// refused with error 20157).
pub const MAX_TTL: u64 = 86_400;

/// Longest identity, in characters: Sync's limit (error 54351, "Identity must be a
/// string with length 1-256").
pub const MAX_IDENTITY_CHARS: usize = 256;

/// The header `cty` of a Twilio access token (its format version).
pub const CONTENT_TYPE: &str = "twilio-fpa;v=1";

/// The API key that signs tokens, and the account it belongs to.
#[derive(Clone)]
pub struct SigningKey {
    /// `AC…`: the token's `sub`.
    pub account_sid: String,
    /// `SK…`: the token's `iss`, and the prefix of its `jti`.
    pub key_sid: String,
    /// The API key's secret: the HMAC key.
    pub secret: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("account_sid", &self.account_sid)
            .field("key_sid", &self.key_sid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What one token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTokenRequest<'a> {
    /// `grants.identity`, already checked with [`check_identity`].
    pub identity: &'a str,
    /// `grants.data_sync.service_sid` (`IS…`); `None` leaves it out, which Twilio reads
    /// as the account's default service.
    pub service_sid: Option<&'a str>,
    /// Seconds since the Unix epoch: `nbf`, and the base of `exp` and `jti`.
    pub issued_at: u64,
    /// Seconds the token is valid for, 1 to [`MAX_TTL`].
    pub ttl: u64,
}

/// The claims of a Sync access token, in the order twilio-python writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Token id: `{API key SID}-{issued at}`.
    pub jti: String,
    /// What the token allows: Sync, as `identity`.
    pub grants: Grants,
    /// The API key SID (`SK…`) that signed it.
    pub iss: String,
    /// Expiry, seconds since the Unix epoch: `nbf` + the lifetime.
    pub exp: u64,
    /// Not valid before this, seconds since the Unix epoch (the issue time).
    pub nbf: u64,
    /// The account SID (`AC…`).
    pub sub: String,
}

/// `grants`: the Sync grant, then the identity (twilio-python's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// `data_sync`: the Sync grant.
    pub data_sync: SyncGrant,
    /// Who the client is to Sync: the identity its realtime session and permissions use.
    pub identity: String,
}

/// `grants.data_sync`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGrant {
    /// The Sync service (`IS…`) the token is for; `None` leaves it to Twilio (the account's
    /// default service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_sid: Option<String>,
}

/// Why a token cannot be made or read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The lifetime asked for (seconds) is 0 or over [`MAX_TTL`].
    #[error("token lifetime must be 1 to {MAX_TTL} seconds, got {0}")]
    Ttl(u64),
    /// The identity breaks [`check_identity`]'s rules (which one, in words).
    #[error("invalid identity: {0}")]
    Identity(&'static str),
    /// The issue time (seconds since the epoch) plus the lifetime overflows `u64`.
    #[error("issue time {0} plus the lifetime is past the year 292 billion")]
    Overflow(u64),
    /// Signing or reading the JWT failed (when reading: a bad signature, a malformed or
    /// expired token).
    #[error("JWT: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

/// Checks an identity as Sync does: 1 to [`MAX_IDENTITY_CHARS`] characters. Control
/// characters and leading or trailing white space are refused as well: Twilio would
/// carry them, but they are never meant, and they break logs and map keys. So are
/// invisible format characters (Unicode general category Cf: bidi controls such as
/// U+202E, zero-width characters such as U+200B, the BOM U+FEFF), which let one identity
/// pass for another in logs and permission lists.
///
/// The sync emulator holds realtime tokens to the same rule
/// (`sync_emulator::realtime::token::identity_problem`). It does not depend on this
/// crate (nor this crate on it, but for tests), so each has its own copy of the Cf table;
/// the test `identities_follow_the_emulators_rule` checks every code point against the
/// emulator's, so the two cannot drift apart.
///
/// ```
/// use callflow::access_token::check_identity;
/// assert!(check_identity("agent-42@example.com").is_ok());
/// assert!(check_identity("").is_err());
/// assert!(check_identity(" alice").is_err());
/// assert!(check_identity("a\nb").is_err());
/// assert!(check_identity("admin\u{202E}nimda").is_err());
/// ```
pub fn check_identity(identity: &str) -> Result<(), TokenError> {
    if identity.is_empty() {
        return Err(TokenError::Identity("it is empty"));
    }
    if identity.chars().count() > MAX_IDENTITY_CHARS {
        return Err(TokenError::Identity("it is longer than 256 characters"));
    }
    if identity.chars().any(char::is_control) {
        return Err(TokenError::Identity("it contains control characters"));
    }
    if identity.chars().any(is_format_char) {
        return Err(TokenError::Identity(
            "it contains invisible format characters (Unicode Cf: bidi controls, \
             zero-width characters, BOM)",
        ));
    }
    if identity.trim() != identity {
        return Err(TokenError::Identity("it starts or ends with white space"));
    }
    Ok(())
}

/// Unicode general category Cf (format characters; Unicode 15.1). The same table as the
/// emulator's (see [`check_identity`]).
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

/// The claims of the token `request` describes (no signing).
pub fn claims(key: &SigningKey, request: &SyncTokenRequest<'_>) -> Result<Claims, TokenError> {
    if request.ttl == 0 || request.ttl > MAX_TTL {
        return Err(TokenError::Ttl(request.ttl));
    }
    check_identity(request.identity)?;
    let exp = request
        .issued_at
        .checked_add(request.ttl)
        .ok_or(TokenError::Overflow(request.issued_at))?;
    Ok(Claims {
        jti: format!("{}-{}", key.key_sid, request.issued_at),
        grants: Grants {
            data_sync: SyncGrant {
                service_sid: request.service_sid.map(str::to_owned),
            },
            identity: request.identity.to_owned(),
        },
        iss: key.key_sid.clone(),
        exp,
        nbf: request.issued_at,
        sub: key.account_sid.clone(),
    })
}

/// The header every Twilio access token carries.
pub fn header() -> Header {
    let mut header = Header::new(Algorithm::HS256);
    header.cty = Some(CONTENT_TYPE.to_owned());
    header
}

/// Mints the signed token.
///
/// ```
/// use callflow::access_token::{decode, mint, SigningKey, SyncTokenRequest};
///
/// let key = SigningKey {
///     account_sid: format!("AC{}", "0".repeat(32)),
///     key_sid: format!("SK{}", "1".repeat(32)),
///     secret: "s3cret".into(),
/// };
/// let request = SyncTokenRequest {
///     identity: "alice",
///     service_sid: Some("IS00000000000000000000000000000000"),
///     issued_at: 1_700_000_000,
///     ttl: 3600,
/// };
/// let token = mint(&key, &request)?;
/// let claims = decode(&token, &key.secret, 1_700_000_001)?;
/// assert_eq!(claims.exp, 1_700_003_600);
/// assert_eq!(claims.grants.identity, "alice");
/// # Ok::<(), callflow::access_token::TokenError>(())
/// ```
pub fn mint(key: &SigningKey, request: &SyncTokenRequest<'_>) -> Result<String, TokenError> {
    let claims = claims(key, request)?;
    hs256::install();
    let secret = EncodingKey::from_secret(key.secret.as_bytes())?;
    Ok(jsonwebtoken::encode(&header(), &claims, &secret)?)
}

/// Checks a token's signature (HS256 with `secret`) and lifetime at `now` (no leeway)
/// and returns its claims. For tests and local tools: the emulator checks tokens itself.
pub fn decode(token: &str, secret: &str, now: u64) -> Result<Claims, TokenError> {
    hs256::install();
    let key = DecodingKey::from_secret(secret.as_bytes())?;
    let mut validation = Validation::new(Algorithm::HS256);
    // `jsonwebtoken` checks against the system clock; the caller's `now` is checked below.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)?.claims;
    if now < claims.nbf || now >= claims.exp {
        return Err(TokenError::Jwt(
            jsonwebtoken::errors::ErrorKind::ExpiredSignature.into(),
        ));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey {
            account_sid: format!("AC{}", "a".repeat(32)),
            key_sid: format!("SK{}", "b".repeat(32)),
            secret: "secret".into(),
        }
    }

    fn request(ttl: u64) -> SyncTokenRequest<'static> {
        SyncTokenRequest {
            identity: "alice",
            service_sid: None,
            issued_at: 1_000,
            ttl,
        }
    }

    #[test]
    fn claims_follow_twilio_python() {
        let claims = claims(&key(), &request(60)).expect("claims");
        let json = serde_json::to_string(&claims).expect("json");
        let sk = "b".repeat(32);
        let ac = "a".repeat(32);
        assert_eq!(
            json,
            format!(
                r#"{{"jti":"SK{sk}-1000","grants":{{"data_sync":{{}},"identity":"alice"}},"iss":"SK{sk}","exp":1060,"nbf":1000,"sub":"AC{ac}"}}"#
            )
        );
    }

    #[test]
    fn lifetimes_outside_one_second_to_a_day_are_refused() {
        assert!(matches!(mint(&key(), &request(0)), Err(TokenError::Ttl(0))));
        assert!(matches!(
            mint(&key(), &request(MAX_TTL + 1)),
            Err(TokenError::Ttl(_))
        ));
        assert!(mint(&key(), &request(MAX_TTL)).is_ok());
        assert!(mint(&key(), &request(1)).is_ok());
    }

    #[test]
    fn decode_checks_signature_and_lifetime() {
        let token = mint(&key(), &request(60)).expect("token");
        assert!(decode(&token, "secret", 1_000).is_ok());
        assert!(decode(&token, "secret", 1_059).is_ok());
        assert!(decode(&token, "secret", 1_060).is_err(), "expired");
        assert!(decode(&token, "secret", 999).is_err(), "not yet valid");
        assert!(decode(&token, "other", 1_000).is_err(), "wrong secret");
    }

    #[test]
    fn identities() {
        assert!(check_identity(&"x".repeat(256)).is_ok());
        assert!(
            check_identity(&"é".repeat(256)).is_ok(),
            "characters, not bytes"
        );
        assert!(check_identity(&"x".repeat(257)).is_err());
        assert!(check_identity("tab\there").is_err());
        assert!(check_identity("trailing ").is_err());
        assert!(check_identity("with inner space").is_ok());
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200B}', '\u{200F}', '\u{FEFF}',
        ] {
            assert!(
                check_identity(&format!("a{c}b")).is_err(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    /// One rule for sync-token and the emulator's realtime token check: for every code
    /// point, inside an identity, at its ends and alone, both accept or both refuse.
    #[test]
    fn identities_follow_the_emulators_rule() {
        use sync_emulator::realtime::token::identity_problem;
        let mut differ = Vec::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            for identity in [format!("a{c}b"), format!("{c}a"), c.to_string()] {
                let ours = check_identity(&identity).is_ok();
                let emulator = identity_problem(&identity).is_none();
                if ours != emulator {
                    differ.push(format!("U+{:04X} in {identity:?}: ours {ours}", c as u32));
                }
            }
        }
        assert!(differ.is_empty(), "{differ:?}");
        for identity in ["x".repeat(256), "x".repeat(257), String::new()] {
            assert_eq!(
                check_identity(&identity).is_ok(),
                identity_problem(&identity).is_none()
            );
        }
    }
}
