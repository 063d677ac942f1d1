//! `callflow flow diff OLD NEW`: revisions of flows/order-line.json and of the bundled
//! TOML flow made here (a rename, a changed say, a rewired transition, canvas moves
//! only), in text and SVG, and as git's external diff driver in a real repository.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{text, BIN};

const ORDER_LINE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");
const SUPPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/flows/support.toml");

fn diff(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["flow", "diff"])
        .args(args)
        .output()
        .expect("callflow flow diff runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The order line with `edit` applied to each state.
fn order_line(edit: impl Fn(&mut serde_json::Value)) -> String {
    let mut flow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ORDER_LINE).expect("order line"))
            .expect("JSON");
    for state in flow["states"].as_array_mut().expect("states") {
        edit(state);
    }
    serde_json::to_string_pretty(&flow).expect("JSON")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// The revision the tests review: `bye` renamed `farewell`, `greet` says something else,
/// the menu's timeout goes straight to `farewell`, and `greet` moved on the canvas.
fn reviewed(state: &mut serde_json::Value) {
    if state["name"] == "bye" {
        state["name"] = "farewell".into();
    }
    let menu = state["name"] == "menu";
    for t in state["transitions"].as_array_mut().expect("transitions") {
        if t["next"] == "bye" {
            t["next"] = "farewell".into();
        }
        if menu && t["event"] == "timeout" {
            t["next"] = "farewell".into();
        }
    }
    if state["name"] == "greet" {
        state["properties"]["say"] = "Welcome to Acme, {{trigger.call.From}}.".into();
        state["properties"]["offset"] = serde_json::json!({"x": 40, "y": 240});
    }
}

#[test]
fn a_studio_revision_is_reviewed_by_widget_with_renames_liquid_and_rewiring_and_moves_apart() {
    let dir = tempfile::tempdir().expect("dir");
    let old = write(dir.path(), "old.json", &order_line(|_| {}));
    let new = write(dir.path(), "new.json", &order_line(reviewed));

    let output = diff(&[&old, &new]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "--- {old}\n+++ {new}\n\
             ~ widget bye renamed to farewell\n\
             ~ widget greet: say: \"Welcome to Acme.\" → \"Welcome to Acme, {{{{trigger.call.From}}}}.\"\n\
             ~ widget menu: on timeout: count_timeouts → farewell\n\
             # 1 widget(s) moved on the canvas too (--offsets lists them)\n"
        ),
        "{}",
        text(&output)
    );
    let listed = stdout(&diff(&["--offsets", &old, &new]));
    assert!(
        listed.contains(
            "canvas moves (no change of behaviour):\n  widget greet: (0, 200) → (40, 240)\n"
        ),
        "{listed}"
    );

    // Canvas moves alone are no change: exit 0, one note; the same file: nothing at all.
    let moved = write(
        dir.path(),
        "moved.json",
        &order_line(|state| {
            if let Some(offset) = state["properties"].get_mut("offset") {
                offset["x"] = (offset["x"].as_i64().unwrap_or(0) + 25).into();
            }
        }),
    );
    let output = diff(&[&old, &moved]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        stdout(&output).starts_with("# no change of behaviour; 20 widget(s) moved"),
        "{}",
        text(&output)
    );
    let same = diff(&[&old, &old]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(stdout(&same), "");

    // SVG: the new flow, changed widgets and the rewired transition marked in the markup
    // and by a visible marker, not by colour alone.
    let output = diff(&["--format", "svg", &old, &new]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let svg = stdout(&output);
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(
        svg.contains(
            r#"class="stage terminal renamed" data-change="renamed" data-stage="farewell""#
        ),
        "{svg}"
    );
    assert!(svg.contains(r#"class="stage changed" data-change="changed" data-stage="greet""#));
    assert!(svg.contains(r#"class="stage changed" data-change="changed" data-stage="menu""#));
    assert!(svg.contains(
        r#"class="edge rewired" data-change="rewired" data-from="menu" data-to="farewell""#
    ));
    assert!(svg.contains("~ renamed from bye"), "a visible marker");
    assert!(svg.contains("~ changed"), "a visible marker");
    assert!(
        !svg.contains(r#"data-change="moved""#),
        "moves unmarked by default"
    );
}

#[test]
fn a_toml_revision_is_reviewed_by_stage() {
    let dir = tempfile::tempdir().expect("dir");
    let original = std::fs::read_to_string(SUPPORT).expect("support flow");
    let old = write(dir.path(), "old.toml", &original);
    let edited = original
        .replace("= \"outage\"", "= \"outage_notice\"")
        .replace("[stages.outage]", "[stages.outage_notice]")
        .replacen(r#""3" = "agent""#, r#""3" = "technical""#, 1)
        .replacen(
            "Thanks for calling Acme support.",
            "Thanks for calling the new Acme.",
            1,
        );
    let new = write(dir.path(), "new.toml", &edited);
    let output = diff(&[&old, &new]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let review = stdout(&output);
    for line in [
        "~ stage outage renamed to outage_notice\n",
        "~ stage welcome: say: \"Thanks for calling Acme support.\" → \"Thanks for calling the new Acme.\"\n",
        "~ stage welcome: on 3: agent → technical\n",
    ] {
        assert!(review.contains(line), "{line}in:\n{review}");
    }
    assert_eq!(review.lines().count(), 5, "{review}");
}

fn git(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_EXTERNAL_DIFF")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", text(&output));
    output
}

#[test]
fn git_diff_shows_the_semantic_diff_through_gitattributes() {
    let dir = tempfile::tempdir().expect("dir");
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::create_dir(repo.join("flows")).expect("mkdir");
    std::fs::write(repo.join(".gitattributes"), "flows/*.json diff=callflow\n").expect("write");
    git(
        repo,
        &[
            "config",
            "diff.callflow.command",
            &format!("{BIN} flow diff"),
        ],
    );
    std::fs::write(repo.join("flows/order-line.json"), order_line(|_| {})).expect("write");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "order line"]);
    std::fs::write(repo.join("flows/order-line.json"), order_line(reviewed)).expect("write");

    let shown = stdout(&git(repo, &["diff"]));
    assert!(
        shown.contains(
            "--- a/flows/order-line.json\n+++ b/flows/order-line.json\n\
             ~ widget bye renamed to farewell\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("~ widget menu: on timeout: count_timeouts → farewell"),
        "{shown}"
    );
    assert!(!shown.contains("\"offset\""), "no JSON lines: {shown}");

    // `git difftool -x` passes the two files.
    let tool = stdout(&git(
        repo,
        &["difftool", "-y", "-x", &format!("{BIN} flow diff")],
    ));
    assert!(tool.contains("~ widget bye renamed to farewell"), "{tool}");
}
