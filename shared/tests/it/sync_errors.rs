//! Every error kind the client reports, produced by the real emulator where it can
//! produce it (and by the fault server in `sync_faults.rs` for 5xx, transport and
//! timeouts), with Twilio's code, status and more_info carried through.

use std::time::Duration;

use crate::sync_support::*;
use callflow::sync::{Credentials, PageOptions, SyncClient, SyncConfig, SyncError, Ttl};
use futures_util::TryStreamExt;
use serde_json::{json, Value};
use sync_emulator::EmulatorConfig;

const KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
const KEY_SECRET: &str = "key-secret";

#[tokio::test]
async fn wrong_credentials_are_unauthorized_and_not_retried() {
    let emu = emulator().await;
    let sync = SyncClient::new(SyncConfig::new(ACCOUNT, "wrong-token").base_url(emu.base_url()))
        .expect("client");
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("bad token");
    match &err {
        SyncError::Unauthorized(e) => {
            assert_eq!((e.status, e.code), (401, Some(20003)));
            assert!(e.more_info.as_deref().unwrap_or("").contains("20003"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status(), Some(401));
    assert_eq!(sync.request_count(), 1, "a 401 is final");
    emu.shutdown().await;
}

#[tokio::test]
async fn api_key_credentials_work() {
    let mut cfg = EmulatorConfig::in_memory(ACCOUNT, TOKEN);
    cfg.api_keys = vec![(KEY_SID.to_owned(), KEY_SECRET.to_owned())];
    let emu = emulator_with(cfg).await;
    let key = |secret: &str| Credentials::ApiKey {
        account_sid: ACCOUNT.to_owned(),
        key_sid: KEY_SID.to_owned(),
        secret: secret.to_owned(),
    };
    let sync =
        SyncClient::new(SyncConfig::with_credentials(key(KEY_SECRET)).base_url(emu.base_url()))
            .expect("client");
    sync.document("d")
        .create(&json!({"k": 1}), None)
        .await
        .expect("API key accepted");
    let bad = SyncClient::new(SyncConfig::with_credentials(key("nope")).base_url(emu.base_url()))
        .expect("client");
    assert!(matches!(
        bad.document("d").fetch::<Value>().await,
        Err(SyncError::Unauthorized(_))
    ));
    // Secrets never show in Debug output.
    let shown = format!("{:?}", sync.config());
    assert!(
        !shown.contains(KEY_SECRET) && shown.contains(KEY_SID),
        "{shown}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_requests_carry_twilio_codes() {
    let emu = emulator().await;
    let sync = client(&emu.base_url());
    // A TTL over Twilio's one-year maximum: 400 / 54011.
    let err = sync
        .document("d")
        .create(&json!({}), Some(Ttl::secs(40_000_000)))
        .await
        .expect_err("bad ttl");
    match &err {
        SyncError::InvalidRequest(e) => assert_eq!((e.status, e.code), (400, Some(54011))),
        other => panic!("{other:?}"),
    }
    // Sync stores JSON objects only.
    let err = sync
        .document("d")
        .create(&json!([1, 2]), None)
        .await
        .expect_err("array data");
    assert!(
        matches!(&err, SyncError::InvalidRequest(e) if e.status == 400),
        "{err:?}"
    );
    assert_eq!(sync.request_count(), 2, "4xx answers are final");

    // Refused locally, before any request.
    let before = sync.request_count();
    let err = sync
        .map("m")
        .items()
        .stream::<Value>(PageOptions::default().page_size(0))
        .try_next()
        .await
        .expect_err("page size 0");
    assert!(matches!(err, SyncError::InvalidRequest(_)));
    assert_eq!(sync.request_count(), before);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_missing_service_is_not_found() {
    let emu = emulator().await;
    let sync = client_with(&emu.base_url(), |c| {
        c.service_sid("IS00000000000000000000000000000000")
    });
    let err = sync
        .document("d")
        .create(&json!({}), None)
        .await
        .expect_err("no such service");
    assert!(
        matches!(&err, SyncError::NotFound(e) if e.status == 404),
        "{err:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn rate_limits_are_typed_and_retried_by_their_retry_after() {
    let emu = emulator_with(EmulatorConfig::in_memory(ACCOUNT, TOKEN).rate_limit(3)).await;
    let setup = client(&emu.base_url());
    setup
        .document("hot")
        .create(&json!({"n": 0}), None)
        .await
        .expect("create");

    // Without retries, the writes over the limit come back as RateLimited.
    let once = client_with(&emu.base_url(), |c| c.max_attempts(1));
    let mut limited = None;
    for i in 0..6 {
        if let Err(e) = once.document("hot").update(&json!({"n": i})).await {
            limited = Some(e);
            break;
        }
    }
    match limited.expect("the limit was hit within 6 writes") {
        SyncError::RateLimited { error, retry_after } => {
            assert_eq!((error.status, error.code), (429, Some(54009)));
            assert!(retry_after.is_some(), "the emulator sends Retry-After");
        }
        other => panic!("{other:?}"),
    }

    // With the defaults, a burst over the limit all lands by honouring Retry-After.
    let sync = default_client(&emu.base_url());
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let item = sync.document("hot");
            tokio::spawn(async move { item.update(&json!({"n": i})).await })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("lands despite 429s");
    }
    assert!(
        sync.request_count() > 6,
        "some writes were answered 429 and repeated"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_configuration_is_refused_at_build_time() {
    for url in ["not a url", "ftp://127.0.0.1", "http://127.0.0.1/?q=1"] {
        let err = SyncClient::new(SyncConfig::new(ACCOUNT, TOKEN).base_url(url)).expect_err(url);
        assert!(matches!(err, SyncError::Config(_)), "{url}: {err:?}");
    }
    let err = SyncClient::new(SyncConfig::new(ACCOUNT, TOKEN).service_sid(""))
        .expect_err("empty service");
    assert!(matches!(err, SyncError::Config(_)));
    let err = SyncClient::new(SyncConfig::new(ACCOUNT, TOKEN).max_attempts(0))
        .expect_err("zero attempts");
    assert!(matches!(err, SyncError::Config(_)));
    // A trailing slash on the base URL is fine.
    let emu = emulator().await;
    let sync = client(&format!("{}/", emu.base_url()));
    sync.document("d")
        .create(&json!({}), None)
        .await
        .expect("works");
    let _ = Duration::ZERO;
    emu.shutdown().await;
}
