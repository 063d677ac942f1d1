//! `callflow flow graph`: the committed diagram is current; dot and mermaid output.

use std::process::Command;

use super::support::*;

/// The diagram in the README is generated; it must match what the code draws today.
#[test]
fn the_committed_flow_diagram_is_up_to_date() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let output = Command::new(BIN)
        .args(["flow", "graph", "shared/flows/support.toml"])
        .current_dir(root)
        .output()
        .expect("callflow flow graph runs");
    assert!(output.status.success());
    let committed = std::fs::read_to_string(format!("{root}/shared/flows/support.svg"))
        .expect("shared/flows/support.svg is committed");
    assert!(
        String::from_utf8_lossy(&output.stdout) == committed,
        "shared/flows/support.svg is stale: run `cargo run -p callflow-cli -- flow graph \
         shared/flows/support.toml -o shared/flows/support.svg`"
    );
}

#[test]
fn flow_graph_writes_dot_and_mermaid_and_refuses_a_bad_flow() {
    let dot = Command::new(BIN)
        .args(["flow", "graph", "--format", "dot"])
        .output()
        .expect("runs");
    assert!(dot.status.success());
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(dot.starts_with("digraph flow {"), "{dot}");
    assert!(
        dot.contains("\"welcome\" -> \"technical\" [label=\"2\"];"),
        "{dot}"
    );

    let mermaid = Command::new(BIN)
        .args(["flow", "graph", "--format", "mermaid"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&mermaid.stdout).starts_with("flowchart TD\n"));

    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "start = \"nowhere\"\n[stages.a]\nend = { hangup = true }\n",
    )
    .expect("write");
    let refused = Command::new(BIN)
        .args(["flow", "graph"])
        .arg(&bad)
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nowhere"));
}

/// A reader that goes away before the output is written (`callflow flow graph | head -1`)
/// ends the command quietly: exit 0, nothing on stderr, no panic.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let mut child = Command::new(BIN)
        .args(["flow", "graph", "--format", "dot"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("callflow flow graph starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("callflow flow graph ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "{stderr}");
}
