//! `callflow serve` follows its flow file: an edit is served within a couple of seconds,
//! a broken edit is reported with its file:line:col and the running flow kept, and a call
//! waiting where the edit removed a stage or widget ends with a goodbye that its state
//! explains.

use std::time::{Duration, Instant};

use crate::support::{post_signed, serve_printing, state_of, voice_params, Printed, Server};

const ORDER_LINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");
const SUPPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/flows/support.toml");
const GOODBYE: &str = "We are sorry, this call cannot continue. Goodbye.";
const PATIENCE: Duration = Duration::from_secs(5);

/// A webhook of call `sid` at `path` (query included); the TwiML.
fn hook(server: &Server, path: &str, sid: &str, extra: &[(&str, &str)], token: &str) -> String {
    let mut params = voice_params(server, sid);
    params.extend_from_slice(extra);
    let (status, body) = post_signed(server, path, &params, token);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Writes `text` over the flow file and waits for serve to say `what` about it; returns
/// what it printed and how long that took.
fn edit(path: &std::path::Path, text: &str, printed: &Printed, what: &str) -> (String, Duration) {
    let from = printed.text().len();
    let started = Instant::now();
    std::fs::write(path, text).expect("write the flow");
    let said = printed.wait_for(from, what, PATIENCE);
    (said, started.elapsed())
}

#[test]
fn a_studio_flow_edited_under_serve_is_served_broken_edits_are_reported_and_removed_widgets_end_politely(
) {
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("order-line.json");
    let original = std::fs::read_to_string(ORDER_LINE).expect("order line");
    std::fs::write(&flow, &original).expect("copy");
    let name = flow.display().to_string();
    let (server, printed) = serve_printing(&["--flow", &name]);

    // A call waits at `greet` (its audioComplete callback has not come yet).
    let first = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000001",
        &[],
        "t1",
    );
    assert!(first.contains("Welcome to Acme."), "{first}");

    // A broken edit: `greet` leads to a widget that does not exist.
    let broken = original.replacen(r#""next": "menu""#, r#""next": "nowhere""#, 1);
    assert_ne!(broken, original);
    let (said, _) = edit(
        &flow,
        &broken,
        &printed,
        "still serving the previous version",
    );
    let line = broken
        .lines()
        .position(|l| l.contains("nowhere"))
        .expect("the edited line")
        + 1;
    assert!(
        said.contains(&format!("{name}:{line}:")) && said.contains("`nowhere`"),
        "the problem at its file:line:col: {said}"
    );
    let still = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000002",
        &[],
        "t2",
    );
    assert!(
        still.contains("Welcome to Acme."),
        "the old flow answers: {still}"
    );

    // A good edit: no more `greet`, calls start at the menu, which says something new.
    let mut edited: serde_json::Value = serde_json::from_str(&original).expect("JSON");
    let states = edited["states"].as_array_mut().expect("states");
    states.retain(|s| s["name"] != "greet");
    for state in states.iter_mut() {
        if state["type"] == "trigger" {
            for t in state["transitions"].as_array_mut().expect("transitions") {
                if t["event"] == "incomingCall" {
                    t["next"] = "menu".into();
                }
            }
        }
        if state["name"] == "menu" {
            state["properties"]["say"] = "Our new menu: press 1 for orders.".into();
        }
    }
    let widgets = states.len();
    let text = serde_json::to_string_pretty(&edited).expect("JSON");
    let (said, took) = edit(&flow, &text, &printed, "reloaded");
    assert!(
        said.contains(&format!("reloaded {name}: {widgets} widgets")),
        "{said}"
    );
    assert!(took < Duration::from_secs(2), "reloaded after {took:?}");
    let new_call = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000003",
        &[],
        "t3",
    );
    assert!(
        new_call.contains("Our new menu") && !new_call.contains("Welcome to Acme."),
        "{new_call}"
    );

    // The call that waited at `greet` ends politely, and its state and the log say why.
    let from = printed.text().len();
    let ended = hook(
        &server,
        "/store-call-state?widget=greet&FlowEvent=audioComplete",
        "CA00000000000000000000000000000001",
        &[],
        "t4",
    );
    assert!(
        ended.contains(GOODBYE) && ended.contains("<Hangup"),
        "{ended}"
    );
    let (state, _) = state_of(&server, "CA00000000000000000000000000000001");
    let reason = state["studio"]["ended"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("widget `greet` is no longer in the flow"),
        "{state}"
    );
    printed.wait_for(from, "widget `greet` is no longer in the flow", PATIENCE);
}

#[test]
fn a_toml_flow_edited_under_serve_is_served_broken_edits_are_reported_and_removed_stages_end_politely(
) {
    let dir = tempfile::tempdir().expect("dir");
    let flow = dir.path().join("support.toml");
    let original = std::fs::read_to_string(SUPPORT).expect("support flow");
    std::fs::write(&flow, &original).expect("copy");
    let name = flow.display().to_string();
    let (server, printed) = serve_printing(&["--flow", &name]);

    // A call presses 1 and waits at `billing` for an account number.
    let first = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000011",
        &[],
        "t1",
    );
    assert!(
        first.contains("Thanks for calling Acme support."),
        "{first}"
    );
    let billing = hook(
        &server,
        "/store-call-state?stage=welcome",
        "CA00000000000000000000000000000011",
        &[("Digits", "1")],
        "t2",
    );
    assert!(billing.contains("six digit account number"), "{billing}");

    // A broken edit: a route to a stage that does not exist.
    let broken = original.replacen(r#""2" = "technical""#, r#""2" = "nowhere""#, 1);
    assert_ne!(broken, original);
    let (said, _) = edit(
        &flow,
        &broken,
        &printed,
        "still serving the previous version",
    );
    let line = broken
        .lines()
        .position(|l| l.contains("nowhere"))
        .expect("the edited line")
        + 1;
    assert!(
        said.contains(&format!("{name}:{line}")) && said.contains("`nowhere`"),
        "the problem at its file:line: {said}"
    );
    let still = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000012",
        &[],
        "t3",
    );
    assert!(
        still.contains("Thanks for calling Acme support."),
        "{still}"
    );

    // A good edit: a new greeting, and no more billing stages (1 goes to an agent).
    let cut = original.find("[stages.billing]").expect("billing");
    let resume = original.find("[stages.technical]").expect("technical");
    let edited = format!("{}{}", &original[..cut], &original[resume..])
        .replacen(r#""1" = "billing""#, r#""1" = "agent""#, 1)
        .replacen(
            "Thanks for calling Acme support.",
            "Thanks for calling the new Acme.",
            1,
        );
    let stages = edited.matches("[stages.").count();
    let (said, took) = edit(&flow, &edited, &printed, "reloaded");
    assert!(
        said.contains(&format!("reloaded {name}: {stages} stages")),
        "{said}"
    );
    assert!(took < Duration::from_secs(2), "reloaded after {took:?}");
    let new_call = hook(
        &server,
        "/store-call-state",
        "CA00000000000000000000000000000013",
        &[],
        "t4",
    );
    assert!(
        new_call.contains("Thanks for calling the new Acme."),
        "{new_call}"
    );

    // The call waiting at `billing` ends politely, and its state and the log say why.
    let from = printed.text().len();
    let ended = hook(
        &server,
        "/store-call-state?stage=billing",
        "CA00000000000000000000000000000011",
        &[("Digits", "123456")],
        "t5",
    );
    assert!(
        ended.contains(GOODBYE) && ended.contains("<Hangup"),
        "{ended}"
    );
    let (state, _) = state_of(&server, "CA00000000000000000000000000000011");
    let reason = state["ended"].as_str().unwrap_or_default();
    assert!(
        reason.contains("stage `billing` is no longer in the flow"),
        "{state}"
    );
    assert_eq!(state["stage"], "billing", "{state}");
    printed.wait_for(from, "stage `billing` is no longer in the flow", PATIENCE);
}
