//! Which account SID and auth token `callflow call` and `callflow sign` use, and which
//! account and API key `callflow token` signs with.
//!
//! `callflow serve` without credentials uses a development set it keeps in
//! `./.callflow/dev-credentials` ([`crate::dev_credentials`]). `call` and `sign` run in
//! the same directory read the account and token from there, and `token` the account and
//! API key, so the README's commands need no copying of secrets; elsewhere they take
//! flags or the `TWILIO_*` variables, and name those when neither is there. They never
//! create the file: made-up credentials would only produce signatures nothing accepts.

use std::path::Path;

use anyhow::bail;

use crate::dev_credentials;

/// An account SID and its auth token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AC…`.
    pub account_sid: String,
    /// The auth token that signs webhooks (`X-Twilio-Signature`).
    pub auth_token: String,
}

/// The account and token of the development set at `path`, if it holds a well-formed pair.
pub fn read_dev(path: &Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let (sid, token) = (lines.next()?.trim(), lines.next()?.trim());
    (callflow::webhook::is_sid(sid, "AC") && !token.is_empty()).then(|| Credentials {
        account_sid: sid.to_owned(),
        auth_token: token.to_owned(),
    })
}

/// The pair a client command uses: the given one (flags or environment), else the
/// development pair of a `serve` run in this directory.
///
/// `need_sid` is false when only the token matters (`sign --get`, `sign --no-defaults`).
pub fn for_client(
    account_sid: Option<String>,
    auth_token: Option<String>,
    need_sid: bool,
) -> anyhow::Result<Credentials> {
    let path = dev_credentials::PATH;
    match (account_sid, auth_token) {
        (Some(account_sid), Some(auth_token)) => Ok(Credentials {
            account_sid,
            auth_token,
        }),
        (None, None) => match read_dev(Path::new(path)) {
            Some(credentials) => Ok(credentials),
            None if need_sid => bail!(
                "no credentials: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or pass \
                 --account-sid and --auth-token) to the pair `callflow serve` prints, or run \
                 from the directory where `callflow serve` keeps {path}"
            ),
            None => bail!(
                "no auth token: set TWILIO_AUTH_TOKEN (or pass --auth-token) to the token \
                 `callflow serve` prints, or run from the directory where `callflow serve` \
                 keeps {path}"
            ),
        },
        (None, Some(auth_token)) if !need_sid => Ok(Credentials {
            account_sid: String::new(),
            auth_token,
        }),
        (None, Some(_)) => bail!(
            "no account SID: TWILIO_AUTH_TOKEN is set but TWILIO_ACCOUNT_SID is not; set it \
             (or pass --account-sid) to the SID that goes with the token"
        ),
        (Some(_), None) => bail!(
            "no auth token: TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is not; set it \
             (or pass --auth-token) to the token that goes with the SID"
        ),
    }
}

/// What `callflow token` signs with: an account and one of its API keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// `AC…`: the account the key belongs to (the token's `sub`).
    pub account_sid: String,
    /// `SK…`: the API key (the token's `iss`).
    pub key_sid: String,
    /// The API key's secret, which signs the token.
    pub secret: String,
}

/// The account and API key of the development set at `path`, if it holds them.
pub fn read_dev_key(path: &Path) -> Option<ApiKey> {
    let text = std::fs::read_to_string(path).ok()?;
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let (sid, key, secret) = (lines.first()?, lines.get(2)?, lines.get(3)?);
    let valid = callflow::webhook::is_sid(sid, "AC")
        && callflow::webhook::is_sid(key, "SK")
        && !secret.is_empty();
    valid.then(|| ApiKey {
        account_sid: (*sid).to_owned(),
        key_sid: (*key).to_owned(),
        secret: (*secret).to_owned(),
    })
}

/// The key `callflow token` signs with: the values given (flags or environment), with
/// what they lack taken from the development set at `dev` (`serve`'s, see
/// [`dev_credentials::PATH`]) as long as everything given agrees with it (a development
/// API key with another account would sign a token nothing accepts). Whatever is still
/// missing is named all at once, each with its flag and variable.
pub fn for_token(
    account_sid: Option<String>,
    api_key: Option<String>,
    api_secret: Option<String>,
    dev: &Path,
) -> anyhow::Result<ApiKey> {
    let dev_key = read_dev_key(dev).filter(|d| {
        account_sid.as_ref().is_none_or(|v| *v == d.account_sid)
            && api_key.as_ref().is_none_or(|v| *v == d.key_sid)
            && api_secret.as_ref().is_none_or(|v| *v == d.secret)
    });
    let (account_sid, api_key, api_secret) = match dev_key {
        Some(d) => (
            account_sid.or(Some(d.account_sid)),
            api_key.or(Some(d.key_sid)),
            api_secret.or(Some(d.secret)),
        ),
        None => (account_sid, api_key, api_secret),
    };
    match (account_sid, api_key, api_secret) {
        (Some(account_sid), Some(key_sid), Some(secret)) => Ok(ApiKey {
            account_sid,
            key_sid,
            secret,
        }),
        (account_sid, api_key, api_secret) => {
            let missing: Vec<String> = [
                (account_sid.is_none(), "--account-sid", "TWILIO_ACCOUNT_SID"),
                (api_key.is_none(), "--api-key", "TWILIO_API_KEY"),
                (api_secret.is_none(), "--api-secret", "TWILIO_API_SECRET"),
            ]
            .into_iter()
            .filter(|(missing, _, _)| *missing)
            .map(|(_, flag, var)| format!("{flag} ({var})"))
            .collect();
            bail!(
                "missing {}: pass them or set the variables to what `callflow serve` prints, \
                 or run from the directory where `callflow serve` keeps {}",
                missing.join(", "),
                dev.display()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_keys_come_from_serves_set_when_not_given() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("dev-credentials");
        // Nothing anywhere: every value is named, in one error.
        let error = for_token(None, None, None, &path).unwrap_err().to_string();
        for needle in [
            "--account-sid (TWILIO_ACCOUNT_SID)",
            "--api-key (TWILIO_API_KEY)",
            "--api-secret (TWILIO_API_SECRET)",
            "dev-credentials",
        ] {
            assert!(error.contains(needle), "{error}");
        }
        let error = for_token(Some("AC1".into()), None, None, &path)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("--account-sid"), "{error}");
        assert!(
            error.contains("--api-key (TWILIO_API_KEY), --api-secret"),
            "{error}"
        );

        let made = dev_credentials::DevCredentials::load_or_create(&path).expect("made");
        let dev = ApiKey {
            account_sid: made.account_sid.clone(),
            key_sid: made.api_key_sid.clone(),
            secret: made.api_key_secret.clone(),
        };
        assert_eq!(read_dev_key(&path), Some(dev.clone()));
        assert_eq!(for_token(None, None, None, &path).expect("dev"), dev);
        // Given values that agree with the set are completed from it.
        assert_eq!(
            for_token(Some(made.account_sid.clone()), None, None, &path).expect("dev"),
            dev
        );
        // Another account's values are not mixed with the development key.
        let other = format!("AC{}", "1".repeat(32));
        let error = for_token(Some(other.clone()), None, None, &path)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--api-key") && error.contains("--api-secret"),
            "{error}"
        );
        let given = for_token(
            Some(other.clone()),
            Some("SKx".into()),
            Some("s".into()),
            &path,
        )
        .expect("all given");
        assert_eq!((given.account_sid, given.secret), (other, "s".to_owned()));
    }

    #[test]
    fn reads_the_pair_serve_keeps() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("dev-credentials");
        assert_eq!(read_dev(&path), None);
        let made = dev_credentials::DevCredentials::load_or_create(&path).expect("made");
        assert_eq!(
            read_dev(&path),
            Some(Credentials {
                account_sid: made.account_sid,
                auth_token: made.auth_token,
            })
        );
    }

    #[test]
    fn a_half_given_pair_names_the_missing_variable() {
        let error = for_client(Some("AC1".into()), None, true).unwrap_err();
        assert!(error.to_string().contains("TWILIO_AUTH_TOKEN"), "{error}");
        let error = for_client(None, Some("t".into()), true).unwrap_err();
        assert!(error.to_string().contains("TWILIO_ACCOUNT_SID"), "{error}");
        let token_only = for_client(None, Some("t".into()), false).expect("token is enough");
        assert_eq!(token_only.auth_token, "t");
    }
}
