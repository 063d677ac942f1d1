//! Acknowledged writes survive `kill -9` of the emulator process, with the default
//! durability (`process`: SQLite synchronous=NORMAL) and with `--durability machine`
//! (an fsync per commit).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use crate::support::{Api, ACCOUNT, TOKEN};
use reqwest::StatusCode;
use tokio::sync::Mutex;

/// Starts the `sync-emulator` binary on a free port and waits for its READY line.
fn launch(data: &Path) -> (Child, Api) {
    launch_with(data, &[])
}

/// [`launch`] with extra flags.
fn launch_with(data: &Path, extra: &[&str]) -> (Child, Api) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sync-emulator"))
        .args(["--port", "0", "--data"])
        .arg(data)
        .args(extra)
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
    acknowledged_writes_survive_sigkill(&[]).await;
}

#[tokio::test]
async fn an_acknowledged_write_survives_sigkill_with_machine_durability() {
    acknowledged_writes_survive_sigkill(&["--durability", "machine"]).await;
}

async fn acknowledged_writes_survive_sigkill(flags: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3");
    let (child, api) = launch_with(&data, flags);
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

    let (child, api) = launch_with(&data, flags);
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

/// Rows in `table` whose parent column names `sid`, counted straight from the file.
fn children(data: &Path, table: &str, parent_col: &str, sid: &str) -> i64 {
    let conn = rusqlite::Connection::open(data).expect("open the data file");
    conn.query_row(
        &format!("SELECT COUNT(*) FROM {table} WHERE {parent_col} = ?1"),
        [sid],
        |r| r.get(0),
    )
    .expect("count")
}

#[tokio::test]
async fn deleting_a_map_or_a_service_leaves_no_rows_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3");
    let (_emu, api) = crate::support::start(sync_emulator::EmulatorConfig::with_file(
        ACCOUNT,
        TOKEN,
        data.to_string_lossy().into_owned(),
    ))
    .await;
    let svc = api
        .post("/v1/Services", &[("FriendlyName", "doomed")])
        .await;
    assert_eq!(svc.status, StatusCode::CREATED, "{}", svc.body);
    let svc = svc.body["sid"].as_str().expect("service sid").to_owned();
    let map = api
        .post(&format!("/v1/Services/{svc}/Maps"), &[("UniqueName", "m")])
        .await;
    let map = map.body["sid"].as_str().expect("map sid").to_owned();
    let list = api
        .post(&format!("/v1/Services/{svc}/Lists"), &[("UniqueName", "l")])
        .await;
    let list = list.body["sid"].as_str().expect("list sid").to_owned();
    for key in ["a", "b"] {
        let r = api
            .post(
                &format!("/v1/Services/{svc}/Maps/m/Items"),
                &[("Key", key), ("Data", "{}")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = api
            .post(
                &format!("/v1/Services/{svc}/Lists/l/Items"),
                &[("Data", "{}")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert_eq!(children(&data, "map_items", "map_sid", &map), 2);

    // A deleted map takes its items; a new map of the same name starts empty.
    assert_eq!(
        api.delete(&format!("/v1/Services/{svc}/Maps/m"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(children(&data, "map_items", "map_sid", &map), 0);
    api.post(&format!("/v1/Services/{svc}/Maps"), &[("UniqueName", "m")])
        .await;
    let items = api.get(&format!("/v1/Services/{svc}/Maps/m/Items")).await;
    assert_eq!(items.body["items"], serde_json::json!([]), "{}", items.body);

    // A deleted service takes its objects and their items.
    assert_eq!(children(&data, "list_items", "list_sid", &list), 2);
    assert_eq!(
        api.delete(&format!("/v1/Services/{svc}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(children(&data, "objects", "service_sid", &svc), 0);
    assert_eq!(children(&data, "list_items", "list_sid", &list), 0);
}

#[tokio::test]
async fn a_database_from_before_foreign_keys_is_migrated_keeping_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sync.sqlite3");
    let sid = "MP00000000000000000000000000000001";
    {
        // The layout older emulators wrote: no foreign keys, and an orphaned item whose
        // map was deleted by hand.
        let conn = rusqlite::Connection::open(&data).expect("create file");
        conn.execute_batch(&format!(
            "CREATE TABLE services (seq INTEGER PRIMARY KEY AUTOINCREMENT, sid TEXT NOT NULL UNIQUE,
                unique_name TEXT UNIQUE, friendly_name TEXT, webhook_url TEXT,
                webhooks_from_rest_enabled INTEGER NOT NULL DEFAULT 0,
                reachability_webhooks_enabled INTEGER NOT NULL DEFAULT 0,
                acl_enabled INTEGER NOT NULL DEFAULT 0,
                reachability_debouncing_enabled INTEGER NOT NULL DEFAULT 0,
                reachability_debouncing_window INTEGER NOT NULL DEFAULT 5000,
                date_created INTEGER NOT NULL, date_updated INTEGER NOT NULL);
             CREATE TABLE objects (seq INTEGER PRIMARY KEY AUTOINCREMENT, sid TEXT NOT NULL UNIQUE,
                service_sid TEXT NOT NULL, kind TEXT NOT NULL, unique_name TEXT, data TEXT,
                revision INTEGER NOT NULL DEFAULT 0, next_index INTEGER NOT NULL DEFAULT 0,
                created_by TEXT NOT NULL, date_created INTEGER NOT NULL,
                date_updated INTEGER NOT NULL, date_expires INTEGER);
             CREATE TABLE map_items (map_sid TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
                revision INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,
                date_created INTEGER NOT NULL, date_updated INTEGER NOT NULL,
                date_expires INTEGER, PRIMARY KEY (map_sid, key)) WITHOUT ROWID;
             CREATE TABLE list_items (list_sid TEXT NOT NULL, idx INTEGER NOT NULL,
                data TEXT NOT NULL, revision INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL,
                date_created INTEGER NOT NULL, date_updated INTEGER NOT NULL,
                date_expires INTEGER, PRIMARY KEY (list_sid, idx)) WITHOUT ROWID;
             INSERT INTO services (sid, unique_name, friendly_name, date_created, date_updated)
                VALUES ('IS00000000000000000000000000000001', 'default', 'Default Service', 0, 0);
             INSERT INTO objects (sid, service_sid, kind, unique_name, created_by, date_created, date_updated)
                VALUES ('{sid}', 'IS00000000000000000000000000000001', 'map', 'kept', 'system', 0, 0);
             INSERT INTO map_items VALUES ('{sid}', 'k', '{{\"v\":1}}', 0, 'system', 0, 0, NULL);
             INSERT INTO map_items VALUES ('MP00000000000000000000000000000002', 'orphan', '{{}}', 0, 'system', 0, 0, NULL);"
        ))
        .expect("old schema");
    }
    let (child, api) = launch(&data);
    let item = api.get("/v1/Services/default/Maps/kept/Items/k").await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.body);
    assert_eq!(item.body["data"], serde_json::json!({"v": 1}));
    assert_eq!(
        children(
            &data,
            "map_items",
            "map_sid",
            "MP00000000000000000000000000000002"
        ),
        0,
        "the orphan is dropped"
    );
    assert_eq!(
        api.delete("/v1/Services/default/Maps/kept").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(children(&data, "map_items", "map_sid", sid), 0);
    kill9(child);
}
