//! The opt-in per-object write limit (429 / 54009), on a manual clock.

mod support;

use std::time::Duration;

use reqwest::StatusCode;
use support::{start, ACCOUNT, TOKEN};
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
