//! Signed but hostile request sequences: huge idempotency tokens, hundreds of long
//! speech results, a huge query with a wrong signature. The state stays writable and
//! the log stays short.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::support::*;

#[test]
fn replays_with_huge_idempotency_tokens_do_not_fill_the_call_state() {
    let server = serve(&[]);
    let call_sid = "CA00000000000000000000000000000001";
    let params = voice_params(&server, call_sid);
    let (status, _) = post_signed(&server, "/store-call-state", &params, "first");
    assert_eq!(status, 200);
    // Seven deliveries of one signed gather, each with its own 4 KiB token: before the
    // bound, these pushed the document to Sync's 16 KiB and every later gather got 413.
    let mut gather = params.clone();
    gather.push(("Digits", "9"));
    for n in 0..7 {
        let token = format!("{n}{}", "x".repeat(4095));
        let (status, body) =
            post_signed(&server, "/store-call-state?stage=welcome", &gather, &token);
        assert_eq!(status, 200, "replay {n}: {body}");
    }
    let (state, size) = state_of(&server, call_sid);
    assert!(size < 4096, "{size} bytes: {state}");
    let tokens = state["appliedTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        tokens
            .iter()
            .all(|t| t.as_str().is_some_and(|t| t.len() <= 64)),
        "{tokens:?}"
    );
    // A normal gather still goes through.
    let mut normal = params.clone();
    normal.push(("Digits", "2"));
    let (status, body) = post_signed(
        &server,
        "/store-call-state?stage=welcome",
        &normal,
        "normal-token",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Response>"), "{body}");
}

#[test]
fn hundreds_of_long_speech_results_keep_the_call_state_writable() {
    let server = serve(&[]);
    let call_sid = "CA00000000000000000000000000000002";
    let params = voice_params(&server, call_sid);
    assert_eq!(
        post_signed(&server, "/store-call-state", &params, "start").0,
        200
    );
    let mut to_technical = params.clone();
    to_technical.push(("Digits", "2"));
    let (status, body) = post_signed(
        &server,
        "/store-call-state?stage=welcome",
        &to_technical,
        "to-technical",
    );
    assert_eq!(status, 200, "{body}");
    let speech = "my internet keeps dropping out every few minutes ".repeat(40);
    for n in 0..200 {
        let mut gather = params.clone();
        gather.push(("SpeechResult", speech.as_str()));
        gather.push(("Confidence", "0.9"));
        let token = format!("speech-{n}");
        // Answers for a stage the call may have left are kept as stale, never refused.
        let (status, body) = post_signed(
            &server,
            "/store-call-state?stage=technical",
            &gather,
            &token,
        );
        assert_eq!(status, 200, "gather {n}: {body}");
    }
    let (state, size) = state_of(&server, call_sid);
    assert!(size <= 12 * 1024, "{size} bytes");
    let dropped = state["droppedSelections"]
        .as_u64()
        .expect("dropped counted");
    let kept = state["selections"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(
        dropped + kept,
        201,
        "every input is kept or counted: {state}"
    );
    let mut normal = params.clone();
    normal.push(("Digits", "1"));
    let (status, body) = post_signed(&server, "/store-call-state?stage=welcome", &normal, "last");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_wrong_signature_with_a_huge_query_logs_a_few_hundred_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data", ":memory:"])
        .current_dir(dir.path())
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("PUBLIC_BASE_URL")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("READY ").map(str::to_owned))
        .expect("READY");
    let query = "q=".to_owned() + &"A".repeat(60_000);
    let status = reqwest::blocking::Client::new()
        .post(format!("{base}/store-call-state?{query}"))
        .header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("CallSid=CA00000000000000000000000000000003")
        .send()
        .expect("request")
        .status();
    assert_eq!(status.as_u16(), 403);
    let _ = child.kill();
    let _ = child.wait();
    let mut logged = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logged)
        .expect("read");
    let line = logged
        .lines()
        .find(|line| line.contains("X-Twilio-Signature does not match"))
        .unwrap_or_else(|| panic!("the refusal is logged: {logged}"));
    assert!(
        line.len() < 600,
        "{} bytes logged: {}",
        line.len(),
        &line[..300]
    );
    assert!(logged.len() < 4096, "{} bytes logged in all", logged.len());
}
