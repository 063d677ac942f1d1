//! The shared `sync-emulator`: started fresh for each side (same binary, same flags, empty
//! `:memory:` store), its Sync request counter, and direct Sync API reads of a call
//! document for the lost-update count.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use tokio::process::Command;

use crate::procs::Proc;
use crate::Creds;

pub struct Emulator {
    pub proc: Proc,
    /// Base URL of the Sync API, e.g. `http://127.0.0.1:41234` (paths start with /v1).
    pub base_url: String,
    http: reqwest::Client,
    creds: Creds,
}

impl Emulator {
    pub async fn start(bin: &Path, creds: &Creds, logs: &Path, tag: &str) -> Result<Emulator> {
        let mut cmd = Command::new(bin);
        cmd.args(["--port", "0", "--data", ":memory:", "--account-sid"])
            .arg(&creds.account_sid)
            .arg("--auth-token")
            .arg(&creds.auth_token)
            .env("RUST_LOG", "warn");
        let mut proc = Proc::spawn(
            "sync-emulator",
            cmd,
            &logs.join(format!("emulator-{tag}.err")),
        )?;
        // `READY <url>` once it accepts connections (emulator/src/main.rs).
        let has_url = |line: &str| line.starts_with("READY") && find_url(line).is_some();
        let line = proc
            .watch_stdout(
                &logs.join(format!("emulator-{tag}.out")),
                Some(&has_url),
                Duration::from_secs(30),
            )
            .await?
            .context("emulator printed no URL")?;
        let base_url = find_url(&line).context("emulator URL")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let emulator = Emulator {
            proc,
            base_url,
            http,
            creds: creds.clone(),
        };
        // The URL line may come before the socket accepts; wait until the stats answer.
        let mut tries = 0;
        while emulator.stats().await.is_err() {
            tries += 1;
            if tries > 500 {
                bail!(
                    "emulator at {} does not answer /_emulator/stats",
                    emulator.base_url
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(emulator)
    }

    /// Number of Sync API requests served since the last reset.
    pub async fn stats(&self) -> Result<u64> {
        let body: Value = self
            .http
            .get(format!("{}/_emulator/stats", self.base_url))
            .basic_auth(&self.creds.account_sid, Some(&self.creds.auth_token))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        body.get("requests")
            .and_then(Value::as_u64)
            .context("stats without `requests`")
    }

    pub async fn reset_stats(&self) -> Result<()> {
        self.http
            .delete(format!("{}/_emulator/stats", self.base_url))
            .basic_auth(&self.creds.account_sid, Some(&self.creds.auth_token))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// The `data` of document `name` in service `default`, read through the Sync API.
    pub async fn document(&self, name: &str) -> Result<Value> {
        let body: Value = self
            .http
            .get(format!(
                "{}/v1/Services/default/Documents/{name}",
                self.base_url
            ))
            .basic_auth(&self.creds.account_sid, Some(&self.creds.auth_token))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        body.get("data").cloned().context("document without data")
    }
}

/// First `http://…` token in a line, without a trailing slash or `/v1`.
fn find_url(line: &str) -> Option<String> {
    let start = line.find("http://")?;
    let token = line[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == ')')
        .next()?;
    let token = token.trim_end_matches('/');
    let token = token.strip_suffix("/v1").unwrap_or(token);
    Some(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::find_url;

    #[test]
    fn finds_url_in_ready_lines() {
        assert_eq!(
            find_url("READY http://127.0.0.1:4321/v1").as_deref(),
            Some("http://127.0.0.1:4321")
        );
        assert_eq!(
            find_url("url=\"http://127.0.0.1:9/\"").as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(find_url("starting"), None);
    }
}
