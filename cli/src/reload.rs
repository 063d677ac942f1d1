//! `callflow serve` follows its flow file: it polls the file (and, for a Studio flow, the
//! subflow folder's `.json` files) for a change of modification time or length, loads
//! the flow again with the code that loaded it at start ([`Services::reload`]), and swaps
//! it in when it loads cleanly: one line on stdout. An edit that does not load keeps the
//! running flow and prints every problem, `file:line:col`, on stderr.
//!
//! Polling (every [`INTERVAL`]) rather than file-system events: no platform code, and
//! editors that save by renaming a new file over the old are seen the same way.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use callflow::runtime::Services;

/// How often the files are looked at.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// What is compared from one look to the next: each watched file's path, modification
/// time and length (`None`: missing).
type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

/// Starts following the flow file of `services`, if it has one (the bundled flow never
/// changes). The task runs until the process ends.
pub fn watch(services: Services) -> Option<tokio::task::JoinHandle<()>> {
    let flow = services.config.flow_path.clone()?;
    let subflows = services.config.subflows_dir.clone();
    Some(tokio::spawn(async move {
        let mut seen = fingerprint(&flow, subflows.as_deref());
        loop {
            tokio::time::sleep(INTERVAL).await;
            let now = fingerprint(&flow, subflows.as_deref());
            if now == seen {
                continue;
            }
            // An editor may still be writing: wait for the files to hold still.
            tokio::time::sleep(INTERVAL / 5).await;
            let settled = fingerprint(&flow, subflows.as_deref());
            if settled != now {
                continue;
            }
            seen = settled;
            // Written, not `println!`: a closed stdout must not end the watch.
            let (out, err) = report(&services, &flow);
            if let Some(line) = out {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            if let Some(text) = err {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
        }
    }))
}

/// Reloads, and says what happened: a line for stdout on success, the problems for stderr
/// otherwise.
pub fn report(services: &Services, flow: &Path) -> (Option<String>, Option<String>) {
    let name = flow.display();
    match services.reload() {
        Ok(reloaded) => (Some(format!("reloaded {name}: {}", reloaded.summary)), None),
        Err(error) => (
            None,
            Some(format!(
                "{name} changed but cannot be loaded; still serving the previous version:\n{}",
                problems(&error.to_string())
            )),
        ),
    }
}

/// Every problem on its own indented line (the error's first line is its summary when
/// problems follow it).
fn problems(error: &str) -> String {
    let lines: Vec<&str> = error.lines().collect();
    let lines = match lines.as_slice() {
        [summary, rest @ ..] if !rest.is_empty() && summary.ends_with(':') => rest,
        all => all,
    };
    lines
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The watched files as they are now: the flow file and, when it is a Studio flow (by its
/// `.json` name), every `.json` file of its subflow folder (given, or the flow's folder).
fn fingerprint(flow: &Path, subflows: Option<&Path>) -> Fingerprint {
    let mut files = vec![(flow.to_path_buf(), stamp(flow))];
    let studio = flow
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if studio || subflows.is_some() {
        let dir = subflows
            .map(Path::to_path_buf)
            .or_else(|| flow.parent().map(Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut found: Fingerprint = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("json"))
                .filter(|p| p.as_path() != flow)
                .map(|p| {
                    let s = stamp(&p);
                    (p, s)
                })
                .collect();
            found.sort();
            files.extend(found);
        }
    }
    files
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_listed_one_per_line_without_the_summary() {
        assert_eq!(
            problems("flow is invalid:\nf.json:3:5: widget `a`: x\nf.json:9:1: y"),
            "  f.json:3:5: widget `a`: x\n  f.json:9:1: y"
        );
        assert_eq!(
            problems("cannot read flow file f.toml: gone"),
            "  cannot read flow file f.toml: gone"
        );
    }

    #[test]
    fn a_change_of_the_flow_or_a_subflow_changes_the_fingerprint() {
        let dir = tempfile::tempdir().expect("dir");
        let flow = dir.path().join("line.json");
        let sub = dir.path().join("sub.json");
        std::fs::write(&flow, "{}").expect("write");
        std::fs::write(&sub, "{}").expect("write");
        let before = fingerprint(&flow, None);
        assert_eq!(before.len(), 2);
        std::fs::write(&sub, "{ }").expect("write");
        assert_ne!(fingerprint(&flow, None), before);
        std::fs::remove_file(&flow).expect("remove");
        assert_eq!(fingerprint(&flow, None)[0].1, None);
    }
}
