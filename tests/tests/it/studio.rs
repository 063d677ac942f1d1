//! A Studio flow (`flows/order-line.json`, the example Studio flow) run by
//! the real `store-call-state` handler against a real emulator, its HTTP widgets calling
//! a real stand-in server on loopback through `CALLFLOW_HTTP_REWRITE`: every webhook of
//! a call, what the caller hears, what the flow sent, what Sync keeps, and the Sync
//! requests each webhook costs.

use std::sync::Arc;
use std::time::Duration;

use callflow::studio::{FlowHttp, StudioRuntime};
use callflow_e2e::standin::StandIn;
use callflow_e2e::*;
use lambda_http::http::StatusCode;

const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");
const RESOURCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/flows/studio/order-line.resource.json"
);

struct Line {
    stack: Stack,
    standin: StandIn,
}

async fn line(flow: &str) -> Line {
    let standin = StandIn::start().await;
    let rewrite = format!(
        "https://api.acme.test={},https://acme-1234.twil.io={}",
        standin.base, standin.base
    );
    let stack =
        Stack::with_vars(&[("CALLFLOW_FLOW", flow), ("CALLFLOW_HTTP_REWRITE", &rewrite)]).await;
    assert!(
        stack.services.studio().is_some(),
        "the JSON file is read as a Studio flow"
    );
    Line { stack, standin }
}

impl Line {
    /// One webhook: (status, body, Sync requests it cost).
    async fn hook(&self, path: &str, params: &[(String, String)]) -> (StatusCode, String, u64) {
        let before = self.stack.sync_requests();
        let response = self.stack.store(path, params).await;
        let cost = self.stack.sync_requests() - before;
        (response.status(), body_text(&response), cost)
    }

    /// A new call `sid` answered up to the menu (the greeting's redirect followed): the
    /// menu's TwiML.
    async fn at_menu(&self, sid: &str) -> String {
        self.twiml("/store-call-state", &voice_params(sid, "ringing", &[]))
            .await;
        self.twiml(
            &cb("greet", "audioComplete"),
            &voice_params(sid, "in-progress", &[]),
        )
        .await
    }

    async fn twiml(&self, path: &str, params: &[(String, String)]) -> String {
        let (status, body, cost) = self.hook(path, params).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            cost, 1,
            "one Sync request per webhook on a warm instance: {path}"
        );
        body
    }
}

fn cb(widget: &str, event: &str) -> String {
    format!("/store-call-state?widget={widget}&FlowEvent={event}")
}

#[tokio::test]
async fn an_order_lookup_call_runs_the_flow_with_one_sync_request_per_webhook() {
    let line = line(FLOW).await;
    let sid = call_sid(7001);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);

    let first = line
        .twiml("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    assert_eq!(
        first,
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US" voice="Polly.Joanna">Welcome to Acme.</Say>"#,
            r#"<Redirect method="POST">store-call-state?widget=greet&amp;FlowEvent=audioComplete</Redirect></Response>"#
        )
    );
    let menu = line
        .twiml(&cb("greet", "audioComplete"), &params(&[]))
        .await;
    assert!(
        menu.contains(r##"<Gather action="store-call-state?widget=menu&amp;FlowEvent=gather" actionOnEmptyResult="true" finishOnKey="#" hints="voicemail, agent" input="dtmf speech" language="en-US" method="POST" numDigits="1" profanityFilter="true" speechModel="numbers_and_commands" speechTimeout="auto" timeout="5"><Say language="en-US" voice="Polly.Joanna">Press 1 for orders"##),
        "{menu}"
    );
    let ask = line
        .twiml(&cb("menu", "gather"), &params(&[("Digits", "1")]))
        .await;
    assert!(ask.contains("Enter your order number"), "{ask}");

    // The lookup runs inside this webhook: one HTTP call, then the split, then the say.
    let said = line
        .twiml(&cb("ask_order", "gather"), &params(&[("Digits", "123456")]))
        .await;
    assert!(
        said.contains("<Say language=\"en-US\" voice=\"Polly.Joanna\">Order 1, 2, 3, 4, 5, 6 has shipped with 2 items.</Say>"),
        "{said}"
    );
    let sent = line.standin.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].uri, "/orders?order=123456&caller=%2B15005550006");

    let bye = line
        .twiml(&cb("say_shipped", "audioComplete"), &params(&[]))
        .await;
    assert!(bye.contains("<Say>Goodbye.</Say>"), "{bye}");
    let end = line.twiml(&cb("bye", "audioComplete"), &params(&[])).await;
    assert!(end.ends_with("<Response><Hangup /></Response>"), "{end}");

    let state = line.stack.state_of(&sid).await;
    let studio = &state["studio"];
    assert_eq!(
        studio["ended"]["reason"],
        "flow ended at `bye` (audioComplete)"
    );
    assert_eq!(
        state["status"], "in-progress",
        "a voice webhook's CallStatus is followed"
    );
    // Only what some expression reads is kept: the digits and the parsed answer, not the
    // lookup's raw body or the gather's other parameters.
    assert_eq!(
        studio["widgets"]["ask_order"],
        serde_json::json!({"Digits": "123456"})
    );
    assert_eq!(
        studio["widgets"]["lookup"]["parsed"]["order"]["status"],
        "shipped"
    );
    assert!(
        studio["widgets"]["lookup"].get("body").is_none(),
        "{studio}"
    );
    assert!(
        studio["widgets"]["menu"].get("CallSid").is_none(),
        "{studio}"
    );
    let log: Vec<(String, String)> = studio["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|e| {
            (
                e["widget"].as_str().unwrap_or_default().to_owned(),
                e["event"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("greet", "audioComplete"),
        ("menu", "keypress"),
        ("route", "match: If value equal_to 1"),
        ("ask_order", "keypress"),
        ("lookup", "success"),
        ("status_split", "match: If value equal_to Shipped"),
        ("say_shipped", "audioComplete"),
        ("bye", "audioComplete"),
    ]
    .iter()
    .map(|(w, e)| (w.to_string(), e.to_string()))
    .collect();
    assert_eq!(log, expected);
    let lookup = &studio["log"][4];
    assert_eq!(lookup["httpStatus"], 200);
    assert!(lookup["ms"].is_u64(), "{lookup}");

    // The final status callback is recorded; the execution stays ended.
    let (status, _, _) = line
        .hook(
            "/store-call-state",
            &voice_params(&sid, "completed", &[("CallDuration", "42")]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let state = line.stack.state_of(&sid).await;
    assert_eq!(state["status"], "completed");
    assert_eq!(state["duration"], 42);
}

#[tokio::test]
async fn a_failed_lookup_takes_the_failed_path_and_a_function_gets_form_parameters() {
    let line = line(FLOW).await;
    let sid = call_sid(7002);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
    line.at_menu(&sid).await;
    line.twiml(&cb("menu", "gather"), &params(&[("Digits", "1")]))
        .await;
    let sorry = line
        .twiml(&cb("ask_order", "gather"), &params(&[("Digits", "999999")]))
        .await;
    assert!(sorry.contains("We could not find that order."), "{sorry}");
    let bye = line
        .twiml(&cb("not_found", "audioComplete"), &params(&[]))
        .await;
    assert!(bye.contains("<Say>Goodbye.</Say>"), "{bye}");
    let sent = line.standin.received();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].method, "POST");
    assert_eq!(sent[1].uri, "/log-miss");
    assert!(sent[1]
        .content_type
        .starts_with("application/x-www-form-urlencoded"));
    assert_eq!(sent[1].body, "caller=%2B15005550006&order=999999");
    let state = line.stack.state_of(&sid).await;
    let log = state["studio"]["log"].as_array().expect("log").clone();
    let lookup = log
        .iter()
        .find(|e| e["widget"] == "lookup")
        .expect("lookup logged");
    assert_eq!(lookup["event"], "failed");
    assert_eq!(lookup["httpStatus"], 404);
    let function = log
        .iter()
        .find(|e| e["widget"] == "log_miss")
        .expect("function logged");
    assert_eq!(function["event"], "success");
}

#[tokio::test]
async fn counters_with_plus_end_the_call_after_three_timeouts() {
    let line = line(FLOW).await;
    let sid = call_sid(7003);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
    line.at_menu(&sid).await;
    for round in 1..=2 {
        let again = line.twiml(&cb("menu", "gather"), &params(&[])).await;
        assert!(
            again.contains("Press 1 for orders"),
            "round {round}: {again}"
        );
        let state = line.stack.state_of(&sid).await;
        assert_eq!(
            state["studio"]["variables"]["timeouts"], round,
            "a number, counted with plus"
        );
    }
    let bye = line.twiml(&cb("menu", "gather"), &params(&[])).await;
    assert!(bye.contains("<Say>Goodbye.</Say>"), "{bye}");
}

#[tokio::test]
async fn a_dial_that_is_not_answered_goes_to_voicemail() {
    let line = line(FLOW).await;
    let sid = call_sid(7004);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
    line.at_menu(&sid).await;
    let dial = line
        .twiml(&cb("menu", "gather"), &params(&[("Digits", "2")]))
        .await;
    assert!(
        dial.contains(r#"<Dial action="store-call-state?widget=agent&amp;FlowEvent=dial" callerId="+15005550006" method="POST" timeout="20"><Number>+15005550010</Number></Dial>"#),
        "{dial}"
    );
    let prompt = line
        .twiml(
            &cb("agent", "dial"),
            &params(&[("DialCallStatus", "no-answer"), ("DialCallDuration", "0")]),
        )
        .await;
    assert!(
        prompt.contains("Leave a message after the beep."),
        "{prompt}"
    );
    let record = line
        .twiml(&cb("vm_prompt", "audioComplete"), &params(&[]))
        .await;
    assert!(
        record.contains(r##"<Record action="store-call-state?widget=vm&amp;FlowEvent=record" finishOnKey="#" maxLength="120" method="POST" playBeep="true" timeout="5" trim="trim-silence" /><Redirect method="POST">store-call-state?widget=vm&amp;FlowEvent=noAudio</Redirect>"##),
        "{record}"
    );
    let bye = line
        .twiml(
            &cb("vm", "record"),
            &params(&[
                ("RecordingUrl", "https://api.twilio.com/rec/RE1"),
                ("RecordingDuration", "7"),
                ("Digits", "#"),
            ]),
        )
        .await;
    assert!(bye.contains("<Say>Goodbye.</Say>"), "{bye}");
    let state = line.stack.state_of(&sid).await;
    let log = state["studio"]["log"].as_array().expect("log").clone();
    let events: Vec<&str> = log.iter().filter_map(|e| e["event"].as_str()).collect();
    assert!(events.contains(&"callCompleted"), "{events:?}");
    assert!(events.contains(&"recordingComplete"), "{events:?}");
    assert_eq!(
        state["studio"]["widgets"]["agent"]["DialCallStatus"],
        "no-answer"
    );
}

#[tokio::test]
async fn stale_and_redelivered_callbacks_move_nothing() {
    let line = line(FLOW).await;
    let sid = call_sid(7005);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
    let menu = line.at_menu(&sid).await;
    // The same redirect again (Twilio retrying): the call is at the menu; it is asked again.
    let again = line
        .twiml(&cb("greet", "audioComplete"), &params(&[]))
        .await;
    assert_eq!(again, menu);
    let state = line.stack.state_of(&sid).await;
    assert_eq!(state["stage"], "menu");
    assert_eq!(state["studio"]["steps"], 2);
}

#[tokio::test]
async fn the_api_resource_form_runs_the_same_flow() {
    let line = line(RESOURCE).await;
    let runtime = line.stack.services.studio().expect("studio");
    assert_eq!(
        runtime.flow.resource.sid.as_deref(),
        Some("FW0123456789abcdef0123456789abcdef")
    );
    let sid = call_sid(7006);
    let first = line
        .twiml("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    assert!(first.contains("Welcome to Acme."), "{first}");
}

#[tokio::test]
async fn slow_and_oversize_answers_fail_the_widget_and_the_caller_still_hears_the_flow() {
    let line = line(FLOW).await;
    // The flow's lookup goes to the stand-in's slow path (2 s) with a 300 ms deadline
    // standing in for Studio's 10 s, then to its 70 kB path.
    for (path, reason) in [("/slow", "no answer within"), ("/big", "over 65536 bytes")] {
        let text = std::fs::read_to_string(FLOW).expect("flow");
        let flow = callflow::studio::load_file(FLOW, &text, None).expect("flow loads");
        let rewrite = callflow::studio::Rewrite {
            from: "https://api.acme.test/orders".to_owned(),
            to: format!("{}{path}", line.standin.base),
        };
        let http = FlowHttp::new(vec![rewrite])
            .expect("client")
            .with_timeout(Duration::from_millis(300));
        line.stack
            .services
            .set_studio(Some(Arc::new(StudioRuntime { flow, http })));
        let sid = call_sid(if path == "/slow" { 7007 } else { 7008 });
        let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
        line.at_menu(&sid).await;
        line.twiml(&cb("menu", "gather"), &params(&[("Digits", "1")]))
            .await;
        let started = std::time::Instant::now();
        let sorry = line
            .twiml(&cb("ask_order", "gather"), &params(&[("Digits", "123456")]))
            .await;
        assert!(
            sorry.contains("We could not find that order."),
            "{path}: {sorry}"
        );
        if path == "/slow" {
            assert!(
                started.elapsed() < Duration::from_millis(1_500),
                "the deadline held"
            );
        }
        let state = line.stack.state_of(&sid).await;
        let log = state["studio"]["log"].as_array().expect("log").clone();
        let lookup = log
            .iter()
            .find(|e| e["widget"] == "lookup")
            .expect("lookup logged");
        assert_eq!(lookup["event"], "failed", "{path}");
        assert!(lookup.get("httpStatus").is_none(), "{path}: {lookup}");
        let error = lookup["error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{path}: {lookup}");
    }
}

const SUBFLOWS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/studio/subflows");

#[tokio::test]
async fn subflows_run_by_file_name_and_by_sid_with_parameters_variables_and_failure() {
    let flow = format!("{SUBFLOWS}/account-line.json");
    let stack = Stack::with_vars(&[("CALLFLOW_FLOW", &flow)]).await;
    let runtime = stack.services.studio().expect("studio");
    assert!(
        runtime.flow.subflow("ask_pin").is_some(),
        "found by file name"
    );
    assert!(
        runtime.flow.subflow("feedback").is_some(),
        "found by the resource's sid"
    );
    let line = Line {
        stack,
        standin: StandIn::start().await,
    };
    let sid = call_sid(7101);
    let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
    line.twiml("/store-call-state", &voice_params(&sid, "ringing", &[]))
        .await;
    // Into the subflow: its gather reads the parent's parameters and the parent's call.
    let ask = line
        .twiml(&cb("greet", "audioComplete"), &params(&[]))
        .await;
    assert!(
        ask.contains(&format!("Please enter your PIN for call {sid}.")),
        "{ask}"
    );
    assert!(
        ask.contains("store-call-state?widget=ask_pin%2Fgather_pin&amp;FlowEvent=gather"),
        "{ask}"
    );
    let state = line.stack.state_of(&sid).await;
    assert_eq!(
        state["stage"], "ask_pin",
        "the dashboard sees the parent's widget"
    );
    assert_eq!(state["studio"]["waiting"], "ask_pin/gather_pin");
    // Back in the parent: the subflow's variables are the run-subflow widget's outputs.
    let welcome = line
        .twiml(
            &cb("ask_pin/gather_pin", "gather"),
            &params(&[("Digits", "1234")]),
        )
        .await;
    assert!(
        welcome.contains("Welcome back Ada, caller +15005550006."),
        "{welcome}"
    );
    // The second subflow (by SID) fails at a template that cannot render: `failed`.
    let rate = line
        .twiml(&cb("welcome", "audioComplete"), &params(&[]))
        .await;
    assert!(rate.contains("Rate our support from 1 to 5."), "{rate}");
    let sorry = line
        .twiml(&cb("feedback/rate", "gather"), &params(&[("Digits", "4")]))
        .await;
    assert!(sorry.contains("Sorry, something went wrong."), "{sorry}");
    let state = line.stack.state_of(&sid).await;
    let log: Vec<String> = state["studio"]["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["widget"].as_str().unwrap_or_default(),
                e["event"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        log,
        [
            "greet audioComplete",
            "ask_pin/gather_pin keypress",
            "ask_pin/remember next",
            "ask_pin completed",
            "check_pin match: If value equal_to 1234",
            "welcome audioComplete",
            "feedback/rate keypress",
            "feedback/store next",
            "feedback failed",
        ]
    );
    assert!(state["studio"].get("frame").is_none(), "{state}");
    assert!(state["studio"]["ended"].is_null());
}

#[tokio::test]
async fn a_missing_subflow_stops_the_start_with_the_widget_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = std::fs::read_to_string(format!("{SUBFLOWS}/account-line.json")).expect("flow");
    let path = dir.path().join("alone.json");
    std::fs::write(&path, &text).expect("write");
    let error = callflow::studio::load_file(&path.display().to_string(), &text, None)
        .expect_err("the subflows are not beside it");
    let text = error.to_string();
    assert!(
        text.contains("widget `ask_pin`: subflow `collect-pin` not found"),
        "{text}"
    );
    assert!(
        text.contains("widget `feedback`: subflow `FW00000000000000000000000000000f00` not found"),
        "{text}"
    );
}

#[tokio::test]
async fn a_redelivery_with_the_same_idempotency_token_runs_nothing_again() {
    let line = line(FLOW).await;
    let sid = call_sid(7009);
    line.at_menu(&sid).await;
    line.twiml(
        &cb("menu", "gather"),
        &voice_params(&sid, "in-progress", &[("Digits", "1")]),
    )
    .await;
    let answer = voice_params(&sid, "in-progress", &[("Digits", "123456")]);
    let mut said = Vec::new();
    for _ in 0..2 {
        let mut req = signed_post(&cb("ask_order", "gather"), &answer);
        req.headers_mut().insert(
            "i-twilio-idempotency-token",
            "lookup-1".parse().expect("header"),
        );
        let response = store_call_state::FUNCTION
            .call(&line.stack.services, req)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        said.push(body_text(&response));
    }
    // Both deliveries hear the same answer; the order API was called once.
    assert_eq!(said[0], said[1]);
    assert!(said[0].contains("has shipped"), "{}", said[0]);
    assert_eq!(
        line.standin.received().len(),
        1,
        "{:?}",
        line.standin.received()
    );
    let state = line.stack.state_of(&sid).await;
    let lookups = state["studio"]["log"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["widget"] == "lookup")
        .count();
    assert_eq!(lookups, 1);
}

#[tokio::test]
async fn with_public_targets_only_a_lookup_on_loopback_is_refused_by_address_and_by_name() {
    let standin = StandIn::start().await;
    let port = standin.base.rsplit(':').next().expect("port").to_owned();
    for (target, reason) in [
        (standin.base.clone(), "127.0.0.1 is not a public address"),
        (
            format!("http://localhost:{port}"),
            "localhost has no public address",
        ),
    ] {
        let rewrite = format!("https://api.acme.test={target}");
        let stack = Stack::with_vars(&[
            ("CALLFLOW_FLOW", FLOW),
            ("CALLFLOW_HTTP_REWRITE", &rewrite),
            ("CALLFLOW_HTTP_PUBLIC_ONLY", "1"),
        ])
        .await;
        let line = Line {
            stack,
            standin: StandIn::start().await,
        };
        let sid = call_sid(7010);
        line.at_menu(&sid).await;
        let params = |extra: &[(&str, &str)]| voice_params(&sid, "in-progress", extra);
        line.twiml(&cb("menu", "gather"), &params(&[("Digits", "1")]))
            .await;
        let sorry = line
            .twiml(&cb("ask_order", "gather"), &params(&[("Digits", "123456")]))
            .await;
        assert!(
            sorry.contains("We could not find that order."),
            "{target}: {sorry}"
        );
        let state = line.stack.state_of(&sid).await;
        let log = state["studio"]["log"].as_array().expect("log").clone();
        let lookup = log
            .iter()
            .find(|e| e["widget"] == "lookup")
            .expect("logged");
        assert_eq!(lookup["event"], "failed");
        let error = lookup["error"].as_str().unwrap_or_default();
        assert!(error.contains(reason), "{target}: {lookup}");
    }
    assert!(standin.received().is_empty(), "{:?}", standin.received());
}
