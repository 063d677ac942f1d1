//! Load generation: whole simulated calls (four webhooks each) at a fixed concurrency,
//! bounded both in number of calls and in wall time, to loopback only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};

use crate::webhook::{call_script, call_sid, Step, Target, PATH};

/// Figures of one load phase.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Phase {
    pub concurrency: usize,
    pub calls: u64,
    pub webhooks_ok: u64,
    pub webhooks_failed: u64,
    /// Answers that were 2xx but not TwiML.
    pub not_twiml: u64,
    pub seconds: f64,
    pub webhooks_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// p50 and p99 of each step of the call script alone (initial webhook, first gather,
    /// second gather, status callback): which step the tail belongs to.
    pub by_step: Vec<StepLatency>,
    /// CPU time (user + system) the function server's process tree used in this phase.
    pub server_cpu_ms: f64,
    /// That CPU time per answered webhook: what a webhook costs, whatever else runs on
    /// the machine.
    pub server_cpu_us_per_webhook: f64,
    /// The emulator's CPU per webhook (more Sync requests per webhook cost more here).
    pub emulator_cpu_us_per_webhook: f64,
    /// The load generator's own CPU per webhook (signing, HTTP client).
    pub harness_cpu_us_per_webhook: f64,
}

/// The latency of one step of the call script over a phase.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StepLatency {
    pub step: String,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// CPU seconds used so far by each process that shares the machine during a phase.
#[derive(Clone, Copy, Debug)]
pub struct Cpu {
    pub server: f64,
    pub emulator: f64,
    pub harness: f64,
}

impl Phase {
    /// Records the CPU each process spent between two snapshots.
    pub fn set_cpu(&mut self, before: Cpu, after: Cpu) {
        self.server_cpu_ms = (after.server - before.server) * 1e3;
        if self.webhooks_ok > 0 {
            let per = |seconds: f64| seconds * 1e6 / self.webhooks_ok as f64;
            self.server_cpu_us_per_webhook = per(after.server - before.server);
            self.emulator_cpu_us_per_webhook = per(after.emulator - before.emulator);
            self.harness_cpu_us_per_webhook = per(after.harness - before.harness);
        }
    }
}

pub struct Limits {
    pub concurrency: usize,
    pub max_calls: u64,
    pub max_time: Duration,
}

/// Runs calls until `max_calls` have started or `max_time` has passed; calls in flight
/// finish. `side` and `first_sid` keep CallSids unique across phases.
pub async fn run(target: &Target, limits: &Limits, side: u8, first_sid: u64) -> Phase {
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + limits.max_time;
    let started = Instant::now();
    let workers = (0..limits.concurrency).map(|_| {
        let next = Arc::clone(&next);
        let target = target.clone();
        let max_calls = limits.max_calls;
        async move {
            let mut latencies = Vec::new();
            let (mut failed, mut not_twiml, mut calls) = (0u64, 0u64, 0u64);
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= max_calls {
                    break;
                }
                calls += 1;
                let sid = call_sid(side, first_sid + n);
                // Gathers go where the last TwiML's <Gather action> points, as Twilio's do.
                let mut action = PATH.to_owned();
                for (index, step) in call_script().into_iter().enumerate() {
                    let path = if matches!(step, Step::Gather(_)) {
                        action.clone()
                    } else {
                        PATH.to_owned()
                    };
                    match target.send_to(&path, &sid, &step, None).await {
                        Ok(answer) if answer.ok() => {
                            latencies.push((index, answer.latency));
                            // A status callback's body is ignored by Twilio; voice steps need TwiML.
                            if !answer.twiml && !matches!(step, Step::Completed) {
                                not_twiml += 1;
                            }
                            if let Some(next) = answer.gather_action {
                                action = next;
                            }
                        }
                        _ => failed += 1,
                    }
                }
            }
            (latencies, failed, not_twiml, calls)
        }
    });
    let results = join_all(workers).await;
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies: Vec<(usize, Duration)> = Vec::new();
    let mut phase = Phase {
        concurrency: limits.concurrency,
        seconds,
        ..Phase::default()
    };
    for (l, failed, not_twiml, calls) in results {
        latencies.extend(l);
        phase.webhooks_failed += failed;
        phase.not_twiml += not_twiml;
        phase.calls += calls;
    }
    let steps = call_script();
    phase.by_step = steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let mut alone: Vec<Duration> = latencies
                .iter()
                .filter(|(i, _)| *i == index)
                .map(|(_, d)| *d)
                .collect();
            alone.sort();
            StepLatency {
                step: step.label(index),
                p50_ms: percentile_ms(&alone, 50.0),
                p99_ms: percentile_ms(&alone, 99.0),
            }
        })
        .collect();
    let mut latencies: Vec<Duration> = latencies.into_iter().map(|(_, d)| d).collect();
    latencies.sort();
    phase.webhooks_ok = latencies.len() as u64;
    phase.webhooks_per_sec = if seconds > 0.0 {
        phase.webhooks_ok as f64 / seconds
    } else {
        0.0
    };
    phase.p50_ms = percentile_ms(&latencies, 50.0);
    phase.p99_ms = percentile_ms(&latencies, 99.0);
    phase.max_ms = latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3);
    phase
}

/// Nearest-rank percentile of sorted samples, in milliseconds (0 when there are none).
pub fn percentile_ms(sorted: &[Duration], pct: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted.len()) - 1;
    sorted[idx].as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v[..1], 99.0), 1.0);
        assert_eq!(percentile_ms(&[], 50.0), 0.0);
    }
}
