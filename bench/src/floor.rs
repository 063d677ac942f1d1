//! The floor under a webhook at concurrency 1, measured on this machine: what no
//! implementation of the flow can go below.
//!
//! A webhook that keeps its state in Sync is at least two loopback HTTP round trips (Twilio
//! → function, function → Sync) and one durable commit in Sync's store. Each is measured
//! here alone, with the harness's own HTTP client against a server that answers at once,
//! and with SQLite set up as the emulator's default (WAL, `synchronous=NORMAL`), so the
//! c=1 p50 can be read against it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Round trips and commits timed for each figure (after as many unmeasured ones).
const SAMPLES: usize = 2000;

/// The measured floor.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Floor {
    /// One keep-alive HTTP request and answer on loopback, p50.
    pub loopback_round_trip_ms: f64,
    /// One committed single-row write in WAL with `synchronous=NORMAL`, p50.
    pub commit_ms: f64,
    /// Two round trips and one commit: the least a webhook that keeps state in Sync takes.
    pub webhook_floor_ms: f64,
}

/// Measures the floor (a second or two).
pub async fn measure(client: &reqwest::Client) -> Result<Floor> {
    let loopback_round_trip_ms = round_trip(client).await?;
    let commit_ms = tokio::task::spawn_blocking(commit).await??;
    Ok(Floor {
        loopback_round_trip_ms,
        commit_ms,
        webhook_floor_ms: 2.0 * loopback_round_trip_ms + commit_ms,
    })
}

async fn round_trip(client: &reqwest::Client) -> Result<f64> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    let app = axum::Router::new().route("/", axum::routing::post(|| async { "<Response/>" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut samples = Vec::with_capacity(SAMPLES);
    for n in 0..2 * SAMPLES {
        let start = Instant::now();
        client
            .post(&url)
            .body("CallSid=CA00000000000000000000000000000000")
            .send()
            .await?
            .bytes()
            .await?;
        if n >= SAMPLES {
            samples.push(start.elapsed());
        }
    }
    server.abort();
    Ok(median_ms(samples))
}

fn commit() -> Result<f64> {
    let dir = std::env::temp_dir().join(format!("callflow-bench-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("floor.db");
    let conn = rusqlite::Connection::open(&path).context("open the floor database")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT)", [])?;
    let mut samples = Vec::with_capacity(SAMPLES);
    for n in 0..2 * SAMPLES {
        let start = Instant::now();
        conn.execute(
            "INSERT INTO t (data) VALUES (?1)",
            [r#"{"stage":"menu","status":"in-progress"}"#],
        )?;
        if n >= SAMPLES {
            samples.push(start.elapsed());
        }
    }
    drop(conn);
    std::fs::remove_dir_all(&dir)?;
    Ok(median_ms(samples))
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}
