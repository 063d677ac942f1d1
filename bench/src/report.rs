//! Everything a run produces: the result model (serialised to `latest.json`), the table
//! printed to the terminal (also `latest.md`), and the SVG chart the README shows.

use serde::{Deserialize, Serialize};

use crate::floor::Floor;
use crate::lambda::FnResult;
use crate::load::Phase;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StepRequests {
    pub initial: f64,
    pub gather: f64,
    pub completed: f64,
    /// Raw counts per webhook: initial, gather, status callback.
    pub samples: [Vec<u64>; 3],
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LostUpdates {
    pub sent: usize,
    pub answered_ok: usize,
    pub recorded: usize,
    pub lost: usize,
    /// Sync API requests the concurrent gathers made (retries on revision conflicts included).
    pub sync_requests: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SideResult {
    pub side: String,
    pub error: Option<String>,
    pub startup_ms: Vec<f64>,
    pub startup_median_ms: Option<f64>,
    pub c1: Option<Phase>,
    pub c32: Option<Phase>,
    pub peak_rss_kib: Option<u64>,
    /// Sync API requests per webhook over the whole concurrency-1 phase.
    pub sync_requests_per_webhook: Option<f64>,
    /// Sync API requests per step on a warm function (mean over a few calls).
    pub sync_requests_per_step: Option<StepRequests>,
    pub lost_updates: Option<LostUpdates>,
}

#[derive(Debug, Default, Serialize)]
pub struct Meta {
    pub date: String,
    pub machine: String,
    pub cpus: usize,
    pub kernel: String,
    /// /proc/loadavg when the run started: other work on the machine skews the figures.
    pub load_average: String,
    pub versions: Vec<(String, String)>,
    pub settings: Vec<(String, String)>,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub meta: Meta,
    /// callflow as deployed (no call index).
    pub rust: Option<SideResult>,
    /// `callflow serve` with its call index on.
    pub rust_index: Option<SideResult>,
    pub node: Option<SideResult>,
    pub lambda: Vec<FnResult>,
    /// What a webhook cannot go below on this machine (c=1).
    pub floor: Option<Floor>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub met: Option<bool>,
    pub detail: String,
}

/// One comparable figure: how to read it from a side, and which direction is better.
struct Metric {
    label: &'static str,
    unit: &'static str,
    higher_is_better: bool,
    get: fn(&SideResult) -> Option<f64>,
}

fn metrics() -> Vec<Metric> {
    vec![
        Metric {
            label: "webhook p50, c=1",
            unit: "ms",
            higher_is_better: false,
            get: |s| s.c1.as_ref().map(|p| p.p50_ms),
        },
        Metric {
            label: "webhook p99, c=1",
            unit: "ms",
            higher_is_better: false,
            get: |s| s.c1.as_ref().map(|p| p.p99_ms),
        },
        Metric {
            label: "throughput, c=1",
            unit: "webhooks/s",
            higher_is_better: true,
            get: |s| s.c1.as_ref().map(|p| p.webhooks_per_sec),
        },
        Metric {
            label: "webhook p50, c=32",
            unit: "ms",
            higher_is_better: false,
            get: |s| s.c32.as_ref().map(|p| p.p50_ms),
        },
        Metric {
            label: "webhook p99, c=32",
            unit: "ms",
            higher_is_better: false,
            get: |s| s.c32.as_ref().map(|p| p.p99_ms),
        },
        Metric {
            label: "throughput, c=32",
            unit: "webhooks/s",
            higher_is_better: true,
            get: |s| s.c32.as_ref().map(|p| p.webhooks_per_sec),
        },
        Metric {
            label: "server CPU per webhook, c=32",
            unit: "µs",
            higher_is_better: false,
            get: |s| s.c32.as_ref().map(|p| p.server_cpu_us_per_webhook),
        },
        Metric {
            label: "emulator CPU per webhook, c=32",
            unit: "µs",
            higher_is_better: false,
            get: |s| s.c32.as_ref().map(|p| p.emulator_cpu_us_per_webhook),
        },
        Metric {
            label: "start-up to first answer",
            unit: "ms",
            higher_is_better: false,
            get: |s| s.startup_median_ms,
        },
        Metric {
            label: "peak RSS under load",
            unit: "MiB",
            higher_is_better: false,
            get: |s| s.peak_rss_kib.map(|k| k as f64 / 1024.0),
        },
        Metric {
            label: "Sync requests / webhook",
            unit: "req",
            higher_is_better: false,
            get: |s| s.sync_requests_per_webhook,
        },
        Metric {
            label: "Sync requests, initial (warm)",
            unit: "req",
            higher_is_better: false,
            get: |s| s.sync_requests_per_step.as_ref().map(|r| r.initial),
        },
        Metric {
            label: "Sync requests, gather (warm)",
            unit: "req",
            higher_is_better: false,
            get: |s| s.sync_requests_per_step.as_ref().map(|r| r.gather),
        },
        Metric {
            label: "Sync requests, status cb (warm)",
            unit: "req",
            higher_is_better: false,
            get: |s| s.sync_requests_per_step.as_ref().map(|r| r.completed),
        },
        Metric {
            label: "Sync requests for 50 concurrent gathers",
            unit: "req",
            higher_is_better: false,
            get: |s| s.lost_updates.as_ref().map(|l| l.sync_requests as f64),
        },
        Metric {
            label: "lost updates of 50 gathers",
            unit: "",
            higher_is_better: false,
            get: |s| s.lost_updates.as_ref().map(|l| l.lost as f64),
        },
    ]
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e9 => format!("{v:.0}"),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// Each measure of this run against a previous run's `latest.json` (`--compare FILE`), per
/// side: before, now, and the change, marked `better` / `worse` beyond `noise` percent, so
/// that a slide between releases shows up in a note.
pub fn compare(previous: &serde_json::Value, now: &Report, noise: f64) -> String {
    let side = |name: &str| -> Option<SideResult> {
        serde_json::from_value(previous.get(name)?.clone()).ok()
    };
    let (old_rust, old_index, old_node) = (side("rust"), side("rust_index"), side("node"));
    let mut out =
        String::from("| measure | side | before | now | change |\n|---|---|---:|---:|---|\n");
    for m in metrics() {
        for (name, old, new) in [
            ("callflow", old_rust.as_ref(), now.rust.as_ref()),
            (
                "callflow + index",
                old_index.as_ref(),
                now.rust_index.as_ref(),
            ),
            ("Node", old_node.as_ref(), now.node.as_ref()),
        ] {
            let (Some(old), Some(new)) =
                (old.and_then(|s| (m.get)(s)), new.and_then(|s| (m.get)(s)))
            else {
                continue;
            };
            let change = if old == 0.0 {
                if new == 0.0 {
                    "=".to_owned()
                } else {
                    "new".to_owned()
                }
            } else {
                let pct = (new - old) / old * 100.0;
                let better = if m.higher_is_better {
                    pct > 0.0
                } else {
                    pct < 0.0
                };
                let verdict = if pct.abs() < noise {
                    "within noise"
                } else if better {
                    "better"
                } else {
                    "worse"
                };
                format!("{pct:+.1}% ({verdict})")
            };
            out.push_str(&format!(
                "| {} | {name} | {} {unit} | {} {unit} | {change} |\n",
                m.label,
                fmt(Some(old)),
                fmt(Some(new)),
                unit = m.unit
            ));
        }
    }
    out
}

/// How many times better callflow is (>1 means callflow wins), whichever the direction.
fn advantage(higher_is_better: bool, rust: Option<f64>, node: Option<f64>) -> String {
    match (rust, node) {
        (Some(r), Some(n)) if higher_is_better && n > 0.0 => format!("{:.1}×", r / n),
        (Some(r), Some(n)) if !higher_is_better && r > 0.0 => format!("{:.1}×", n / r),
        (Some(r), Some(n)) if r == 0.0 && n == 0.0 => "=".into(),
        (Some(_), Some(_)) => "∞".into(),
        _ => "n/a".into(),
    }
}

/// Checks the targets against what was measured.
pub fn targets(report: &Report) -> Vec<Target> {
    let (r, n) = (report.rust.as_ref(), report.node.as_ref());
    let pair = |f: &dyn Fn(&SideResult) -> Option<f64>| (r.and_then(f), n.and_then(f));
    let mut out = Vec::new();
    // The targets of issue 20, each a ratio to Node measured in the same run.
    let mut ratio =
        |name: &str, (rv, nv): (Option<f64>, Option<f64>), factor: f64, higher: bool| {
            let met = match (rv, nv) {
                (Some(rv), Some(nv)) if higher => Some(rv >= factor * nv),
                (Some(rv), Some(nv)) => Some(rv * factor <= nv),
                _ => None,
            };
            let times = match (rv, nv) {
                (Some(rv), Some(nv)) if rv > 0.0 && nv > 0.0 => {
                    format!(", {:.1}×", if higher { rv / nv } else { nv / rv })
                }
                _ => String::new(),
            };
            out.push(Target {
                name: name.into(),
                met,
                detail: format!("callflow {} vs Node {}{times}", fmt(rv), fmt(nv)),
            });
        };
    ratio(
        "throughput c=32 ≥ 10× Node",
        pair(&|s| s.c32.as_ref().map(|p| p.webhooks_per_sec)),
        10.0,
        true,
    );
    ratio(
        "p99 c=32 ≤ 1/10 Node",
        pair(&|s| s.c32.as_ref().map(|p| p.p99_ms)),
        10.0,
        false,
    );
    ratio(
        "server CPU per webhook c=32 ≤ 1/15 Node",
        pair(&|s| s.c32.as_ref().map(|p| p.server_cpu_us_per_webhook)),
        15.0,
        false,
    );
    ratio(
        "peak RSS ≤ 1/12 Node",
        pair(&|s| s.peak_rss_kib.map(|k| k as f64 / 1024.0)),
        12.0,
        false,
    );
    let p50 = r.and_then(|s| s.c1.as_ref().map(|p| p.p50_ms));
    let floor = report.floor.as_ref().map(|f| f.webhook_floor_ms);
    out.push(Target {
        name: "p50 c=1 within 2× the measured floor".into(),
        met: p50.zip(floor).map(|(p50, floor)| p50 <= 2.0 * floor),
        detail: format!("callflow {} ms, floor {} ms", fmt(p50), fmt(floor)),
    });
    let initial = r.and_then(|s| s.sync_requests_per_step.as_ref().map(|x| x.initial));
    out.push(Target {
        name: "exactly 1 Sync request per new call (deployed)".into(),
        met: initial.map(|g| (g - 1.0).abs() < 1e-9),
        detail: format!(
            "callflow {}; with serve's call index {}",
            fmt(initial),
            fmt(report
                .rust_index
                .as_ref()
                .and_then(|s| s.sync_requests_per_step.as_ref().map(|x| x.initial)))
        ),
    });
    let gather = r.and_then(|s| s.sync_requests_per_step.as_ref().map(|x| x.gather));
    out.push(Target {
        name: "exactly 1 Sync request per warm gather".into(),
        met: gather.map(|g| (g - 1.0).abs() < 1e-9),
        detail: format!("callflow {}", fmt(gather)),
    });
    let lost = r.and_then(|s| s.lost_updates.as_ref().map(|l| l.lost));
    out.push(Target {
        name: "zero lost updates".into(),
        met: lost.map(|l| l == 0),
        detail: format!(
            "callflow {} lost, Node {} lost",
            lost.map_or("n/a".into(), |l| l.to_string()),
            n.and_then(|s| s.lost_updates.as_ref().map(|l| l.lost.to_string()))
                .unwrap_or("n/a".into())
        ),
    });
    out
}

/// The comparison as a Markdown table (also what the terminal shows).
pub fn table(report: &Report) -> String {
    let mut s = String::new();
    s.push_str("| measure | unit | callflow (deployed) | callflow (serve, call index) | Node baseline | callflow advantage |\n");
    s.push_str("|---|---|---:|---:|---:|---:|\n");
    for m in metrics() {
        let rv = report.rust.as_ref().and_then(|x| (m.get)(x));
        let iv = report.rust_index.as_ref().and_then(|x| (m.get)(x));
        let nv = report.node.as_ref().and_then(|x| (m.get)(x));
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            m.label,
            m.unit,
            fmt(rv),
            fmt(iv),
            fmt(nv),
            advantage(m.higher_is_better, rv, nv)
        ));
    }
    for side in [&report.rust, &report.rust_index, &report.node]
        .into_iter()
        .flatten()
    {
        for (name, phase) in [("c=1", &side.c1), ("c=32", &side.c32)] {
            if let Some(p) = phase {
                if p.webhooks_failed > 0 || p.not_twiml > 0 {
                    s.push_str(&format!(
                        "\n{} {name}: {} webhooks failed, {} answered without TwiML",
                        side.side, p.webhooks_failed, p.not_twiml
                    ));
                }
            }
        }
        if let Some(e) = &side.error {
            s.push_str(&format!("\n{}: {e}", side.side));
        }
    }
    if !report.lambda.is_empty() {
        s.push_str("\n\nLambda shape (callflow): `cargo lambda build --release` bootstraps, exec → first invocation answered through a local runtime API (median of runs)\n\n");
        s.push_str("| function | bootstrap size | exec → runtime API poll | exec → first answer | first status |\n|---|---:|---:|---:|---:|\n");
        for f in &report.lambda {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                f.name,
                f.bootstrap_bytes
                    .map_or("n/a".into(), |b| format!("{:.2} MiB", b as f64 / 1048576.0)),
                f.exec_to_next_ms
                    .map_or("n/a".into(), |v| format!("{v:.1} ms")),
                f.exec_to_first_response_ms
                    .map_or("n/a".into(), |v| format!("{v:.1} ms")),
                f.first_status.map_or("n/a".into(), |v| v.to_string()),
            ));
            if let Some(e) = &f.error {
                s.push_str(&format!("\n{}: {e}\n", f.name));
            }
        }
    }
    if let Some(f) = &report.floor {
        s.push_str(&format!(
            "\n\nFloor at c=1 on this machine: {} ms (p50) through a relay process and a store process that commits once (WAL, synchronous=NORMAL), nothing else in the chain. Its parts alone: one loopback HTTP round trip in one thread {} ms, one commit {} ms (two round trips and a commit added up: {} ms; the wake-ups of a hop between processes are the difference)\n",
            fmt(Some(f.webhook_floor_ms)),
            fmt(Some(f.loopback_round_trip_ms)),
            fmt(Some(f.commit_ms)),
            fmt(Some(f.parts_sum_ms))
        ));
    }
    let sides_by_step: Vec<_> = [&report.rust, &report.rust_index, &report.node]
        .into_iter()
        .flatten()
        .filter_map(|side| Some((side.side.as_str(), side.c32.as_ref()?)))
        .filter(|(_, p)| !p.by_step.is_empty())
        .collect();
    if !sides_by_step.is_empty() {
        s.push_str("\n\nLatency by step at c=32, p50 / p99 (ms): which step the tail belongs to\n\n| side |");
        for step in &sides_by_step[0].1.by_step {
            s.push_str(&format!(" {} |", step.step));
        }
        s.push_str(&format!(
            "\n|---|{}\n",
            "---:|".repeat(sides_by_step[0].1.by_step.len())
        ));
        for (side, phase) in &sides_by_step {
            s.push_str(&format!("| {side} |"));
            for step in &phase.by_step {
                s.push_str(&format!(
                    " {} / {} |",
                    fmt(Some(step.p50_ms)),
                    fmt(Some(step.p99_ms))
                ));
            }
            s.push('\n');
        }
    }
    s.push_str("\n\nTargets\n\n");
    for t in &report.targets {
        let mark = match t.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "not measured",
        };
        s.push_str(&format!("- {}: **{mark}** ({})\n", t.name, t.detail));
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A chart panel: title, unit line, whether higher is better, how to read the figure.
type Panel = (
    &'static str,
    &'static str,
    bool,
    fn(&SideResult) -> Option<f64>,
);

/// A small-multiples bar chart: one panel per headline figure, callflow beside Node.
pub fn svg(report: &Report) -> String {
    let panels: Vec<Panel> = vec![
        (
            "Throughput, c=32",
            "webhooks/s, higher is better",
            true,
            |s| s.c32.as_ref().map(|p| p.webhooks_per_sec),
        ),
        (
            "Throughput, c=1",
            "webhooks/s, higher is better",
            true,
            |s| s.c1.as_ref().map(|p| p.webhooks_per_sec),
        ),
        ("Webhook p99, c=32", "ms, lower is better", false, |s| {
            s.c32.as_ref().map(|p| p.p99_ms)
        }),
        ("Webhook p99, c=1", "ms, lower is better", false, |s| {
            s.c1.as_ref().map(|p| p.p99_ms)
        }),
        (
            "Start-up to first answer",
            "ms, lower is better",
            false,
            |s| s.startup_median_ms,
        ),
        ("Peak RSS under load", "MiB, lower is better", false, |s| {
            s.peak_rss_kib.map(|k| k as f64 / 1024.0)
        }),
        (
            "Sync requests per gather",
            "warm function, lower is better",
            false,
            |s| s.sync_requests_per_step.as_ref().map(|r| r.gather),
        ),
        (
            "Lost updates",
            "of 50 concurrent gathers, one call",
            false,
            |s| s.lost_updates.as_ref().map(|l| l.lost as f64),
        ),
    ];
    let (cols, pw, ph) = (4usize, 240.0, 190.0);
    let rows = panels.len().div_ceil(cols);
    let width = cols as f64 * pw + 20.0;
    let top = 50.0;
    let footer_lines = 4 + report.lambda.len().min(3);
    let height = top + rows as f64 * ph + 20.0 + footer_lines as f64 * 16.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
    );
    let rtt = report
        .meta
        .settings
        .iter()
        .find(|(k, v)| k == "sync_rtt_ms" && v != "0")
        .map_or(String::new(), |(_, v)| format!(", {v} ms Sync round trip"));
    s.push_str(&format!(
        "<text x=\"10\" y=\"24\" font-size=\"17\" font-weight=\"bold\">callflow (Rust) vs Node Twilio Functions, same sync-emulator{}</text>\n<rect x=\"{}\" y=\"12\" width=\"12\" height=\"12\" fill=\"#d9480f\"/><text x=\"{}\" y=\"23\" font-size=\"12\">callflow</text><rect x=\"{}\" y=\"12\" width=\"12\" height=\"12\" fill=\"#2b8a3e\"/><text x=\"{}\" y=\"23\" font-size=\"12\">Node (twilio-run)</text>\n",
        esc(&rtt), width - 230.0, width - 214.0, width - 150.0, width - 134.0
    ));
    for (i, (title, unit, higher, get)) in panels.iter().enumerate() {
        let x0 = 10.0 + (i % cols) as f64 * pw;
        let y0 = top + (i / cols) as f64 * ph;
        let rv = report.rust.as_ref().and_then(get);
        let nv = report.node.as_ref().and_then(get);
        let max = rv.unwrap_or(0.0).max(nv.unwrap_or(0.0)).max(1e-9);
        s.push_str(&format!(
            "<text x=\"{x0}\" y=\"{}\" font-size=\"12.5\" font-weight=\"bold\">{}</text>\n<text x=\"{x0}\" y=\"{}\" font-size=\"10.5\" fill=\"#495057\">{}</text>\n",
            y0 + 12.0,
            esc(title),
            y0 + 26.0,
            esc(unit)
        ));
        let base = y0 + ph - 50.0;
        let adv = advantage(*higher, rv, nv);
        let label = match adv.as_str() {
            "n/a" | "=" => None,
            // callflow at zero (lost updates): a ratio means nothing, the two counts do.
            "∞" => Some(format!("callflow 0, Node {}", fmt(nv))),
            _ => Some(format!("callflow {adv} better")),
        };
        if let Some(label) = label {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#d9480f\" text-anchor=\"middle\">{}</text>\n",
                x0 + 112.5,
                base + 32.0,
                esc(&label)
            ));
        }
        let bar_h = ph - 95.0;
        for (j, (label, v, color)) in [("callflow", rv, "#d9480f"), ("Node", nv, "#2b8a3e")]
            .iter()
            .enumerate()
        {
            let bx = x0 + 40.0 + j as f64 * 85.0;
            let h = v
                .map_or(0.0, |v| (v / max) * bar_h)
                .max(if v.is_some() { 1.0 } else { 0.0 });
            s.push_str(&format!(
                "<rect x=\"{bx}\" y=\"{:.1}\" width=\"60\" height=\"{h:.1}\" fill=\"{color}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{label}</text>\n",
                base - h,
                bx + 30.0,
                base - h - 4.0,
                fmt(*v),
                bx + 30.0,
                base + 14.0
            ));
        }
        s.push_str(&format!(
            "<line x1=\"{}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#868e96\"/>\n",
            x0 + 30.0,
            x0 + 195.0
        ));
    }
    let mut y = top + rows as f64 * ph + 10.0;
    let meta = &report.meta;
    let versions: Vec<String> = meta
        .versions
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let lines = [
        format!(
            "{} · {} · {} CPUs · Linux {} · load average at start {}",
            meta.date, meta.machine, meta.cpus, meta.kernel, meta.load_average
        ),
        versions.join(" · "),
        meta.settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" · "),
        "Lambda (callflow, cargo lambda build --release):".to_owned(),
    ];
    for line in lines.iter() {
        s.push_str(&format!(
            "<text x=\"10\" y=\"{y}\" font-size=\"11\" fill=\"#495057\">{}</text>\n",
            esc(line)
        ));
        y += 16.0;
    }
    for f in report.lambda.iter().take(3) {
        let line = format!(
            "  {}: bootstrap {}, exec → first answered invocation {}",
            f.name,
            f.bootstrap_bytes
                .map_or("n/a".into(), |b| format!("{:.2} MiB", b as f64 / 1048576.0)),
            f.exec_to_first_response_ms
                .map_or("n/a".into(), |v| format!("{v:.1} ms")),
        );
        s.push_str(&format!(
            "<text x=\"10\" y=\"{y}\" font-size=\"11\" fill=\"#495057\">{}</text>\n",
            esc(&line)
        ));
        y += 16.0;
    }
    s.push_str("</svg>\n");
    s
}
