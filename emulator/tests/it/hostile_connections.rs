//! `sync-emulator` under idle and hostile connections, as a real process with a 1,024
//! open-file soft limit (see the `callflow-siege` crate, `httpd/siege/`).

use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use callflow_siege::{Server, BODY_TIMEOUT, CAPPED_HEADER_TIMEOUT, HEADER_TIMEOUT};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "siege-token";

fn emulator(soft: u64, hard: Option<u64>, header_timeout: Duration) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sync-emulator"));
    cmd.args([
        "--port",
        "0",
        "--data",
        ":memory:",
        "--account-sid",
        ACCOUNT,
    ])
    .args(["--auth-token", TOKEN])
    .args([
        "--header-timeout",
        &header_timeout.as_secs_f64().to_string(),
    ])
    .args(["--body-timeout", &BODY_TIMEOUT.as_secs_f64().to_string()]);
    Server::start(cmd, soft, hard)
}

fn auth() -> String {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    format!("Authorization: Basic {basic}\r\n")
}

fn probe() -> Vec<u8> {
    format!(
        "GET /v1/Services/default HTTP/1.1\r\nHost: localhost\r\n{}Connection: close\r\n\r\n",
        auth()
    )
    .into_bytes()
}

#[test]
fn rest_requests_are_answered_through_idle_and_hostile_connections() {
    callflow_siege::raise_own_limit();
    let server = emulator(1_024, None, HEADER_TIMEOUT);
    let auth = auth();
    callflow_siege::rounds(
        &server,
        "sync-emulator",
        &probe(),
        ("/v1/Services/default/Documents", &auth),
    );
}

#[test]
fn out_of_descriptors_it_backs_off_and_keeps_serving() {
    callflow_siege::raise_own_limit();
    let server = emulator(1_024, Some(1_024), CAPPED_HEADER_TIMEOUT);
    callflow_siege::out_of_descriptors(&server, "sync-emulator", &probe());
}

#[test]
fn oversized_bodies_are_refused_before_they_are_read() {
    let server = emulator(1_024, None, HEADER_TIMEOUT);
    callflow_siege::oversized_bodies_refused(
        &server,
        "/v1/Services/default/Documents",
        &auth(),
        64 * 1024,
    );
}

/// The measured attack: 1,100 WebSocket upgrades that never send `init`. With the soft
/// limit raised, REST is answered fast while they are open, and the server closes each
/// of them once the header timeout has passed (the realtime socket's init timeout).
#[test]
fn idle_websocket_upgrades_are_closed_after_the_header_timeout() {
    callflow_siege::raise_own_limit();
    let server = emulator(1_024, None, CAPPED_HEADER_TIMEOUT);
    callflow_siege::idle_websockets(
        &server,
        "sync-emulator",
        "/v3/wsconnect",
        &probe(),
        CAPPED_HEADER_TIMEOUT,
    );
}

/// Hard-capped at 1,024 descriptors, 1,100 idle upgrades take them all; once their init
/// timeout ends them, REST is served again.
#[test]
fn idle_websocket_upgrades_cannot_hold_every_descriptor() {
    callflow_siege::raise_own_limit();
    let server = emulator(1_024, Some(1_024), CAPPED_HEADER_TIMEOUT);
    callflow_siege::idle_websockets_out_of_descriptors(
        &server,
        "sync-emulator",
        "/v3/wsconnect",
        &probe(),
    );
}

/// The header timeout applies to `init`, not to an initialised session: once a twilsock
/// client has sent its token, a quiet socket outlives the header timeout and still
/// answers.
#[tokio::test]
async fn an_initialised_quiet_websocket_outlives_the_header_timeout() {
    use futures_util::{SinkExt as _, StreamExt as _};
    use sync_emulator::realtime::frame::Frame;
    use tokio_tungstenite::tungstenite::Message;

    const KEY_SID: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const KEY_SECRET: &str = "siege-key-secret";
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sync-emulator"));
    cmd.args([
        "--port",
        "0",
        "--data",
        ":memory:",
        "--account-sid",
        ACCOUNT,
    ])
    .args(["--auth-token", TOKEN])
    .args(["--api-key", &format!("{KEY_SID}:{KEY_SECRET}")])
    .args([
        "--header-timeout",
        &HEADER_TIMEOUT.as_secs_f64().to_string(),
    ]);
    let server = Server::start(cmd, 1_024, None);
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 600;
    let claims = serde_json::json!({
        "jti": format!("{KEY_SID}-1"), "iss": KEY_SID, "sub": ACCOUNT, "exp": exp,
        "grants": {"identity": "quiet", "data_sync": {"service_sid": "default"}},
    });
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(KEY_SECRET.as_bytes()).expect("key"),
    )
    .expect("token");

    let url = format!("ws://{}/v3/wsconnect", server.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket upgrade");
    let init = serde_json::json!({"method": "init", "id": "TMinit", "token": token});
    let init = Frame {
        header: init.as_object().cloned().expect("object"),
        payload: Vec::new(),
    };
    ws.send(Message::Binary(init.encode().into()))
        .await
        .expect("init sent");
    let reply = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("init answered")
        .expect("socket open")
        .expect("frame");
    let reply = Frame::parse(&reply.into_data()).expect("reply frame");
    assert_eq!(reply.header["status"]["code"], 200, "{:?}", reply.header);

    tokio::time::sleep(3 * HEADER_TIMEOUT).await;
    ws.send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .expect("ping sent on the quiet socket");
    let pong = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Pong(p)) => return Some(p),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("an answer within 5 s");
    assert_eq!(
        pong.as_deref(),
        Some(&b"still there?"[..]),
        "the initialised socket was closed after {:?} of quiet",
        3 * HEADER_TIMEOUT
    );
}
