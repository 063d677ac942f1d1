//! The `callflow` binary as a user runs it: `serve` in one process, `call` and `sign` in
//! others, over loopback.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_callflow");

/// A `callflow serve` child process, killed on drop.
struct Server {
    child: Child,
    base_url: String,
    account_sid: String,
    auth_token: String,
    /// Every line `serve` printed before READY.
    banner: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The value of a `NAME=value` line of the banner.
    fn var(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        self.banner.iter().find_map(|l| {
            l.trim()
                .strip_prefix(&prefix)
                .map(|v| v.split_whitespace().next().unwrap_or_default())
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data", ":memory:"])
        .args(extra)
        .current_dir(dir.path())
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_SYNC_URL")
        .env_remove("PUBLIC_BASE_URL")
        .env_remove("CALLFLOW_API_TOKEN")
        .env_remove("TWILIO_API_KEY")
        .env_remove("TWILIO_API_SECRET")
        .env_remove("SYNC_TOKEN_TTL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("callflow serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let (mut base_url, mut account_sid, mut auth_token) = (None, None, None);
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("banner line");
        banner.push(line.clone());
        let line = line.trim();
        if let Some(v) = line.strip_prefix("TWILIO_ACCOUNT_SID=") {
            account_sid = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("TWILIO_AUTH_TOKEN=") {
            auth_token = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("READY ") {
            base_url = Some(v.to_owned());
            break;
        }
    }
    Server {
        child,
        base_url: base_url.expect("READY line"),
        account_sid: account_sid.expect("account SID printed"),
        auth_token: auth_token.expect("auth token printed"),
        banner,
        _dir: dir,
    }
}

#[test]
fn serve_then_call_walks_the_whole_flow() {
    let server = serve(&[]);
    let output = Command::new(BIN)
        .args([
            "call",
            "--to",
            &format!("{}/store-call-state", server.base_url),
            "--digits",
            "2,1",
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .env_remove("CALLFLOW_API_TOKEN")
        .output()
        .expect("callflow call runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("caller presses: 2"), "{stdout}");
    assert!(stdout.contains("caller presses: 1"), "{stdout}");
    assert!(stdout.contains("hangup"), "{stdout}");
    let state_json = stdout
        .split("final state:")
        .nth(1)
        .expect("final state printed");
    let state: serde_json::Value = serde_json::from_str(state_json.trim()).expect("state is JSON");
    assert_eq!(state["stage"], "outage");
    assert_eq!(state["status"], "completed");
    assert_eq!(state["selections"].as_array().map(Vec::len), Some(2));
}

#[test]
fn calls_signed_with_the_wrong_token_are_refused() {
    let server = serve(&[]);
    let output = Command::new(BIN)
        .args([
            "call",
            "--to",
            &format!("{}/store-call-state", server.base_url),
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", "not-the-token")
        .output()
        .expect("callflow call runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("403"), "{stderr}");
}

#[test]
fn sign_prints_a_curl_command_the_server_accepts() {
    let server = serve(&[]);
    let url = format!("{}/store-call-state", server.base_url);
    // Only the URL: sign fills in what Twilio always sends (AccountSid, CallSid, From, …).
    let output = Command::new(BIN)
        .args(["sign", "--url", &url])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .output()
        .expect("callflow sign runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("filled in: AccountSid="), "{stderr}");
    let curl = stdout
        .lines()
        .find(|line| line.starts_with("curl "))
        .expect("a curl command is printed");
    let answer = sh(curl, std::env::temp_dir().as_path(), &[]);
    assert!(answer.status.success(), "{}", text(&answer));
    let answer = String::from_utf8_lossy(&answer.stdout);
    assert!(answer.contains("<Gather"), "{answer}");
}

/// Runs `command` with `sh -c` in `dir`, with a clean environment apart from `env`
/// (as a new terminal would have): no TWILIO_* variables, and a PATH without cargo's
/// target directories.
fn sh(command: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", dir)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("sh -c {command}: {e}"))
}

fn text(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The commands in a banner: lines `label: command` whose command starts the way a shell
/// command does (`curl`, a `NAME=value` assignment, an absolute path), with their label.
fn printed_commands(banner: &[String]) -> Vec<(String, String)> {
    banner
        .iter()
        .filter_map(|line| {
            let (label, command) = line.trim().split_once(": ")?;
            let runnable = command.starts_with("curl ")
                || command.starts_with('/')
                || command
                    .split_whitespace()
                    .next()
                    .is_some_and(|word| word.contains('=') && word.starts_with(char::is_uppercase));
            (runnable && !label.contains(' ')).then(|| (label.to_owned(), command.to_owned()))
        })
        .collect()
}

#[test]
fn every_command_serve_prints_works_pasted_in_a_new_terminal() {
    let server = serve(&[]);
    let commands = printed_commands(&server.banner);
    let labels: Vec<&str> = commands.iter().map(|(label, _)| label.as_str()).collect();
    assert!(labels.contains(&"try"), "{:#?}", server.banner);
    assert!(labels.contains(&"token"), "{:#?}", server.banner);
    // Another directory than serve's (no .callflow/ there), no callflow on PATH.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    for (label, command) in &commands {
        let output = sh(command, elsewhere.path(), &[]);
        assert!(output.status.success(), "{command}\n{}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains("\"more_info\""), "{command}\n{stdout}");
        match label.as_str() {
            "try" => {
                assert!(stdout.contains("final state:"), "{command}\n{stdout}");
                assert!(stdout.contains("\"status\": \"completed\""), "{stdout}");
            }
            "token" => assert!(stdout.contains("\"token\""), "{command}\n{stdout}"),
            _ => assert!(!stdout.trim().is_empty(), "{command} printed nothing"),
        }
    }
}

/// README.md's ```sh blocks, one entry per command line (comments and blank lines dropped).
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            continue;
        }
        if !in_sh || trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut command = trimmed.to_owned();
        // A here-document belongs to its command, up to its delimiter line.
        if let Some((_, word)) = trimmed.split_once("<<") {
            let delimiter = word.trim().trim_matches(|c| c == '\'' || c == '"');
            for body in lines.by_ref() {
                command.push('\n');
                command.push_str(body);
                if body.trim() == delimiter {
                    break;
                }
            }
        }
        commands.push(command);
    }
    commands
}

/// README commands that this test does not run, each with where it is covered instead.
const NOT_RUN_HERE: [(&str, &str); 9] = [
    ("scripts/test", "the test command itself"),
    (
        "cd tests/conformance-sync-js && npm ci",
        "tests/conformance-sync-js/readme.test.mjs runs the realtime example",
    ),
    (
        "export CALLFLOW_API_TOKEN=",
        "tests/conformance-sync-js/readme.test.mjs runs the realtime example",
    ),
    (
        "node_modules/.bin/node --input-type=module <<'EOF'",
        "tests/conformance-sync-js/readme.test.mjs runs the realtime example",
    ),
    (
        "cargo run -p sync-emulator -- --port 4010 --data :memory: --account-sid $TWILIO_ACCOUNT_SID",
        "scripts/check-lambda-watch runs the cargo lambda watch steps",
    ),
    (
        "cargo lambda watch ",
        "scripts/check-lambda-watch runs the cargo lambda watch steps",
    ),
    (
        "cargo run -p callflow-cli -- call --to http://localhost:9000/",
        "scripts/check-lambda-watch runs the cargo lambda watch steps",
    ),
    ("sam build", "needs an AWS account"),
    ("sam deploy", "needs an AWS account"),
];

/// How the README builds and runs the CLI (`cargo run [--release] -p callflow-cli --`).
fn cli_prefix(command: &str) -> Option<&str> {
    let rest = command.strip_prefix("cargo run ")?;
    let (flags, _) = rest.split_once("-p callflow-cli -- ")?;
    Some(flags.trim())
}

#[test]
fn every_readme_command_works_as_printed() {
    let commands = readme_commands();
    let (not_run, to_run): (Vec<&String>, Vec<&String>) = commands
        .iter()
        .partition(|c| NOT_RUN_HERE.iter().any(|(prefix, _)| c.starts_with(prefix)));
    assert_eq!(
        not_run.len(),
        NOT_RUN_HERE.len(),
        "every command listed as covered elsewhere is still in the README: {not_run:?}"
    );

    // One build for the first run: serve, call and sign all run the same binary.
    let profiles: std::collections::BTreeSet<&str> =
        to_run.iter().filter_map(|c| cli_prefix(c)).collect();
    assert_eq!(
        profiles.len(),
        1,
        "the README builds callflow-cli with one profile, not {profiles:?}"
    );

    let emulator_bin = Path::new(BIN).with_file_name("sync-emulator");
    let mut server: Option<Server> = None;
    let mut ran = 0;
    for command in to_run {
        if cli_prefix(command).is_some() && command.contains("-- serve") {
            let args: Vec<&str> = command
                .split_once("-- serve")
                .map(|(_, args)| args.split_whitespace().collect())
                .unwrap_or_default();
            server = Some(serve(&args));
        } else if let Some(flags) = cli_prefix(command) {
            let server = server
                .as_ref()
                .unwrap_or_else(|| panic!("`{command}` comes before the README starts serve"));
            // As pasted in a second terminal in the same directory, on the port serve took.
            let pasted = command
                .replacen(&format!("cargo run {flags} -p callflow-cli --"), BIN, 1)
                .replace("http://127.0.0.1:3000", &server.base_url);
            let output = sh(&pasted, server._dir.path(), &[]);
            assert!(output.status.success(), "{command}\n{}", text(&output));
            let stdout = String::from_utf8_lossy(&output.stdout);
            if command.contains("-- call ") {
                assert!(
                    stdout.contains("\"status\": \"completed\""),
                    "{command}\n{stdout}"
                );
            } else if command.contains("-- sign ") {
                let curl = stdout
                    .lines()
                    .find(|line| line.starts_with("curl "))
                    .unwrap_or_else(|| panic!("`{command}` prints a curl command:\n{stdout}"));
                let answer = sh(curl, server._dir.path(), &[]);
                let body = String::from_utf8_lossy(&answer.stdout);
                assert!(body.contains("<Response>"), "{curl}\n{}", text(&answer));
            } else {
                panic!("no check for README command `{command}`");
            }
        } else if let Some(args) = command.strip_prefix("cargo run --release -p sync-emulator -- ")
        {
            assert!(
                emulator_bin.exists(),
                "{} is missing: scripts/test builds every binary first (cargo build --workspace --bins)",
                emulator_bin.display()
            );
            let args: Vec<String> = args
                .split_whitespace()
                .map(|arg| {
                    if arg == "4010" {
                        "0".to_owned()
                    } else {
                        arg.to_owned()
                    }
                })
                .collect();
            let mut child = Command::new(&emulator_bin)
                .args(&args)
                .env_remove("TWILIO_ACCOUNT_SID")
                .env_remove("TWILIO_AUTH_TOKEN")
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("sync-emulator starts");
            let stdout = child.stdout.take().expect("stdout");
            let ready = BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .any(|line| line.starts_with("READY http://127.0.0.1:"));
            let _ = child.kill();
            let _ = child.wait();
            assert!(ready, "`{command}` prints READY");
        } else {
            panic!(
                "README command `{command}` is neither run by this test nor listed in NOT_RUN_HERE"
            );
        }
        ran += 1;
    }
    assert!(ran >= 4, "serve, call, sign and the emulator run: {ran}");
}

/// `callflow serve` with `args`, run to its exit (it must fail to start), in a fresh directory.
fn serve_fails(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BIN)
        .arg("serve")
        .args(args)
        .current_dir(dir.path())
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("CALLFLOW_FLOW")
        .output()
        .expect("callflow serve runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    (output, dir)
}

/// The one error a failed command printed: stderr holds `error: …` once and nothing else.
fn the_error(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("Caused by"), "{stderr}");
    stderr
}

#[test]
fn a_port_held_by_another_serve_says_so_and_suggests_port() {
    let first = serve(&[]);
    let port = first.base_url.rsplit(':').next().expect("port");
    let (output, _dir) = serve_fails(&["--port", port, "--data", ":memory:"]);
    let error = the_error(&output);
    assert!(
        error.contains("another `callflow serve` is already running"),
        "{error}"
    );
    assert!(error.contains(&first.base_url), "{error}");
    assert!(error.contains("--port"), "{error}");
}

#[test]
fn a_port_held_by_another_program_says_it_is_not_serve() {
    // A listener that accepts and answers nothing callflow would.
    let other = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = other.local_addr().expect("addr").port().to_string();
    let answering = std::thread::spawn(move || {
        if let Ok((mut stream, _)) = other.accept() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ =
                stream.write_all(b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let (output, _dir) = serve_fails(&["--port", &port, "--data", ":memory:"]);
    let error = the_error(&output);
    assert!(error.contains("not `callflow serve`"), "{error}");
    assert!(error.contains("--port"), "{error}");
    let _ = answering.join();
}

#[test]
fn a_bad_flow_file_is_reported_once_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let syntax = dir.path().join("typo.toml");
    std::fs::write(
        &syntax,
        "start = \"a\"\ncolour = 1\n[stages.a]\nend = { hangup = true }\n",
    )
    .expect("write");
    let (output, _cwd) = serve_fails(
        &["--port", "0", "--data", ":memory:", "--flow"]
            .into_iter()
            .chain([syntax.to_str().expect("utf-8 path")])
            .collect::<Vec<_>>(),
    );
    let error = the_error(&output);
    assert!(
        error.contains(&format!("{}:2:1: unknown field `colour`", syntax.display())),
        "{error}"
    );

    let invalid = dir.path().join("orphan.toml");
    std::fs::write(
        &invalid,
        "start = \"a\"\n\n[stages.a]\nend = { hangup = true }\n\n[stages.orphan]\nend = { hangup = true }\n",
    )
    .expect("write");
    let (output, _cwd) = serve_fails(
        &["--port", "0", "--data", ":memory:", "--flow"]
            .into_iter()
            .chain([invalid.to_str().expect("utf-8 path")])
            .collect::<Vec<_>>(),
    );
    let error = the_error(&output);
    assert!(
        error.contains(&format!(
            "{}:6: stage `orphan` is unreachable",
            invalid.display()
        )),
        "{error}"
    );
}

#[test]
fn missing_credentials_name_the_variables() {
    let empty = tempfile::tempdir().expect("temp dir");
    for args in [
        vec!["call", "--to", "http://127.0.0.1:9/store-call-state"],
        vec!["sign", "--url", "http://127.0.0.1:9/store-call-state"],
    ] {
        let output = Command::new(BIN)
            .args(&args)
            .current_dir(empty.path())
            .env_remove("TWILIO_ACCOUNT_SID")
            .env_remove("TWILIO_AUTH_TOKEN")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        let error = the_error(&output);
        assert!(error.contains("TWILIO_ACCOUNT_SID"), "{error}");
        assert!(error.contains("TWILIO_AUTH_TOKEN"), "{error}");
    }
}

#[test]
fn logs_written_to_a_pipe_carry_no_colour() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--port",
            "0",
            "--data",
            ":memory:",
            "--insecure-no-signature",
        ])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // Insecure mode is logged loudly at start: read until that warning, then stop.
    let stderr = child.stderr.take().expect("stderr");
    let mut logged = String::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        logged.push_str(&line);
        logged.push('\n');
        if line.contains("WARN") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(logged.contains("WARN"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "ANSI escape in piped logs: {logged:?}"
    );
}

#[test]
fn call_watch_prints_each_step_with_its_timing_and_stage() {
    let server = serve(&[]);
    let mut child = Command::new(BIN)
        .args([
            "call",
            "--watch",
            "--to",
            &format!("{}/store-call-state", server.base_url),
            "--digits",
            "9,2,1",
        ])
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .env_remove("CALLFLOW_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("callflow call --watch runs");
    let stdout = child.stdout.take().expect("stdout");
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .map(|l| l.expect("line"))
        .collect();
    assert!(child.wait().expect("exits").success(), "{lines:#?}");

    // One header per request: ringing, three gathers answered, the status callback.
    let headers: Vec<&String> = lines.iter().filter(|l| l.starts_with('+')).collect();
    assert_eq!(headers.len(), 5, "{lines:#?}");
    let times: Vec<f64> = headers
        .iter()
        .map(|l| {
            l[1..]
                .split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .expect("ms since start")
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert!(headers[1].contains("Digits=9"), "{}", headers[1]);
    assert!(
        headers[4].contains("CallStatus=completed"),
        "{}",
        headers[4]
    );
    // The stage Sync holds after each step: 9 is not an option (a retry), then 2, then 1.
    let stages: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.trim().strip_prefix("stage "))
        .collect();
    assert_eq!(stages.len(), 5, "{lines:#?}");
    assert!(stages[0].starts_with("welcome  retries 0  status ringing"));
    assert!(stages[1].starts_with("welcome  retries 1"), "{}", stages[1]);
    assert!(
        stages[2].starts_with("technical  retries 0"),
        "{}",
        stages[2]
    );
    assert!(stages[3].starts_with("outage "), "{}", stages[3]);
    assert!(stages[4].starts_with("outage  retries 0  status completed  selections 3"));
    assert!(lines.iter().any(|l| l.trim() == "caller presses: 9"));
}

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

/// The `token:` command `serve` prints, run as printed (its header and URL), answers a
/// token signed with the printed API key, naming the embedded emulator's default service,
/// and the emulator accepts that API key too.
#[test]
fn the_printed_token_command_gets_a_token_the_emulator_can_check() {
    let server = serve(&[]);
    let line = server
        .banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .expect("token command printed");
    let parts: Vec<&str> = line.split('\'').collect();
    assert_eq!(parts.first().map(|p| p.trim()), Some("curl -H"), "{line}");
    let (header, url) = (parts[1], parts[3]);
    let (name, value) = header.split_once(": ").expect("header");
    let socket = format!(
        "ws{}/v3/wsconnect",
        server.base_url.trim_start_matches("http")
    );
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.trim().starts_with(&format!("realtime socket: {socket} "))),
        "{:?}",
        server.banner
    );
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .get(url)
        .header(name, value)
        .send()
        .expect("request")
        .error_for_status()
        .expect("200")
        .json()
        .expect("JSON");
    let (key, secret) = (
        server.var("TWILIO_API_KEY").expect("API key printed"),
        server.var("TWILIO_API_SECRET").expect("API secret printed"),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims =
        callflow::access_token::decode(answer["token"].as_str().expect("token"), secret, now)
            .expect("signed with the printed secret");
    assert_eq!(claims.grants.identity, "alice");
    assert_eq!(claims.iss, key);
    assert_eq!(claims.sub, server.account_sid);

    // The emulator knows the key: REST with it works and shows the service the token names.
    let service: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/v1/Services/default", server.base_url))
        .basic_auth(key, Some(secret))
        .send()
        .expect("request")
        .error_for_status()
        .expect("the emulator accepts the dev API key")
        .json()
        .expect("JSON");
    assert_eq!(
        claims.grants.data_sync.service_sid.as_deref(),
        service["sid"].as_str()
    );
}

/// The development API key and bearer token are kept with the account, so a restarted
/// `serve` in the same directory prints (and accepts) the same ones.
#[test]
fn dev_credentials_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let printed = |dir: &std::path::Path| {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--data", ":memory:"])
            .current_dir(dir)
            .env_remove("TWILIO_ACCOUNT_SID")
            .env_remove("TWILIO_AUTH_TOKEN")
            .env_remove("TWILIO_API_KEY")
            .env_remove("TWILIO_API_SECRET")
            .env_remove("CALLFLOW_API_TOKEN")
            .env_remove("TWILIO_SYNC_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take_while(|l| !l.starts_with("READY"))
            .filter(|l| l.trim().starts_with("TWILIO_") || l.trim().starts_with("CALLFLOW_"))
            .collect();
        let _ = child.kill();
        let _ = child.wait();
        lines
    };
    let first = printed(dir.path());
    assert!(
        first.iter().any(|l| l.contains("TWILIO_API_KEY=SK")),
        "{first:?}"
    );
    assert!(
        first.iter().any(|l| l.contains("CALLFLOW_API_TOKEN=")),
        "{first:?}"
    );
    assert_eq!(printed(dir.path()), first);
}

/// `callflow call` against a `serve` child; the output must be a success.
fn call_through(server: &Server, args: &[&str]) -> (String, serde_json::Value) {
    let output = Command::new(BIN)
        .args([
            "call",
            "--to",
            &format!("{}/store-call-state", server.base_url),
        ])
        .args(args)
        .env("TWILIO_ACCOUNT_SID", &server.account_sid)
        .env("TWILIO_AUTH_TOKEN", &server.auth_token)
        .env_remove("CALLFLOW_API_TOKEN")
        .output()
        .expect("callflow call runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let state_json = stdout
        .split("final state:")
        .nth(1)
        .expect("final state printed");
    let state = serde_json::from_str(state_json.trim()).expect("state is JSON");
    (stdout, state)
}

#[test]
fn call_follows_a_dial_action_with_the_chosen_status_into_voicemail() {
    let server = serve(&[]);
    let (stdout, state) = call_through(
        &server,
        &[
            "--digits",
            "4",
            "--dial-status",
            "no-answer",
            "--recording-duration",
            "17",
            "--transcript",
            "Please call me back.",
        ],
    );
    assert!(stdout.contains("redirect: "), "{stdout}");
    assert!(
        stdout.contains("dial: +15005550010 -> no-answer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("record: caller leaves a 17 s message, ends with #"),
        "{stdout}"
    );
    assert!(
        stdout.contains("recording status callback: completed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("transcription callback: \"Please call me back.\""),
        "{stdout}"
    );
    // The event callbacks were answered as Twilio expects: TwiML for the action, 204 for
    // the asynchronous ones.
    assert!(stdout.contains("event=recording -> 204"), "{stdout}");
    assert!(stdout.contains("event=transcription -> 204"), "{stdout}");
    assert_eq!(state["stage"], "voicemail_thanks");
    assert_eq!(state["dial"]["status"], "no-answer");
    let recording = &state["recording"];
    assert_eq!(recording["duration"], 17);
    assert_eq!(recording["status"], "completed");
    assert_eq!(recording["transcript"], "Please call me back.");
    assert!(recording["url"]
        .as_str()
        .is_some_and(|u| u.contains(&format!("/Accounts/{}/Recordings/RE", server.account_sid))));
    assert_eq!(state["status"], "completed");
}

#[test]
fn call_answers_a_dial_as_completed_by_default_and_reports_a_connect() {
    let server = serve(&[]);
    let (stdout, state) = call_through(&server, &["--digits", "4"]);
    assert!(
        stdout.contains("dial: +15005550010 -> completed"),
        "{stdout}"
    );
    assert_eq!(state["stage"], "sales_done");
    assert_eq!(state["dial"]["duration"], 30);

    let (stdout, state) = call_through(&server, &["--digits", "5"]);
    assert!(
        stdout.contains(
            "connect: ConversationRelay url=wss://assistant.example.com/relay language=en-US \
             voice=en-US-Journey-O welcomeGreeting=Hi! I am the Acme assistant. How can I help? \
             parameters: line=support"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("session ends: completed"), "{stdout}");
    assert_eq!(state["stage"], "assistant_done");
    assert_eq!(state["connect"]["sessionStatus"], "completed");
    assert_eq!(state["connect"]["parameters"]["line"], "support");
}

/// The dashboard's files come from the binary; its token route hands a token for
/// identity `dashboard` to local pages only.
#[test]
fn the_dashboard_is_served_and_its_token_is_for_local_pages_only() {
    let server = serve(&[]);
    let http = reqwest::blocking::Client::new();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.base_url))
            .send()
            .expect("request")
    };
    let page = get("/");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    let html = page.text().expect("body");
    for script in ["/dashboard/twilio-sync.min.js", "/dashboard/app.js"] {
        assert!(html.contains(&format!("src=\"{script}\"")), "{script}");
        let js = get(script);
        assert_eq!(js.status().as_u16(), 200, "{script}");
        assert!(!js.text().expect("body").is_empty());
    }
    assert!(
        !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );
    let svg = get("/dashboard/flow.svg").text().expect("svg");
    assert!(svg.contains("data-stage=\"welcome\""));
    let config: serde_json::Value = get("/dashboard/config.json").json().expect("config");
    assert_eq!(config["callsMap"], "calls");
    assert_eq!(config["presenceMaps"], serde_json::json!(["user-presence"]));

    let token: serde_json::Value = get("/dashboard/token").json().expect("token");
    assert_eq!(token["identity"], "dashboard");
    assert!(token["token"]
        .as_str()
        .is_some_and(|t| t.split('.').count() == 3));

    // A page served under another name (DNS rebinding) or from another site gets nothing.
    let rebound = http
        .get(format!("{}/dashboard/token", server.base_url))
        .header("Host", "attacker.example")
        .send()
        .expect("request");
    assert_eq!(rebound.status().as_u16(), 403);
    let body: serde_json::Value = rebound.json().expect("Twilio-style error");
    assert_eq!(body["status"], 403);
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("127.0.0.1")));
    let cross_site = http
        .get(format!("{}/dashboard/token", server.base_url))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .expect("request");
    assert_eq!(cross_site.status().as_u16(), 403);
}

/// A signed voice webhook to `server`, as Twilio sends one; the status and body.
fn post_signed(server: &Server, path: &str, params: &[(&str, &str)], token: &str) -> (u16, String) {
    use callflow::webhook::{signature, Form};
    let url = format!("{}{path}", server.base_url);
    let form: Form = params.iter().copied().collect();
    let signature = signature::compute_signature(&server.auth_token, &url, &form);
    let response = reqwest::blocking::Client::new()
        .post(&url)
        .header("X-Twilio-Signature", signature)
        .header("I-Twilio-Idempotency-Token", token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_urlencoded())
        .send()
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().expect("body"))
}

fn voice_params<'a>(server: &'a Server, call_sid: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", server.account_sid.as_str()),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", call_sid),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("From", "+15005550006"),
        ("To", "+15005550001"),
    ]
}

/// The call's state as get-call-state answers it, and its size in bytes.
fn state_of(server: &Server, call_sid: &str) -> (serde_json::Value, usize) {
    use callflow::webhook::{signature, Form};
    let url = format!("{}/get-call-state?CallSid={call_sid}", server.base_url);
    let signature = signature::compute_signature(&server.auth_token, &url, &Form::new());
    let text = reqwest::blocking::Client::new()
        .get(&url)
        .header("X-Twilio-Signature", signature)
        .send()
        .expect("request")
        .error_for_status()
        .expect("200")
        .text()
        .expect("body");
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let size = serde_json::to_vec(&value).expect("JSON").len();
    (value, size)
}

#[test]
fn replays_with_huge_idempotency_tokens_do_not_fill_the_call_state() {
    let server = serve(&[]);
    let call_sid = "CA00000000000000000000000000000001";
    let params = voice_params(&server, call_sid);
    let (status, _) = post_signed(&server, "/store-call-state", &params, "first");
    assert_eq!(status, 200);
    // Seven deliveries of one signed gather, each with its own 4 KiB token: before the
    // bound, these pushed the document to Sync's 16 KiB and every later gather got 413.
    let mut gather = params.clone();
    gather.push(("Digits", "9"));
    for n in 0..7 {
        let token = format!("{n}{}", "x".repeat(4095));
        let (status, body) =
            post_signed(&server, "/store-call-state?stage=welcome", &gather, &token);
        assert_eq!(status, 200, "replay {n}: {body}");
    }
    let (state, size) = state_of(&server, call_sid);
    assert!(size < 4096, "{size} bytes: {state}");
    let tokens = state["appliedTokens"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        tokens
            .iter()
            .all(|t| t.as_str().is_some_and(|t| t.len() <= 64)),
        "{tokens:?}"
    );
    // A normal gather still goes through.
    let mut normal = params.clone();
    normal.push(("Digits", "2"));
    let (status, body) = post_signed(
        &server,
        "/store-call-state?stage=welcome",
        &normal,
        "normal-token",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Response>"), "{body}");
}

#[test]
fn hundreds_of_long_speech_results_keep_the_call_state_writable() {
    let server = serve(&[]);
    let call_sid = "CA00000000000000000000000000000002";
    let params = voice_params(&server, call_sid);
    assert_eq!(
        post_signed(&server, "/store-call-state", &params, "start").0,
        200
    );
    let mut to_technical = params.clone();
    to_technical.push(("Digits", "2"));
    let (status, body) = post_signed(
        &server,
        "/store-call-state?stage=welcome",
        &to_technical,
        "to-technical",
    );
    assert_eq!(status, 200, "{body}");
    let speech = "my internet keeps dropping out every few minutes ".repeat(40);
    for n in 0..200 {
        let mut gather = params.clone();
        gather.push(("SpeechResult", speech.as_str()));
        gather.push(("Confidence", "0.9"));
        let token = format!("speech-{n}");
        // Answers for a stage the call may have left are kept as stale, never refused.
        let (status, body) = post_signed(
            &server,
            "/store-call-state?stage=technical",
            &gather,
            &token,
        );
        assert_eq!(status, 200, "gather {n}: {body}");
    }
    let (state, size) = state_of(&server, call_sid);
    assert!(size <= 12 * 1024, "{size} bytes");
    let dropped = state["droppedSelections"]
        .as_u64()
        .expect("dropped counted");
    let kept = state["selections"].as_array().map_or(0, Vec::len) as u64;
    assert_eq!(
        dropped + kept,
        201,
        "every input is kept or counted: {state}"
    );
    let mut normal = params.clone();
    normal.push(("Digits", "1"));
    let (status, body) = post_signed(&server, "/store-call-state?stage=welcome", &normal, "last");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_wrong_signature_with_a_huge_query_logs_a_few_hundred_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--data", ":memory:"])
        .current_dir(dir.path())
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("PUBLIC_BASE_URL")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("READY ").map(str::to_owned))
        .expect("READY");
    let query = "q=".to_owned() + &"A".repeat(60_000);
    let status = reqwest::blocking::Client::new()
        .post(format!("{base}/store-call-state?{query}"))
        .header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("CallSid=CA00000000000000000000000000000003")
        .send()
        .expect("request")
        .status();
    assert_eq!(status.as_u16(), 403);
    let _ = child.kill();
    let _ = child.wait();
    let mut logged = String::new();
    use std::io::Read as _;
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut logged)
        .expect("read");
    let line = logged
        .lines()
        .find(|line| line.contains("X-Twilio-Signature does not match"))
        .unwrap_or_else(|| panic!("the refusal is logged: {logged}"));
    assert!(
        line.len() < 600,
        "{} bytes logged: {}",
        line.len(),
        &line[..300]
    );
    assert!(logged.len() < 4096, "{} bytes logged in all", logged.len());
}
