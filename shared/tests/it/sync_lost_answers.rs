//! Writes whose answer is lost after Sync applied them: a fault proxy forwards the
//! request to the real emulator, then breaks the connection or stalls past the client's
//! timeout. The client must end with the right result and never write twice.

use std::time::Duration;

use crate::sync_support::*;
use axum::http::Method;
use callflow::sync::{Document, ListItem, MapItem, OpenMode, PageOptions, SyncError, TryFirst};
use futures_util::TryStreamExt;
use serde_json::{json, Value};

#[tokio::test]
async fn a_named_create_whose_answer_is_lost_ends_as_created() {
    let emu = emulator().await;
    let proxy = FaultServer::proxy(&emu.base_url()).await;
    proxy.on(Method::POST, "/Documents", Action::ForwardThenBreak);
    let sync = client(&proxy.url);
    let doc = sync
        .document("call-CA9")
        .create(&json!({"stage": "greeting"}), None)
        .await
        .expect("no spurious 409");
    assert_eq!(doc.data, json!({"stage": "greeting"}));
    assert_eq!(proxy.hits(), 3, "POST (lost), POST (409), GET");

    let direct = client(&emu.base_url());
    let all: Vec<Document<Value>> = direct
        .documents()
        .stream(None)
        .try_collect()
        .await
        .expect("list");
    assert_eq!(all.len(), 1, "one document, not two");

    // The same through open-or-create: the caller is told it created the document.
    proxy.on(Method::POST, "/Documents", Action::ForwardThenBreak);
    let opened = sync
        .document("call-CA10")
        .open(OpenMode::OpenOrCreate, &json!({"v": 1}), None)
        .await
        .expect("opened");
    assert!(opened.created);
    // A rival's document with different data is not mistaken for ours.
    direct
        .document("taken")
        .create(&json!({"owner": "rival"}), None)
        .await
        .expect("rival");
    proxy.on(Method::POST, "/Documents", Action::Break);
    let err = sync
        .document("taken")
        .create(&json!({"owner": "me"}), None)
        .await
        .expect_err("name taken");
    assert!(err.is_already_exists(), "{err:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_mutate_whose_answer_is_lost_applies_once() {
    let emu = emulator().await;
    let proxy = FaultServer::proxy(&emu.base_url()).await;
    let sync = client(&proxy.url);
    let doc = sync.document("d");
    doc.create(&json!({"log": []}), None).await.expect("create");

    proxy.on(Method::POST, "/Documents/d", Action::ForwardThenBreak);
    let before = proxy.hits();
    let m = doc
        .mutate(|v: &mut Value| v["log"].as_array_mut().expect("array").push(json!("a")))
        .await
        .expect("reported as done");
    assert!(m.changed);
    assert_eq!(m.value.data, json!({"log": ["a"]}));
    assert_eq!(
        proxy.hits() - before,
        4,
        "GET, POST (lost), POST (412), GET"
    );

    // Stalled past the timeout instead of broken: same outcome.
    let slow = client_with(&proxy.url, |c| {
        c.request_timeout(Duration::from_millis(300))
    });
    proxy.on(
        Method::POST,
        "/Documents/d",
        Action::ForwardThenStall(Duration::from_secs(5)),
    );
    let m = slow
        .document("d")
        .mutate(|v: &mut Value| v["log"].as_array_mut().expect("array").push(json!("b")))
        .await
        .expect("reported as done");
    assert_eq!(m.value.data, json!({"log": ["a", "b"]}));

    let direct = client(&emu.base_url());
    assert_eq!(
        direct
            .document("d")
            .fetch::<Value>()
            .await
            .expect("fetch")
            .data,
        json!({"log": ["a", "b"]})
    );

    // A lost answer on a map item mutate, from a hint: also once.
    direct.map("m").create(None).await.expect("map");
    let item = direct
        .map("m")
        .item("k")
        .create(&json!({"n": 0}), None)
        .await
        .expect("item");
    proxy.on(Method::POST, "/Items/k", Action::ForwardThenBreak);
    let m = sync
        .map("m")
        .item("k")
        .mutate_from(Some(&item), |v: &mut Value| {
            v["n"] = json!(v["n"].as_i64().unwrap_or(0) + 1)
        })
        .await
        .expect("done");
    assert_eq!(m.value.data, json!({"n": 1}));
    emu.shutdown().await;
}

#[tokio::test]
async fn item_creates_and_beats_whose_answer_is_lost() {
    let emu = emulator().await;
    let proxy = FaultServer::proxy(&emu.base_url()).await;
    let sync = client(&proxy.url);
    let map = sync.map("presence");
    map.create(None).await.expect("map");

    proxy.on(
        Method::POST,
        "/Maps/presence/Items",
        Action::ForwardThenBreak,
    );
    let item = map
        .item("alice")
        .create(&json!({"s": "online"}), None)
        .await
        .expect("created");
    assert_eq!(item.data, json!({"s": "online"}));

    // First beat for bob: update 404, create (applied, answer lost), create 409, update.
    proxy.on(
        Method::POST,
        "/Maps/presence/Items",
        Action::ForwardThenBreak,
    );
    let bob = map
        .item("bob")
        .set_or_create(&json!({"s": "away"}), None, TryFirst::Update)
        .await
        .expect("beat");
    assert_eq!(bob.data, json!({"s": "away"}));
    let items: Vec<MapItem<Value>> = map
        .items()
        .stream(PageOptions::default())
        .try_collect()
        .await
        .expect("list");
    assert_eq!(items.len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn an_append_whose_answer_is_lost_is_reported_not_repeated() {
    let emu = emulator().await;
    let proxy = FaultServer::proxy(&emu.base_url()).await;
    let sync = client(&proxy.url);
    let list = sync.list("l");
    list.create(None).await.expect("list");
    proxy.on(Method::POST, "/Items", Action::ForwardThenBreak);
    let err = list
        .items()
        .push(&json!({"n": 1}), None)
        .await
        .expect_err("outcome unknown");
    assert!(
        matches!(err, SyncError::Transport { connect: false, .. }),
        "{err:?}"
    );
    let items: Vec<ListItem<Value>> = client(&emu.base_url())
        .list("l")
        .items()
        .stream(PageOptions::default())
        .try_collect()
        .await
        .expect("list");
    assert_eq!(items.len(), 1, "applied once, never twice");
    emu.shutdown().await;
}

#[tokio::test]
async fn deletes_and_updates_whose_answer_is_lost_succeed() {
    let emu = emulator().await;
    let proxy = FaultServer::proxy(&emu.base_url()).await;
    let sync = client(&proxy.url);
    let doc = sync.document("d");
    doc.create(&json!({"v": 1}), None).await.expect("create");

    proxy.on(Method::POST, "/Documents/d", Action::ForwardThenBreak);
    let updated = doc
        .update(&json!({"v": 2}))
        .await
        .expect("a replace is repeated");
    assert_eq!(updated.data, json!({"v": 2}));

    proxy.on(Method::DELETE, "/Documents/d", Action::ForwardThenBreak);
    doc.delete()
        .await
        .expect("the 404 after a lost answer is our own delete");
    assert!(client(&emu.base_url())
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("gone")
        .is_not_found());
    emu.shutdown().await;
}
