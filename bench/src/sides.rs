//! The function servers under test and the one place that knows how to start each:
//! callflow's Rust dev server in the deployed configuration (no call index: one Sync
//! request per new call), the same with `serve`'s call index on (what the dashboard
//! reads), and the Node baseline under twilio-run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use tokio::process::Command;

use crate::procs::{free_port, Proc};
use crate::webhook::{Step, Target};
use crate::Creds;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `callflow serve` as deployed: `--call-index-map=` (no call index).
    Rust,
    /// `callflow serve` with its call index on (its default, for the dashboard).
    RustIndexed,
    Node,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Rust => "rust",
            Kind::RustIndexed => "rust-index",
            Kind::Node => "node",
        }
    }
}

/// How to start each side; paths resolved by main.
#[derive(Clone)]
pub struct Launch {
    pub callflow_bin: PathBuf,
    /// Overrides the callflow command: whitespace-separated words with `{bin}`, `{port}`,
    /// `{sync_url}` placeholders (`--rust-cmd`), for when the dev server's flags change.
    pub rust_cmd: Option<String>,
    pub node_dir: PathBuf,
    pub logs: PathBuf,
    pub creds: Creds,
}

/// A started function server.
pub struct Server {
    pub proc: Proc,
    pub target: Target,
    /// Process start to first answered webhook.
    pub startup: Duration,
}

impl Launch {
    /// callflow's dev server. THE place to adjust if `callflow serve` changes its flags.
    /// `indexed`: leave `serve`'s call index on; otherwise `--call-index-map=` turns it
    /// off, as in the deployed functions.
    fn rust_command(&self, port: u16, sync_url: &str, indexed: bool) -> Result<Command> {
        let mut cmd = match &self.rust_cmd {
            Some(template) => {
                let words: Vec<String> = template
                    .split_whitespace()
                    .map(|w| {
                        w.replace("{bin}", &self.callflow_bin.to_string_lossy())
                            .replace("{port}", &port.to_string())
                            .replace("{sync_url}", sync_url)
                    })
                    .collect();
                let Some((program, rest)) = words.split_first() else {
                    bail!("--rust-cmd is empty");
                };
                let mut cmd = Command::new(program);
                cmd.args(rest);
                cmd
            }
            None => {
                let mut cmd = Command::new(&self.callflow_bin);
                cmd.args(["serve", "--port", &port.to_string(), "--sync-url", sync_url]);
                cmd
            }
        };
        if !indexed {
            cmd.arg("--call-index-map=");
        }
        cmd.env("TWILIO_ACCOUNT_SID", &self.creds.account_sid)
            .env("TWILIO_AUTH_TOKEN", &self.creds.auth_token)
            .env("TWILIO_SYNC_URL", sync_url)
            .env("TWILIO_SYNC_SERVICE_SID", "default")
            .env("PUBLIC_BASE_URL", public_base(port))
            .env("CALLFLOW_API_TOKEN", &self.creds.api_token)
            .env("RUST_LOG", "warn");
        Ok(cmd)
    }

    /// twilio-run serving the baseline project. `--no-live` and `--no-fork-process` are the
    /// fastest settings (no require-cache purge and no child process per request), which is
    /// how a deployed Twilio Function runs once warm; the defaults would fork per request.
    fn node_command(&self, port: u16, sync_url: &str) -> Result<Command> {
        let env_file = self.logs.join("node-baseline.env");
        std::fs::write(
            &env_file,
            format!(
                "ACCOUNT_SID={}\nAUTH_TOKEN={}\nTWILIO_SYNC_SERVICE_SID=default\nTWILIO_SYNC_URL={}\n",
                self.creds.account_sid, self.creds.auth_token, sync_url
            ),
        )?;
        let bin = self
            .node_dir
            .join("node_modules/twilio-run/bin/twilio-run.js");
        if !bin.exists() {
            bail!(
                "{} missing: run `npm ci` in {}",
                bin.display(),
                self.node_dir.display()
            );
        }
        let mut cmd = Command::new("node");
        cmd.arg(bin)
            .arg("start")
            .arg(&self.node_dir)
            .args(["--port", &port.to_string(), "--env"])
            .arg(&env_file)
            .args([
                "--no-live",
                "--no-fork-process",
                "--no-logs",
                "--log-level",
                "error",
            ])
            .current_dir(&self.node_dir)
            .env("NODE_ENV", "production");
        Ok(cmd)
    }

    /// Starts `kind` against the emulator at `sync_url` and waits for its first answered
    /// webhook (a real initial webhook, so the cold path includes Sync).
    pub async fn start(
        &self,
        kind: Kind,
        sync_url: &str,
        client: &reqwest::Client,
        probe_sid: &str,
    ) -> Result<Server> {
        let port = free_port()?;
        let cmd = match kind {
            Kind::Rust => self.rust_command(port, sync_url, false)?,
            Kind::RustIndexed => self.rust_command(port, sync_url, true)?,
            Kind::Node => self.node_command(port, sync_url)?,
        };
        let label = kind.label();
        let mut proc = Proc::spawn(label, cmd, &self.logs.join(format!("{label}.err")))?;
        proc.watch_stdout(
            &self.logs.join(format!("{label}.out")),
            None,
            Duration::ZERO,
        )
        .await?;
        let target = Target {
            send_base: format!("http://127.0.0.1:{port}"),
            public_base: public_base(port),
            account_sid: self.creds.account_sid.clone(),
            auth_token: self.creds.auth_token.clone(),
            client: client.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = proc.exited() {
                bail!(
                    "{label} exited with {status} before answering (see {}/{label}.err)",
                    self.logs.display()
                );
            }
            if Instant::now() > deadline {
                proc.stop().await;
                bail!("{label} answered no webhook within 60 s");
            }
            match target.send(probe_sid, &Step::Initial, None).await {
                Ok(answer) if answer.ok() => break,
                Ok(answer) => {
                    proc.stop().await;
                    bail!(
                        "{label}: first webhook answered {} (see {}/{label}.err)",
                        answer.status,
                        self.logs.display()
                    );
                }
                // Not listening yet.
                Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
        let startup = proc.started.elapsed();
        Ok(Server {
            proc,
            target,
            startup,
        })
    }
}

pub fn public_base(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}
