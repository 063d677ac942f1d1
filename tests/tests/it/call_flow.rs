//! A call through the bundled example flow, driven through the real handlers against a
//! real emulator: the state after each step, concurrency, redelivery and round trips.

use callflow_e2e::*;
use futures_util::TryStreamExt as _;
use lambda_http::http::StatusCode;

#[tokio::test]
async fn a_whole_call_follows_the_example_flow() {
    let stack = Stack::start().await;
    let sid = call_sid(1);

    // Initial webhook: the welcome menu, state created in the first stage.
    let first = stack
        .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_text(&first));
    assert_eq!(first.headers()["content-type"], "text/xml");
    let twiml = body_text(&first);
    assert!(
        twiml.contains("<Say>Thanks for calling Acme support.</Say>"),
        "{twiml}"
    );
    assert!(
        twiml.contains(r#"action="store-call-state?stage=welcome""#),
        "{twiml}"
    );
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "welcome");
    assert_eq!(state["status"], "ringing");
    assert_eq!(state["from"], "+15005550006");
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(0));

    // A key that is not on the menu: asked again, with the retry prompt.
    let wrong = voice_params(&sid, "in-progress", &[("Digits", "9")]);
    let retry = stack.store("/store-call-state?stage=welcome", &wrong).await;
    assert!(body_text(&retry).contains("<Say>Sorry, that is not an option.</Say>"));
    let state = stack.state_of(&sid).await;
    assert_eq!(
        (state["stage"].as_str(), state["retries"].as_u64()),
        (Some("welcome"), Some(1))
    );

    // 2: technical support.
    let two = voice_params(&sid, "in-progress", &[("Digits", "2")]);
    let technical = stack.store("/store-call-state?stage=welcome", &two).await;
    assert!(body_text(&technical).contains(r#"action="store-call-state?stage=technical""#));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "technical");
    assert_eq!(state["selections"][0]["digits"], "9");
    assert_eq!(state["selections"][0]["accepted"], false);
    assert_eq!(state["selections"][1]["digits"], "2");
    assert_eq!(state["selections"][1]["accepted"], true);

    // Speech routes too: "outage" ends the call with a hangup.
    let speech = voice_params(
        &sid,
        "in-progress",
        &[
            ("SpeechResult", "There is an outage on my street"),
            ("Confidence", "0.91"),
        ],
    );
    let outage = stack
        .store("/store-call-state?stage=technical", &speech)
        .await;
    let twiml = body_text(&outage);
    assert!(twiml.ends_with("<Hangup /></Response>"), "{twiml}");
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "outage");
    assert_eq!(
        state["selections"][2]["speech"],
        "There is an outage on my street"
    );
    assert_eq!(state["selections"][2]["confidence"], "0.91");

    // The status callback: final status, duration, end time; 204 for Twilio.
    let done = voice_params(
        &sid,
        "completed",
        &[("CallDuration", "42"), ("SequenceNumber", "3")],
    );
    let callback = stack.store("/store-call-state", &done).await;
    assert_eq!(callback.status(), StatusCode::NO_CONTENT);
    let state = stack.state_of(&sid).await;
    assert_eq!(state["status"], "completed");
    assert_eq!(state["duration"], 42);
    assert!(state["endTime"].is_string());
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn json_is_answered_when_asked_for() {
    let stack = Stack::start().await;
    let sid = call_sid(2);
    let response = stack
        .store(
            "/store-call-state?format=json",
            &voice_params(&sid, "ringing", &[]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(&response)["stage"], "welcome");
}

#[tokio::test]
async fn fifty_concurrent_gathers_are_all_recorded() {
    let stack = Stack::start().await;
    let sid = call_sid(3);
    stack
        .store("/store-call-state", &voice_params(&sid, "in-progress", &[]))
        .await;

    let before = stack.sync_requests();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let services = stack.services.clone();
        let params = voice_params(&sid, "in-progress", &[("Digits", &(i % 10).to_string())]);
        tasks.push(tokio::spawn(async move {
            let mut req = signed_post("/store-call-state?stage=welcome", &params);
            req.headers_mut().insert(
                "i-twilio-idempotency-token",
                format!("token-{i}").parse().expect("header value"),
            );
            store_call_state::FUNCTION
                .call(&services, req)
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task runs"), StatusCode::OK);
    }
    // One process: the deliveries take turns on the call and each starts from the
    // revision the previous one wrote, so none loses an If-Match race.
    let cost = stack.sync_requests() - before;
    eprintln!("Sync requests for 50 concurrent gathers in one process: {cost}");
    assert_eq!(cost, 50, "one conditional update per gather, no retries");
    let state = stack.state_of(&sid).await;
    let selections = state["selections"].as_array().expect("selections");
    assert_eq!(selections.len(), 50, "every concurrent input is recorded");
    let tokens = state["appliedTokens"].as_array().expect("tokens");
    assert_eq!(tokens.len(), 50);
}

#[tokio::test]
async fn concurrent_gathers_from_two_instances_are_all_recorded() {
    // Two warm instances (two Services: two caches, two lock sets) on one call do race;
    // If-Match with re-read and re-apply keeps every input.
    let stack = Stack::start().await;
    let other = stack.another_instance();
    let sid = call_sid(13);
    stack
        .store("/store-call-state", &voice_params(&sid, "in-progress", &[]))
        .await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let services = if i % 2 == 0 {
            stack.services.clone()
        } else {
            other.clone()
        };
        let params = voice_params(&sid, "in-progress", &[("Digits", "9")]);
        tasks.push(tokio::spawn(async move {
            let mut req = signed_post("/store-call-state?stage=welcome", &params);
            req.headers_mut().insert(
                "i-twilio-idempotency-token",
                format!("two-{i}").parse().expect("header value"),
            );
            store_call_state::FUNCTION
                .call(&services, req)
                .await
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task runs"), StatusCode::OK);
    }
    let state = stack.state_of(&sid).await;
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(40));
}

#[tokio::test]
async fn a_redelivered_webhook_is_recorded_once() {
    let stack = Stack::start().await;
    let sid = call_sid(4);
    stack
        .store("/store-call-state", &voice_params(&sid, "in-progress", &[]))
        .await;
    let params = voice_params(&sid, "in-progress", &[("Digits", "1")]);
    for _ in 0..2 {
        let mut req = signed_post("/store-call-state?stage=welcome", &params);
        req.headers_mut().insert(
            "i-twilio-idempotency-token",
            "same-delivery".parse().expect("header"),
        );
        let response = store_call_state::FUNCTION.call(&stack.services, req).await;
        assert_eq!(response.status(), StatusCode::OK);
        // Both deliveries hear the same next stage.
        assert!(
            body_text(&response).contains("stage=billing"),
            "{}",
            body_text(&response)
        );
    }
    let state = stack.state_of(&sid).await;
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(1));
    assert_eq!(state["stage"], "billing");
}

#[tokio::test]
async fn a_late_answer_for_an_earlier_stage_is_kept_but_moves_nothing() {
    let stack = Stack::start().await;
    let sid = call_sid(5);
    stack
        .store("/store-call-state", &voice_params(&sid, "in-progress", &[]))
        .await;
    let two = voice_params(&sid, "in-progress", &[("Digits", "2")]);
    stack.store("/store-call-state?stage=welcome", &two).await;
    let late = voice_params(&sid, "in-progress", &[("Digits", "3")]);
    let response = stack.store("/store-call-state?stage=welcome", &late).await;
    assert_eq!(response.status(), StatusCode::OK);
    // The caller hears the stage the call is really in.
    assert!(body_text(&response).contains("stage=technical"));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "technical");
    assert_eq!(state["selections"][1]["stale"], true);
}

#[tokio::test]
async fn an_unknown_stage_restarts_the_menu_instead_of_failing() {
    let stack = Stack::start().await;
    let sid = call_sid(6);
    let params = voice_params(&sid, "in-progress", &[("Digits", "1")]);
    // No state exists and the stage is not in the flow: a fresh state, stale answer kept.
    let response = stack
        .store("/store-call-state?stage=no-such-stage", &params)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        body_text(&response)
    );
    assert!(body_text(&response).contains("stage=welcome"));
    let state = stack.state_of(&sid).await;
    assert_eq!(state["stage"], "welcome");
    assert_eq!(state["selections"][0]["stale"], true);
}

/// Sync round trips per webhook on the normal path, counted by the emulator.
#[tokio::test]
async fn sync_requests_per_webhook_are_minimal() {
    let stack = Stack::start().await;
    let sid = call_sid(7);
    let mut costs = Vec::new();
    let steps: [(&str, Vec<(String, String)>); 4] = [
        ("/store-call-state", voice_params(&sid, "ringing", &[])),
        (
            "/store-call-state?stage=welcome",
            voice_params(&sid, "in-progress", &[("Digits", "2")]),
        ),
        (
            "/store-call-state?stage=technical",
            voice_params(&sid, "in-progress", &[("Digits", "1")]),
        ),
        (
            "/store-call-state",
            voice_params(&sid, "completed", &[("CallDuration", "30")]),
        ),
    ];
    for (path, params) in &steps {
        let before = stack.sync_requests();
        let response = stack.store(path, params).await;
        assert!(response.status().is_success());
        costs.push(stack.sync_requests() - before);
    }
    eprintln!("Sync requests per webhook (initial, gather, gather, status): {costs:?}");
    assert_eq!(
        costs,
        vec![1, 1, 1, 1],
        "create; then one conditional update per step on a warm instance"
    );

    // A cold instance (no cached revision) pays one read more for a gather step.
    let cold = Stack::with_vars(&[]).await;
    cold.store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    let cold_services = cold.another_instance();
    let before = cold.sync_requests();
    let req = signed_post(
        "/store-call-state?stage=welcome",
        &voice_params(&sid, "in-progress", &[("Digits", "2")]),
    );
    let response = store_call_state::FUNCTION.call(&cold_services, req).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cold_cost = cold.sync_requests() - before;
    eprintln!("Sync requests for a gather step on a cold instance: {cold_cost}");
    assert_eq!(cold_cost, 2, "read, then conditional update");
}

#[tokio::test]
async fn a_status_callback_for_an_unknown_call_records_it() {
    // An outbound call that was never answered: Twilio's first word is the final status.
    let stack = Stack::start().await;
    let sid = call_sid(8);
    let params = voice_params(
        &sid,
        "no-answer",
        &[
            ("Timestamp", "Wed, 25 Nov 2026 09:59:59 +0000"),
            ("SequenceNumber", "1"),
        ],
    );
    let response = stack.store("/store-call-state", &params).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let state = stack.state_of(&sid).await;
    assert_eq!(state["status"], "no-answer");
    assert_eq!(state["endTime"], "2026-11-25T09:59:59Z");
    assert_eq!(state["stage"], "welcome");

    // A late "ringing" progress callback (lower sequence number) does not roll it back.
    let late = voice_params(
        &sid,
        "ringing",
        &[
            ("SequenceNumber", "0"),
            ("CallbackSource", "call-progress-events"),
        ],
    );
    let response = stack.store("/store-call-state", &late).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(stack.state_of(&sid).await["status"], "no-answer");
}

#[tokio::test]
async fn progress_callbacks_record_the_status_in_order() {
    let stack = Stack::start().await;
    let sid = call_sid(9);
    stack
        .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    let progress = |status: &str, seq: &str| {
        voice_params(
            &sid,
            status,
            &[
                ("SequenceNumber", seq),
                ("CallbackSource", "call-progress-events"),
            ],
        )
    };
    let answered = stack
        .store("/store-call-state", &progress("in-progress", "2"))
        .await;
    assert_eq!(answered.status(), StatusCode::NO_CONTENT);
    assert_eq!(stack.state_of(&sid).await["status"], "in-progress");
    // "ringing" with an older sequence number arrives late and changes nothing.
    stack
        .store("/store-call-state", &progress("ringing", "1"))
        .await;
    let state = stack.state_of(&sid).await;
    assert_eq!(state["status"], "in-progress");
    assert!(state["endTime"].is_null());
}

/// With `CALL_INDEX_MAP`, every call is listed in that map as a summary a dashboard shows
/// (stage, retries, status, outcome): one request more for a new call (sent with the
/// document's create), one more for a webhook that changes the summary, none for one that
/// does not, and one more at a call's end once [`RECENT_ENDED`] ended calls are listed
/// (the oldest is deleted). Without the index a warm webhook costs one request
/// (`sync_requests_per_webhook_are_minimal`).
#[tokio::test]
async fn the_call_index_lists_active_calls_and_a_bounded_recent_list() {
    use callflow::call_state::{CallOutcome, IndexEntry, RECENT_ENDED};
    let stack = &Stack::with_vars(&[("CALL_INDEX_MAP", "calls")]).await;
    let listed = move || async move {
        let items = stack
            .services
            .sync
            .map("calls")
            .items()
            .stream::<IndexEntry>(callflow::sync::PageOptions::default())
            .try_collect::<Vec<_>>()
            .await
            .expect("index readable");
        let mut listed: Vec<IndexEntry> = items.into_iter().map(|item| item.data).collect();
        listed.sort_by(|a, b| a.call_sid.cmp(&b.call_sid));
        listed
    };
    let cost = move |path: &'static str, params: Vec<(String, String)>| async move {
        let before = stack.sync_requests();
        let response = stack.store(path, &params).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        stack.sync_requests() - before
    };

    let sid = call_sid(101);
    let first = cost("/store-call-state", voice_params(&sid, "ringing", &[])).await;
    // The very first call also creates the map (item 404, map create, item create).
    assert_eq!(
        first, 4,
        "document create + the index item (creating the map)"
    );
    let gather = cost(
        "/store-call-state?stage=welcome",
        voice_params(&sid, "in-progress", &[("Digits", "2")]),
    )
    .await;
    assert_eq!(
        gather, 2,
        "a step that moves the call: the document, then its item"
    );
    // A late answer for a stage the call has left changes no part of the summary.
    let stale = cost(
        "/store-call-state?stage=welcome",
        voice_params(&sid, "in-progress", &[("Digits", "1")]),
    )
    .await;
    assert_eq!(
        stale, 1,
        "a step that changes no summary: the document only"
    );
    let entry = listed().await.pop().expect("listed");
    assert_eq!(
        (entry.stage.as_str(), entry.status.as_str(), entry.outcome),
        ("technical", "in-progress", None)
    );
    assert_eq!(entry.document, format!("call-{sid}"));
    assert_eq!(entry.from, "+15005550006");
    let end = cost(
        "/store-call-state",
        voice_params(&sid, "completed", &[("CallDuration", "30")]),
    )
    .await;
    assert_eq!(end, 2, "the final status: the document, then its item");
    let entry = listed().await.pop().expect("listed");
    assert_eq!(entry.status, "completed");
    // technical is a menu: the caller hung up before the flow's end.
    assert_eq!(entry.outcome, Some(CallOutcome::HungUpInMenu));

    // Ended calls beyond RECENT_ENDED: the oldest ended item goes, one request more.
    let mut costs = Vec::new();
    for n in 0..RECENT_ENDED as u32 {
        let sid = call_sid(1000 + n);
        costs.push(cost("/store-call-state", voice_params(&sid, "ringing", &[])).await);
        costs.push(cost("/store-call-state", voice_params(&sid, "busy", &[])).await);
    }
    let evicting = &costs[costs.len() - 1];
    assert_eq!(costs[..costs.len() - 1].iter().max(), Some(&2));
    assert_eq!(
        *evicting, 3,
        "document, item, and the oldest ended item deleted"
    );
    // One active call stays listed whatever ends around it.
    let active = call_sid(99);
    cost("/store-call-state", voice_params(&active, "ringing", &[])).await;
    cost(
        "/store-call-state",
        voice_params(&call_sid(2000), "ringing", &[]),
    )
    .await;
    cost(
        "/store-call-state",
        voice_params(&call_sid(2000), "failed", &[]),
    )
    .await;
    let listed = listed().await;
    let ended = listed
        .iter()
        .filter(|e| e.end_time.is_some() || e.outcome.is_some())
        .count();
    assert_eq!(ended, RECENT_ENDED, "ended calls listed");
    assert_eq!(listed.len(), RECENT_ENDED + 1);
    assert!(listed
        .iter()
        .any(|e| e.call_sid == active && e.outcome.is_none()));
    assert!(
        !listed.iter().any(|e| e.call_sid == sid),
        "the oldest ended call left the index"
    );
    assert!(listed
        .iter()
        .filter(|e| e.outcome.is_some())
        .all(|e| e.outcome == Some(CallOutcome::Failed)));

    // The aggregates: one document, written when they changed.
    let index = stack.services.call_states.index().expect("index on");
    let now = callflow::timestamp::Timestamp::now();
    assert!(index.publish_stats(now).await.expect("stats written"));
    assert!(
        !index.publish_stats(now).await.expect("nothing new"),
        "unchanged within the second: no write"
    );
    let stats: callflow::sync::Document<callflow::call_state::Stats> = stack
        .services
        .sync
        .document("calls-stats")
        .fetch()
        .await
        .expect("stats document");
    let stats = stats.data;
    let total = RECENT_ENDED as u64 + 3;
    assert_eq!(stats.windows, vec![5, 60]);
    assert_eq!(stats.started, vec![total, total]);
    assert_eq!(stats.started_last_minute, total);
    assert_eq!(stats.stages["welcome"], vec![total, total]);
    assert_eq!(stats.stages["technical"], vec![1, 1]);
    assert_eq!(stats.outcomes["failed"], vec![total - 2, total - 2]);
    assert_eq!(stats.outcomes["hung-up-in-menu"], vec![1, 1]);
    assert_eq!(stats.outcomes["completed"], vec![0, 0]);
}

/// Every voice webhook's `CallStatus` is followed, not only status callbacks: a gather
/// answer or a stage callback carrying `in-progress` moves a ringing call to in-progress
/// (as does the first webhook of a call a progress callback created), so `callflow call
/// --watch` and the dashboard stop saying "ringing" mid-call; none rolls back a final
/// status.
#[tokio::test]
async fn voice_webhooks_move_a_ringing_call_to_in_progress_but_never_back_from_final() {
    let stack = Stack::start().await;

    // A gather answer.
    let sid = call_sid(31);
    stack
        .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    assert_eq!(stack.state_of(&sid).await["status"], "ringing");
    let answer = voice_params(&sid, "in-progress", &[("Digits", "2")]);
    let r = stack
        .store("/store-call-state?stage=welcome", &answer)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_text(&r));
    let state = stack.state_of(&sid).await;
    assert_eq!(
        (state["stage"].as_str(), state["status"].as_str()),
        (Some("technical"), Some("in-progress"))
    );
    // The status callback ends the call; a late answer carrying in-progress is kept as
    // a selection but does not bring the call back.
    let done = voice_params(&sid, "completed", &[("CallDuration", "9")]);
    stack.store("/store-call-state", &done).await;
    let late = voice_params(&sid, "in-progress", &[("Digits", "1")]);
    stack
        .store("/store-call-state?stage=technical", &late)
        .await;
    let state = stack.state_of(&sid).await;
    assert_eq!(state["status"], "completed", "{state}");
    assert_eq!(state["duration"], 9);

    // A stage callback (the say-and-continue redirect) with the menu answered while the
    // call was still reported ringing.
    let sid = call_sid(32);
    stack
        .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    let menu = voice_params(&sid, "ringing", &[("Digits", "4")]);
    stack.store("/store-call-state?stage=welcome", &menu).await;
    assert_eq!(stack.state_of(&sid).await["status"], "ringing");
    let redirect = voice_params(&sid, "in-progress", &[]);
    let r = stack
        .store(
            "/store-call-state?stage=sales_hours&event=continue",
            &redirect,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", body_text(&r));
    let state = stack.state_of(&sid).await;
    assert_eq!(
        (state["stage"].as_str(), state["status"].as_str()),
        (Some("sales"), Some("in-progress"))
    );
    // A stage callback after the final status does not roll it back either.
    let done = voice_params(&sid, "no-answer", &[]);
    stack.store("/store-call-state", &done).await;
    let dialled = voice_params(&sid, "in-progress", &[("DialCallStatus", "no-answer")]);
    stack
        .store("/store-call-state?stage=sales&event=dial", &dialled)
        .await;
    assert_eq!(stack.state_of(&sid).await["status"], "no-answer");

    // The first voice webhook of a call a progress callback created as ringing.
    let sid = call_sid(33);
    let ringing = voice_params(
        &sid,
        "ringing",
        &[
            ("SequenceNumber", "1"),
            ("CallbackSource", "call-progress-events"),
        ],
    );
    stack.store("/store-call-state", &ringing).await;
    assert_eq!(stack.state_of(&sid).await["status"], "ringing");
    let first = stack
        .store("/store-call-state", &voice_params(&sid, "in-progress", &[]))
        .await;
    assert_eq!(first.status(), StatusCode::OK, "{}", body_text(&first));
    assert!(body_text(&first).contains("Thanks for calling"));
    assert_eq!(stack.state_of(&sid).await["status"], "in-progress");
}

/// A warm instance remembers the calls that just ended, for the callbacks that follow a
/// hang-up, but not every call it ever served: a webhook for a call that ended long ago
/// (more than `ENDED_CAPACITY` ended calls since) reads the state before writing it.
#[tokio::test]
async fn ended_calls_stay_one_request_for_a_while_then_are_read_again() {
    let stack = Stack::start().await;
    let ring_and_end = |sid: String| {
        let stack = &stack;
        async move {
            stack
                .store("/store-call-state", &voice_params(&sid, "ringing", &[]))
                .await;
            let end = voice_params(&sid, "completed", &[("CallDuration", "5")]);
            let ended = stack.store("/store-call-state", &end).await;
            assert_eq!(ended.status(), StatusCode::NO_CONTENT);
        }
    };
    let first = call_sid(700);
    ring_and_end(first.clone()).await;
    let late = |digits: &str| voice_params(&first, "in-progress", &[("Digits", digits)]);
    let cost = |before: u64| stack.sync_requests() - before;

    let before = stack.sync_requests();
    stack
        .store("/store-call-state?stage=welcome", &late("1"))
        .await;
    assert_eq!(cost(before), 1, "just ended: written without a read");

    for n in 0..=callflow::call_state::ENDED_CAPACITY as u32 {
        ring_and_end(call_sid(800 + n)).await;
    }
    let before = stack.sync_requests();
    let answer = stack
        .store("/store-call-state?stage=welcome", &late("2"))
        .await;
    assert_eq!(answer.status(), StatusCode::OK, "{}", body_text(&answer));
    assert_eq!(cost(before), 2, "forgotten: read, then written");

    let state = stack.state_of(&first).await;
    assert_eq!(state["status"], "completed", "{state}");
    let digits: Vec<_> = state["selections"]
        .as_array()
        .map(|s| s.iter().map(|s| s["digits"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(digits, ["1", "2"], "{state}");
}
