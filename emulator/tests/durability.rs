//! Acknowledged writes survive `kill -9` of the emulator process.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use reqwest::StatusCode;
use support::{Api, ACCOUNT, TOKEN};
use tokio::sync::Mutex;

/// Starts the `sync-emulator` binary on a free port and waits for its READY line.
fn launch(data: &Path) -> (Child, Api) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data"])
        .arg(data)
        .args(["--account-sid", ACCOUNT, "--auth-token", TOKEN])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulator binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = None;
    for line in BufReader::new(stdout).lines().take(10) {
        let line = line.expect("stdout line");
        if let Some(url) = line.strip_prefix("READY ") {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    let base = base.expect("READY line");
    (
        child,
        Api {
            base,
            http: reqwest::Client::new(),
        },
    )
}

fn kill9(mut child: Child) {
    // `Child::kill` sends SIGKILL on Unix: no shutdown code runs.
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

#[tokio::test]
async fn an_acknowledged_write_survives_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3");
    let (child, api) = launch(&data);
    let r = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "call"), ("Data", r#"{"state":"answered"}"#)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let default_sid = r.body["service_sid"].clone();
    let items = "/v1/Services/default/Lists/log/Items";
    api.post("/v1/Services/default/Lists", &[("UniqueName", "log")])
        .await;
    api.post(items, &[("Data", "{}")]).await;
    api.post(items, &[("Data", "{}")]).await;
    assert_eq!(
        api.delete(&format!("{items}/1")).await.status,
        StatusCode::NO_CONTENT
    );
    kill9(child);

    let (child, api) = launch(&data);
    let got = api.get("/v1/Services/default/Documents/call").await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["data"]["state"], "answered");
    assert_eq!(
        got.body["service_sid"], default_sid,
        "the default service keeps its SID"
    );
    kill9(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_survives_sigkill_under_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3");
    let (child, api) = launch(&data);
    let api = Arc::new(api);
    api.post("/v1/Services/default/Maps", &[("UniqueName", "m")])
        .await;
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let api = api.clone();
            let acked = acked.clone();
            tokio::spawn(async move {
                for n in 0..10_000 {
                    let key = format!("w{w}-{n}");
                    let data = format!(r#"{{"n":{n}}}"#);
                    let resp = api
                        .http
                        .post(api.url("/v1/Services/default/Maps/m/Items"))
                        .basic_auth(ACCOUNT, Some(TOKEN))
                        .form(&[("Key", key.as_str()), ("Data", data.as_str())])
                        .send()
                        .await;
                    match resp {
                        Ok(r) if r.status() == StatusCode::CREATED => acked.lock().await.push(key),
                        _ => return, // the process is gone
                    }
                }
            })
        })
        .collect();
    // Let writes flow, then pull the plug mid-stream.
    for _ in 0..500 {
        if acked.lock().await.len() >= 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    kill9(child);
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().await.clone();
    assert!(
        acked.len() >= 200,
        "only {} writes acknowledged",
        acked.len()
    );

    let (child, api) = launch(&data);
    let mut missing = Vec::new();
    for key in &acked {
        let r = api
            .get(&format!("/v1/Services/default/Maps/m/Items/{key}"))
            .await;
        if r.status != StatusCode::OK {
            missing.push(key.clone());
        }
    }
    kill9(child);
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
}
