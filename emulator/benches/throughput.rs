//! Loopback throughput and latency of the emulator on a SQLite file, for both durabilities
//! (`process`: synchronous=NORMAL, the default; `machine`: an fsync per commit).
//!
//! ```text
//! cargo bench -p sync-emulator --bench throughput            # 3 s per scenario
//! BENCH_SECS=10 cargo bench -p sync-emulator --bench throughput
//! ```
//! Scenarios: document fetches, and conditional updates (`If-Match` with the revision from
//! the previous answer, so every write is a real compare-and-set that must hit the disk
//! before it is answered), each with 1 and 32 concurrent clients. The server runs in this
//! process on 127.0.0.1; its database lives under the target directory (a real disk, not
//! tmpfs, so fsync costs what it costs).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sync_emulator::{spawn, Durability, EmulatorConfig};

const ACCOUNT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const TOKEN: &str = "bench-token";

#[derive(Clone, Copy)]
enum Op {
    Fetch,
    ConditionalUpdate,
}

struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
}

async fn create_doc(http: &reqwest::Client, base: &str, name: &str) -> String {
    let r = http
        .post(format!("{base}/v1/Services/default/Documents"))
        .basic_auth(ACCOUNT, Some(TOKEN))
        .form(&[("UniqueName", name), ("Data", r#"{"n":0}"#)])
        .send()
        .await
        .expect("create document");
    assert_eq!(r.status(), 201, "create {name}");
    r.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("etag")
}

async fn client_loop(base: Arc<String>, op: Op, id: usize, until: Instant) -> Outcome {
    let http = reqwest::Client::new();
    let name = format!("bench-{id}");
    let url = format!("{base}/v1/Services/default/Documents/{name}");
    let mut rev = create_doc(&http, &base, &name).await;
    let mut latencies = Vec::with_capacity(100_000);
    let mut errors = 0;
    let mut n: u64 = 0;
    while Instant::now() < until {
        n += 1;
        let t0 = Instant::now();
        let result = match op {
            Op::Fetch => http.get(&url).basic_auth(ACCOUNT, Some(TOKEN)).send().await,
            Op::ConditionalUpdate => {
                let data = format!(r#"{{"n":{n}}}"#);
                http.post(&url)
                    .basic_auth(ACCOUNT, Some(TOKEN))
                    .header("If-Match", &rev)
                    .form(&[("Data", data.as_str())])
                    .send()
                    .await
            }
        };
        match result {
            Ok(r) if r.status().is_success() => {
                if let Some(e) = r.headers().get("etag").and_then(|v| v.to_str().ok()) {
                    rev = e.to_owned();
                }
                let _ = r.bytes().await;
                latencies.push(t0.elapsed());
            }
            _ => errors += 1,
        }
    }
    Outcome { latencies, errors }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn scenario(
    base: Arc<String>,
    op: Op,
    clients: usize,
    secs: u64,
    number: usize,
    label: &str,
) {
    let start = Instant::now();
    let until = start + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let id = number * 1000 + i;
            tokio::spawn(client_loop(base.clone(), op, id, until))
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let o = t.await.expect("client task");
        all.extend(o.latencies);
        errors += o.errors;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    let name = match op {
        Op::Fetch => "fetch document",
        Op::ConditionalUpdate => "durable conditional update",
    };
    println!(
        "{name:<28} {label:<8} clients={clients:<3} ops={:<7} throughput={:>8.0}/s  p50={:>7.2}ms  p99={:>7.2}ms  errors={errors}",
        all.len(),
        all.len() as f64 / elapsed,
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!("sync-emulator loopback benchmark: {secs} s per scenario, SQLite WAL on a file under the target directory");
        // Both durabilities in the same run, alternating, so the machine's noise hits both.
        let mut number = 0;
        for round in 0..2 {
            for durability in [Durability::Process, Durability::Machine] {
                let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
                let path = dir.path().join("bench.sqlite3");
                let mut config = EmulatorConfig::with_file(ACCOUNT, TOKEN, path.to_string_lossy());
                config.durability = durability;
                let emu = spawn(config).await.expect("emulator");
                let base = Arc::new(emu.base_url());
                let label = match durability {
                    Durability::Process => "process",
                    Durability::Machine => "machine",
                };
                let ops: &[(Op, usize)] = if round == 0 && durability == Durability::Process {
                    &[(Op::Fetch, 1), (Op::Fetch, 32), (Op::ConditionalUpdate, 1), (Op::ConditionalUpdate, 32)]
                } else {
                    &[(Op::ConditionalUpdate, 1), (Op::ConditionalUpdate, 32)]
                };
                for &(op, clients) in ops {
                    scenario(base.clone(), op, clients, secs, number, label).await;
                    number += 1;
                }
                emu.shutdown().await;
            }
        }
    });
}
