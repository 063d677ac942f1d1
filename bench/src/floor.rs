//! The floor under a webhook at concurrency 1, measured on this machine: what no
//! implementation of the flow can go below.
//!
//! A webhook that keeps its state in Sync is at least two loopback HTTP round trips between
//! processes (Twilio → function, function → Sync) and one durable commit in Sync's store.
//! The floor is that chain built with nothing else in it: the harness posts to a *relay*
//! process, which forwards the body to a *store* process, which commits it to SQLite as the
//! emulator does by default (WAL, `synchronous=NORMAL`) and answers. Both are this binary
//! run again (`--floor-role`), on a single-threaded runtime each, so every hop pays the
//! wake-ups of a real hop between processes and nothing more.
//!
//! The parts are measured alone too, for the reader: one round trip with client and server
//! in the harness's own thread (no wake-up at all) and one commit.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::procs::Proc;

/// Round trips and commits timed for each figure (after as many unmeasured ones).
const SAMPLES: usize = 2000;

/// What every floor request carries: a webhook's form is about this size.
const BODY: &str = "CallSid=CA00000000000000000000000000000000";

/// The measured floor.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Floor {
    /// One keep-alive HTTP request and answer on loopback, client and server in one
    /// thread, p50.
    pub loopback_round_trip_ms: f64,
    /// One committed single-row write in WAL with `synchronous=NORMAL`, p50.
    pub commit_ms: f64,
    /// The parts added up: two in-thread round trips and one commit. Runs before
    /// 2026-12-07 10:00 called this the floor; it leaves out the wake-ups of a hop between
    /// processes.
    pub parts_sum_ms: f64,
    /// Harness → relay process → store process (one commit) and back, p50: the least a
    /// webhook that keeps state in Sync takes on this machine.
    pub webhook_floor_ms: f64,
}

/// Measures the floor (a few seconds).
pub async fn measure(client: &reqwest::Client, logs: &Path) -> Result<Floor> {
    let webhook_floor_ms = chain(client, logs).await?;
    let loopback_round_trip_ms = round_trip(client).await?;
    let commit_ms = tokio::task::spawn_blocking(commit).await??;
    Ok(Floor {
        loopback_round_trip_ms,
        commit_ms,
        parts_sum_ms: 2.0 * loopback_round_trip_ms + commit_ms,
        webhook_floor_ms,
    })
}

/// Runs one server of the chain until it is killed: `store` with `arg` the database path,
/// `relay` with `arg` the store's URL. Prints `listening on <url>` once it accepts.
pub fn run_role(role: &str, arg: Option<&str>) -> Result<()> {
    let arg = arg.context("--floor-arg is required")?;
    let app = match role {
        "store" => store_app(Path::new(arg))?,
        "relay" => relay_app(arg.to_owned())?,
        other => bail!("unknown floor role {other}"),
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            println!("listening on http://{}/", listener.local_addr()?);
            axum::serve(listener, app).await?;
            Ok(())
        })
}

fn store_app(path: &Path) -> Result<axum::Router> {
    let conn = open_wal(path)?;
    let conn = Arc::new(Mutex::new(conn));
    let commit = move |body: String| async move {
        let Ok(conn) = conn.lock() else {
            return StatusCode::INTERNAL_SERVER_ERROR;
        };
        match conn.execute("INSERT INTO t (data) VALUES (?1)", [body]) {
            Ok(_) => StatusCode::OK,
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    };
    Ok(axum::Router::new().route("/", axum::routing::post(commit)))
}

fn relay_app(next: String) -> Result<axum::Router> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let forward = move |body: String| async move {
        match client.post(&next).body(body).send().await {
            Ok(answer) if answer.status().is_success() => (StatusCode::OK, "<Response/>"),
            _ => (StatusCode::BAD_GATEWAY, ""),
        }
    };
    Ok(axum::Router::new().route("/", axum::routing::post(forward)))
}

async fn start_role(role: &str, arg: &str, logs: &Path) -> Result<(Proc, String)> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--floor-role", role, "--floor-arg", arg]);
    let mut proc = Proc::spawn(role, cmd, &logs.join(format!("floor-{role}.err")))?;
    let line = proc
        .watch_stdout(
            &logs.join(format!("floor-{role}.out")),
            Some(&|line: &str| line.starts_with("listening on ")),
            Duration::from_secs(10),
        )
        .await?
        .context("the floor's server printed no URL")?;
    let url = line.trim_start_matches("listening on ").to_owned();
    Ok((proc, url))
}

async fn chain(client: &reqwest::Client, logs: &Path) -> Result<f64> {
    let dir = scratch_dir("chain")?;
    let db = dir.join("floor.db");
    let (store, store_url) = start_role("store", &db.to_string_lossy(), logs).await?;
    let relay = start_role("relay", &store_url, logs).await;
    let timed = match &relay {
        Ok((_, relay_url)) => time_posts(client, relay_url).await,
        Err(e) => Err(anyhow::anyhow!("start the floor's relay: {e:#}")),
    };
    if let Ok((relay, _)) = relay {
        relay.stop().await;
    }
    store.stop().await;
    std::fs::remove_dir_all(&dir)?;
    timed
}

async fn round_trip(client: &reqwest::Client) -> Result<f64> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/", listener.local_addr()?);
    let app = axum::Router::new().route("/", axum::routing::post(|| async { "<Response/>" }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let timed = time_posts(client, &url).await;
    server.abort();
    timed
}

/// p50 of `SAMPLES` posts to `url`, one at a time, after as many unmeasured ones.
async fn time_posts(client: &reqwest::Client, url: &str) -> Result<f64> {
    let mut samples = Vec::with_capacity(SAMPLES);
    for n in 0..2 * SAMPLES {
        let start = Instant::now();
        client
            .post(url)
            .body(BODY)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        if n >= SAMPLES {
            samples.push(start.elapsed());
        }
    }
    Ok(median_ms(samples))
}

fn commit() -> Result<f64> {
    let dir = scratch_dir("commit")?;
    let conn = open_wal(&dir.join("floor.db"))?;
    let mut samples = Vec::with_capacity(SAMPLES);
    for n in 0..2 * SAMPLES {
        let start = Instant::now();
        conn.execute("INSERT INTO t (data) VALUES (?1)", [BODY])?;
        if n >= SAMPLES {
            samples.push(start.elapsed());
        }
    }
    drop(conn);
    std::fs::remove_dir_all(&dir)?;
    Ok(median_ms(samples))
}

/// A fresh folder for one floor database, under the system's temporary folder.
fn scratch_dir(what: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "callflow-bench-floor-{what}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A one-table database committed the way the emulator commits by default.
fn open_wal(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path).context("open the floor database")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, data TEXT)",
        [],
    )?;
    Ok(conn)
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e3
}
