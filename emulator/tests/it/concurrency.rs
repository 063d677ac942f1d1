//! Conditional writes under contention: no lost updates, exactly one winner per revision.

use std::sync::Arc;

use crate::support::{start, Api, ACCOUNT, TOKEN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sync_emulator::EmulatorConfig;

const TASKS: usize = 50;

async fn read_modify_write(api: Arc<Api>, path: String, id: usize) -> usize {
    let mut conflicts = 0;
    for _ in 0..10_000 {
        let cur = api.get(&path).await;
        assert_eq!(cur.status, StatusCode::OK);
        let rev = cur.etag.expect("etag on fetch");
        let mut done: Vec<Value> = cur.body["data"]["done"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        done.push(json!(id));
        let data = json!({ "done": done }).to_string();
        let r = api.post_if(&path, &[("Data", &data)], &rev).await;
        match r.status.as_u16() {
            200 => return conflicts,
            412 => {
                assert_eq!(r.body["code"], 54103);
                conflicts += 1;
            }
            other => panic!("unexpected status {other}: {}", r.body),
        }
    }
    panic!("task {id} never won a revision");
}

async fn fifty_read_modify_writers_lose_nothing(config: EmulatorConfig) {
    let (_emu, api) = start(config).await;
    let api = Arc::new(api);
    api.post(
        "/v1/Services/default/Documents",
        &[("UniqueName", "counter"), ("Data", r#"{"done":[]}"#)],
    )
    .await;
    let path = "/v1/Services/default/Documents/counter".to_owned();
    let handles: Vec<_> = (0..TASKS)
        .map(|id| tokio::spawn(read_modify_write(api.clone(), path.clone(), id)))
        .collect();
    let mut conflicts = 0;
    for h in handles {
        conflicts += h.await.expect("task finished");
    }
    let fin = api.get(&path).await;
    let mut done: Vec<u64> = fin.body["data"]["done"]
        .as_array()
        .expect("done array")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    done.sort_unstable();
    assert_eq!(
        done,
        (0..TASKS as u64).collect::<Vec<_>>(),
        "every task's effect is there once"
    );
    assert_eq!(
        fin.body["revision"],
        format!("{TASKS:x}"),
        "one revision per successful write"
    );
    eprintln!("{conflicts} revision conflicts were retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_modify_write_in_memory() {
    fifty_read_modify_writers_lose_nothing(EmulatorConfig::in_memory(ACCOUNT, TOKEN)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_modify_write_on_file_with_wal_readers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync.sqlite3");
    fifty_read_modify_writers_lose_nothing(EmulatorConfig::with_file(
        ACCOUNT,
        TOKEN,
        path.to_string_lossy(),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_conditional_write_wins_per_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync.sqlite3");
    let (_emu, api) = start(EmulatorConfig::with_file(
        ACCOUNT,
        TOKEN,
        path.to_string_lossy(),
    ))
    .await;
    let api = Arc::new(api);
    api.post("/v1/Services/default/Maps", &[("UniqueName", "m")])
        .await;
    let created = api
        .post(
            "/v1/Services/default/Maps/m/Items",
            &[("Key", "k"), ("Data", r#"{"w":-1}"#)],
        )
        .await;
    let rev = created.etag.expect("etag");
    let handles: Vec<_> = (0..20)
        .map(|i| {
            let api = api.clone();
            let rev = rev.clone();
            tokio::spawn(async move {
                let data = format!(r#"{{"w":{i}}}"#);
                let r = api
                    .post_if(
                        "/v1/Services/default/Maps/m/Items/k",
                        &[("Data", &data)],
                        &rev,
                    )
                    .await;
                (i, r.status.as_u16())
            })
        })
        .collect();
    let mut winners = Vec::new();
    for h in handles {
        let (i, status) = h.await.expect("task");
        match status {
            200 => winners.push(i),
            412 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let fin = api.get("/v1/Services/default/Maps/m/Items/k").await;
    assert_eq!(fin.body["data"]["w"], winners[0]);
    assert_eq!(fin.body["revision"], "1");
}
