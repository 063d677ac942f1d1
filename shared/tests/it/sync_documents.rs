//! Documents against the real emulator: every operation, the open modes, TTLs, typed
//! values, paging, concurrency, and the number of round trips each operation makes.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::sync_support::*;
use callflow::sync::{Document, OpenMode, SyncError, Ttl, WriteOptions};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sync_emulator::{Clock, EmulatorConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Call {
    stage: String,
    selections: Vec<String>,
}

#[tokio::test]
async fn create_fetch_update_delete_by_name_and_by_sid() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let doc = sync.document("call-CA1");
    let created = doc
        .create(
            &Call {
                stage: "greeting".into(),
                selections: vec![],
            },
            None,
        )
        .await
        .expect("create");
    assert!(
        created.sid.starts_with("ET") && created.sid.len() == 34,
        "{}",
        created.sid
    );
    assert_eq!(created.unique_name.as_deref(), Some("call-CA1"));
    assert_eq!(created.data.stage, "greeting");
    assert_eq!(created.meta.date_expires, None);

    let by_sid = sync
        .document(created.sid.clone())
        .fetch::<Call>()
        .await
        .expect("by sid");
    assert_eq!(by_sid, doc.fetch::<Call>().await.expect("by name"));

    let updated = doc
        .update(&Call {
            stage: "menu".into(),
            selections: vec!["1".into()],
        })
        .await
        .expect("update");
    assert_ne!(updated.revision, created.revision);
    assert_eq!(
        doc.fetch::<Call>().await.expect("fetch").data.selections,
        vec!["1"]
    );

    // A conditional write at the current revision lands; at a stale one it is refused.
    let cond = doc
        .update_with(
            &json!({"stage": "x"}),
            &WriteOptions::new().if_match(updated.revision.clone()),
        )
        .await
        .expect("matching revision");
    let err = doc
        .update_with(
            &json!({"stage": "y"}),
            &WriteOptions::new().if_match(updated.revision.clone()),
        )
        .await
        .expect_err("stale revision");
    match &err {
        SyncError::RevisionMismatch(e) => assert_eq!((e.status, e.code), (412, Some(54103))),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        doc.fetch::<Value>().await.expect("fetch").revision,
        cond.revision
    );

    doc.delete().await.expect("delete");
    let err = doc.fetch::<Value>().await.expect_err("gone");
    match &err {
        SyncError::NotFound(e) => assert_eq!((e.status, e.code), (404, Some(20404))),
        other => panic!("{other:?}"),
    }
    assert!(doc.delete().await.expect_err("already gone").is_not_found());
    emu.shutdown().await;
}

#[tokio::test]
async fn open_modes_follow_the_js_client() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let doc = sync.document("settings");

    let err = doc
        .open(OpenMode::OpenExisting, &json!({}), None)
        .await
        .expect_err("missing");
    assert!(err.is_not_found());

    let first = doc
        .open(
            OpenMode::OpenOrCreate,
            &json!({"v": 1}),
            Some(Ttl::secs(600)),
        )
        .await
        .expect("creates");
    assert!(first.created);
    assert_eq!(first.value.data, json!({"v": 1}));
    assert!(
        first.value.meta.date_expires.is_some(),
        "TTL applied on create"
    );

    let again = doc
        .open(OpenMode::OpenOrCreate, &json!({"v": 2}), None)
        .await
        .expect("opens");
    assert!(!again.created);
    assert_eq!(
        again.value.data,
        json!({"v": 1}),
        "initial value applies only on create"
    );
    assert_eq!(again.value.sid, first.value.sid);

    let cof = doc
        .open(OpenMode::CreateOrOpen, &json!({"v": 3}), None)
        .await
        .expect("fetches the existing");
    assert!(!cof.created);
    assert_eq!(cof.value.sid, first.value.sid);

    let err = doc
        .open(OpenMode::CreateNew, &json!({}), None)
        .await
        .expect_err("taken");
    match &err {
        SyncError::AlreadyExists(e) => assert_eq!((e.status, e.code), (409, Some(54301))),
        other => panic!("{other:?}"),
    }

    // A SID cannot name a new document: open-or-create by a missing SID only fetches.
    let ghost = sync.document("ET00000000000000000000000000000000");
    assert!(ghost
        .open(OpenMode::OpenOrCreate, &json!({}), None)
        .await
        .expect_err("no such sid")
        .is_not_found());
    let names: Vec<Document<Value>> = sync
        .documents()
        .stream(None)
        .try_collect()
        .await
        .expect("list");
    assert_eq!(names.len(), 1, "no document was made for the SID");
    emu.shutdown().await;
}

#[tokio::test]
async fn round_trips_are_minimal() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let doc = sync.document("call-CA2");

    let (r, n) = counted(
        &sync,
        &emu,
        doc.open(
            OpenMode::CreateOrOpen,
            &Call::default(),
            Some(Ttl::secs(3600)),
        ),
    )
    .await;
    assert!(r.expect("created").created);
    assert_eq!(n, 1, "create-or-fetch of a new document: one POST");

    let (r, n) = counted(
        &sync,
        &emu,
        doc.open(OpenMode::OpenOrCreate, &Call::default(), None),
    )
    .await;
    assert!(!r.expect("opened").created);
    assert_eq!(n, 1, "open-or-create of an existing document: one GET");

    let (r, n) = counted(
        &sync,
        &emu,
        doc.open(OpenMode::CreateOrOpen, &Call::default(), None),
    )
    .await;
    assert!(!r.expect("fetched").created);
    assert_eq!(
        n, 2,
        "create-or-fetch of an existing document: 409 then GET"
    );

    let (m, n) = counted(
        &sync,
        &emu,
        doc.mutate(|c: &mut Call| c.selections.push("1".into())),
    )
    .await;
    let m = m.expect("mutate");
    assert!(m.changed);
    assert_eq!(n, 2, "mutate without contention: GET then conditional POST");

    let hint = m.value;
    let (m2, n) = counted(
        &sync,
        &emu,
        doc.mutate_from(Some(&hint), |c: &mut Call| c.selections.push("2".into())),
    )
    .await;
    let m2 = m2.expect("mutate_from");
    assert_eq!(n, 1, "mutate from a fresh revision: one conditional POST");
    assert_eq!(m2.value.data.selections, vec!["1", "2"]);
    // The document a write returns (its data is the value sent, not parsed back from
    // the answer) is the document Sync now holds, field for field.
    let stored: Document<Call> = doc.fetch().await.expect("fetch");
    assert_eq!(m2.value, stored);
    assert_ne!(m2.value.revision, hint.revision);

    // The old hint is stale now: 412, then a read, then the write.
    let (m3, n) = counted(
        &sync,
        &emu,
        doc.mutate_from(Some(&hint), |c: &mut Call| c.selections.push("3".into())),
    )
    .await;
    assert_eq!(
        m3.expect("stale hint recovers").value.data.selections,
        vec!["1", "2", "3"]
    );
    assert_eq!(n, 3, "stale hint: POST 412, GET, POST");

    let (m4, n) = counted(
        &sync,
        &emu,
        doc.mutate(|c: &mut Call| c.stage = String::new()),
    )
    .await;
    let m4 = m4.expect("no-op mutate");
    assert!(!m4.changed);
    assert_eq!(m4.attempts, 0);
    assert_eq!(n, 1, "a mutation that changes nothing writes nothing");

    // "No change" judged on a remembered value is confirmed on a fresh read.
    let (m5, n) = counted(
        &sync,
        &emu,
        doc.mutate_from(Some(&hint), |c: &mut Call| c.stage = String::new()),
    )
    .await;
    assert_eq!(
        m5.expect("confirmed").value.data.selections,
        vec!["1", "2", "3"]
    );
    assert_eq!(n, 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn fifty_concurrent_mutates_all_land() {
    let emu = emulator().await;
    let sync = default_client(&emu.base_url());
    let doc = sync.document("call-busy");
    doc.create(&Call::default(), None).await.expect("create");
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let doc = doc.clone();
            tokio::spawn(async move {
                doc.mutate(move |c: &mut Call| c.selections.push(format!("s{i}")))
                    .await
            })
        })
        .collect();
    let mut attempts = 0;
    let mut worst = 0;
    for t in tasks {
        let m = t.await.expect("task").expect("mutate lands");
        assert!(m.changed);
        attempts += m.attempts;
        worst = worst.max(m.attempts);
    }
    let final_doc = doc.fetch::<Call>().await.expect("fetch");
    let got: BTreeSet<_> = final_doc.data.selections.iter().cloned().collect();
    let want: BTreeSet<_> = (0..50).map(|i| format!("s{i}")).collect();
    assert_eq!(
        final_doc.data.selections.len(),
        50,
        "no append lost or doubled"
    );
    assert_eq!(got, want);
    assert!(attempts >= 50, "every mutate wrote at least once");
    println!(
        "50 concurrent mutates: {attempts} conditional writes (worst {worst}), {} requests",
        sync.request_count()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn twenty_concurrent_open_or_creates_make_one_document() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let doc = sync.document("call-race");
            tokio::spawn(async move {
                doc.open(
                    OpenMode::OpenOrCreate,
                    &json!({"by": i}),
                    Some(Ttl::secs(60)),
                )
                .await
            })
        })
        .collect();
    let mut sids = BTreeSet::new();
    let mut created = 0;
    let mut datas = BTreeSet::new();
    for t in tasks {
        let o = t.await.expect("task").expect("no caller sees an error");
        sids.insert(o.value.sid.clone());
        datas.insert(o.value.data.to_string());
        created += usize::from(o.created);
    }
    assert_eq!(sids.len(), 1, "every caller got the same document");
    assert_eq!(datas.len(), 1, "and the same value");
    assert_eq!(created, 1, "exactly one caller created it");
    let all: Vec<Document<Value>> = sync
        .documents()
        .stream(Some(100))
        .try_collect()
        .await
        .expect("list");
    assert_eq!(all.len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn ttl_expiry_is_seen_by_the_client() {
    let clock = Clock::manual_now();
    let emu = emulator_with(EmulatorConfig::in_memory(ACCOUNT, TOKEN).clock(clock.clone())).await;
    let sync = client(&emu.base_url());
    let doc = sync.document("short-lived");
    let d = doc
        .create(&json!({"a": 1}), Some(Ttl::secs(60)))
        .await
        .expect("create");
    let created = d.meta.date_created.expect("date_created");
    let expires = d.meta.date_expires.expect("date_expires");
    assert_eq!((expires - created).whole_seconds(), 60);

    clock.advance(Duration::from_secs(30));
    // Pushing the TTL out on an update keeps it alive past the first expiry.
    let pushed = doc
        .update_with(&json!({"a": 2}), &WriteOptions::new().ttl(Ttl::secs(60)))
        .await
        .expect("update");
    assert!(pushed.meta.date_expires.expect("expiry") > expires);
    clock.advance(Duration::from_secs(40));
    assert_eq!(
        doc.fetch::<Value>().await.expect("still alive").data,
        json!({"a": 2})
    );

    clock.advance(Duration::from_secs(21));
    let err = doc.fetch::<Value>().await.expect_err("expired");
    assert!(err.is_not_found(), "{err:?}");

    // A mutate can push the TTL out in the same write.
    let live = sync.document("live");
    let first = live
        .create(&json!({"n": 0}), Some(Ttl::secs(60)))
        .await
        .expect("create");
    clock.advance(Duration::from_secs(50));
    let m = live
        .mutate_with_ttl(Some(&first), Ttl::secs(60), |v: &mut Value| {
            v["n"] = json!(1)
        })
        .await
        .expect("mutate with ttl");
    let pushed =
        m.value.meta.date_expires.expect("expiry") - first.meta.date_expires.expect("expiry");
    assert_eq!(pushed.whole_seconds(), 50);
    clock.advance(Duration::from_secs(30));
    live.fetch::<Value>()
        .await
        .expect("kept alive by the mutate");

    // Ttl::NEVER clears an expiry.
    let keep = sync.document("keeper");
    keep.create(&json!({}), Some(Ttl::secs(5)))
        .await
        .expect("create");
    let cleared = keep.set_ttl(Ttl::NEVER).await.expect("clear ttl");
    assert_eq!(cleared.meta.date_expires, None);
    clock.advance(Duration::from_secs(3600));
    keep.fetch::<Value>().await.expect("no expiry any more");
    emu.shutdown().await;
}

#[tokio::test]
async fn typed_values_and_raw_values() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    let doc = sync.document("typed");
    doc.create(&json!({"stage": 5}), None)
        .await
        .expect("create");
    let raw = doc.fetch::<Value>().await.expect("raw");
    assert_eq!(raw.data["stage"], 5);
    let err = doc
        .fetch::<Call>()
        .await
        .expect_err("stage is not a string");
    assert!(matches!(err, SyncError::Decode(_)), "{err:?}");
    // A mutate over data that does not fit T fails without writing.
    let before = sync.request_count();
    let err = doc
        .mutate(|c: &mut Call| c.stage = "x".into())
        .await
        .expect_err("bad shape");
    assert!(matches!(err, SyncError::Decode(_)));
    assert_eq!(sync.request_count() - before, 1, "only the read");
    assert!(doc.mutate(|c: &mut Call| c.stage.push('x')).await.is_err());
    let missing = sync
        .document("nope")
        .mutate(|v: &mut Value| v["a"] = json!(1))
        .await;
    assert!(missing.expect_err("no document").is_not_found());
    emu.shutdown().await;
}

#[tokio::test]
async fn documents_page_lazily() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    for i in 0..7 {
        sync.documents()
            .create(&json!({"i": i}), None)
            .await
            .expect("unnamed create");
    }
    let before = sync.request_count();
    let all: Vec<Document<Value>> = sync
        .documents()
        .stream(Some(3))
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(all.len(), 7);
    let is: BTreeSet<i64> = all.iter().filter_map(|d| d.data["i"].as_i64()).collect();
    assert_eq!(is, (0..7).collect());
    assert_eq!(
        sync.request_count() - before,
        3,
        "7 documents in pages of 3"
    );

    // Lazy: taking two items fetches only the first page.
    let before = sync.request_count();
    let mut s = sync.documents().stream::<Value>(Some(3));
    s.try_next().await.expect("page").expect("item");
    s.try_next().await.expect("page").expect("item");
    assert_eq!(sync.request_count() - before, 1);

    let err = sync
        .documents()
        .stream::<Value>(Some(101))
        .try_next()
        .await
        .expect_err("page size");
    assert!(matches!(err, SyncError::InvalidRequest(_)));
    emu.shutdown().await;
}
