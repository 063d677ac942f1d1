//! Cost of running a Studio flow in the webhook, without Sync: the engine's CPU per
//! webhook and per widget step on a 30-widget flow, and the size of the call's document
//! after a flow made 10 HTTP lookups (each answered with ~2 KB of JSON by a loopback
//! stand-in), which must stay under Sync's 16 KiB.
//!
//! `cargo bench -p callflow --bench studio`. Figures are medians of 15 timed batches, as
//! in the webhook bench. Sync requests per webhook (1 on a warm instance) are counted by
//! the e2e tests (`tests/tests/it/studio.rs`) against the emulator.

use std::hint::black_box;
use std::time::Instant;

use callflow::call_state::CallState;
use callflow::studio::{Arrival, Engine, Execution, FlowHttp, StudioFlow};
use callflow::timestamp::Timestamp;
use callflow::webhook::{CallStatus, Form};
use serde_json::{json, Value};
use support::measure;

mod support;

/// A 30-widget flow: trigger, a greeting, a menu, then a chain of 13 splits each followed
/// by a set-variables (26 widgets that make no TwiML), and a closing say.
fn thirty_widgets() -> String {
    let mut states = vec![
        json!({"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "greet"}], "properties": {}}),
        json!({"name": "greet", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "menu"}],
               "properties": {"say": "Welcome to {{flow.channel.address}}.", "voice": "Polly.Joanna", "language": "en-US"}}),
        json!({"name": "menu", "type": "gather-input-on-call", "transitions": [{"event": "keypress", "next": "split_0"}, {"event": "timeout", "next": "menu"}],
               "properties": {"say": "Press a key.", "number_of_digits": 1, "stop_gather": true}}),
    ];
    for i in 0..13 {
        let next_split = if i == 12 {
            "done".to_owned()
        } else {
            format!("split_{}", i + 1)
        };
        states.push(json!({"name": format!("split_{i}"), "type": "split-based-on",
            "properties": {"input": "{{widgets.menu.Digits}}"},
            "transitions": [
                {"event": "noMatch", "next": format!("set_{i}")},
                {"event": "match", "next": format!("set_{i}"), "conditions": [{"friendly_name": "is 9", "arguments": ["{{widgets.menu.Digits}}"], "type": "equal_to", "value": "9"}]}
            ]}));
        states.push(json!({"name": format!("set_{i}"), "type": "set-variables",
            "properties": {"variables": [{"key": "count", "value": "{% if flow.variables.count %}{{flow.variables.count | plus: 1}}{% else %}1{% endif %}"}]},
            "transitions": [{"event": "next", "next": next_split}]}));
    }
    states.push(json!({"name": "done", "type": "say-play", "transitions": [{"event": "audioComplete"}],
        "properties": {"say": "You passed {{flow.variables.count}} steps, caller {{trigger.call.From}}."}}));
    assert_eq!(states.len(), 30);
    json!({"description": "bench", "states": states, "initial_state": "Trigger"}).to_string()
}

/// A flow making 10 HTTP lookups in a row, each reading something of the last answer.
fn ten_lookups(base: &str) -> String {
    let mut states = vec![
        json!({"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingCall", "next": "lookup_0"}], "properties": {}}),
    ];
    for i in 0..10 {
        let next = if i == 9 {
            "speak".to_owned()
        } else {
            format!("lookup_{}", i + 1)
        };
        states.push(json!({"name": format!("lookup_{i}"), "type": "make-http-request",
            "properties": {"method": "GET", "url": format!("{base}/customer/{i}"), "content_type": "application/json"},
            "transitions": [{"event": "success", "next": next}, {"event": "failed", "next": next}]}));
    }
    let said: Vec<String> = (0..10)
        .map(|i| format!("{{{{widgets.lookup_{i}.parsed.name}}}}"))
        .collect();
    states.push(
        json!({"name": "speak", "type": "say-play", "transitions": [{"event": "audioComplete"}],
        "properties": {"say": said.join(", ")}}),
    );
    json!({"description": "lookups", "states": states, "initial_state": "Trigger"}).to_string()
}

fn call_form(extra: &[(&str, &str)]) -> Form {
    let mut form: Form = [
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", "CAfedcba9876543210fedcba9876543210"),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("From", "+14155551212"),
        ("To", "+15005550006"),
        ("CallerCity", "SAN FRANCISCO"),
        ("CallerState", "CA"),
    ]
    .into_iter()
    .collect();
    for (k, v) in extra {
        form.push(*k, *v);
    }
    form
}

/// A stand-in answering every request with ~2 KB of JSON, on a loopback port.
async fn stand_in() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let body =
        json!({"name": "Ada Lovelace", "tier": "gold", "notes": "n".repeat(2_000)}).to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(answer.as_bytes()).await;
            });
        }
    });
    base
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = FlowHttp::new(Vec::new()).expect("client");
    let flow = StudioFlow::compile(&thirty_widgets()).expect("bench flow compiles");
    assert!(flow.errors().is_empty(), "{:?}", flow.problems);
    let now = Timestamp::now();
    let engine = Engine {
        flow: &flow,
        http: &http,
        action: "store-call-state",
        now,
    };
    let first = call_form(&[]);
    let answer = call_form(&[("Digits", "3")]);
    let empty = Form::new();
    // The state after the greeting's callback: waiting at the menu.
    let at_menu = runtime.block_on(async {
        let started = engine
            .run(engine.start(&first), Arrival::Call { form: &first })
            .await;
        let greeted = engine
            .run(
                started.execution,
                Arrival::Callback {
                    widget: Some("greet"),
                    event: Some("audioComplete"),
                    form: &answer,
                    query: &empty,
                },
            )
            .await;
        greeted.execution
    });
    assert_eq!(at_menu.waiting.as_deref(), Some("menu"));
    let through = runtime.block_on(engine.run(
        at_menu.clone(),
        Arrival::Callback {
            widget: Some("menu"),
            event: Some("gather"),
            form: &answer,
            query: &empty,
        },
    ));
    assert_eq!(through.execution.waiting.as_deref(), Some("done"));
    assert_eq!(through.execution.variables["count"], json!(13));
    println!(
        "30-widget flow: a menu answer runs {} widgets in one webhook (26 split/set-variables, then a say)",
        through.execution.steps - at_menu.steps
    );
    measure("first webhook: trigger -> say (start + run)", || {
        let turn =
            runtime.block_on(engine.run(engine.start(&first), Arrival::Call { form: &first }));
        black_box(turn.twiml.to_xml());
    });
    let per_webhook = measure("menu answer: 27 widget steps -> say (run + TwiML)", || {
        let turn = runtime.block_on(engine.run(
            at_menu.clone(),
            Arrival::Callback {
                widget: Some("menu"),
                event: Some("gather"),
                form: &answer,
                query: &empty,
            },
        ));
        black_box(turn.twiml.to_xml());
    });
    println!(
        "{:<58} {:>10.0} ns/step",
        "  = per widget step",
        per_webhook / 27.0
    );
    let state = serde_json::to_vec(&through.execution).expect("json");
    measure("execution to JSON (what the Sync write sends)", || {
        black_box(serde_json::to_vec(black_box(&through.execution)).ok());
    });
    println!(
        "execution document part after the menu answer: {} bytes",
        state.len()
    );

    // Ten lookups.
    let base = runtime.block_on(stand_in());
    let lookups = StudioFlow::compile(&ten_lookups(&base)).expect("lookup flow compiles");
    let engine = Engine {
        flow: &lookups,
        http: &http,
        action: "store-call-state",
        now,
    };
    let started = Instant::now();
    let turn = runtime.block_on(engine.run(engine.start(&first), Arrival::Call { form: &first }));
    let took = started.elapsed();
    let said = turn.twiml.to_xml();
    assert!(said.contains("Ada Lovelace, Ada Lovelace"), "{said}");
    let mut state = CallState::for_studio(
        "CAfedcba9876543210fedcba9876543210",
        "+14155551212",
        "+15005550006",
        CallStatus::InProgress,
        now,
    );
    state.studio = Some(turn.execution.clone());
    state.stage = "speak".to_owned();
    let bytes = serde_json::to_vec(&state).expect("json").len();
    let parsed_kept: usize = turn
        .execution
        .widgets
        .values()
        .map(|w| serde_json::to_vec(w).map_or(0, |v| v.len()))
        .sum();
    println!(
        "10 HTTP lookups of ~2 KB JSON each, one webhook, loopback: {took:.1?}; call document {bytes} bytes \
         (Sync's limit 16,384; widget outputs kept {parsed_kept} bytes; cut notes: {})",
        turn.execution.cut.len()
    );
    let _: Value =
        serde_json::from_slice(&serde_json::to_vec(&state).expect("json")).expect("round trip");
    assert!(bytes < 16 * 1024);
    let _ = Execution::default();
}
