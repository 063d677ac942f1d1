//! Child processes under measurement: spawning in their own process group, waiting for a
//! line on stdout, peak RSS of a whole process tree from /proc, and stopping by group id.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// A free loopback port. Another process could take it before the child binds it; the
/// child then fails to start and the harness reports that, which is fine for a benchmark.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("bind 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A running child: its own process group, so that stopping it also stops what it forked.
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub pid: u32,
    pub started: Instant,
}

impl Proc {
    /// Spawns `cmd` with stderr appended to `log` and stdout piped (see [`Proc::watch_stdout`]).
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Proc> {
        let err =
            std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .process_group(0)
            .kill_on_drop(true);
        let started = Instant::now();
        let child = cmd.spawn().with_context(|| format!("start {name}"))?;
        let pid = child.id().context("child has no pid")?;
        Ok(Proc {
            name: name.to_owned(),
            child,
            pid,
            started,
        })
    }

    /// Takes stdout; if `wanted` is given, reads lines until one satisfies it and returns
    /// that line. The rest of stdout is copied to `log` in the background so the child
    /// never blocks on a full pipe.
    pub async fn watch_stdout(
        &mut self,
        log: &Path,
        wanted: Option<&(dyn Fn(&str) -> bool + Sync)>,
        timeout: Duration,
    ) -> Result<Option<String>> {
        let stdout: ChildStdout = self.child.stdout.take().context("stdout already taken")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut file = tokio::fs::File::create(log).await?;
        let mut found = None;
        if let Some(wanted) = wanted {
            let deadline = Instant::now() + timeout;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let line = match tokio::time::timeout(left, lines.next_line()).await {
                    Err(_) => bail!(
                        "{}: no ready line within {timeout:?} (see {})",
                        self.name,
                        log.display()
                    ),
                    Ok(line) => line?,
                };
                let Some(line) = line else {
                    bail!(
                        "{}: exited before it was ready (see {})",
                        self.name,
                        log.display()
                    );
                };
                file.write_all(line.as_bytes()).await?;
                file.write_all(b"\n").await?;
                if wanted(&line) {
                    found = Some(line);
                    break;
                }
            }
        }
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = file.write_all(line.as_bytes()).await;
                let _ = file.write_all(b"\n").await;
            }
        });
        Ok(found)
    }

    /// Sum of VmHWM (peak resident set) over this process and its descendants, in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        tree_pids(self.pid)
            .iter()
            .filter_map(|pid| vm_hwm_kib(*pid))
            .sum()
    }

    /// CPU time (user + system) used so far by this process and its live descendants.
    pub fn cpu_seconds(&self) -> f64 {
        let ticks: u64 = tree_pids(self.pid)
            .iter()
            .filter_map(|pid| cpu_ticks(*pid))
            .sum();
        ticks as f64 / clock_ticks_per_second()
    }

    /// Whether the child has exited already (then its start failed or it crashed).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after a grace period.
    pub async fn stop(mut self) {
        let group = format!("-{}", self.pid);
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &group])
            .status();
        if tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .is_err()
        {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &group])
                .status();
            let _ = self.child.wait().await;
        }
    }
}

/// CPU seconds this process (all its threads) has used.
pub fn own_cpu_seconds() -> f64 {
    cpu_ticks(std::process::id()).unwrap_or(0) as f64 / clock_ticks_per_second()
}

/// `root` and every live descendant, from the parent links in /proc/*/stat.
fn tree_pids(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_pid(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            out.extend(kids);
        }
        i += 1;
    }
    out
}

fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime of one process, in clock ticks (fields 14 and 15 of `/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `getconf CLK_TCK`, which is 100 on every Linux this runs on; asked once.
fn clock_ticks_per_second() -> f64 {
    static TCK: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_peak_rss_is_read() {
        let pid = std::process::id();
        let kib = vm_hwm_kib(pid).unwrap_or(0);
        assert!(kib > 100, "VmHWM of the test process: {kib} KiB");
        assert!(tree_pids(pid).contains(&pid));
    }

    #[test]
    fn own_cpu_time_grows_with_work() {
        let pid = std::process::id();
        let before = cpu_ticks(pid).unwrap_or(u64::MAX);
        // Burn CPU until the counter moves (a tick is 10 ms), bounded in wall time.
        let started = std::time::Instant::now();
        let mut x = 0u64;
        let mut after = before;
        while after <= before && started.elapsed() < Duration::from_secs(5) {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            after = cpu_ticks(pid).unwrap_or(0);
        }
        assert!(after > before, "ticks {before} -> {after}");
    }
}
