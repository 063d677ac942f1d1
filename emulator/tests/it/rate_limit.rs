//! The opt-in per-object write limit (429 / 54009), on a manual clock.

use std::time::Duration;

use crate::support::{start, ACCOUNT, TOKEN};
use reqwest::StatusCode;
use sync_emulator::{Clock, EmulatorConfig};

#[tokio::test]
async fn more_than_n_writes_per_second_to_one_object_are_refused() {
    let clock = Clock::manual(1_800_000_000_000);
    let config = EmulatorConfig::in_memory(ACCOUNT, TOKEN)
        .clock(clock.clone())
        .rate_limit(3);
    let (_emu, api) = start(config).await;
    api.post("/v1/Services/default/Documents", &[("UniqueName", "hot")])
        .await;
    api.post("/v1/Services/default/Documents", &[("UniqueName", "cold")])
        .await;
    for n in 0..3 {
        let r = api
            .post(
                "/v1/Services/default/Documents/hot",
                &[("Data", &format!(r#"{{"n":{n}}}"#))],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let refused = api
        .post(
            "/v1/Services/default/Documents/hot",
            &[("Data", r#"{"n":99}"#)],
        )
        .await;
    refused.assert_error(429, 54009);
    // Nothing was applied, other objects are unaffected, reads are not limited.
    let hot = api.get("/v1/Services/default/Documents/hot").await;
    assert_eq!(hot.body["data"]["n"], 2);
    assert_eq!(
        api.post("/v1/Services/default/Documents/cold", &[("Data", "{}")])
            .await
            .status,
        StatusCode::OK
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        api.post("/v1/Services/default/Documents/hot", &[("Data", "{}")])
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn item_writes_count_against_their_map() {
    let clock = Clock::manual(1_800_000_000_000);
    let config = EmulatorConfig::in_memory(ACCOUNT, TOKEN)
        .clock(clock.clone())
        .rate_limit(2);
    let (_emu, api) = start(config).await;
    api.post("/v1/Services/default/Maps", &[("UniqueName", "m")])
        .await;
    let items = "/v1/Services/default/Maps/m/Items";
    for k in ["a", "b"] {
        assert_eq!(
            api.post(items, &[("Key", k), ("Data", "{}")]).await.status,
            201
        );
    }
    api.post(items, &[("Key", "c"), ("Data", "{}")])
        .await
        .assert_error(429, 54009);
    api.get(&format!("{items}/c"))
        .await
        .assert_error(404, 20404);
}

/// Twilio's documented tiers (`--rate-limit` without a number), on a manual clock.
fn twilio_limits() -> (Clock, EmulatorConfig) {
    let clock = Clock::manual(1_800_000_000_000);
    let config = EmulatorConfig::in_memory(ACCOUNT, TOKEN)
        .clock(clock.clone())
        .limits(sync_emulator::Limits::twilio());
    (clock, config)
}

#[tokio::test]
async fn twilio_tiers_writes_burst_200_then_20_per_second_with_retry_after() {
    let (clock, config) = twilio_limits();
    let (_emu, api) = start(config).await;
    let doc = "/v1/Services/default/Documents/hot";
    api.post("/v1/Services/default/Documents", &[("UniqueName", "hot")])
        .await;
    // The 10 s burst window: 200 writes at one instant.
    for n in 0..200 {
        let r = api.post(doc, &[("Data", &format!(r#"{{"n":{n}}}"#))]).await;
        assert_eq!(r.status, StatusCode::OK, "write {n}: {}", r.body);
    }
    let refused = api.post(doc, &[("Data", r#"{"n":-1}"#)]).await;
    refused.assert_error(429, 54009);
    assert_eq!(refused.retry_after.as_deref(), Some("1"));
    assert_eq!(api.get(doc).await.body["data"]["n"], 199);
    // Then the sustained rate: one second buys 20 more writes, not 21.
    clock.advance(Duration::from_secs(1));
    for n in 0..20 {
        assert_eq!(
            api.post(doc, &[("Data", "{}")]).await.status,
            StatusCode::OK,
            "sustained write {n}"
        );
    }
    api.post(doc, &[("Data", "{}")])
        .await
        .assert_error(429, 54009);
}

#[tokio::test]
async fn twilio_tiers_large_payloads_items_reads_and_stream_messages() {
    let (clock, config) = twilio_limits();
    let (_emu, api) = start(config).await;
    let svc = "/v1/Services/default";
    api.post(&format!("{svc}/Documents"), &[("UniqueName", "big")])
        .await;
    // 10 KiB payloads: 2/s with the 10 s window, so 20 at once.
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(10 * 1024));
    for n in 0..20 {
        let r = api
            .post(&format!("{svc}/Documents/big"), &[("Data", &big)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "large write {n}");
    }
    let refused = api
        .post(&format!("{svc}/Documents/big"), &[("Data", &big)])
        .await;
    refused.assert_error(429, 54009);
    assert!(
        refused.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("10 KiB")),
        "{}",
        refused.body
    );
    // Small writes to the same document still have budget left.
    assert_eq!(
        api.post(&format!("{svc}/Documents/big"), &[("Data", "{}")])
            .await
            .status,
        StatusCode::OK
    );

    // Item writes count against their list.
    api.post(&format!("{svc}/Lists"), &[("UniqueName", "l")])
        .await;
    for _ in 0..200 {
        assert_eq!(
            api.post(&format!("{svc}/Lists/l/Items"), &[("Data", "{}")])
                .await
                .status,
            StatusCode::CREATED
        );
    }
    api.post(&format!("{svc}/Lists/l/Items"), &[("Data", "{}")])
        .await
        .assert_error(429, 54009);
    api.post(&format!("{svc}/Lists/l/Items/0"), &[("Data", "{}")])
        .await
        .assert_error(429, 54009);

    // Reads: 20/s per object (item reads and listings count against the list).
    for n in 0..200 {
        let path = if n % 2 == 0 {
            format!("{svc}/Lists/l/Items/{}", n / 2)
        } else {
            format!("{svc}/Lists/l/Items")
        };
        assert_eq!(api.get(&path).await.status, StatusCode::OK, "read {n}");
    }
    api.get(&format!("{svc}/Lists/l"))
        .await
        .assert_error(429, 54009);
    // Another object's reads are not affected.
    assert_eq!(
        api.get(&format!("{svc}/Documents/big")).await.status,
        StatusCode::OK
    );

    // Stream messages: 30/s.
    api.post(&format!("{svc}/Streams"), &[("UniqueName", "s")])
        .await;
    for _ in 0..300 {
        assert_eq!(
            api.post(&format!("{svc}/Streams/s/Messages"), &[("Data", "{}")])
                .await
                .status,
            StatusCode::CREATED
        );
    }
    api.post(&format!("{svc}/Streams/s/Messages"), &[("Data", "{}")])
        .await
        .assert_error(429, 54009);
    clock.advance(Duration::from_millis(100));
    assert_eq!(
        api.post(&format!("{svc}/Streams/s/Messages"), &[("Data", "{}")])
            .await
            .status,
        StatusCode::CREATED,
        "100 ms refills three messages"
    );
}
