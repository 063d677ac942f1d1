//! `serve` in one process, `call` and `sign` in others: a call walks the flow, wrong
//! signatures are refused, `--watch` prints each step, dial and connect stages play.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::support::*;

#[test]
fn serve_then_call_walks_the_whole_flow() {
    let server = serve(&[]);
    let output = Command::new(BIN)
        .args([
            "call",
            "--to",
            &format!("{}/store-call-state", server.base_url),
            "--digits",
            "2,1",
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .env_remove("CALLFLOW_API_TOKEN")
        .output()
        .expect("callflow call runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("caller presses: 2"), "{stdout}");
    assert!(stdout.contains("caller presses: 1"), "{stdout}");
    assert!(stdout.contains("hangup"), "{stdout}");
    let state_json = stdout
        .split("final state:")
        .nth(1)
        .expect("final state printed");
    let state: serde_json::Value = serde_json::from_str(state_json.trim()).expect("state is JSON");
    assert_eq!(state["stage"], "outage");
    assert_eq!(state["status"], "completed");
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(2));
}

#[test]
fn calls_signed_with_the_wrong_token_are_refused() {
    let server = serve(&[]);
    let output = Command::new(BIN)
        .args([
            "call",
            "--to",
            &format!("{}/store-call-state", server.base_url),
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", "not-the-token")
        .output()
        .expect("callflow call runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("403"), "{stderr}");
}

#[test]
fn sign_prints_a_curl_command_the_server_accepts() {
    let server = serve(&[]);
    let url = format!("{}/store-call-state", server.base_url);
    // Only the URL: sign fills in what Twilio always sends (AccountSid, CallSid, From, …).
    let output = Command::new(BIN)
        .args(["sign", "--url", &url])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .output()
        .expect("callflow sign runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("filled in: AccountSid="), "{stderr}");
    let curl = stdout
        .lines()
        .find(|line| line.starts_with("curl "))
        .expect("a curl command is printed");
    let answer = sh(curl, std::env::temp_dir().as_path(), &[]);
    assert!(answer.status.success(), "{}", text(&answer));
    let answer = String::from_utf8_lossy(&answer.stdout);
    assert!(answer.contains("<Gather"), "{answer}");
}

#[test]
fn call_watch_prints_each_step_with_its_timing_and_stage() {
    let server = serve(&[]);
    let mut child = Command::new(BIN)
        .args([
            "call",
            "--watch",
            "--to",
            &format!("{}/store-call-state", server.base_url),
            "--digits",
            "9,2,1",
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .env_remove("CALLFLOW_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("callflow call --watch runs");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .map(|l| l.expect("line"))
        .collect();
    assert!(child.wait().expect("exits").success(), "{lines:#?}");

    // One header per request: ringing, three gathers answered, the status callback.
    let headers: Vec<&String> = lines.iter().filter(|l| l.starts_with('+')).collect();
    assert_eq!(headers.len(), 5, "{lines:#?}");
    let times: Vec<f64> = headers
        .iter()
        .map(|l| {
            l[1..]
                .split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .expect("ms since start")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert!(headers[1].contains("Digits=9"), "{}", headers[1]);
    assert!(
        headers[4].contains("CallStatus=completed"),
        "{}",
        headers[4]
    );
    // The stage Sync holds after each step: 9 is not an option (a retry), then 2, then 1.
    let stages: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("stage "))
        .collect();
    assert_eq!(stages.len(), 5, "{lines:#?}");
    assert!(stages[0].starts_with("welcome  retries 0  status ringing"));
    assert!(stages[1].starts_with("welcome  retries 1"), "{}", stages[1]);
    assert!(
        stages[2].starts_with("technical  retries 0"),
        "{}",
        stages[2]
    );
    assert!(stages[3].starts_with("outage "), "{}", stages[3]);
    assert!(stages[4].starts_with("outage  retries 0  status completed  selections 3"));
    assert!(lines.iter().any(|l| l.trim() == "caller presses: 9"));
}

#[test]
fn call_follows_a_dial_action_with_the_chosen_status_into_voicemail() {
    let server = serve(&[]);
    let (stdout, state) = call_through(
        &server,
        &[
            "--digits",
            "4",
            "--dial-status",
            "no-answer",
            "--recording-duration",
            "17",
            "--transcript",
            "Please call me back.",
        ],
    );
    assert!(stdout.contains("redirect: "), "{stdout}");
    assert!(
        stdout.contains("dial: +15005550010 -> no-answer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("record: caller leaves a 17 s message, ends with #"),
        "{stdout}"
    );
    assert!(
        stdout.contains("recording status callback: completed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("transcription callback: \"Please call me back.\""),
        "{stdout}"
    );
    // The event callbacks were answered as Twilio expects: TwiML for the action, 204 for
    // the asynchronous ones.
    assert!(stdout.contains("event=recording -> 204"), "{stdout}");
    assert!(stdout.contains("event=transcription -> 204"), "{stdout}");
    assert_eq!(state["stage"], "voicemail_thanks");
    assert_eq!(state["dial"]["status"], "no-answer");
    let recording = &state["recording"];
    assert_eq!(recording["duration"], 17);
    assert_eq!(recording["status"], "completed");
    assert_eq!(recording["transcript"], "Please call me back.");
    assert!(recording["url"]
        .as_str()
        .is_some_and(|u| u.contains(&format!("/Accounts/{}/Recordings/RE", server.account_sid))));
    assert_eq!(state["status"], "completed");
}

#[test]
fn call_answers_a_dial_as_completed_by_default_and_reports_a_connect() {
    let server = serve(&[]);
    let (stdout, state) = call_through(&server, &["--digits", "4"]);
    assert!(
        stdout.contains("dial: +15005550010 -> completed"),
        "{stdout}"
    );
    assert_eq!(state["stage"], "sales_done");
    assert_eq!(state["dial"]["duration"], 30);

    let (stdout, state) = call_through(&server, &["--digits", "5"]);
    assert!(
        stdout.contains(
            "connect: ConversationRelay url=wss://assistant.example.com/relay language=en-US \
             voice=en-US-Journey-O welcomeGreeting=Hi! I am the Acme assistant. How can I help? \
             parameters: line=support"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("session ends: completed"), "{stdout}");
    assert_eq!(state["stage"], "assistant_done");
    assert_eq!(state["connect"]["sessionStatus"], "completed");
    assert_eq!(state["connect"]["parameters"]["line"], "support");
}

/// `serve` prints one line per request: method, path (without the query, which may carry a
/// caller's digits), status and milliseconds.
#[test]
fn serve_logs_one_line_per_request() {
    let (server, printed) = serve_printing(&[]);
    let from = printed.text().len();
    let params = voice_params(&server, "CA00000000000000000000000000000log");
    let (status, _) = post_signed(&server, "/store-call-state?stage=welcome", &params, "log-1");
    assert_eq!(status, 200);
    let lines = printed.wait_for(
        from,
        "POST /store-call-state 200 ",
        std::time::Duration::from_secs(5),
    );
    let line = lines
        .lines()
        .find(|l| l.contains("POST /store-call-state 200 "))
        .expect("the request's line");
    assert!(line.trim_end().ends_with(" ms"), "{line}");
    assert!(
        !line.contains("stage=welcome"),
        "the query is not logged: {line}"
    );
}
