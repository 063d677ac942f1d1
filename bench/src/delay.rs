//! Optional network distance to Sync (`--sync-rtt-ms`): a loopback reverse proxy that holds
//! every Sync request for one round-trip time before it forwards it to the emulator. In
//! production a Lambda sits tens of milliseconds from Sync, so round trips, not CPU,
//! decide latency; this shows that effect on the same machine.

use std::time::Duration;

use anyhow::Result;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use axum::Router;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    rtt: Duration,
    client: reqwest::Client,
}

/// Starts the proxy in front of `upstream`; returns its base URL.
pub async fn start(upstream: &str, rtt: Duration) -> Result<String> {
    let proxy = Proxy {
        upstream: upstream.trim_end_matches('/').to_owned(),
        rtt,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
    };
    let app = Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

async fn forward(State(proxy): State<Proxy>, req: Request) -> Response {
    match relay(&proxy, req).await {
        Ok(resp) => resp,
        Err(e) => {
            let mut resp = Response::new(Body::from(format!("sync delay proxy: {e}")));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp
        }
    }
}

async fn relay(proxy: &Proxy, req: Request) -> Result<Response> {
    tokio::time::sleep(proxy.rtt).await;
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await?;
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = proxy
        .client
        .request(parts.method, format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if !is_hop_by_hop(name) {
            out = out.header(name, value);
        }
    }
    let upstream = out.send().await?;
    let mut resp = Response::builder().status(upstream.status());
    for (name, value) in upstream.headers() {
        if !is_hop_by_hop(name) {
            resp = resp.header(name, value);
        }
    }
    Ok(resp.body(Body::from(upstream.bytes().await?))?)
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host" | "connection" | "keep-alive" | "transfer-encoding" | "content-length" | "upgrade"
    )
}
