//! Presence through the `presence-heartbeat` handler against a real emulator whose clock
//! the test moves, so item TTL expiry is exact and instant.

use std::time::Duration;

use callflow_e2e::*;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request};

fn bearer_post_json(body: serde_json::Value) -> Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("/presence-heartbeat")
        .header("authorization", format!("Bearer {API_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::Binary(body.to_string().into_bytes()))
        .expect("request builds")
}

fn signed_beat(identity: &str, status: &str) -> Request {
    let params = vec![
        ("identity".to_owned(), identity.to_owned()),
        ("status".to_owned(), status.to_owned()),
        ("device".to_owned(), "web".to_owned()),
    ];
    signed_post("/presence-heartbeat", &params)
}

async fn present(stack: &Stack) -> Vec<String> {
    let response = presence_heartbeat::FUNCTION
        .call(
            &stack.services,
            bearer_get("/presence-heartbeat", API_TOKEN),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(&response)
    );
    let json = body_json(&response);
    let mut ids: Vec<String> = json["present"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["identity"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    assert_eq!(json["count"].as_u64(), Some(ids.len() as u64));
    ids
}

#[tokio::test]
async fn beats_expire_after_the_ttl_and_offline_removes() {
    let stack = Stack::with_vars(&[("PRESENCE_TTL", "60")]).await;
    assert!(
        present(&stack).await.is_empty(),
        "no map yet: nobody present"
    );

    for (who, status) in [("alice", "online"), ("bob", "away"), ("carol", "online")] {
        let response = presence_heartbeat::FUNCTION
            .call(&stack.services, signed_beat(who, status))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}",
            body_text(&response)
        );
        assert_eq!(body_json(&response)["status"], status);
    }
    // A second beat for the same identity updates it (the seed's create-only code fails here).
    let again = presence_heartbeat::FUNCTION
        .call(
            &stack.services,
            bearer_post_json(serde_json::json!({"identity": "alice", "status": "away"})),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK, "{}", body_text(&again));
    assert_eq!(present(&stack).await, ["alice", "bob", "carol"]);

    // Offline removes at once.
    let off = presence_heartbeat::FUNCTION
        .call(&stack.services, signed_beat("bob", "offline"))
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(present(&stack).await, ["alice", "carol"]);

    // Carol keeps beating; Alice stops. After the TTL only Carol is left.
    stack.clock.advance(Duration::from_secs(40));
    presence_heartbeat::FUNCTION
        .call(&stack.services, signed_beat("carol", "online"))
        .await;
    stack.clock.advance(Duration::from_secs(21));
    assert_eq!(present(&stack).await, ["carol"]);
    stack.clock.advance(Duration::from_secs(40));
    assert!(present(&stack).await.is_empty());
}

#[tokio::test]
async fn the_list_pages_past_a_hundred_users() {
    let stack = Stack::start().await;
    let mut tasks = Vec::new();
    for i in 0..130 {
        let services = stack.services.clone();
        tasks.push(tokio::spawn(async move {
            let beat = bearer_post_json(
                serde_json::json!({"identity": format!("agent-{i:03}"), "status": "online"}),
            );
            presence_heartbeat::FUNCTION
                .call(&services, beat)
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task"), StatusCode::OK);
    }
    let before = stack.sync_requests();
    let ids = present(&stack).await;
    assert_eq!(ids.len(), 130);
    assert_eq!(ids[0], "agent-000");
    assert_eq!(ids[129], "agent-129");
    assert!(
        stack.sync_requests() - before >= 2,
        "more than one page was read"
    );
}

#[tokio::test]
async fn bad_beats_name_the_field_and_change_nothing() {
    let stack = Stack::start().await;
    let cases = [
        (
            serde_json::json!({"identity": "dave", "status": "busy"}),
            "status",
        ),
        (serde_json::json!({"status": "online"}), "identity"),
        (
            serde_json::json!({"identity": "", "status": "online"}),
            "identity",
        ),
        (
            serde_json::json!({"identity": "x".repeat(200), "status": "online"}),
            "identity",
        ),
    ];
    for (body, field) in cases {
        let response = presence_heartbeat::FUNCTION
            .call(&stack.services, bearer_post_json(body))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let error = body_json(&response);
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains(field),
            "{error}"
        );
        assert_eq!(error["status"], 400);
    }
    let not_json = lambda_http::http::Request::builder()
        .method("POST")
        .uri("/presence-heartbeat")
        .header("authorization", format!("Bearer {API_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::Binary(b"{not json".to_vec()))
        .expect("request");
    let response = presence_heartbeat::FUNCTION
        .call(&stack.services, not_json)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let huge = bearer_post_json(serde_json::json!({
        "identity": "frank", "status": "online", "device": "x".repeat(200 * 1024)
    }));
    let response = presence_heartbeat::FUNCTION
        .call(&stack.services, huge)
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let malformed_form = post_with_signature(
        "/presence-heartbeat",
        b"identity=%zz&status=online".to_vec(),
        Some("x"),
    );
    let response = presence_heartbeat::FUNCTION
        .call(&stack.services, malformed_form)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(present(&stack).await.is_empty());
}

#[tokio::test]
async fn presence_needs_a_token_or_a_signature() {
    let stack = Stack::start().await;
    let unsigned = post_with_signature(
        "/presence-heartbeat",
        b"identity=eve&status=online".to_vec(),
        None,
    );
    assert_eq!(
        presence_heartbeat::FUNCTION
            .call(&stack.services, unsigned)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let wrong = presence_heartbeat::FUNCTION
        .call(
            &stack.services,
            bearer_get("/presence-heartbeat", "not-the-token"),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let put = lambda_http::http::Request::builder()
        .method("PUT")
        .uri("/presence-heartbeat")
        .body(Body::Empty)
        .expect("request");
    assert_eq!(
        presence_heartbeat::FUNCTION
            .call(&stack.services, put)
            .await
            .status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert!(present(&stack).await.is_empty());
}

#[tokio::test]
async fn presence_spreads_over_shards_and_lists_them_all() {
    let stack = Stack::with_vars(&[("PRESENCE_SHARDS", "4")]).await;
    for round in 0..2 {
        for i in 0..40 {
            let status = if round == 0 { "online" } else { "away" };
            let beat = bearer_post_json(
                serde_json::json!({"identity": format!("agent-{i}"), "status": status}),
            );
            let response = presence_heartbeat::FUNCTION
                .call(&stack.services, beat)
                .await;
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "{}",
                body_text(&response)
            );
        }
    }
    assert_eq!(
        present(&stack).await.len(),
        40,
        "a second beat updates, never duplicates"
    );

    // Every identity is in the map its hash names, and more than one map is used.
    let mut maps_used = std::collections::BTreeSet::new();
    for i in 0..40 {
        let identity = format!("agent-{i}");
        let map = stack.services.presence.map_for(&identity);
        let item: callflow::sync::MapItem<serde_json::Value> = stack
            .services
            .sync
            .map(map.clone())
            .item(identity)
            .fetch()
            .await
            .expect("the item is in its shard");
        assert_eq!(item.data["status"], "away");
        maps_used.insert(map);
    }
    assert!(
        maps_used.len() > 1,
        "identities spread over shards: {maps_used:?}"
    );
    assert!(maps_used.iter().all(|m| m.starts_with("user-presence-")));
}

/// What happened to a fleet's beats.
struct Fleet {
    beats: usize,
    /// Beats not answered 200, or answered later than the agent's next beat was due.
    lost: usize,
    slowest: Duration,
    sync_requests: u64,
    present: usize,
}

/// `agents` agents, evenly spread over a 30 s period, each beating every 30 s for
/// `periods` periods, through the real handler against an emulator enforcing Sync's
/// documented limits; all on paused (virtual) time.
async fn fleet(shards: u32, agents: usize, periods: u32) -> Fleet {
    let period = Duration::from_secs(30);
    let stack = Stack::rate_limited(&[("PRESENCE_SHARDS", &shards.to_string())]).await;
    // Paused time jumps to the next timer whenever the runtime is idle, e.g. while the
    // emulator's SQLite thread works; a request's own timeout must never be that next
    // timer. A 1 ms tick keeps every jump to at most 1 ms of virtual time.
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    let start = tokio::time::Instant::now();
    let tasks: Vec<_> = (0..agents)
        .map(|i| {
            let services = stack.services.clone();
            let offset = period.mul_f64(i as f64 / agents as f64);
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for p in 0..periods {
                    let due = start + offset + period * p;
                    tokio::time::sleep_until(due).await;
                    let beat = bearer_post_json(
                        serde_json::json!({"identity": format!("agent-{i:04}"), "status": "online"}),
                    );
                    let response = presence_heartbeat::FUNCTION.call(&services, beat).await;
                    outcomes.push((response.status(), due.elapsed()));
                }
                outcomes
            })
        })
        .collect();
    let (mut beats, mut lost, mut slowest) = (0, 0, Duration::ZERO);
    for task in tasks {
        for (status, took) in task.await.expect("agent task") {
            beats += 1;
            slowest = slowest.max(took);
            if status != StatusCode::OK || took >= period {
                lost += 1;
            }
        }
    }
    let sync_requests = stack.sync_requests();
    // Listing reads every map page by page; let the read budget refill first.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let present = present(&stack).await.len();
    ticker.abort();
    Fleet {
        beats,
        lost,
        slowest,
        sync_requests,
        present,
    }
}

/// README: Sync takes ~20 writes/s per map, so one map carries ~600 agents beating every
/// 30 s. 2,000 agents need 4 shards; with 1 the fleet does not fit and beats are lost.
#[tokio::test(start_paused = true)]
async fn presence_shards_carry_a_2000_agent_fleet_under_syncs_rate_limits() {
    let fits = fleet(4, 2_000, 3).await;
    println!(
        "4 shards: {} beats in 90 s (virtual), {} lost, slowest {:?}, {} Sync requests, {} present",
        fits.beats, fits.lost, fits.slowest, fits.sync_requests, fits.present
    );
    assert_eq!(fits.beats, 6_000);
    assert_eq!(fits.lost, 0, "no beat lost with 4 shards");
    assert_eq!(fits.present, 2_000, "every agent present at the end");

    let one = fleet(1, 2_000, 1).await;
    println!(
        "1 shard: {} beats in 30 s (virtual), {} lost, slowest {:?}, {} Sync requests, {} present",
        one.beats, one.lost, one.slowest, one.sync_requests, one.present
    );
    assert!(
        one.lost > 0,
        "one map cannot take 2,000 beats in 30 s (200 burst + 20/s = 800)"
    );
}
