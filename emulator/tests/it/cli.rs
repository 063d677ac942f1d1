//! The `sync-emulator` binary: startup lines, credentials from flags, env or a generated pair.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn run(cmd: &mut Command) -> (Child, Vec<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines().take(10) {
        let line = line.expect("line");
        let ready = line.starts_with("READY ");
        lines.push(line);
        if ready {
            break;
        }
    }
    (child, lines)
}

fn stop(mut child: Child) {
    child.kill().expect("kill");
    child.wait().expect("wait");
}

async fn status(base: &str, user: &str, pass: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/v1/Services/default"))
        .basic_auth(user, Some(pass))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

fn base_of(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("READY "))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| panic!("no READY line in {lines:?}"))
}

#[tokio::test]
async fn without_credentials_it_makes_and_prints_a_development_pair() {
    let (child, lines) = run(Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data", ":memory:"])
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET"));
    let base = base_of(&lines);
    assert!(
        lines
            .iter()
            .any(|l| l == &format!("Sync emulator base URL: {base}")),
        "{lines:?}"
    );
    let creds = lines
        .iter()
        .find_map(|l| l.strip_prefix("Development credentials: "))
        .expect("credentials line");
    let mut sid = "";
    let mut token = "";
    for part in creds.split_whitespace() {
        if let Some(v) = part.strip_prefix("TWILIO_ACCOUNT_SID=") {
            sid = v;
        }
        if let Some(v) = part.strip_prefix("TWILIO_AUTH_TOKEN=") {
            token = v;
        }
    }
    assert!(sid.starts_with("AC") && sid.len() == 34, "{sid}");
    assert_eq!(token.len(), 32);
    assert_eq!(status(&base, sid, token).await, 200);
    assert_eq!(status(&base, sid, "wrong").await, 401);
    stop(child);
}

#[tokio::test]
async fn credentials_come_from_the_environment() {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let (child, lines) = run(Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data", ":memory:"])
        .env("TWILIO_ACCOUNT_SID", sid)
        .env("TWILIO_AUTH_TOKEN", "from-env"));
    let base = base_of(&lines);
    assert!(!lines
        .iter()
        .any(|l| l.starts_with("Development credentials")));
    assert_eq!(status(&base, sid, "from-env").await, 200);
    stop(child);
}

#[tokio::test]
async fn api_keys_are_accepted_when_configured() {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let key = "SK0123456789abcdef0123456789abcdef";
    let (child, lines) = run(Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data", ":memory:", "--account-sid", sid])
        .args([
            "--auth-token",
            "tok",
            "--api-key",
            &format!("{key}:key-secret"),
        ]));
    let base = base_of(&lines);
    assert_eq!(status(&base, key, "key-secret").await, 200);
    assert_eq!(status(&base, key, "tok").await, 401);
    stop(child);

    // The functions' own variables work too.
    let (child, lines) = run(Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data", ":memory:"])
        .env("TWILIO_ACCOUNT_SID", sid)
        .env("TWILIO_AUTH_TOKEN", "tok")
        .env("TWILIO_API_KEY", key)
        .env("TWILIO_API_SECRET", "env-secret"));
    let base = base_of(&lines);
    assert_eq!(status(&base, key, "env-secret").await, 200);
    assert_eq!(status(&base, sid, "tok").await, 200);
    stop(child);
}

#[test]
fn half_a_credential_pair_is_refused_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data", ":memory:", "--account-sid", "ACx"])
        .env_remove("TWILIO_AUTH_TOKEN")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auth-token"));
}
