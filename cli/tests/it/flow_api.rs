//! `callflow flow push` and `flow pull` against the Studio Flows API `callflow serve`
//! emulates: a flow created, pulled back unchanged, updated with a commit message as
//! revision 2; a flow with problems refused before it is sent (and Studio's own 400
//! explained when it is forced); an unknown flow and wrong credentials in a line.

use std::process::{Command, Output};

use serde_json::Value;

use super::support::*;

const FLOW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");

/// `callflow flow ARGS` run where `serve` runs (its development credentials), with
/// `TWILIO_STUDIO_URL` set to it.
fn flow(server: &Server, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    without_config_vars(&mut command)
        .arg("flow")
        .args(args)
        .env("TWILIO_STUDIO_URL", &server.base_url)
        .current_dir(server.dir.path())
        .output()
        .expect("callflow flow runs")
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

#[test]
fn push_then_pull_round_trips_and_an_update_is_revision_2() {
    let server = serve(&[]);
    let pushed = flow(&server, &["push", FLOW]);
    let out = text(&pushed);
    assert_eq!(pushed.status.code(), Some(0), "{out}");
    let stdout = String::from_utf8_lossy(&pushed.stdout).into_owned();
    let sid = stdout
        .split_whitespace()
        .find(|w| w.starts_with("FW") && w.len() == 34)
        .unwrap_or_else(|| panic!("no FW… SID printed: {out}"))
        .to_owned();
    assert_eq!(stdout.trim(), format!("created {sid} revision 1 (draft)"));

    let pulled = flow(&server, &["pull", &sid, "-o", "x.json"]);
    assert_eq!(pulled.status.code(), Some(0), "{}", text(&pulled));
    let original = read_json(std::path::Path::new(FLOW));
    assert_eq!(read_json(&server.dir.path().join("x.json")), original);
    // Written as the Console exports: its keys in the Console's order.
    let written = std::fs::read_to_string(server.dir.path().join("x.json")).expect("read");
    assert!(written.starts_with("{\n  \"description\": "), "{written}");

    let updated = flow(
        &server,
        &[
            "push",
            FLOW,
            "--sid",
            &sid,
            "--message",
            "second take",
            "--publish",
        ],
    );
    let out = text(&updated);
    assert_eq!(updated.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("updated {sid} revision 2 (published)")),
        "{out}"
    );

    // Revision 1 is still there, and the commit message is on revision 2.
    let first = flow(&server, &["pull", &sid, "--revision", "1", "--resource"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let resource: Value = serde_json::from_slice(&first.stdout).expect("resource JSON");
    assert_eq!(resource["revision"], 1);
    assert_eq!(resource["status"], "draft");
    assert_eq!(resource["definition"], original);
    let revisions: Value = reqwest::blocking::Client::new()
        .get(format!("{}/v2/Flows/{sid}/Revisions", server.base_url))
        .basic_auth(&server.account_sid, Some(&server.auth_token))
        .send()
        .expect("GET revisions")
        .json()
        .expect("JSON");
    assert_eq!(revisions["revisions"][0]["revision"], 2);
    assert_eq!(revisions["revisions"][0]["commit_message"], "second take");
    assert_eq!(revisions["revisions"][1]["revision"], 1);
}

#[test]
fn problems_unknown_flows_and_bad_credentials_are_explained() {
    let server = serve(&[]);
    let mut broken = read_json(std::path::Path::new(FLOW));
    let greet = broken["states"]
        .as_array()
        .and_then(|s| s.iter().position(|s| s["name"] == "greet"))
        .expect("greet widget");
    broken["states"][greet]["transitions"][0]["next"] = Value::from("nowhere");
    let path = server.dir.path().join("broken.json");
    std::fs::write(&path, serde_json::to_string_pretty(&broken).expect("JSON")).expect("write");
    let path = path.to_str().expect("UTF-8 path");

    // callflow's own checks run first: nothing is sent.
    let refused = flow(&server, &["push", path]);
    let out = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{out}");
    assert!(
        out.contains("not pushed (--force pushes it anyway)"),
        "{out}"
    );
    assert!(out.contains("nowhere"), "{out}");

    // Forced, Studio refuses it with each problem, named by widget.
    let forced = flow(&server, &["push", path, "--force"]);
    let out = text(&forced);
    assert_eq!(forced.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "refused the flow definition (400, code 20001: Invalid Flow Definition), 1 problem(s):"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "#/states/{greet}/transitions/0/next (widget `greet`): Transition to unknown widget 'nowhere'"
        )),
        "{out}"
    );

    let missing = flow(&server, &["pull", "FWdoesnotexist"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    let error = the_error(&missing);
    assert!(
        error.starts_with("error: there is no flow FWdoesnotexist in account AC"),
        "{error}"
    );
    assert!(error.contains("(404, code 20404"), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");

    let wrong = flow(
        &server,
        &[
            "pull",
            "FWdoesnotexist",
            "--account-sid",
            &server.account_sid,
            "--auth-token",
            "wrong",
        ],
    );
    let error = the_error(&wrong);
    assert!(error.contains("refused the credentials"), "{error}");
    assert!(error.contains("(401, code 20003"), "{error}");
}
