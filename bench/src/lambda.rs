//! The Lambda-shaped measure of the Rust side: size of each `cargo lambda build --release`
//! bootstrap, and the time from exec to the first invocation answered through a minimal
//! local Lambda runtime API (the same HTTP interface Lambda gives a custom runtime).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::process::Command;
use tokio::sync::{mpsc, Mutex};

use crate::procs::Proc;
use crate::sign::signature;
use crate::webhook::{form, Step};
use crate::Creds;

/// The functions that `cargo lambda build --release` turns into `target/lambda/<name>/bootstrap`.
pub const FUNCTIONS: [&str; 3] = ["store-call-state", "get-call-state", "presence-heartbeat"];
const PUBLIC_BASE: &str = "https://bench.example.com";
const RUNS: usize = 5;

#[derive(Debug, Default, Serialize)]
pub struct FnResult {
    pub name: String,
    pub bootstrap_bytes: Option<u64>,
    /// Median over runs: exec to the first `GET …/invocation/next` (runtime init).
    pub exec_to_next_ms: Option<f64>,
    /// Median over runs: exec to the first invocation's response posted back.
    pub exec_to_first_response_ms: Option<f64>,
    /// `statusCode` of the function's first answer (from the last run).
    pub first_status: Option<u16>,
    pub runs: usize,
    pub error: Option<String>,
}

enum Event {
    Next(Instant),
    Response(Instant, Value),
    Error(String),
}

#[derive(Clone)]
struct Api {
    event: Arc<Value>,
    served: Arc<Mutex<bool>>,
    tx: mpsc::UnboundedSender<Event>,
}

async fn next(State(api): State<Api>) -> impl IntoResponse {
    let _ = api.tx.send(Event::Next(Instant::now()));
    let mut served = api.served.lock().await;
    if *served {
        drop(served);
        // Only one invocation per process: later polls wait until the process is stopped.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return (StatusCode::NO_CONTENT, HeaderMap::new(), String::new());
    }
    *served = true;
    let mut headers = HeaderMap::new();
    let deadline = time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 15_000;
    let pairs = [
        (
            "lambda-runtime-aws-request-id",
            "bench-request-1".to_owned(),
        ),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
        ),
        ("content-type", "application/json".to_owned()),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
    (StatusCode::OK, headers, api.event.to_string())
}

async fn response(State(api): State<Api>, body: String) -> StatusCode {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    let _ = api.tx.send(Event::Response(Instant::now(), value));
    StatusCode::ACCEPTED
}

async fn error(State(api): State<Api>, body: String) -> StatusCode {
    let _ = api.tx.send(Event::Error(body));
    StatusCode::ACCEPTED
}

fn api_gateway_event(
    method: &str,
    path: &str,
    query: &str,
    headers: Value,
    body: Option<&[u8]>,
) -> Value {
    let query_map: serde_json::Map<String, Value> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": [],
        "headers": headers,
        "queryStringParameters": query_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.example.com",
            "domainPrefix": "bench",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "TwilioProxy/1.1"
            },
            "requestId": "bench-request-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1_795_000_000_000u64
        },
        "body": body.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        "isBase64Encoded": body.is_some()
    })
}

/// The first invocation each function gets: a real request of its kind, so that the
/// measured path includes configuration, the Sync client and a Sync round trip.
fn first_event(name: &str, creds: &Creds, call_sid: &str) -> Value {
    match name {
        "store-call-state" => {
            let params = form(&creds.account_sid, call_sid, &Step::Initial);
            let sig = signature(
                &creds.auth_token,
                &format!("{PUBLIC_BASE}/store-call-state"),
                &params,
            );
            let body = serde_urlencoded::to_string(&params).unwrap_or_default();
            let headers = json!({
                "content-type": "application/x-www-form-urlencoded",
                "host": "bench.example.com",
                "x-twilio-signature": sig,
                "i-twilio-idempotency-token": format!("bench-{call_sid}")
            });
            api_gateway_event(
                "POST",
                "/store-call-state",
                "",
                headers,
                Some(body.as_bytes()),
            )
        }
        "get-call-state" => {
            let headers = json!({
                "host": "bench.example.com",
                "authorization": format!("Bearer {}", creds.api_token)
            });
            api_gateway_event(
                "GET",
                "/get-call-state",
                &format!("CallSid={call_sid}"),
                headers,
                None,
            )
        }
        _ => {
            let body = json!({"identity": "agent-1", "userId": "agent-1", "status": "online", "device": "bench"});
            let headers = json!({
                "content-type": "application/json",
                "host": "bench.example.com",
                "authorization": format!("Bearer {}", creds.api_token)
            });
            api_gateway_event(
                "POST",
                "/presence-heartbeat",
                "",
                headers,
                Some(body.to_string().as_bytes()),
            )
        }
    }
}

/// One cold start of `bootstrap`: (exec→next, exec→response, statusCode).
async fn cold_start(
    bootstrap: &Path,
    event: Value,
    creds: &Creds,
    sync_url: &str,
    logs: &Path,
    name: &str,
) -> Result<(f64, f64, Option<u16>)> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let api = Api {
        event: Arc::new(event),
        served: Arc::new(Mutex::new(false)),
        tx,
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut cmd = Command::new(bootstrap);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("TWILIO_ACCOUNT_SID", &creds.account_sid)
        .env("TWILIO_AUTH_TOKEN", &creds.auth_token)
        .env("TWILIO_SYNC_URL", sync_url)
        .env("TWILIO_SYNC_SERVICE_SID", "default")
        .env("PUBLIC_BASE_URL", PUBLIC_BASE)
        .env("CALLFLOW_API_TOKEN", &creds.api_token)
        .env("RUST_LOG", "warn");
    let mut proc = Proc::spawn(name, cmd, &logs.join(format!("lambda-{name}.err")))?;
    proc.watch_stdout(
        &logs.join(format!("lambda-{name}.out")),
        None,
        Duration::ZERO,
    )
    .await?;
    let started = proc.started;

    let outcome = tokio::time::timeout(Duration::from_secs(20), async {
        let mut next_at = None;
        while let Some(ev) = rx.recv().await {
            match ev {
                Event::Next(at) => {
                    next_at.get_or_insert(at);
                }
                Event::Response(at, value) => {
                    let status = value
                        .get("statusCode")
                        .and_then(Value::as_u64)
                        .map(|s| s as u16);
                    let next_ms =
                        next_at.map_or(0.0, |n: Instant| (n - started).as_secs_f64() * 1e3);
                    return Ok((next_ms, (at - started).as_secs_f64() * 1e3, status));
                }
                Event::Error(body) => anyhow::bail!("function reported an error: {body}"),
            }
        }
        anyhow::bail!("runtime API closed")
    })
    .await;
    proc.stop().await;
    server.abort();
    outcome.context("no invocation answered within 20 s")?
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied()
}

/// Measures every function whose bootstrap exists under `lambda_dir`.
pub async fn measure(
    lambda_dir: &Path,
    creds: &Creds,
    sync_url: &str,
    logs: &Path,
) -> Vec<FnResult> {
    let mut out = Vec::new();
    for name in FUNCTIONS {
        let bootstrap = lambda_dir.join(name).join("bootstrap");
        let mut result = FnResult {
            name: name.to_owned(),
            ..FnResult::default()
        };
        match std::fs::metadata(&bootstrap) {
            Ok(meta) => result.bootstrap_bytes = Some(meta.len()),
            Err(_) => {
                result.error = Some(format!("{} not built", bootstrap.display()));
                out.push(result);
                continue;
            }
        }
        let (mut nexts, mut firsts) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            // get-call-state reads the call that store-call-state created in the same run.
            let sid = format!("CAff{run:030x}");
            let event = first_event(name, creds, &sid);
            match cold_start(&bootstrap, event, creds, sync_url, logs, name).await {
                Ok((next_ms, first_ms, status)) => {
                    nexts.push(next_ms);
                    firsts.push(first_ms);
                    result.first_status = status;
                }
                Err(e) => {
                    result.error = Some(format!("{e:#}"));
                    break;
                }
            }
        }
        result.runs = firsts.len();
        result.exec_to_next_ms = median(nexts);
        result.exec_to_first_response_ms = median(firsts);
        out.push(result);
    }
    out
}
