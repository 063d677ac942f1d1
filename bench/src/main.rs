//! `callflow-bench`: runs callflow's Rust functions and the Node baseline (the seed's Twilio
//! Functions under twilio-run) against the same `sync-emulator` on this machine, and writes
//! the comparison as a table, `results/latest.json`, `results/latest.md` and `results/latest.svg`.
//! Everything it sends goes to 127.0.0.1; every loop is bounded in count and time.

mod delay;
mod emulator;
mod floor;
mod lambda;
mod load;
mod procs;
mod report;
mod sides;
mod sign;
mod webhook;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use futures_util::future::join_all;
use serde_json::Value;

use emulator::Emulator;
use report::{LostUpdates, Meta, Report, SideResult, StepRequests};
use sides::{Kind, Launch};
use webhook::{call_script, call_sid, Step};

/// Credentials shared by the emulator and both sides (all local, made up).
#[derive(Clone, Debug)]
pub struct Creds {
    /// The account both sides and the emulator use (`AC…`).
    pub account_sid: String,
    /// The auth token Twilio would sign webhooks with; the load generator signs with it.
    pub auth_token: String,
    /// The token the sides present to the emulator's Sync API (HTTP basic password).
    pub api_token: String,
}

#[derive(Parser, Debug)]
#[command(about = "callflow vs Node Twilio Functions, same Sync emulator, one table")]
struct Args {
    /// sync-emulator binary.
    #[arg(long, default_value = "target/release/sync-emulator")]
    emulator_bin: PathBuf,
    /// callflow CLI binary (`callflow serve`).
    #[arg(long, default_value = "target/release/callflow")]
    callflow_bin: PathBuf,
    /// Replace the callflow start command: words with {bin}, {port}, {sync_url}.
    #[arg(long)]
    rust_cmd: Option<String>,
    /// The Node baseline project (with node_modules from `npm ci`).
    #[arg(long, default_value = "bench/node-baseline")]
    node_dir: PathBuf,
    /// Where `cargo lambda build --release` put the bootstraps.
    #[arg(long, default_value = "target/lambda")]
    lambda_dir: PathBuf,
    /// Output folder for latest.json / latest.md / latest.svg.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Scratch folder for process logs.
    #[arg(long, default_value = "bench/out/tmp")]
    logs: PathBuf,
    /// Sides to run: `rust` is callflow as deployed (no call index), `rust-index` is
    /// `callflow serve` with its call index on, `node` the Twilio Functions baseline.
    #[arg(long, value_delimiter = ',', default_value = "rust,rust-index,node", value_parser = ["rust", "rust-index", "node"])]
    sides: Vec<String>,
    /// Skip the Lambda-shaped measure.
    #[arg(long)]
    no_lambda: bool,
    /// Exit with status 1 unless every target of the issue is met.
    #[arg(long)]
    check: bool,
    /// A previous run's latest.json: print each measure before / now / change (and write
    /// compare.md beside latest.md).
    #[arg(long, value_name = "FILE")]
    compare: Option<PathBuf>,
    /// With --compare: changes smaller than this many percent are called noise.
    #[arg(long, default_value_t = 15.0)]
    noise_percent: f64,
    /// Calls (4 webhooks each) at concurrency 1.
    #[arg(long, default_value_t = 500)]
    calls_c1: u64,
    /// Calls at concurrency 32.
    #[arg(long, default_value_t = 5000)]
    calls_c32: u64,
    /// Wall-time cap of each load phase, seconds.
    #[arg(long, default_value_t = 20)]
    phase_seconds: u64,
    /// Concurrent gathers for one call in the lost-update test.
    #[arg(long, default_value_t = 50)]
    lost_gathers: usize,
    /// Simulated network round trip to Sync, in ms (a delaying proxy in front of the
    /// emulator; 0 = direct, as on one machine).
    #[arg(long, default_value_t = 0)]
    sync_rtt_ms: u64,
    /// Fresh starts measured for the start-up figure (median).
    #[arg(long, default_value_t = 3)]
    startups: usize,
    /// Internal: run as one server of the floor's chain (`relay` or `store`).
    #[arg(long, hide = true)]
    floor_role: Option<String>,
    /// Internal: the floor server's argument (the store's database, the relay's next URL).
    #[arg(long, hide = true)]
    floor_arg: Option<String>,
}

const WARMUP_CALLS: u64 = 25;
const STEP_SAMPLE_CALLS: u64 = 5;

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(role) = &args.floor_role {
        return floor::run_role(role, args.floor_arg.as_deref());
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(mut args: Args) -> Result<()> {
    // Read before the run: it may be the very latest.json this run overwrites.
    let previous = match &args.compare {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("read {}", path.display()))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a bench result", path.display()))?;
            Some(value)
        }
    };
    // Children run in other folders (twilio-run in the project dir): make paths absolute.
    for path in [
        &mut args.emulator_bin,
        &mut args.callflow_bin,
        &mut args.node_dir,
        &mut args.lambda_dir,
        &mut args.logs,
    ] {
        *path = std::path::absolute(&*path)?;
    }
    std::fs::create_dir_all(&args.logs)?;
    std::fs::create_dir_all(&args.out)?;
    let creds = Creds {
        account_sid: "AC0123456789abcdef0123456789abcdef".into(),
        // twilio-run insists on a 32-character alphanumeric token.
        auth_token: "0b5e0c7b1f2a4d6e8c9a0b1c2d3e4f50".into(),
        api_token: "bench-api-token".into(),
    };
    let launch = Launch {
        callflow_bin: args.callflow_bin.clone(),
        rust_cmd: args.rust_cmd.clone(),
        node_dir: args.node_dir.clone(),
        logs: args.logs.clone(),
        creds: creds.clone(),
    };
    // One pooled keep-alive client for all webhooks, as Twilio's edge keeps connections open.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .pool_max_idle_per_host(256)
        .build()?;

    let mut report = Report {
        meta: meta(&args),
        ..Report::default()
    };
    eprintln!("== floor (two hops between processes and one commit)");
    match floor::measure(&client, &args.logs).await {
        Ok(floor) => report.floor = Some(floor),
        Err(e) => eprintln!("floor: {e:#}"),
    }
    for (kind, tag) in [
        (Kind::Rust, 1u8),
        (Kind::RustIndexed, 3u8),
        (Kind::Node, 2u8),
    ] {
        if !args.sides.iter().any(|s| s == kind.label()) {
            continue;
        }
        eprintln!("== {} side", kind.label());
        let result = match run_side(&args, &launch, &client, &creds, kind, tag).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{} side failed: {e:#}", kind.label());
                SideResult {
                    side: kind.label().into(),
                    error: Some(format!("{e:#}")),
                    ..SideResult::default()
                }
            }
        };
        match kind {
            Kind::Rust => report.rust = Some(result),
            Kind::RustIndexed => report.rust_index = Some(result),
            Kind::Node => report.node = Some(result),
        }
    }
    if !args.no_lambda && args.sides.iter().any(|s| s == "rust") {
        eprintln!("== lambda shape");
        match Emulator::start(&args.emulator_bin, &creds, &args.logs, "lambda").await {
            Ok(emu) => {
                let sync_url = if args.sync_rtt_ms > 0 {
                    delay::start(&emu.base_url, Duration::from_millis(args.sync_rtt_ms)).await?
                } else {
                    emu.base_url.clone()
                };
                report.lambda =
                    lambda::measure(&args.lambda_dir, &creds, &sync_url, &args.logs).await;
                emu.proc.stop().await;
            }
            Err(e) => eprintln!("lambda: emulator failed: {e:#}"),
        }
    }
    report.targets = report::targets(&report);

    let table = report::table(&report);
    println!("{table}");
    write(
        &args.out.join("latest.json"),
        &serde_json::to_string_pretty(&report)?,
    )?;
    write(
        &args.out.join("latest.md"),
        &format!("{}\n\n{table}", meta_line(&report.meta)),
    )?;
    write(&args.out.join("latest.svg"), &report::svg(&report))?;
    eprintln!("wrote {}/latest.{{json,md,svg}}", args.out.display());
    if let Some(previous) = &previous {
        let date = previous["meta"]["date"].as_str().unwrap_or("?").to_owned();
        let table = report::compare(previous, &report, args.noise_percent);
        println!(
            "\nagainst {date} (changes under {}% are noise):\n{table}",
            args.noise_percent
        );
        write(
            &args.out.join("compare.md"),
            &format!(
                "Against the run of {date}; changes under {}% are called noise.\n\n{table}",
                args.noise_percent
            ),
        )?;
    }
    if args.check && report.targets.iter().any(|t| t.met != Some(true)) {
        eprintln!("--check: not every target is met");
        std::process::exit(1);
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
}

async fn run_side(
    args: &Args,
    launch: &Launch,
    client: &reqwest::Client,
    creds: &Creds,
    kind: Kind,
    tag: u8,
) -> Result<SideResult> {
    let label = kind.label();
    let emu = Emulator::start(&args.emulator_bin, creds, &args.logs, label).await?;
    let mut result = SideResult {
        side: label.into(),
        ..SideResult::default()
    };
    let outcome = measure_side(args, launch, client, &emu, kind, tag, &mut result).await;
    emu.proc.stop().await;
    if let Err(e) = outcome {
        result.error = Some(format!("{e:#}"));
        eprintln!("{label}: {e:#}");
    }
    Ok(result)
}

async fn measure_side(
    args: &Args,
    launch: &Launch,
    client: &reqwest::Client,
    emu: &Emulator,
    kind: Kind,
    tag: u8,
    result: &mut SideResult,
) -> Result<()> {
    let mut sid_counter: u64 = 1 << 40;
    let mut fresh_sid = || {
        sid_counter += 1;
        call_sid(tag, sid_counter)
    };

    // Start-up: process start to the first answered webhook, over a few fresh starts; the
    // last server stays up for the load phases.
    // The function server talks to Sync directly, or through the delaying proxy.
    let sync_url = if args.sync_rtt_ms > 0 {
        delay::start(&emu.base_url, Duration::from_millis(args.sync_rtt_ms)).await?
    } else {
        emu.base_url.clone()
    };
    let mut server = None;
    for i in 0..args.startups.max(1) {
        let s = launch.start(kind, &sync_url, client, &fresh_sid()).await?;
        let ms = s.startup.as_secs_f64() * 1e3;
        eprintln!("  start-up {}: {ms:.0} ms", i + 1);
        result.startup_ms.push(ms);
        if i + 1 < args.startups.max(1) {
            s.proc.stop().await;
        } else {
            server = Some(s);
        }
    }
    let server = server.context("no server")?;
    let mut sorted = result.startup_ms.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    result.startup_median_ms = sorted.get(sorted.len() / 2).copied();
    let target = &server.target;

    let outcome: Result<()> = async {
        // Warm-up (JIT, connection pools, caches), not measured.
        load::run(
            target,
            &load::Limits {
                concurrency: 4,
                max_calls: WARMUP_CALLS,
                max_time: Duration::from_secs(20),
            },
            tag,
            1 << 20,
        )
        .await;

        // Sync requests per step on a warm function.
        let (mut initial, mut gather, mut completed) = (Vec::new(), Vec::new(), Vec::new());
        for n in 0..STEP_SAMPLE_CALLS {
            let sid = call_sid(tag, (1 << 24) + n);
            let mut action = webhook::PATH.to_owned();
            for step in call_script() {
                let path = match step {
                    Step::Gather(_) => action.clone(),
                    _ => webhook::PATH.to_owned(),
                };
                emu.reset_stats().await?;
                let answer = target.send_to(&path, &sid, &step, None).await?;
                anyhow::ensure!(answer.ok(), "{step:?} answered {}", answer.status);
                if let Some(next) = answer.gather_action {
                    action = next;
                }
                let count = emu.stats().await?;
                match step {
                    Step::Initial => initial.push(count),
                    Step::Gather(_) => gather.push(count),
                    Step::Completed => completed.push(count),
                }
            }
        }
        let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len().max(1) as f64;
        let per = StepRequests {
            initial: mean(&initial),
            gather: mean(&gather),
            completed: mean(&completed),
            samples: [initial, gather, completed],
        };
        eprintln!(
            "  Sync requests per step: initial {:.2}, gather {:.2}, status {:.2}",
            per.initial, per.gather, per.completed
        );
        result.sync_requests_per_step = Some(per);

        let max_time = Duration::from_secs(args.phase_seconds);
        emu.reset_stats().await?;
        let cpu_before = cpu_snapshot(&server.proc, &emu.proc);
        let mut c1 = load::run(
            target,
            &load::Limits {
                concurrency: 1,
                max_calls: args.calls_c1,
                max_time,
            },
            tag,
            1 << 28,
        )
        .await;
        c1.set_cpu(cpu_before, cpu_snapshot(&server.proc, &emu.proc));
        let requests = emu.stats().await?;
        let sent = c1.webhooks_ok + c1.webhooks_failed;
        if sent > 0 {
            result.sync_requests_per_webhook = Some(requests as f64 / sent as f64);
        }
        eprintln!(
            "  c=1: {:.0} webhooks/s, p50 {:.2} ms, p99 {:.2} ms, {} failed",
            c1.webhooks_per_sec, c1.p50_ms, c1.p99_ms, c1.webhooks_failed
        );
        result.c1 = Some(c1);

        let cpu_before = cpu_snapshot(&server.proc, &emu.proc);
        let mut c32 = load::run(
            target,
            &load::Limits {
                concurrency: 32,
                max_calls: args.calls_c32,
                max_time,
            },
            tag,
            1 << 32,
        )
        .await;
        c32.set_cpu(cpu_before, cpu_snapshot(&server.proc, &emu.proc));
        eprintln!(
            "  c=32: {:.0} webhooks/s, p50 {:.2} ms, p99 {:.2} ms, {} failed",
            c32.webhooks_per_sec, c32.p50_ms, c32.p99_ms, c32.webhooks_failed
        );
        result.c32 = Some(c32);

        let lost = lost_updates(target, emu, &fresh_sid(), args.lost_gathers).await?;
        eprintln!(
            "  lost updates: {} of {} ({} answered 2xx)",
            lost.lost, lost.sent, lost.answered_ok
        );
        result.lost_updates = Some(lost);
        Ok(())
    }
    .await;
    result.peak_rss_kib = Some(server.proc.peak_rss_kib());
    server.proc.stop().await;
    outcome
}

/// CPU seconds used so far by the function server, the emulator and this harness.
fn cpu_snapshot(server: &procs::Proc, emulator: &procs::Proc) -> load::Cpu {
    load::Cpu {
        server: server.cpu_seconds(),
        emulator: emulator.cpu_seconds(),
        harness: procs::own_cpu_seconds(),
    }
}

/// Creates one call, fires `n` gathers for it at once (distinct Digits and idempotency
/// tokens, so each is a distinct delivery), then counts what the document kept.
async fn lost_updates(
    target: &webhook::Target,
    emu: &Emulator,
    sid: &str,
    n: usize,
) -> Result<LostUpdates> {
    let first = target.send(sid, &Step::Initial, None).await?;
    anyhow::ensure!(first.ok(), "initial webhook answered {}", first.status);
    // All of them answer the same <Gather>, as retries and double submissions would.
    let action = first
        .gather_action
        .unwrap_or_else(|| webhook::PATH.to_owned());
    let digits: Vec<String> = (0..n).map(|i| format!("{}", 100 + i)).collect();
    let sends = digits.iter().enumerate().map(|(i, d)| {
        let token = format!("bench-{sid}-{i}");
        let action = &action;
        async move {
            target
                .send_to(action, sid, &Step::Gather(d.clone()), Some(&token))
                .await
        }
    });
    emu.reset_stats().await?;
    let answers = join_all(sends).await;
    // What the 50 deliveries cost in Sync requests, revision-conflict retries included.
    let sync_requests = emu.stats().await?;
    let answered_ok = answers
        .iter()
        .filter(|a| matches!(a, Ok(a) if a.ok()))
        .count();
    let data = emu.document(&format!("call-{sid}")).await?;
    let selections: Vec<String> = data
        .get("selections")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(selection_text).collect())
        .unwrap_or_default();
    let recorded = digits
        .iter()
        .filter(|d| selections.iter().any(|s| s == *d))
        .count();
    Ok(LostUpdates {
        sent: n,
        answered_ok,
        recorded,
        lost: n - recorded,
        sync_requests,
    })
}

/// A selection is the raw digit string (Node baseline) or an object holding it (callflow
/// may record `{digits, ...}`); find the input either way.
fn selection_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(map) => ["digits", "Digits", "input", "value", "selection"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned(),
        other => other.to_string(),
    }
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn npm_version(node_dir: &Path, package: &str) -> String {
    std::fs::read_to_string(
        node_dir
            .join("node_modules")
            .join(package)
            .join("package.json"),
    )
    .ok()
    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    .and_then(|v| v.get("version").and_then(Value::as_str).map(str::to_owned))
    .unwrap_or_else(|| "n/a".into())
}

fn meta(args: &Args) -> Meta {
    let now = time::OffsetDateTime::now_utc();
    let date = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or(String::new(), |k| {
            format!(", {:.1} GiB RAM", k as f64 / 1048576.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let versions = vec![
        (
            "callflow".into(),
            command_output("git", &["describe", "--always", "--dirty"])
                .map_or("n/a".into(), |c| format!("git {c}")),
        ),
        (
            "rustc".into(),
            command_output("rustc", &["--version"])
                .map_or("n/a".into(), |v| v.trim_start_matches("rustc ").to_owned()),
        ),
        (
            "node".into(),
            command_output("node", &["--version"]).unwrap_or_else(|| "n/a".into()),
        ),
        (
            "twilio-run".into(),
            npm_version(&args.node_dir, "twilio-run"),
        ),
        ("twilio (npm)".into(), npm_version(&args.node_dir, "twilio")),
        (
            "cargo-lambda".into(),
            command_output("cargo-lambda", &["lambda", "--version"]).map_or("n/a".into(), |v| {
                v.trim_start_matches("cargo-lambda ").to_owned()
            }),
        ),
    ];
    let settings = vec![
        ("calls_c1".into(), args.calls_c1.to_string()),
        ("calls_c32".into(), args.calls_c32.to_string()),
        ("phase_cap_s".into(), args.phase_seconds.to_string()),
        ("lost_gathers".into(), args.lost_gathers.to_string()),
        ("sync_rtt_ms".into(), args.sync_rtt_ms.to_string()),
        (
            // bench/run says how it built the bootstraps.
            "lambda_build".into(),
            std::env::var("CALLFLOW_BENCH_LAMBDA_BUILD").unwrap_or_else(|_| "unknown".into()),
        ),
        ("twilio-run".into(), "--no-live --no-fork-process".into()),
    ];
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    Meta {
        date,
        load_average,
        machine: format!("{cpu}{mem}"),
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        kernel,
        versions,
        settings,
    }
}

fn meta_line(meta: &Meta) -> String {
    let versions: Vec<String> = meta
        .versions
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    format!(
        "{} · {} · {} CPUs · Linux {} · load average at start {}\n\n{}",
        meta.date,
        meta.machine,
        meta.cpus,
        meta.kernel,
        meta.load_average,
        versions.join(" · ")
    )
}
