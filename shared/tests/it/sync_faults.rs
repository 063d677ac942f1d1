//! The Sync client against a misbehaving server: 429 with Retry-After, 503, broken
//! connections, refused connections and stalls. It retries only where repeating is
//! safe, gives up by its deadline with a typed error, and never repeats an append.

use std::time::{Duration, Instant};

use crate::sync_support::*;
use axum::http::Method;
use callflow::sync::SyncError;
use serde_json::{json, Value};

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let server = FaultServer::always(Action::ok(200, &document_json("d", 1, "{}"))).await;
    server.next(Action::rate_limited("1"));
    let sync = client(&server.url);
    let started = Instant::now();
    let doc = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect("fetched after the 429");
    assert_eq!(doc.revision, "1");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 2);
    assert_eq!(sync.request_count(), 2);
}

#[tokio::test]
async fn a_503_on_a_read_is_retried() {
    let server = FaultServer::always(Action::ok(200, &document_json("d", 7, r#"{"a":1}"#))).await;
    server
        .next(Action::twilio(503, 20503))
        .next(Action::twilio(503, 20503));
    let sync = client(&server.url);
    let doc = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect("third attempt answers");
    assert_eq!(doc.data, json!({"a": 1}));
    assert_eq!(server.hits(), 3);
    assert_eq!(sync.request_count(), 3);
}

#[tokio::test]
async fn a_broken_answer_to_a_read_is_retried() {
    let server = FaultServer::always(Action::ok(200, &document_json("d", 2, "{}"))).await;
    server.next(Action::Break);
    let sync = client(&server.url);
    sync.document("d")
        .fetch::<Value>()
        .await
        .expect("second attempt answers");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_is_typed() {
    let server = FaultServer::always(Action::twilio(503, 20503)).await;
    let sync = client_with(&server.url, |c| c.max_attempts(3));
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("always 503");
    match err {
        SyncError::Server(e) => {
            assert_eq!(e.status, 503);
            assert_eq!(e.code, Some(20503));
        }
        other => panic!("expected Server, got {other:?}"),
    }
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn persistent_5xx_gives_up_by_the_deadline() {
    let server = FaultServer::always(Action::twilio(500, 20500)).await;
    let deadline = Duration::from_millis(600);
    let sync = client_with(&server.url, |c| {
        c.max_attempts(1000)
            .deadline(deadline)
            .backoff(Duration::from_millis(20), Duration::from_millis(80))
    });
    let started = Instant::now();
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("always 500");
    let took = started.elapsed();
    assert!(matches!(err, SyncError::Server(_)), "{err:?}");
    assert!(
        took <= deadline + Duration::from_millis(300),
        "took {took:?}"
    );
    assert!(
        server.hits() > 2,
        "retried within the deadline: {}",
        server.hits()
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_is_not_waited_for() {
    let server = FaultServer::always(Action::rate_limited("30")).await;
    let sync = client_with(&server.url, |c| c.deadline(Duration::from_secs(2)));
    let started = Instant::now();
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("rate limited");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "gave up at once, not after 30 s"
    );
    match err {
        SyncError::RateLimited { error, retry_after } => {
            assert_eq!(error.code, Some(54009));
            assert_eq!(retry_after, Some(Duration::from_secs(30)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_stalled_server_times_out_by_the_deadline() {
    let server = FaultServer::always(Action::Stall(Duration::from_secs(60))).await;
    let sync = client_with(&server.url, |c| {
        c.request_timeout(Duration::from_millis(200))
            .deadline(Duration::from_millis(700))
            .max_attempts(10)
    });
    let started = Instant::now();
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("stalled");
    let took = started.elapsed();
    match err {
        SyncError::Timeout { attempts, .. } => {
            assert!(attempts >= 2, "retried after a timeout: {attempts}")
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_millis(1200),
        "took {took:?}"
    );
}

#[tokio::test]
async fn closed_connections_are_retried_then_reported_as_transport() {
    let (url, accepted, task) = closing_server().await;
    let sync = client_with(&url, |c| c.max_attempts(3));
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("no answer");
    assert!(
        matches!(err, SyncError::Transport { connect: false, .. }),
        "{err:?}"
    );
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert_eq!(sync.request_count(), 3);
    task.abort();
}

#[tokio::test]
async fn refused_connections_are_transport_errors_marked_connect() {
    let url = refused_url().await;
    let sync = client_with(&url, |c| c.max_attempts(2));
    let err = sync
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("refused");
    assert!(
        matches!(err, SyncError::Transport { connect: true, .. }),
        "{err:?}"
    );
    assert_eq!(sync.request_count(), 2);
}

#[tokio::test]
async fn an_append_is_not_repeated_after_a_lost_answer() {
    let server = FaultServer::always(Action::ok(201, &list_item_json(0, "{}"))).await;
    server.next(Action::Break);
    let sync = client(&server.url);
    let err = sync
        .list("l")
        .items()
        .push(&json!({"n": 1}), None)
        .await
        .expect_err("answer lost");
    assert!(
        matches!(err, SyncError::Transport { connect: false, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits(), 1, "a repeat could append twice");
}

#[tokio::test]
async fn an_append_is_not_repeated_after_a_5xx_but_is_after_a_429() {
    let server = FaultServer::always(Action::ok(201, &list_item_json(4, r#"{"n":1}"#))).await;
    server.next(Action::twilio(503, 20503));
    let sync = client(&server.url);
    let err = sync
        .list("l")
        .items()
        .push(&json!({"n": 1}), None)
        .await
        .expect_err("503");
    assert!(matches!(err, SyncError::Server(_)), "{err:?}");
    assert_eq!(server.hits(), 1);

    server.next(Action::rate_limited("0"));
    let item = sync
        .list("l")
        .items()
        .push(&json!({"n": 1}), None)
        .await
        .expect("429 was not applied");
    assert_eq!(item.index, 4);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_publish_is_not_repeated_after_a_stall() {
    let server = FaultServer::always(Action::Stall(Duration::from_secs(60))).await;
    let sync = client_with(&server.url, |c| {
        c.request_timeout(Duration::from_millis(150))
    });
    let err = sync
        .stream("s")
        .publish(&json!({"x": 1}))
        .await
        .expect_err("stalled");
    assert!(
        matches!(err, SyncError::Timeout { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_named_create_is_repeated_after_a_503() {
    let server = FaultServer::always(Action::ok(201, &document_json("d", 0, r#"{"a":1}"#))).await;
    server.on(Method::POST, "/Documents", Action::twilio(503, 20503));
    let sync = client(&server.url);
    let doc = sync
        .document("d")
        .create(&json!({"a": 1}), None)
        .await
        .expect("second attempt creates");
    assert_eq!(doc.unique_name.as_deref(), Some("d"));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn oversized_values_are_refused_before_any_request() {
    let server = FaultServer::always(Action::ok(200, &document_json("d", 0, "{}"))).await;
    let sync = client(&server.url);
    let big = json!({"blob": "x".repeat(16 * 1024)});
    let err = sync
        .document("d")
        .update(&big)
        .await
        .expect_err("too large");
    match &err {
        SyncError::TooLarge(e) => {
            assert_eq!(e.code, Some(54006));
            assert_eq!(e.status, 413);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let msg = json!("y".repeat(4 * 1024));
    let err = sync
        .stream("s")
        .publish(&msg)
        .await
        .expect_err("message too large");
    assert!(matches!(err, SyncError::TooLarge(_)));
    // 16 KiB of JSON exactly is allowed: the limit is inclusive.
    let exact = Value::String("z".repeat(16 * 1024 - 2));
    sync.document("d")
        .update(&exact)
        .await
        .expect("exactly 16 KiB is sent");
    assert_eq!(server.hits(), 1);
    assert_eq!(sync.request_count(), 1);
}

#[tokio::test]
async fn non_twilio_error_bodies_still_classify() {
    let server = FaultServer::always(Action::ok(502, "<html>bad gateway</html>")).await;
    let sync = client_with(&server.url, |c| c.max_attempts(1));
    let err = sync.document("d").fetch::<Value>().await.expect_err("502");
    match err {
        SyncError::Server(e) => {
            assert_eq!((e.status, e.code), (502, None));
            assert!(e.message.contains("bad gateway"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn mutate_gives_up_after_its_bounded_rounds() {
    // Every conditional write loses: a rival always got there first.
    let server = FaultServer::always(Action::ok(200, &document_json("d", 1, r#"{"n":1}"#))).await;
    for _ in 0..3 {
        server.on(Method::POST, "/Documents/d", Action::twilio(412, 54103));
    }
    let sync = client_with(&server.url, |c| c.mutate_attempts(3));
    let err = sync
        .document("d")
        .mutate(|v: &mut Value| v["n"] = json!(2))
        .await
        .expect_err("always conflicts");
    match err {
        SyncError::RevisionMismatch(e) => {
            assert_eq!((e.status, e.code), (412, Some(54103)));
            assert!(e.message.contains("3 conditional write"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.hits(), 6, "GET + 3 x (POST 412 ... GET between)");
}

#[tokio::test]
async fn server_side_413_is_too_large() {
    let server = FaultServer::always(Action::twilio(413, 54006)).await;
    let sync = client(&server.url);
    let err = sync
        .document("d")
        .update(&json!({"a": 1}))
        .await
        .expect_err("413");
    assert!(
        matches!(&err, SyncError::TooLarge(e) if e.code == Some(54006)),
        "{err:?}"
    );
    assert_eq!(server.hits(), 1, "a 4xx is final");
}

#[tokio::test]
async fn with_deadline_shortens_one_operation_and_shares_the_counter() {
    let server = FaultServer::always(Action::Stall(Duration::from_secs(60))).await;
    let sync = client(&server.url);
    let hurried = sync.with_deadline(Duration::from_millis(250));
    assert_eq!(hurried.deadline(), Duration::from_millis(250));
    let started = Instant::now();
    let err = hurried
        .document("d")
        .fetch::<Value>()
        .await
        .expect_err("stalled");
    assert!(matches!(err, SyncError::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sync.request_count(), hurried.request_count());
    assert!(sync.request_count() >= 1);
}
