//! Which account SID and auth token `callflow call` and `callflow sign` use.
//!
//! `callflow serve` without credentials uses a development set it keeps in
//! `./.callflow/dev-credentials` ([`crate::dev_credentials`]). `call` and `sign` run in
//! the same directory read the account and token from there, so the README's commands
//! need no copying of secrets; elsewhere they take `--account-sid`/`--auth-token` or
//! `TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN`, and name those when neither is there. They
//! never create the file: a made-up pair would only produce signatures nothing accepts.

use std::path::Path;

use anyhow::bail;

use crate::dev_credentials;

/// An account SID and its auth token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub account_sid: String,
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

#[cfg(test)]
mod tests {
    use super::*;

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
