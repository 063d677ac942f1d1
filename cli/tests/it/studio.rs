//! Studio flows from the command line: `callflow flow check` and `flow graph` on a Studio
//! export, `callflow serve --flow` refusing a flow that cannot run, and `callflow call
//! --watch` walking a Studio flow whose HTTP widget calls a stand-in on loopback through
//! `--http-rewrite`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

use super::support::*;

const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");

/// A flow with a problem of every kind `check` reports, each on a line of its own.
const BROKEN: &str = r#"{
  "description": "broken",
  "states": [
    {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
     "transitions": [{"event": "incomingCall", "next": "hello"}, {"event": "incomingMessage", "next": "texted"}]},
    {"name": "hello", "type": "say-play", "transitions": [{"event": "audioComplete", "next": "pick"}],
     "properties": {"say": "Hi {{ flow.variables.name | }}"}},
    {"name": "pick", "type": "split-based-on", "properties": {"input": "{{trigger.call.From}}"},
     "transitions": [{"event": "noMatch", "next": "nowhere"},
                     {"event": "match", "next": "hello", "conditions": [{"friendly_name": "x", "arguments": [], "type": "sounds_like", "value": "1"}]}]},
    {"name": "texted", "type": "send-and-wait-for-reply", "properties": {"body": "hi"}, "transitions": []},
    {"name": "ask", "type": "gather-input-on-call", "properties": {"timeout": "soon"}, "transitions": []}
  ],
  "initial_state": "Trigger"
}
"#;

#[test]
fn flow_check_passes_a_runnable_export_and_lists_every_problem_of_a_broken_one() {
    let ok = Command::new(BIN)
        .args(["flow", "check", FLOW])
        .output()
        .expect("runs");
    let out = text(&ok);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(
        out.contains("ok: Studio flow with 20 widgets; 18 reachable from incomingCall"),
        "{out}"
    );
    // `sms_reply` (a send-message behind incomingMessage) runs now: nothing to say about it.
    assert!(!out.contains("widget `sms_reply`"), "{out}");

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, BROKEN).expect("write");
    let bad = Command::new(BIN)
        .args(["flow", "check"])
        .arg(&path)
        .output()
        .expect("runs");
    let out = text(&bad);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    let file = path.display().to_string();
    for expected in [
        format!("{file}:7:21: widget `hello`: `say` is not valid Liquid"),
        format!("{file}:8:6: widget `pick`: condition `x`: unknown split operator"),
        format!(
            "{file}:9:43: widget `pick`: `next` names `nowhere`, which is not a state of this flow"
        ),
        format!("{file}:12:68: widget `ask`: `timeout` must be a whole number"),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&expected)),
            "missing {expected:?} in\n{out}"
        );
    }
    assert!(out.contains("widget `texted`"), "{out}");
    assert!(out.contains("[not used by voice]"), "{out}");
    assert!(
        out.contains("[warning (no voice call reaches it)]"),
        "{out}"
    );
    assert!(out.contains("cannot run every voice call"), "{out}");

    // serve refuses it at start, naming the same problems.
    let path_text = path.display().to_string();
    let (output, _dir) = serve_fails(&["--flow", &path_text]);
    let error = the_error(&output);
    assert!(error.contains("`say` is not valid Liquid"), "{error}");
    assert!(
        error.contains("which is not a state of this flow"),
        "{error}"
    );
}

#[test]
fn flow_graph_draws_a_studio_flow_at_its_canvas_positions() {
    let svg = Command::new(BIN)
        .args(["flow", "graph", FLOW])
        .output()
        .expect("runs");
    assert!(svg.status.success(), "{}", text(&svg));
    let svg = String::from_utf8_lossy(&svg.stdout);
    // `greet` sits at canvas (0, 200) and the leftmost widget at x = -800, the topmost at
    // y = 0: with a 40 px margin its box is at (840, 240).
    assert!(
        svg.contains(r#"data-stage="greet" id="stage-greet"><rect x="840" y="240""#),
        "{svg}"
    );
    assert!(
        svg.contains("data-from=\"menu\" data-to=\"route\""),
        "{svg}"
    );
    let dot = Command::new(BIN)
        .args(["flow", "graph", "--format", "dot", FLOW])
        .output()
        .expect("runs");
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(
        dot.contains("\"greet\" [label=\"greet\\nsay\", pos=\"0,-200!\"];"),
        "{dot}"
    );
    let mermaid = Command::new(BIN)
        .args(["flow", "graph", "--format", "mermaid", FLOW])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&mermaid.stdout).starts_with("flowchart"));
}

/// A one-thread HTTP stand-in for the flow's order API: answers each request with the
/// order as JSON and reports the request lines it saw.
fn order_api() -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (seen, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = seen.send(request_line.trim().to_owned());
            let json = r#"{"order": {"status": "shipped", "items": ["kettle", "mug"]}}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                json.len()
            );
            let _ = reader.get_mut().write_all(answer.as_bytes());
        }
    });
    (base, lines)
}

#[test]
fn callflow_call_walks_a_studio_flow_and_watch_shows_every_widget_with_http_timings() {
    let (api, requests) = order_api();
    let rewrite = format!("https://api.acme.test={api}");
    let server = serve(&["--flow", FLOW, "--http-rewrite", &rewrite]);
    let (out, state) = call_through(&server, &["--watch", "--digits", "1", "--digits", "123456"]);
    assert!(
        out.contains("Order 1, 2, 3, 4, 5, 6 has shipped with 2 items."),
        "{out}"
    );
    assert!(
        out.contains("widget route -> match: If value equal_to 1"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l
            .trim_start()
            .starts_with("widget lookup -> success  (HTTP 200, ")),
        "{out}"
    );
    assert!(out.contains("widget bye -> audioComplete"), "{out}");
    assert_eq!(
        state["studio"]["ended"]["reason"],
        "flow ended at `bye` (audioComplete)"
    );
    let line = requests
        .try_recv()
        .expect("the lookup reached the stand-in");
    assert_eq!(
        line,
        "GET /orders?order=123456&caller=%2B15005550006 HTTP/1.1"
    );
}

/// Serves `flow` (a Studio flow as JSON) with fixed credentials on a free port.
fn serve_flow(flow: &serde_json::Value, name: &str, extra: &[&str]) -> (Server, tempfile::TempDir) {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port()
        .to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, flow.to_string()).expect("write flow");
    let mut args = vec![
        "--account-sid",
        REST_ACCOUNT,
        "--auth-token",
        REST_TOKEN,
        "--flow",
        path.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let server = serve_at(&port, &args);
    (server, dir)
}

const REST_ACCOUNT: &str = "AC6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b";
const REST_TOKEN: &str = "rest-widgets-token";

/// GETs `{serve}/2010-04-01/Accounts/{AC}/{rest}` with the account's credentials.
fn api_get(server: &Server, rest: &str) -> serde_json::Value {
    let url = format!(
        "{}/2010-04-01/Accounts/{REST_ACCOUNT}/{rest}",
        server.base_url
    );
    let response = reqwest::blocking::Client::new()
        .get(&url)
        .basic_auth(REST_ACCOUNT, Some(REST_TOKEN))
        .send()
        .expect("the 2010-04-01 API answers");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().expect("JSON")
}

/// A real `send-message` widget texts the caller through `serve`'s own Messages API
/// (`TWILIO_API_URL` defaults to it): the message is in the emulator's list with the
/// rendered body, from the number called to the caller, and the widget's outputs
/// (`outbound.Sid`, `outbound.Status`) reach the next widget. An invalid `to` is refused
/// by the API (21211) and the flow takes `failed`, the call going on.
#[test]
fn send_message_texts_the_caller_through_twilio_api_url() {
    let flow = serde_json::json!({
        "description": "texts the caller",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingCall", "next": "text"}]},
            {"name": "text", "type": "send-message",
             "properties": {"body": "You called {{flow.channel.address}} from {{contact.channel.address}}",
                            "service": "{{trigger.message.InstanceSid}}",
                            "channel": "{{trigger.message.ChannelSid}}"},
             "transitions": [{"event": "sent", "next": "sent"}, {"event": "failed", "next": "unsent"}]},
            {"name": "sent", "type": "say-play",
             "properties": {"say": "Texted {{widgets.text.outbound.Sid}} {{widgets.text.outbound.Status}}."},
             "transitions": [{"event": "audioComplete", "next": "bad"}]},
            {"name": "unsent", "type": "say-play", "properties": {"say": "No text."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "bad", "type": "send-message",
             "properties": {"body": "never sent", "to": "not-a-number"},
             "transitions": [{"event": "sent", "next": "wrong"}, {"event": "failed", "next": "refused"}]},
            {"name": "wrong", "type": "say-play", "properties": {"say": "Sent to nobody."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "refused", "type": "say-play",
             "properties": {"say": "Refused with {{widgets.bad.outbound.ErrorCode}}."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let (server, _dir) = serve_flow(&flow, "texts.json", &[]);
    let (stdout, _) = call_through(&server, &[]);
    assert!(stdout.contains("Refused with 21211."), "{stdout}");
    assert!(!stdout.contains("Sent to nobody"), "{stdout}");
    let list = api_get(&server, "Messages.json");
    let messages = list["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1, "{list}");
    let message = &messages[0];
    let (from, to) = (
        message["from"].as_str().expect("from"),
        message["to"].as_str().expect("to"),
    );
    assert_eq!(
        message["body"],
        format!("You called {from} from {to}"),
        "{message}"
    );
    assert!(
        stdout.contains(&format!(
            "message {from} -> {to}: \"You called {from} from {to}\""
        )),
        "{stdout}"
    );
    let sid = message["sid"].as_str().expect("sid");
    assert!(sid.starts_with("SM"), "{sid}");
    assert!(
        stdout.contains(&format!("Texted {sid} queued.")),
        "{stdout}"
    );
}

/// With `--twilio-api-url` at a port nothing listens on, `send-message` takes `failed`
/// and the call goes on (the caller never hears Twilio's application error), and
/// nothing lands in serve's own Messages list.
#[test]
fn send_message_takes_failed_when_the_api_does_not_answer() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr");
    // The listener is dropped here: connections to it are refused.
    let api = format!("http://{closed}");
    let flow = serde_json::json!({
        "description": "texts the caller",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingCall", "next": "text"}]},
            {"name": "text", "type": "send-message", "properties": {"body": "hello"},
             "transitions": [{"event": "sent", "next": "sent"}, {"event": "failed", "next": "unsent"}]},
            {"name": "sent", "type": "say-play", "properties": {"say": "Texted."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "unsent", "type": "say-play", "properties": {"say": "No text today."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let (server, _dir) = serve_flow(&flow, "unreachable.json", &["--twilio-api-url", &api]);
    let (stdout, _) = call_through(&server, &[]);
    assert!(stdout.contains("No text today."), "{stdout}");
    assert!(!stdout.contains("Texted."), "{stdout}");
    let list = api_get(&server, "Messages.json");
    assert_eq!(list["messages"].as_array().map(Vec::len), Some(0), "{list}");
}

/// A `record-call` widget starts a recording of the call through `serve`'s own
/// Recordings API and a second one stops it (`Twilio.CURRENT`, `Status=stopped`): the
/// call's one recording is stopped afterwards, and the widgets' outputs (`Sid`, `Status`)
/// reach the next widgets.
#[test]
fn record_call_starts_then_stops_a_recording() {
    let flow = serde_json::json!({
        "description": "records the call",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingCall", "next": "start"}]},
            {"name": "start", "type": "record-call",
             "properties": {"record_call": true, "recording_channels": "dual", "trim": "do-not-trim",
                            "recording_status_callback_events": "in-progress completed"},
             "transitions": [{"event": "success", "next": "talk"}, {"event": "failed", "next": "broken"}]},
            {"name": "talk", "type": "say-play",
             "properties": {"say": "Recording {{widgets.start.Sid}} is {{widgets.start.Status}}."},
             "transitions": [{"event": "audioComplete", "next": "stop"}]},
            {"name": "stop", "type": "record-call", "properties": {"record_call": false},
             "transitions": [{"event": "success", "next": "done"}, {"event": "failed", "next": "broken"}]},
            {"name": "done", "type": "say-play",
             "properties": {"say": "Recording {{widgets.stop.Sid}} is {{widgets.stop.Status}}."},
             "transitions": [{"event": "audioComplete", "next": "again"}]},
            {"name": "again", "type": "record-call", "properties": {"record_call": "false"},
             "transitions": [{"event": "success", "next": "broken"}, {"event": "failed", "next": "nothing"}]},
            {"name": "nothing", "type": "say-play", "properties": {"say": "Nothing left to stop."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "broken", "type": "say-play", "properties": {"say": "Recording failed."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let (server, _dir) = serve_flow(&flow, "records.json", &[]);
    let (stdout, _) = call_through(&server, &[]);
    assert!(!stdout.contains("Recording failed."), "{stdout}");
    let sid = stdout
        .split("Recording RE")
        .nth(1)
        .and_then(|rest| rest.get(..32))
        .map(|hex| format!("RE{hex}"))
        .unwrap_or_else(|| panic!("no recording SID said: {stdout}"));
    assert!(
        stdout.contains(&format!("Recording {sid} is in-progress.")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Recording {sid} is stopped.")),
        "{stdout}"
    );
    // Stopping again finds no recording in progress: Twilio's 404, the `failed` path.
    assert!(stdout.contains("Nothing left to stop."), "{stdout}");
    let recording = api_get(&server, &format!("Recordings/{sid}.json"));
    assert_eq!(recording["status"], "stopped", "{recording}");
    assert_eq!(recording["channels"], 2, "{recording}");
    let call_sid = recording["call_sid"].as_str().expect("call_sid");
    assert!(call_sid.starts_with("CA"), "{recording}");
    let list = api_get(&server, &format!("Calls/{call_sid}/Recordings.json"));
    assert_eq!(
        list["recordings"].as_array().map(Vec::len),
        Some(1),
        "{list}"
    );
}

/// A flow that texts the caller through the Messages API of `serve` itself (its local
/// 2010-04-01 API, reached by a `make-http-request` widget with the account in the URL):
/// `callflow call` shows the message the call created, kept and not sent.
#[test]
fn call_shows_the_messages_a_flow_created() {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let (account, token) = (format!("AC{}", "5a".repeat(16)), "messages-token");
    let url = format!(
        "http://{account}:{token}@127.0.0.1:{port}/2010-04-01/Accounts/{account}/Messages.json"
    );
    let flow = serde_json::json!({
        "description": "texts the caller",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingCall", "next": "text"}]},
            {"name": "text", "type": "make-http-request",
             "properties": {"method": "POST", "url": url,
                            "content_type": "application/x-www-form-urlencoded;charset=utf-8",
                            "parameters": [
                                {"key": "To", "value": "{{contact.channel.address}}"},
                                {"key": "From", "value": "{{flow.channel.address}}"},
                                {"key": "Body", "value": "Your order ships today"}]},
             "transitions": [{"event": "success", "next": "sent"}, {"event": "failed", "next": "failed"}]},
            {"name": "sent", "type": "say-play", "properties": {"say": "We texted you."},
             "transitions": [{"event": "audioComplete"}]},
            {"name": "failed", "type": "say-play", "properties": {"say": "No text."},
             "transitions": [{"event": "audioComplete"}]}
        ],
        "initial_state": "Trigger"
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("texts.json");
    std::fs::write(&path, flow.to_string()).expect("write flow");
    let port = port.to_string();
    let server = serve_at(
        &port,
        &[
            "--account-sid",
            &account,
            "--auth-token",
            token,
            "--flow",
            path.to_str().expect("utf-8 path"),
        ],
    );
    let (stdout, _) = call_through(&server, &[]);
    assert!(stdout.contains("We texted you."), "{stdout}");
    assert!(
        stdout.contains(
            "message +15005550001 -> +15005550006: \"Your order ships today\" (kept, not sent)"
        ),
        "{stdout}"
    );
    // A second call shows only its own message, not the first call's.
    let (again, _) = call_through(&server, &[]);
    assert_eq!(again.matches("message +15005550001").count(), 1, "{again}");
}
