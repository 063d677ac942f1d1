//! Test support for the Sync client tests: client settings for tests, and a fault
//! server (a real axum server on 127.0.0.1) that answers from a script, stalls, breaks
//! connections, or forwards to a real emulator and then loses the answer.

// Each test binary uses a different subset of these helpers.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use callflow::sync::{SyncClient, SyncConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
pub const TOKEN: &str = "test-token-0123456789";

/// A client for `base_url` with test-friendly back-off (fast, still jittered).
pub fn client(base_url: &str) -> SyncClient {
    client_with(base_url, |c| c)
}

/// A client with the production defaults (back-off, attempts, deadline), only the base
/// URL changed: for tests whose claim is about the defaults, such as contention.
pub fn default_client(base_url: &str) -> SyncClient {
    SyncClient::new(SyncConfig::new(ACCOUNT, TOKEN).base_url(base_url)).expect("valid config")
}

/// `client` with further settings.
pub fn client_with(base_url: &str, f: impl FnOnce(SyncConfig) -> SyncConfig) -> SyncClient {
    let cfg = SyncConfig::new(ACCOUNT, TOKEN)
        .base_url(base_url)
        .backoff(Duration::from_millis(5), Duration::from_millis(100));
    SyncClient::new(f(cfg)).expect("valid test config")
}

/// What the fault server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Pass it to the upstream and return the answer.
    Forward,
    /// Answer with this status and body (and a `Retry-After` when given).
    Reply {
        status: u16,
        body: String,
        retry_after: Option<&'static str>,
    },
    /// Start a 200 answer and break the connection before the body ends.
    Break,
    /// Forward it (so upstream applies it), then break the connection instead of answering.
    ForwardThenBreak,
    /// Wait this long before answering as `Forward` would.
    Stall(Duration),
    /// Forward it, then wait this long before answering.
    ForwardThenStall(Duration),
}

impl Action {
    /// A Twilio error answer.
    pub fn twilio(status: u16, code: u32) -> Action {
        Action::Reply {
            status,
            body: format!(
                r#"{{"code":{code},"message":"scripted {status}","more_info":"https://www.twilio.com/docs/errors/{code}","status":{status}}}"#
            ),
            retry_after: None,
        }
    }

    /// A 429 / 54009 with `Retry-After`.
    pub fn rate_limited(retry_after: &'static str) -> Action {
        Action::Reply {
            status: 429,
            body: r#"{"code":54009,"message":"Rate limit exceeded","more_info":"https://www.twilio.com/docs/errors/54009","status":429}"#.into(),
            retry_after: Some(retry_after),
        }
    }

    /// A 200/201 with a JSON body.
    pub fn ok(status: u16, body: &str) -> Action {
        Action::Reply {
            status,
            body: body.to_owned(),
            retry_after: None,
        }
    }
}

/// A scripted rule: the next request whose method and path match takes `action`.
struct Rule {
    method: Option<Method>,
    path_contains: String,
    action: Action,
}

struct Shared {
    upstream: Option<String>,
    rules: Mutex<VecDeque<Rule>>,
    fallback: Mutex<Action>,
    hits: AtomicUsize,
    http: reqwest::Client,
}

/// A fault-injecting HTTP server on 127.0.0.1, optionally in front of an upstream.
pub struct FaultServer {
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FaultServer {
    /// Starts a server that takes `fallback` for every request no rule matches.
    pub async fn start(upstream: Option<String>, fallback: Action) -> FaultServer {
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(VecDeque::new()),
            fallback: Mutex::new(fallback),
            hits: AtomicUsize::new(0),
            http: reqwest::Client::new(),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultServer {
            url: format!("http://{addr}"),
            shared,
            task,
        }
    }

    /// A server answering every request with `action`.
    pub async fn always(action: Action) -> FaultServer {
        FaultServer::start(None, action).await
    }

    /// A proxy to `upstream` that forwards unless a rule says otherwise.
    pub async fn proxy(upstream: &str) -> FaultServer {
        FaultServer::start(Some(upstream.to_owned()), Action::Forward).await
    }

    /// Queues a rule for the next matching request.
    pub fn on(&self, method: Method, path_contains: &str, action: Action) -> &Self {
        self.shared.rules.lock().expect("rules").push_back(Rule {
            method: Some(method),
            path_contains: path_contains.to_owned(),
            action,
        });
        self
    }

    /// Queues a rule for the next request, whatever it is.
    pub fn next(&self, action: Action) -> &Self {
        self.shared.rules.lock().expect("rules").push_back(Rule {
            method: None,
            path_contains: String::new(),
            action,
        });
        self
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    shared.hits.fetch_add(1, Ordering::SeqCst);
    let path = req.uri().path().to_owned();
    let action = {
        let mut rules = shared.rules.lock().expect("rules");
        let pos = rules.iter().position(|r| {
            r.method.as_ref().is_none_or(|m| m == req.method()) && path.contains(&r.path_contains)
        });
        match pos.and_then(|p| rules.remove(p)) {
            Some(rule) => rule.action,
            None => shared.fallback.lock().expect("fallback").clone(),
        }
    };
    match action {
        Action::Reply {
            status,
            body,
            retry_after,
        } => {
            let mut resp = (
                StatusCode::from_u16(status).expect("status"),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
            if let Some(ra) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", HeaderValue::from_static(ra));
            }
            resp
        }
        Action::Break => broken(),
        Action::Forward => forward(&shared, req).await,
        Action::ForwardThenBreak => {
            let _ = forward(&shared, req).await;
            broken()
        }
        Action::Stall(d) => {
            tokio::time::sleep(d).await;
            forward(&shared, req).await
        }
        Action::ForwardThenStall(d) => {
            let resp = forward(&shared, req).await;
            tokio::time::sleep(d).await;
            resp
        }
    }
}

/// A 200 whose body fails half-way: the client sees the connection break.
fn broken() -> Response {
    let chunks = futures_util::stream::iter(vec![
        Ok(Bytes::from_static(b"{\"partial\":")),
        Err(std::io::Error::other(
            "connection dropped by the fault server",
        )),
    ]);
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from_stream(chunks))
        .expect("response")
}

async fn forward(shared: &Shared, req: Request) -> Response {
    let Some(upstream) = &shared.upstream else {
        return (StatusCode::NOT_FOUND, "no upstream").into_response();
    };
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    for name in ["authorization", "content-type", "if-match", "accept"] {
        if let Some(v) = parts.headers.get(name) {
            headers.insert(name, v.clone());
        }
    }
    let sent = shared
        .http
        .request(parts.method, format!("{upstream}{pq}"))
        .headers(headers)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) => {
            let status = resp.status();
            let mut out = HeaderMap::new();
            for name in ["content-type", "etag", "retry-after"] {
                if let Some(v) = resp.headers().get(name) {
                    out.insert(name, v.clone());
                }
            }
            let bytes = resp.bytes().await.unwrap_or_default();
            (status, out, bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// A TCP server that accepts connections, reads a little and closes them without a
/// byte of answer. Returns its URL and a counter of accepted connections.
pub async fn closing_server() -> (String, Arc<AtomicUsize>, JoinHandle<()>) {
    use tokio::io::AsyncReadExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    (format!("http://{addr}"), accepted, task)
}

/// A URL on which nothing listens (the port was just released).
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// A canned document body, as Sync would send it.
pub fn document_json(name: &str, revision: u32, data: &str) -> String {
    format!(
        r#"{{"sid":"ET0123456789abcdef0123456789abcdef","unique_name":"{name}","account_sid":"{ACCOUNT}","service_sid":"IS0123456789abcdef0123456789abcdef","url":"http://x/v1/Services/default/Documents/{name}","links":{{}},"revision":"{revision}","data":{data},"date_expires":null,"date_created":"2026-01-01T00:00:00Z","date_updated":"2026-01-01T00:00:00Z","created_by":"system"}}"#
    )
}

/// A canned list item body.
pub fn list_item_json(index: u64, data: &str) -> String {
    format!(
        r#"{{"index":{index},"account_sid":"{ACCOUNT}","service_sid":"IS0123456789abcdef0123456789abcdef","list_sid":"ES0123456789abcdef0123456789abcdef","url":"http://x","revision":"0","data":{data},"date_expires":null,"date_created":"2026-01-01T00:00:00Z","date_updated":"2026-01-01T00:00:00Z","created_by":"system"}}"#
    )
}

/// A real emulator on 127.0.0.1 with the test credentials.
pub async fn emulator() -> sync_emulator::RunningEmulator {
    emulator_with(sync_emulator::EmulatorConfig::in_memory(ACCOUNT, TOKEN)).await
}

/// A real emulator with a custom configuration.
pub async fn emulator_with(
    config: sync_emulator::EmulatorConfig,
) -> sync_emulator::RunningEmulator {
    sync_emulator::spawn(config).await.expect("emulator starts")
}

/// Counts the requests one step makes, on the client and on the emulator, and checks
/// that both agree.
pub async fn counted<F, T>(
    sync: &SyncClient,
    emu: &sync_emulator::RunningEmulator,
    step: F,
) -> (T, u64)
where
    F: std::future::Future<Output = T>,
{
    let (c0, e0) = (sync.request_count(), emu.request_count());
    let out = step.await;
    let (c1, e1) = (sync.request_count(), emu.request_count());
    assert_eq!(
        c1 - c0,
        e1 - e0,
        "client and emulator disagree on the request count"
    );
    (out, c1 - c0)
}
