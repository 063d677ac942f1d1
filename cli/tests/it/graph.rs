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
