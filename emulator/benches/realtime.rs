//! Realtime fan-out: one writer, N subscribed twilsock clients on one document.
//!
//! ```text
//! cargo bench -p sync-emulator --bench realtime                 # 1, 100, 1000 subscribers
//! BENCH_SUBSCRIBERS=100 cargo bench -p sync-emulator --bench realtime
//! BENCH_PAYLOAD_BYTES=2048 cargo bench -p sync-emulator --bench realtime   # larger documents
//! ```
//! The emulator runs in this process on 127.0.0.1 with a SQLite file under the target
//! directory (durable writes). Subscribers are lean twilsock V3 clients
//! (tokio-tungstenite): `init` with an access token, `POST /v4/Subscriptions` for the
//! document, then they acknowledge every notification with a `reply`, as twilio-sync.js
//! does. The writer updates the document over REST v1 (what the functions do), one write
//! at a time; each value carries its send time, so a subscriber measures write-to-event
//! latency on the same clock.
//!
//! Two runs per subscriber count:
//! - **paced**: 20 writes/s, Sync's documented per-object write limit: latency as a
//!   dashboard would see it;
//! - **flat out**: the next write as soon as the previous one is answered: events
//!   delivered per second (all subscribers' events, divided by the time from the first
//!   write to the last subscriber's last event) and latency under that load.
//!
//! Prints a table and writes `bench/results/realtime.json` and `bench/results/realtime.md`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sync_emulator::{spawn, EmulatorConfig};
use tokio::sync::Barrier;
use tokio_tungstenite::tungstenite::Message;

const ACCOUNT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const TOKEN: &str = "bench-token";
const KEY: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const SECRET: &str = "bench-api-key-secret-0123456789abcdef";
const DOC: &str = "realtime-bench";
/// Sync's documented write limit per object.
const PACED_PER_SEC: u64 = 20;

/// How many writes each run makes, by subscriber count: enough events to measure, bounded
/// in time on a 2-core machine.
fn writes(subscribers: usize, paced: bool) -> u64 {
    match (paced, subscribers) {
        (true, _) => 100,
        (false, n) if n >= 1000 => 200,
        (false, n) if n >= 100 => 1000,
        (false, _) => 3000,
    }
}

fn access_token() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.cty = Some("twilio-fpa;v=1".into());
    let claims = json!({
        "jti": format!("{KEY}-{now}"), "iss": KEY, "sub": ACCOUNT, "nbf": now, "exp": now + 3600,
        "grants": { "identity": "bench", "data_sync": { "service_sid": "default" } },
    });
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
    )
    .expect("token")
}

/// A twilsock V3 frame.
fn frame(mut header: Value, payload: &[u8]) -> Vec<u8> {
    header["payload_size"] = json!(payload.len());
    if !payload.is_empty() {
        header["payload_type"] = json!("application/json");
    }
    let h = header.to_string();
    let mut out = format!("TWILSOCK V3.0 {}\r\n{h}\r\n", h.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Header and payload of a frame.
fn parse(bytes: &[u8]) -> Option<(Value, &[u8])> {
    let rest = bytes.strip_prefix(b"TWILSOCK V3.0 ")?;
    let nl = rest.windows(2).position(|w| w == b"\r\n")?;
    let size: usize = std::str::from_utf8(&rest[..nl]).ok()?.parse().ok()?;
    let rest = &rest[nl + 2..];
    let header: Value = serde_json::from_slice(rest.get(..size)?).ok()?;
    let payload = rest.get(size + 2..).unwrap_or_default();
    Some((header, payload))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_frame(ws: &mut Socket) -> (Value, Vec<u8>) {
    loop {
        match ws.next().await.expect("socket open").expect("socket read") {
            Message::Binary(b) => {
                let (h, p) = parse(&b).expect("a twilsock frame");
                return (h, p.to_vec());
            }
            Message::Text(t) => {
                let (h, p) = parse(t.as_bytes()).expect("a twilsock frame");
                return (h, p.to_vec());
            }
            _ => continue,
        }
    }
}

/// Connects, initialises and subscribes to the document; returns the socket.
async fn subscribe(url: &str, token: &str, doc_sid: &str) -> Socket {
    // A small read buffer, as the server has: tungstenite zero-fills it before every read.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
        .await
        .expect("connect");
    let init = json!({
        "method": "init", "id": "TMinit", "token": token, "continuation_token": null,
        "registrations": null, "capabilities": ["client_update", "offline_storage"],
        "metadata": {},
    });
    ws.send(Message::Binary(frame(init, b"").into()))
        .await
        .expect("send init");
    let (h, _) = next_frame(&mut ws).await;
    assert_eq!(h["status"]["code"], 200, "init refused: {h}");
    let body = json!({
        "event_protocol_version": 4, "action": "establish", "correlation_id": 1,
        "requests": [{ "object_sid": doc_sid, "object_type": "document", "last_event_id": null }],
    })
    .to_string();
    let msg = json!({
        "method": "message", "id": "TMsub", "active_grant": "data_sync",
        "http_request": { "host": "cds.us1.twilio.com", "path": "/v4/Subscriptions", "method": "POST",
                          "params": {}, "headers": { "Content-Type": "application/json" } },
    });
    ws.send(Message::Binary(frame(msg, body.as_bytes()).into()))
        .await
        .expect("send subscribe");
    loop {
        let (h, p) = next_frame(&mut ws).await;
        if h["method"] == "notification" {
            ack(&mut ws, &h).await;
            let p: Value = serde_json::from_slice(&p).unwrap_or(Value::Null);
            if p["event_type"] == "subscription_established" {
                return ws;
            }
            assert_ne!(p["event_type"], "subscription_failed", "{p}");
        }
    }
}

async fn ack(ws: &mut Socket, header: &Value) {
    let reply =
        json!({ "method": "reply", "id": header["id"], "status": { "code": 200, "status": "OK" } });
    ws.send(Message::Binary(frame(reply, b"").into()))
        .await
        .expect("ack");
}

/// Receives document updates until the one with `n == last`; returns each latency.
async fn receive(mut ws: Socket, epoch: Instant, last: u64, deadline: Instant) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(last as usize);
    loop {
        let (h, p) = match tokio::time::timeout_at(deadline.into(), next_frame(&mut ws)).await {
            Ok(f) => f,
            Err(_) => return latencies,
        };
        if h["method"] != "notification" {
            continue;
        }
        ack(&mut ws, &h).await;
        let now = epoch.elapsed();
        let p: Value = serde_json::from_slice(&p).unwrap_or(Value::Null);
        if p["event_type"] != "document_updated" {
            continue;
        }
        let data = &p["event"]["document_data"];
        let sent = Duration::from_micros(data["t"].as_u64().unwrap_or_default());
        latencies.push(now.saturating_sub(sent));
        if data["n"].as_u64() == Some(last) {
            let _ = ws.close(None).await;
            return latencies;
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
struct Row {
    subscribers: usize,
    mode: &'static str,
    writes: u64,
    writes_per_sec: f64,
    events_expected: u64,
    events_delivered: u64,
    events_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// The REST write's own round trip (a durable SQLite commit): part of every event's
    /// latency, since the send time is taken before the write.
    write_p50_ms: f64,
    write_p99_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(base: &str, doc_sid: &str, subscribers: usize, paced: bool, first_n: u64) -> Row {
    let url = format!("{}/v3/wsconnect", base.replacen("http", "ws", 1));
    let token = access_token();
    let total = writes(subscribers, paced);
    let last = first_n + total - 1;
    // Connect in batches, so 1,000 handshakes do not all land at once.
    let mut sockets = Vec::with_capacity(subscribers);
    for chunk in (0..subscribers).collect::<Vec<_>>().chunks(50) {
        let batch = chunk.iter().map(|_| subscribe(&url, &token, doc_sid));
        sockets.extend(futures_util::future::join_all(batch).await);
    }
    let epoch = Instant::now();
    let deadline = Instant::now() + Duration::from_secs(120);
    let ready = Arc::new(Barrier::new(subscribers + 1));
    let receivers: Vec<_> = sockets
        .into_iter()
        .map(|ws| {
            let ready = ready.clone();
            tokio::spawn(async move {
                ready.wait().await;
                receive(ws, epoch, last, deadline).await
            })
        })
        .collect();
    ready.wait().await;

    let http = reqwest::Client::new();
    let doc_url = format!("{base}/v1/Services/default/Documents/{doc_sid}");
    let started = epoch.elapsed();
    let pace = Duration::from_micros(1_000_000 / PACED_PER_SEC);
    let mut write_times = Vec::with_capacity(total as usize);
    for n in first_n..=last {
        if paced {
            let due = started + pace * u32::try_from(n - first_n).unwrap_or(u32::MAX);
            tokio::time::sleep_until((epoch + due).into()).await;
        }
        let sent = epoch.elapsed();
        let data = json!({ "n": n, "t": sent.as_micros() as u64, "pad": padding() }).to_string();
        let r = http
            .post(&doc_url)
            .basic_auth(ACCOUNT, Some(TOKEN))
            .form(&[("Data", data.as_str())])
            .send()
            .await
            .expect("write");
        assert!(r.status().is_success(), "write {n}: {}", r.status());
        write_times.push(epoch.elapsed() - sent);
    }
    write_times.sort();
    let wrote = epoch.elapsed() - started;
    let mut all = Vec::with_capacity(subscribers * total as usize);
    for r in receivers {
        all.extend(r.await.expect("receiver"));
    }
    let finished = epoch.elapsed() - started;
    all.sort();
    Row {
        subscribers,
        mode: if paced { "paced 20/s" } else { "flat out" },
        writes: total,
        writes_per_sec: total as f64 / wrote.as_secs_f64(),
        events_expected: total * subscribers as u64,
        events_delivered: all.len() as u64,
        events_per_sec: all.len() as f64 / finished.as_secs_f64(),
        p50_ms: ms(percentile(&all, 0.50)),
        p99_ms: ms(percentile(&all, 0.99)),
        max_ms: ms(all.last().copied().unwrap_or_default()),
        write_p50_ms: ms(percentile(&write_times, 0.50)),
        write_p99_ms: ms(percentile(&write_times, 0.99)),
    }
}

/// `BENCH_PAYLOAD_BYTES` of filler in every written value (default none), for documents
/// the size of a real call state (1-3 KB) rather than two numbers.
fn padding() -> &'static str {
    static PAD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PAD.get_or_init(|| {
        let n = std::env::var("BENCH_PAYLOAD_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        "x".repeat(n)
    })
}

fn main() {
    let counts: Vec<usize> = std::env::var("BENCH_SUBSCRIBERS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 100, 1000]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rows = runtime.block_on(async {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-realtime");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let mut config = EmulatorConfig::with_file(
            ACCOUNT,
            TOKEN,
            dir.join("sync.sqlite3").display().to_string(),
        );
        config.api_keys.push((KEY.to_owned(), SECRET.to_owned()));
        let emulator = spawn(config).await.expect("emulator");
        let base = emulator.base_url();
        let created: Value = reqwest::Client::new()
            .post(format!("{base}/v1/Services/default/Documents"))
            .basic_auth(ACCOUNT, Some(TOKEN))
            .form(&[("UniqueName", DOC), ("Data", r#"{"n":0}"#)])
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("document JSON");
        let sid = created["sid"].as_str().expect("sid").to_owned();
        let mut rows = Vec::new();
        let mut n = 1;
        for &subscribers in &counts {
            for paced in [true, false] {
                let row = run(&base, &sid, subscribers, paced, n).await;
                n += row.writes;
                eprintln!("{row:?}");
                rows.push(row);
            }
        }
        rows
    });
    let mut table = String::from(
        "| subscribers | writer | writes | writes/s | events delivered | events/s | p50 ms | p99 ms | max ms | write p50 / p99 ms |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {:.0} | {} of {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} / {:.2} |\n",
            r.subscribers,
            r.mode,
            r.writes,
            r.writes_per_sec,
            r.events_delivered,
            r.events_expected,
            r.events_per_sec,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            r.write_p50_ms,
            r.write_p99_ms
        ));
    }
    println!("{table}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/results");
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let json = json!({
        "bench": "cargo bench -p sync-emulator --bench realtime",
        "load_average": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "date": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "cpus": cpus,
        "writer": "REST v1 document update (form Data), one write in flight",
        "payload_padding_bytes": padding().len(),
        "subscribers": "twilsock V3 over tokio-tungstenite, one document subscription each, every notification acknowledged",
        "rows": rows,
    });
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(
            out.join("realtime.json"),
            serde_json::to_string_pretty(&json).unwrap_or_default() + "\n",
        );
        let _ = std::fs::write(
            out.join("realtime.md"),
            format!(
                "Realtime fan-out, `cargo bench -p sync-emulator --bench realtime` ({cpus} CPUs, loopback, writer over REST v1, {} bytes of padding per value; load average at the end: {})\n\n{table}",
                padding().len(),
                json["load_average"].as_str().unwrap_or_default()
            ),
        );
    }
}
