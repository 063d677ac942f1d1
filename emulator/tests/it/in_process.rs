//! The router driven in-process with `tower::ServiceExt::oneshot`, no socket.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use sync_emulator::{app, Emulator, EmulatorConfig};
use tower::ServiceExt;

fn auth() -> String {
    let pair = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:secret";
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[tokio::test]
async fn router_serves_without_a_socket() {
    let emulator = Emulator::open(EmulatorConfig::in_memory(
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "secret",
    ))
    .expect("opens");
    let req = Request::post("/v1/Services/default/Documents")
        .header(header::HOST, "sync.example.test")
        .header(header::AUTHORIZATION, auth())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("UniqueName=x&Data=%7B%22a%22%3A1%7D"))
        .expect("request");
    let resp = app(&emulator).oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let etag = resp.headers().get(header::ETAG).cloned();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    let doc: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(doc["data"]["a"], 1);
    assert_eq!(
        etag.as_ref().and_then(|v| v.to_str().ok()),
        doc["revision"].as_str()
    );
    let url = doc["url"].as_str().expect("url");
    assert!(
        url.starts_with("http://sync.example.test/v1/Services/IS"),
        "URLs follow the Host header: {url}"
    );
    assert_eq!(emulator.request_count(), 1);
}
