//! A stand-in for the web services a Studio flow calls (`make-http-request`,
//! `run-function`): a real HTTP server on a loopback port whose answers the tests pick by
//! path, and which records every request it was sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// One request the stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// The `Content-Type` header, empty when none was sent.
    pub content_type: String,
    /// The body, as text.
    pub body: String,
}

/// The running stand-in.
pub struct StandIn {
    /// Its URL without a trailing slash, e.g. `http://127.0.0.1:PORT`.
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    /// Starts it on an ephemeral loopback port. Answers, by path:
    /// - `/orders?order=N`: `{"order": {"status": "shipped", "items": [..]}}` for N = 123456,
    ///   `{"order": {"status": "processing", ...}}` for 222222, 404 otherwise;
    /// - `/log-miss`: 200 JSON `{"logged": true}`;
    /// - `/echo`: the request body back, as JSON;
    /// - `/slow`: the order answer after 2 s;
    /// - `/big`: 70 kB of JSON;
    /// - `/fail`: 500.
    pub async fn start() -> StandIn {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&received));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("stand-in binds");
        let addr = listener.local_addr().expect("stand-in address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            base: format!("http://{addr}"),
            received,
        }
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn answer(
    State(received): State<Arc<Mutex<Vec<Received>>>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let body_text = String::from_utf8_lossy(&body).into_owned();
    if let Ok(mut r) = received.lock() {
        r.push(Received {
            method: method.to_string(),
            uri: uri.to_string(),
            content_type: headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: body_text.clone(),
        });
    }
    let json = |status: StatusCode, value: serde_json::Value| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    let query = uri.query().unwrap_or_default();
    match uri.path() {
        "/orders" | "/slow" => {
            if uri.path() == "/slow" {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            if query.contains("order=123456") {
                json(
                    StatusCode::OK,
                    serde_json::json!({"order": {"status": "shipped", "items": ["kettle", "mug"], "internal_notes": "x".repeat(500)}}),
                )
            } else if query.contains("order=222222") {
                json(
                    StatusCode::OK,
                    serde_json::json!({"order": {"status": "processing", "items": []}}),
                )
            } else {
                json(
                    StatusCode::NOT_FOUND,
                    serde_json::json!({"error": "no such order"}),
                )
            }
        }
        "/log-miss" => json(StatusCode::OK, serde_json::json!({"logged": true})),
        "/echo" => json(
            StatusCode::OK,
            serde_json::json!({"echo": serde_json::from_str::<serde_json::Value>(&body_text).unwrap_or(serde_json::Value::String(body_text))}),
        ),
        "/big" => json(
            StatusCode::OK,
            serde_json::json!({"blob": "z".repeat(70 * 1024)}),
        ),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "broken").into_response(),
    }
}
