//! Maps and map items against the real emulator: CRUD, keys that need encoding,
//! set-or-create (the presence beat), item and collection TTLs, paging with
//! `Order`/`From`/`Bounds`, and concurrent read-modify-writes on one item.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::sync_support::*;
use callflow::sync::{
    Bounds, MapItem, OpenMode, Order, PageOptions, SyncError, SyncObject, TryFirst, Ttl,
    WriteOptions,
};
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use sync_emulator::{Clock, EmulatorConfig};

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Calls {
    seen: Vec<u32>,
}

#[tokio::test]
async fn map_lifecycle_and_open_modes() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let map = sync.map("user-presence");
    assert!(map.fetch().await.expect_err("missing").is_not_found());
    let opened = map
        .open(OpenMode::OpenOrCreate, Some(Ttl::secs(3600)))
        .await
        .expect("creates");
    assert!(opened.created);
    assert!(opened.value.sid.starts_with("MP"));
    assert!(opened.value.meta.date_expires.is_some());
    let again = map.open(OpenMode::OpenOrCreate, None).await.expect("opens");
    assert!(!again.created);
    assert_eq!(again.value.sid, opened.value.sid);
    let err = map.create(None).await.expect_err("taken");
    assert!(
        matches!(&err, SyncError::AlreadyExists(e) if e.code == Some(54301) && e.status == 409),
        "{err:?}"
    );
    let by_sid = sync
        .map(opened.value.sid.clone())
        .fetch()
        .await
        .expect("by sid");
    assert_eq!(by_sid.unique_name.as_deref(), Some("user-presence"));
    let cleared = map.set_ttl(Ttl::NEVER).await.expect("ttl");
    assert_eq!(cleared.meta.date_expires, None);

    let other = sync.map("other");
    let o = other
        .open(OpenMode::CreateOrOpen, None)
        .await
        .expect("create first");
    assert!(o.created);
    let maps: Vec<SyncObject> = sync
        .maps()
        .stream(Some(1))
        .try_collect()
        .await
        .expect("list maps");
    assert_eq!(maps.len(), 2);

    map.delete().await.expect("delete");
    assert!(map.fetch().await.expect_err("gone").is_not_found());
    assert!(map
        .item("x")
        .fetch::<Value>()
        .await
        .expect_err("map gone")
        .is_not_found());
    emu.shutdown().await;
}

#[tokio::test]
async fn item_crud_conditions_and_error_codes() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let map = sync.map("m");
    map.create(None).await.expect("map");
    let item = map.item("alice");
    let created = item
        .create(&json!({"status": "online"}), None)
        .await
        .expect("create");
    assert_eq!(created.key, "alice");
    assert!(created.map_sid.starts_with("MP"));

    let err = item.create(&json!({}), None).await.expect_err("key taken");
    assert!(
        matches!(&err, SyncError::AlreadyExists(e) if e.code == Some(54208) && e.status == 409),
        "{err:?}"
    );

    let updated = item
        .update(&json!({"status": "away"}))
        .await
        .expect("update");
    assert_eq!(
        item.fetch::<Value>().await.expect("fetch").data,
        json!({"status": "away"})
    );
    let err = item
        .update_with(
            &json!({"status": "x"}),
            &WriteOptions::new().if_match(created.revision.clone()),
        )
        .await
        .expect_err("stale");
    assert!(
        matches!(&err, SyncError::RevisionMismatch(e) if e.status == 412),
        "{err:?}"
    );
    let err = item
        .delete_if(created.revision.clone())
        .await
        .expect_err("stale delete");
    assert!(matches!(err, SyncError::RevisionMismatch(_)));
    item.delete_if(updated.revision.clone())
        .await
        .expect("delete at current revision");
    assert!(item
        .fetch::<Value>()
        .await
        .expect_err("gone")
        .is_not_found());
    assert!(item
        .update(&json!({}))
        .await
        .expect_err("update of a missing item")
        .is_not_found());
    assert!(item
        .delete()
        .await
        .expect_err("delete of a missing item")
        .is_not_found());

    let err = item
        .create_with(&json!({}), &WriteOptions::new().if_match("1"))
        .await
        .expect_err("a create has no revision");
    assert!(matches!(err, SyncError::InvalidRequest(_)));
    emu.shutdown().await;
}

#[tokio::test]
async fn keys_are_percent_encoded() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let map = sync.map("keys");
    map.create(None).await.expect("map");
    let keys = [
        "a/b c?d#e&f=g",
        "user@example.com",
        "é✓",
        "...",
        "100%",
        "+plus",
        " ",
    ];
    for (i, k) in keys.iter().enumerate() {
        map.item(*k)
            .create(&json!({"i": i}), None)
            .await
            .expect("create");
    }
    for (i, k) in keys.iter().enumerate() {
        let got = map
            .item(*k)
            .fetch::<Value>()
            .await
            .expect("fetch by the same key");
        assert_eq!(got.key, *k);
        assert_eq!(got.data, json!({"i": i}));
    }
    // "a/b…" did not land on a nested path: the listing has exactly these keys.
    let listed: Vec<MapItem<Value>> = map
        .items()
        .stream(PageOptions::default())
        .try_collect()
        .await
        .expect("list");
    let got: BTreeSet<_> = listed.into_iter().map(|i| i.key).collect();
    let want: BTreeSet<_> = keys.iter().map(|k| k.to_string()).collect();
    assert_eq!(got, want);

    // "", "." and ".." cannot be a path segment (URL parsers drop dot segments even
    // when encoded): refused locally instead of reaching another resource.
    let before = sync.request_count();
    for bad in ["", ".", ".."] {
        let err = map
            .item(bad)
            .fetch::<Value>()
            .await
            .expect_err("unaddressable key");
        assert!(
            matches!(err, SyncError::InvalidRequest(_)),
            "{bad:?}: {err:?}"
        );
        let err = sync
            .document(bad)
            .delete()
            .await
            .expect_err("unaddressable name");
        assert!(
            matches!(err, SyncError::InvalidRequest(_)),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(sync.request_count(), before);
    emu.shutdown().await;
}

#[tokio::test]
async fn set_or_create_is_a_presence_beat() {
    let clock = Clock::manual_now();
    let emu = emulator_with(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;
    let sync = client(&emu.base_url());
    let map = sync.map("user-presence");
    map.create(None).await.expect("map");
    let alice = map.item("alice");

    let (first, n) = counted(
        &sync,
        &emu,
        alice.set_or_create(
            &json!({"status": "online"}),
            Some(Ttl::secs(300)),
            TryFirst::Update,
        ),
    )
    .await;
    let first = first.expect("first beat creates");
    assert_eq!(n, 2, "first beat: update 404, create");

    clock.advance(Duration::from_secs(200));
    let (second, n) = counted(
        &sync,
        &emu,
        alice.set_or_create(
            &json!({"status": "away"}),
            Some(Ttl::secs(300)),
            TryFirst::Update,
        ),
    )
    .await;
    let second = second.expect("second beat updates");
    assert_eq!(n, 1, "later beats: one update");
    assert_eq!(second.data, json!({"status": "away"}));
    let moved =
        second.meta.date_expires.expect("expiry") - first.meta.date_expires.expect("expiry");
    assert_eq!(
        moved.whole_seconds(),
        200,
        "each beat pushes the item TTL out"
    );

    // A beat that merges into the item (mutate) also pushes its TTL out.
    clock.advance(Duration::from_secs(100));
    let merged = alice
        .mutate_with_ttl(
            Some(&second),
            Ttl::secs(300),
            |v: &mut serde_json::Value| v["device"] = json!("phone"),
        )
        .await
        .expect("merge beat");
    assert_eq!(
        merged.value.data,
        json!({"status": "away", "device": "phone"})
    );
    let moved =
        merged.value.meta.date_expires.expect("expiry") - second.meta.date_expires.expect("expiry");
    assert_eq!(moved.whole_seconds(), 100);

    // Without beats the item expires.
    clock.advance(Duration::from_secs(301));
    assert!(alice
        .fetch::<Value>()
        .await
        .expect_err("expired")
        .is_not_found());
    let back = alice
        .set_or_create(
            &json!({"status": "online"}),
            Some(Ttl::secs(300)),
            TryFirst::Update,
        )
        .await
        .expect("beat after expiry");
    assert_eq!(back.data, json!({"status": "online"}));

    let (r, n) = counted(
        &sync,
        &emu,
        map.item("bob")
            .set_or_create(&json!({"s": 1}), None, TryFirst::Create),
    )
    .await;
    r.expect("create first");
    assert_eq!(n, 1);
    let (r, n) = counted(
        &sync,
        &emu,
        map.item("bob")
            .set_or_create(&json!({"s": 2}), None, TryFirst::Create),
    )
    .await;
    assert_eq!(r.expect("then update").data, json!({"s": 2}));
    assert_eq!(n, 2);

    // set_or_create on a missing map does not invent it.
    let err = sync
        .map("no-map")
        .item("x")
        .set_or_create(&json!({}), None, TryFirst::Update)
        .await
        .expect_err("no map");
    assert!(err.is_not_found());
    emu.shutdown().await;
}

#[tokio::test]
async fn concurrent_set_or_create_ends_with_one_item() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let map = sync.map("race");
    map.create(None).await.expect("map");
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let item = map.item("k");
            tokio::spawn(async move {
                item.set_or_create(&json!({"by": i}), Some(Ttl::secs(60)), TryFirst::Update)
                    .await
            })
        })
        .collect();
    for t in tasks {
        let item = t.await.expect("task").expect("no caller sees an error");
        assert_eq!(item.key, "k");
    }
    let items: Vec<MapItem<Value>> = map
        .items()
        .stream(PageOptions::default())
        .try_collect()
        .await
        .expect("list");
    assert_eq!(items.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn item_and_collection_ttls() {
    let clock = Clock::manual_now();
    let emu = emulator_with(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;
    let sync = client(&emu.base_url());
    let map = sync.map("ttl");
    map.create(None).await.expect("map");
    map.item("a")
        .create_with(
            &json!({}),
            &WriteOptions::new()
                .ttl(Ttl::secs(10))
                .collection_ttl(Ttl::secs(100)),
        )
        .await
        .expect("create with both TTLs");
    let fetched = map.fetch().await.expect("map");
    assert!(
        fetched.meta.date_expires.is_some(),
        "CollectionTtl set the map's expiry"
    );
    map.item("b")
        .create(&json!({}), None)
        .await
        .expect("no TTL");
    let a = map
        .item("a")
        .set_ttl(Ttl::secs(20))
        .await
        .expect("item ttl");
    assert!(a.meta.date_expires.is_some());

    clock.advance(Duration::from_secs(21));
    assert!(map
        .item("a")
        .fetch::<Value>()
        .await
        .expect_err("item expired")
        .is_not_found());
    map.item("b")
        .fetch::<Value>()
        .await
        .expect("b has no item TTL");
    clock.advance(Duration::from_secs(80));
    assert!(map.fetch().await.expect_err("map expired").is_not_found());

    let err = map
        .item("c")
        .create(&json!({}), Some(Ttl::secs(40_000_000)))
        .await
        .expect_err("bad ttl");
    assert!(
        err.is_not_found() || matches!(err, SyncError::InvalidRequest(_)),
        "{err:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn items_page_with_order_from_and_bounds() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let map = sync.map("paged");
    map.create(None).await.expect("map");
    for i in 0..25 {
        map.item(format!("k{i:02}"))
            .create(&json!({"i": i}), None)
            .await
            .expect("create");
    }
    let keys = |items: Vec<MapItem<Value>>| items.into_iter().map(|i| i.key).collect::<Vec<_>>();
    let all: Vec<String> = (0..25).map(|i| format!("k{i:02}")).collect();

    let before = sync.request_count();
    let asc = map
        .items()
        .stream(PageOptions::default().page_size(10))
        .try_collect()
        .await
        .expect("asc");
    assert_eq!(keys(asc), all);
    assert_eq!(sync.request_count() - before, 3, "25 items in pages of 10");

    let desc = map
        .items()
        .stream(PageOptions::default().page_size(7).order(Order::Desc))
        .try_collect()
        .await
        .expect("desc");
    let mut rev = all.clone();
    rev.reverse();
    assert_eq!(keys(desc), rev);

    let from = map
        .items()
        .stream(PageOptions::default().page_size(4).from("k20"))
        .try_collect()
        .await
        .expect("from");
    assert_eq!(keys(from), all[20..].to_vec());
    let after = map
        .items()
        .stream(
            PageOptions::default()
                .page_size(4)
                .from("k20")
                .bounds(Bounds::Exclusive),
        )
        .try_collect()
        .await
        .expect("exclusive");
    assert_eq!(keys(after), all[21..].to_vec());

    let typed: Vec<MapItem<serde_json::Map<String, Value>>> = map
        .items()
        .stream(PageOptions::default().page_size(100))
        .try_collect()
        .await
        .expect("typed");
    assert_eq!(typed.len(), 25);
    emu.shutdown().await;
}

#[tokio::test]
async fn fifty_concurrent_mutates_on_one_item_all_land() {
    let emu = emulator().await;
    let sync = default_client(&emu.base_url());
    let map = sync.map("counters");
    map.create(None).await.expect("map");
    let item = map.item("calls");
    item.create(&Calls::default(), None).await.expect("item");
    let tasks: Vec<_> = (0..50u32)
        .map(|i| {
            let item = item.clone();
            tokio::spawn(async move { item.mutate(move |c: &mut Calls| c.seen.push(i)).await })
        })
        .collect();
    let mut max_attempts = 0;
    for t in tasks {
        let m = t.await.expect("task").expect("lands");
        max_attempts = max_attempts.max(m.attempts);
    }
    let mut got = item.fetch::<Calls>().await.expect("fetch").data.seen;
    got.sort_unstable();
    assert_eq!(
        got,
        (0..50).collect::<Vec<_>>(),
        "all 50 appends, none twice"
    );
    println!("map item: worst mutate took {max_attempts} conditional writes");

    // Round trips on an item: mutate 2, mutate_from a fresh item 1.
    let (m, n) = counted(&sync, &emu, item.mutate(|c: &mut Calls| c.seen.push(99))).await;
    assert_eq!(n, 2);
    let m = m.expect("mutate").value;
    let (_, n) = counted(
        &sync,
        &emu,
        item.mutate_from(Some(&m), |c: &mut Calls| c.seen.push(100)),
    )
    .await;
    assert_eq!(n, 1);
    emu.shutdown().await;
}
