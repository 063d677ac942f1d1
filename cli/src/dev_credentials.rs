//! The development credentials `callflow serve` uses when none are given.
//!
//! Kept in `./.callflow/dev-credentials`, one value a line: account SID, auth token,
//! API key SID, API key secret, bearer token (`CALLFLOW_API_TOKEN`). They stay the same
//! from one run to the next, so the emulator's data, signed test requests, saved tokens
//! and scripts keep working. A file from an older version (two lines) is completed and
//! rewritten; lines it has are never changed.

use std::path::Path;

use anyhow::Context as _;
use callflow::webhook::is_sid;

/// Where `serve` keeps them, relative to the working directory.
pub const PATH: &str = ".callflow/dev-credentials";

/// One set of development credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevCredentials {
    /// `AC…`: the account the embedded emulator runs as.
    pub account_sid: String,
    /// The auth token `serve`'s functions check signatures with, and `call`/`sign` sign with.
    pub auth_token: String,
    /// `SK…`: signs `sync-token`'s access tokens; the embedded emulator knows it.
    pub api_key_sid: String,
    /// The secret of `api_key_sid`.
    pub api_key_secret: String,
    /// `CALLFLOW_API_TOKEN`: the bearer token for `sync-token` and JSON reads.
    pub api_token: String,
}

impl DevCredentials {
    /// Fresh random credentials.
    pub fn random() -> DevCredentials {
        DevCredentials {
            account_sid: format!("AC{}", hex(32)),
            auth_token: hex(32),
            api_key_sid: format!("SK{}", hex(32)),
            api_key_secret: hex(32),
            api_token: hex(32),
        }
    }

    /// Reads `path`, completing (and saving) whatever it lacks; creates it if missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<DevCredentials> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let line = |n: usize, valid: &dyn Fn(&str) -> bool| {
            lines
                .get(n)
                .copied()
                .filter(|v| valid(v))
                .map(str::to_owned)
        };
        let nonempty = |v: &str| !v.is_empty();
        let fresh = DevCredentials::random();
        // The account and its token go together: a token without its account is useless.
        let (account_sid, auth_token) = match (line(0, &|v| is_sid(v, "AC")), line(1, &nonempty)) {
            (Some(sid), Some(token)) => (sid, token),
            _ => (fresh.account_sid, fresh.auth_token),
        };
        let (api_key_sid, api_key_secret) =
            match (line(2, &|v| is_sid(v, "SK")), line(3, &nonempty)) {
                (Some(sid), Some(secret)) => (sid, secret),
                _ => (fresh.api_key_sid, fresh.api_key_secret),
            };
        let api_token = line(4, &nonempty).unwrap_or(fresh.api_token);
        let credentials = DevCredentials {
            account_sid,
            auth_token,
            api_key_sid,
            api_key_secret,
            api_token,
        };
        let saved = credentials.to_file_text();
        if text != saved {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            std::fs::write(path, saved)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(credentials)
    }

    fn to_file_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.account_sid,
            self.auth_token,
            self.api_key_sid,
            self.api_key_secret,
            self.api_token
        )
    }
}

/// `n` random lowercase hex digits.
fn hex(n: usize) -> String {
    (0..n)
        .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/dev-credentials");
        let first = DevCredentials::load_or_create(&path).expect("create");
        assert!(is_sid(&first.account_sid, "AC") && is_sid(&first.api_key_sid, "SK"));
        assert_eq!(
            DevCredentials::load_or_create(&path).expect("reload"),
            first
        );
    }

    #[test]
    fn an_old_two_line_file_keeps_its_account() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("dev-credentials");
        let sid = format!("AC{}", "1".repeat(32));
        std::fs::write(&path, format!("{sid}\nold-token\n")).expect("write");
        let loaded = DevCredentials::load_or_create(&path).expect("load");
        assert_eq!(
            (loaded.account_sid.as_str(), loaded.auth_token.as_str()),
            (sid.as_str(), "old-token")
        );
        assert!(is_sid(&loaded.api_key_sid, "SK"));
        assert_eq!(
            DevCredentials::load_or_create(&path).expect("reload"),
            loaded
        );
    }
}
