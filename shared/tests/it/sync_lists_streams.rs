//! Lists, list items and streams against the real emulator.

use std::time::Duration;

use crate::sync_support::*;
use callflow::sync::{
    Bounds, ListItem, OpenMode, Order, PageOptions, SyncError, SyncObject, Ttl, WriteOptions,
};
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use sync_emulator::{Clock, EmulatorConfig};

#[tokio::test]
async fn list_lifecycle_items_and_paging() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let list = sync.list("call-log");
    let opened = list
        .open(OpenMode::OpenOrCreate, None)
        .await
        .expect("creates");
    assert!(opened.created);
    assert!(opened.value.sid.starts_with("ES"), "{}", opened.value.sid);
    assert!(
        !list
            .open(OpenMode::OpenOrCreate, None)
            .await
            .expect("opens")
            .created
    );
    assert!(matches!(
        list.create(None).await.expect_err("taken"),
        SyncError::AlreadyExists(_)
    ));

    let mut indexes = Vec::new();
    for i in 0..12 {
        let (item, n) = counted(&sync, &emu, list.items().push(&json!({"n": i}), None)).await;
        let item = item.expect("push");
        assert_eq!(n, 1);
        assert_eq!(item.data, json!({"n": i}));
        indexes.push(item.index);
    }
    assert!(
        indexes.windows(2).all(|w| w[0] < w[1]),
        "indexes grow: {indexes:?}"
    );

    let page = |o: PageOptions| {
        list.items()
            .stream::<Value>(o)
            .try_collect::<Vec<ListItem<Value>>>()
    };
    let before = sync.request_count();
    let all = page(PageOptions::default().page_size(5))
        .await
        .expect("asc");
    assert_eq!(all.iter().map(|i| i.index).collect::<Vec<_>>(), indexes);
    assert_eq!(sync.request_count() - before, 3, "12 items in pages of 5");
    let desc = page(PageOptions::default().order(Order::Desc).page_size(5))
        .await
        .expect("desc");
    let mut rev = indexes.clone();
    rev.reverse();
    assert_eq!(desc.iter().map(|i| i.index).collect::<Vec<_>>(), rev);
    let from = page(
        PageOptions::default()
            .from(indexes[9].to_string())
            .bounds(Bounds::Exclusive),
    )
    .await
    .expect("from");
    assert_eq!(
        from.iter().map(|i| i.index).collect::<Vec<_>>(),
        indexes[10..].to_vec()
    );

    let third = list.item(indexes[2]);
    let fetched = third.fetch::<Value>().await.expect("fetch by index");
    assert_eq!(fetched.data, json!({"n": 2}));
    let updated = third
        .update(&json!({"n": 2, "edited": true}))
        .await
        .expect("update");
    let err = third
        .update_with(
            &json!({}),
            &WriteOptions::new().if_match(fetched.revision.clone()),
        )
        .await
        .expect_err("stale");
    assert!(
        matches!(&err, SyncError::RevisionMismatch(e) if e.status == 412),
        "{err:?}"
    );
    assert!(matches!(
        third.delete_if(fetched.revision.clone()).await,
        Err(SyncError::RevisionMismatch(_))
    ));
    third
        .delete_if(updated.revision)
        .await
        .expect("delete at current revision");
    assert!(third
        .fetch::<Value>()
        .await
        .expect_err("gone")
        .is_not_found());
    assert!(list
        .item(999)
        .fetch::<Value>()
        .await
        .expect_err("no such index")
        .is_not_found());

    let err = list
        .items()
        .push_with(&json!({}), &WriteOptions::new().if_match("0"))
        .await
        .expect_err("an append has no revision");
    assert!(matches!(err, SyncError::InvalidRequest(_)));

    let lists: Vec<SyncObject> = sync
        .lists()
        .stream(None)
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(lists.len(), 1);
    list.delete().await.expect("delete");
    assert!(list
        .items()
        .push(&json!({}), None)
        .await
        .expect_err("list gone")
        .is_not_found());
    emu.shutdown().await;
}

#[tokio::test]
async fn list_item_mutate_under_contention() {
    let emu = emulator().await;
    let sync = default_client(&emu.base_url());
    let list = sync.list("l");
    list.create(None).await.expect("list");
    let item = list
        .items()
        .push(&json!({"hits": 0}), None)
        .await
        .expect("item");
    let handle = list.item(item.index);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let h = handle.clone();
            tokio::spawn(async move {
                h.mutate(|v: &mut Value| v["hits"] = json!(v["hits"].as_i64().unwrap_or(0) + 1))
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("lands");
    }
    assert_eq!(
        handle.fetch::<Value>().await.expect("fetch").data,
        json!({"hits": 20})
    );

    let current = handle.fetch::<Value>().await.expect("fetch");
    let (m, n) = counted(
        &sync,
        &emu,
        handle.mutate_from(Some(&current), |v: &mut Value| v["hits"] = json!(21)),
    )
    .await;
    assert!(m.expect("from hint").changed);
    assert_eq!(n, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn list_item_ttls_expire() {
    let clock = Clock::manual_now();
    let emu = emulator_with(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;
    let sync = client(&emu.base_url());
    let list = sync.list("temp");
    list.create(Some(Ttl::secs(1000))).await.expect("list");
    let short = list
        .items()
        .push(&json!({"t": 1}), Some(Ttl::secs(5)))
        .await
        .expect("short");
    let long = list
        .items()
        .push_with(
            &json!({"t": 2}),
            &WriteOptions::new().collection_ttl(Ttl::secs(2000)),
        )
        .await
        .expect("long, pushing the list's TTL out");
    assert!(short.meta.date_expires.is_some());
    assert_eq!(long.meta.date_expires, None);
    clock.advance(Duration::from_secs(6));
    assert!(list
        .item(short.index)
        .fetch::<Value>()
        .await
        .expect_err("expired")
        .is_not_found());
    list.item(long.index)
        .fetch::<Value>()
        .await
        .expect("no item TTL");
    clock.advance(Duration::from_secs(1500));
    list.fetch().await.expect("list TTL was pushed to 2000 s");
    emu.shutdown().await;
}

#[tokio::test]
async fn streams_publish() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let stream = sync.stream("call-events");
    assert!(stream
        .publish(&json!({"x": 1}))
        .await
        .expect_err("no stream yet")
        .is_not_found());
    let opened = stream
        .open(OpenMode::OpenOrCreate, Some(Ttl::secs(60)))
        .await
        .expect("creates");
    assert!(opened.created);
    assert!(opened.value.sid.starts_with("TO"));
    let (msg, n) = counted(
        &sync,
        &emu,
        stream.publish(&json!({"call": "CA1", "stage": "menu"})),
    )
    .await;
    let msg = msg.expect("publish");
    assert_eq!(n, 1);
    assert!(msg.sid.starts_with("TZ"), "{}", msg.sid);
    assert_eq!(msg.data, json!({"call": "CA1", "stage": "menu"}));
    let by_sid = sync.stream(opened.value.sid.clone());
    by_sid
        .publish(&json!({"via": "sid"}))
        .await
        .expect("publish by sid");
    assert_eq!(
        by_sid.fetch().await.expect("fetch").unique_name.as_deref(),
        Some("call-events")
    );
    let ttl = stream.set_ttl(Ttl::NEVER).await.expect("ttl");
    assert_eq!(ttl.meta.date_expires, None);
    let streams: Vec<SyncObject> = sync
        .streams()
        .stream(Some(10))
        .try_collect()
        .await
        .expect("list");
    assert_eq!(streams.len(), 1);
    stream.delete().await.expect("delete");
    assert!(stream.fetch().await.expect_err("gone").is_not_found());
    emu.shutdown().await;
}
