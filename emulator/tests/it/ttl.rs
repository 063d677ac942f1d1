//! TTL expiry on an injected manual clock: exact, and without sleeping for the TTL.

use std::time::Duration;

use crate::support::{start, ACCOUNT, TOKEN};
use reqwest::StatusCode;
use sync_emulator::{Clock, EmulatorConfig};

const START_MS: i64 = 1_800_000_000_000; // 2027-01-15T08:00:00Z

#[tokio::test]
async fn expired_objects_and_items_vanish_for_every_reader_at_once() {
    let clock = Clock::manual(START_MS);
    let (_emu, api) = start(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;

    let doc = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "d"), ("Ttl", "10")],
        )
        .await;
    assert_eq!(
        doc.body["date_expires"], "2027-01-15T08:00:10Z",
        "{}",
        doc.body
    );
    api.post(
        "/v1/Services/default/Maps",
        &[("UniqueName", "m"), ("CollectionTtl", "100")],
    )
    .await;
    let item = api
        .post(
            "/v1/Services/default/Maps/m/Items",
            &[
                ("Key", "k"),
                ("Data", "{}"),
                ("ItemTtl", "5"),
                ("Ttl", "999"),
            ],
        )
        .await;
    assert_eq!(
        item.body["date_expires"], "2027-01-15T08:00:05Z",
        "ItemTtl wins over Ttl"
    );

    clock.advance(Duration::from_millis(4_999));
    assert_eq!(
        api.get("/v1/Services/default/Maps/m/Items/k").await.status,
        StatusCode::OK
    );
    clock.advance(Duration::from_millis(1));
    api.get("/v1/Services/default/Maps/m/Items/k")
        .await
        .assert_error(404, 20404);
    let items = api.get("/v1/Services/default/Maps/m/Items").await;
    assert_eq!(items.body["items"].as_array().map(Vec::len), Some(0));
    // The key is free again once its item expired.
    assert_eq!(
        api.post(
            "/v1/Services/default/Maps/m/Items",
            &[("Key", "k"), ("Data", "{}")]
        )
        .await
        .status,
        StatusCode::CREATED
    );

    assert_eq!(
        api.get("/v1/Services/default/Documents/d").await.status,
        StatusCode::OK
    );
    clock.advance(Duration::from_secs(5));
    api.get("/v1/Services/default/Documents/d")
        .await
        .assert_error(404, 20404);
    api.post("/v1/Services/default/Documents/d", &[("Data", "{}")])
        .await
        .assert_error(404, 20404);
    let docs = api.get("/v1/Services/default/Documents").await;
    assert_eq!(docs.body["documents"].as_array().map(Vec::len), Some(0));
    // The unique name can be reused.
    assert_eq!(
        api.post("/v1/Services/default/Documents", &[("UniqueName", "d")])
            .await
            .status,
        StatusCode::CREATED
    );

    // An item write's CollectionTtl moves the map's expiry; the map takes its items along.
    api.post(
        "/v1/Services/default/Maps/m/Items/k",
        &[("Data", "{}"), ("CollectionTtl", "1")],
    )
    .await;
    let map = api.get("/v1/Services/default/Maps/m").await;
    assert_eq!(map.body["date_expires"], "2027-01-15T08:00:11Z");
    clock.advance(Duration::from_secs(1));
    api.get("/v1/Services/default/Maps/m")
        .await
        .assert_error(404, 20404);
    api.get("/v1/Services/default/Maps/m/Items/k")
        .await
        .assert_error(404, 20404);
}

#[tokio::test]
async fn ttl_zero_clears_expiry_and_out_of_range_is_54011() {
    let clock = Clock::manual(START_MS);
    let (_emu, api) = start(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;
    let d = api
        .post(
            "/v1/Services/default/Documents",
            &[("UniqueName", "d"), ("Ttl", "5")],
        )
        .await;
    assert!(d.body["date_expires"].is_string());
    let d = api
        .post("/v1/Services/default/Documents/d", &[("Ttl", "0")])
        .await;
    assert!(d.body["date_expires"].is_null(), "{}", d.body);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(
        api.get("/v1/Services/default/Documents/d").await.status,
        StatusCode::OK
    );

    for bad in ["-1", "31536001", "soon"] {
        api.post("/v1/Services/default/Documents", &[("Ttl", bad)])
            .await
            .assert_error(400, 54011);
        api.post("/v1/Services/default/Lists", &[("CollectionTtl", bad)])
            .await
            .assert_error(400, 54011);
    }
    assert_eq!(
        api.post("/v1/Services/default/Documents", &[("Ttl", "31536000")])
            .await
            .status,
        StatusCode::CREATED
    );
    let l = api.post("/v1/Services/default/Lists", &[]).await;
    let items = format!(
        "/v1/Services/default/Lists/{}/Items",
        l.body["sid"].as_str().unwrap_or("")
    );
    api.post(&items, &[("Data", "{}"), ("ItemTtl", "31536001")])
        .await
        .assert_error(400, 54011);
}

#[tokio::test]
async fn purge_task_deletes_expired_rows_from_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync.sqlite3");
    let clock = Clock::manual(START_MS);
    let config =
        EmulatorConfig::with_file(ACCOUNT, TOKEN, path.to_string_lossy()).clock(clock.clone());
    let (_emu, api) = start(config).await;
    for _ in 0..3 {
        api.post("/v1/Services/default/Documents", &[("Ttl", "2")])
            .await;
    }
    api.post("/v1/Services/default/Documents", &[]).await;
    assert_eq!(object_rows(&path), 4);
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        object_rows_settled_at(&path, 1).await,
        1,
        "the purge task removed the three expired documents"
    );
}

/// The purge task sleeps until the nearest expiry it knows of. A write that sets a sooner
/// one wakes it (on the real clock, no manual advance to wake it instead); later ones do
/// not need to.
#[tokio::test]
async fn a_sooner_expiry_wakes_the_sleeping_purge_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sync.sqlite3");
    let config = EmulatorConfig::with_file(ACCOUNT, TOKEN, path.to_string_lossy());
    let (_emu, api) = start(config).await;
    // The task now waits for this one, 60 s away.
    api.post("/v1/Services/default/Documents", &[("Ttl", "60")])
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    api.post("/v1/Services/default/Documents", &[("Ttl", "1")])
        .await;
    // Later than the one the task waits for: must not get in the way.
    api.post("/v1/Services/default/Documents", &[("Ttl", "120")])
        .await;
    assert_eq!(object_rows(&path), 3);
    assert_eq!(
        object_rows_settled_at(&path, 2).await,
        2,
        "the document with a one-second TTL was purged on time"
    );
}

/// The rows of the emulator's `objects` table, read from its file by a connection of our own.
fn object_rows(path: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(path).expect("open db");
    c.query_row("SELECT COUNT(*) FROM objects", [], |r| r.get::<_, i64>(0))
        .expect("count")
}

/// Polls [`object_rows`] until it reads `want` or five seconds pass; returns the last count.
async fn object_rows_settled_at(path: &std::path::Path, want: i64) -> i64 {
    let mut rows = object_rows(path);
    for _ in 0..500 {
        if rows == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        rows = object_rows(path);
    }
    rows
}
