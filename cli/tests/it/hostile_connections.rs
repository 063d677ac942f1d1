//! `callflow serve` under idle and hostile connections, as a real process with a 1,024
//! open-file soft limit (see the `callflow-siege` crate, `httpd/siege/`): a signed Twilio webhook
//! must still be answered within a second.

use std::process::Command;
use std::time::Duration;

use callflow::webhook::signature::compute_signature;
use callflow::webhook::Form;
use callflow_siege::{Server, BODY_TIMEOUT, CAPPED_HEADER_TIMEOUT, HEADER_TIMEOUT};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "siege-token";

fn serve(
    dir: &tempfile::TempDir,
    soft: u64,
    hard: Option<u64>,
    header_timeout: Duration,
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callflow"));
    cmd.args(["serve", "--port", "0", "--data", ":memory:"])
        .args(["--account-sid", ACCOUNT, "--auth-token", TOKEN])
        .args([
            "--header-timeout",
            &header_timeout.as_secs_f64().to_string(),
        ])
        .args(["--body-timeout", &BODY_TIMEOUT.as_secs_f64().to_string()])
        .current_dir(dir.path())
        .env_remove("TWILIO_SYNC_URL")
        .env_remove("PUBLIC_BASE_URL")
        .env_remove("CALLFLOW_API_TOKEN");
    Server::start(cmd, soft, hard)
}

/// The first webhook of a call, signed as Twilio signs it, as raw HTTP/1.1.
fn signed_webhook(server: &Server) -> Vec<u8> {
    let form: Form = [
        ("AccountSid", ACCOUNT),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", "CA0000000000000000000000000000siege"),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
        ("From", "+15005550006"),
        ("To", "+15005550001"),
    ]
    .into_iter()
    .collect();
    let url = format!("http://{}/store-call-state", server.addr);
    let signature = compute_signature(TOKEN, &url, &form);
    let body = form.to_urlencoded();
    format!(
        "POST /store-call-state HTTP/1.1\r\nHost: {}\r\nX-Twilio-Signature: {signature}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        server.addr,
        body.len()
    )
    .into_bytes()
}

#[test]
fn signed_webhooks_are_answered_through_idle_and_hostile_connections() {
    callflow_siege::raise_own_limit();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(&dir, 1_024, None, HEADER_TIMEOUT);
    callflow_siege::rounds(
        &server,
        "callflow serve",
        &signed_webhook(&server),
        ("/store-call-state", ""),
    );
}

#[test]
fn out_of_descriptors_it_backs_off_and_keeps_serving() {
    callflow_siege::raise_own_limit();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(&dir, 1_024, Some(1_024), CAPPED_HEADER_TIMEOUT);
    callflow_siege::out_of_descriptors(&server, "callflow serve", &signed_webhook(&server));
}

#[test]
fn oversized_bodies_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(&dir, 1_024, None, HEADER_TIMEOUT);
    callflow_siege::oversized_bodies_refused(
        &server,
        "/store-call-state",
        "",
        callflow::http::MAX_BODY_BYTES,
    );
}

/// The measured attack: 1,100 WebSocket upgrades at the embedded emulator's realtime
/// socket that never send `init`. With the soft limit raised, signed webhooks are answered
/// fast while they are open, and serve closes each once its header timeout has passed.
#[test]
fn idle_websocket_upgrades_are_closed_after_the_header_timeout() {
    callflow_siege::raise_own_limit();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(&dir, 1_024, None, CAPPED_HEADER_TIMEOUT);
    callflow_siege::idle_websockets(
        &server,
        "callflow serve",
        sync_emulator::realtime::PATH,
        &signed_webhook(&server),
        CAPPED_HEADER_TIMEOUT,
    );
}

/// Hard-capped at 1,024 descriptors, 1,100 idle upgrades took them all and stopped serve
/// answering webhooks for as long as they stayed; now their init timeout ends them and
/// webhooks are answered again.
#[test]
fn idle_websocket_upgrades_cannot_hold_every_descriptor() {
    callflow_siege::raise_own_limit();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(&dir, 1_024, Some(1_024), CAPPED_HEADER_TIMEOUT);
    callflow_siege::idle_websockets_out_of_descriptors(
        &server,
        "callflow serve",
        sync_emulator::realtime::PATH,
        &signed_webhook(&server),
    );
}
