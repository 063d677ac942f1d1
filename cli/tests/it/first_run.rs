//! The first run: every command `serve` prints and every README command works as
//! printed, in a new terminal; `callflow token` and the dev credentials.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::support::*;

#[test]
fn every_command_serve_prints_works_pasted_in_a_new_terminal() {
    let server = serve(&[]);
    let commands = printed_commands(&server.banner);
    let labels: Vec<&str> = commands.iter().map(|(label, _)| label.as_str()).collect();
    assert!(labels.contains(&"try"), "{:#?}", server.banner);
    assert!(labels.contains(&"token"), "{:#?}", server.banner);
    assert!(labels.contains(&"wire"), "{:#?}", server.banner);
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
            "wire" => assert!(
                stdout.contains("wired +12065550100") || stdout.contains("no change"),
                "{command}\n{stdout}"
            ),
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
const NOT_RUN_HERE: [(&str, &str); 14] = [
    ("twilio api:studio:v2:flows:fetch", "needs a Twilio account"),
    (
        "git config diff.callflow.command",
        "cli/tests/it/flow_diff.rs sets it in a git repository and runs git diff",
    ),
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
    ("sam build", "scripts/check-sam-build runs sam build"),
    ("sam deploy", "needs an AWS account"),
    (
        "cargo run -p callflow-cli -- wire --number +12065550123 --stack callflow --dry-run",
        "needs a Twilio account and a deployed stack; tests/conformance/test_callflow_wire.py \
         runs wire against the local API, and the first run the `wire:` line serve prints",
    ),
    (
        "cargo run -p callflow-cli -- wire --number +12065550123 --stack callflow --create-api-key",
        "needs a Twilio account and a deployed stack; tests/conformance/test_callflow_wire.py \
         runs wire against the local API, and the first run the `wire:` line serve prints",
    ),
    ("sam logs", "needs an AWS account"),
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
    // Commands name the repository's `flows/` folder as seen from its root; they run in
    // a scratch directory here.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let rooted = |command: &str| command.replace(" flows/", &format!(" {root}/flows/"));
    let mut server: Option<Server> = None;
    let mut ran = 0;
    for command in to_run {
        let command = &rooted(command);
        if cli_prefix(command).is_some() && command.contains("-- serve") {
            let args: Vec<&str> = command
                .split_once("-- serve")
                .map(|(_, args)| args.split_whitespace().collect())
                .unwrap_or_default();
            // A second `serve` (another flow) takes the first one's place.
            drop(server.take());
            server = Some(serve(&args));
        } else if cli_prefix(command).is_some() {
            let server = server
                .as_ref()
                .unwrap_or_else(|| panic!("`{command}` comes before the README starts serve"));
            // As pasted in a second terminal in the same directory, on the port serve took.
            let (_, args) = command
                .split_once(" -p callflow-cli --")
                .expect("a cargo run command");
            let pasted = format!("{BIN}{args}").replace("http://127.0.0.1:3000", &server.base_url);
            let output = sh(&pasted, server.dir.path(), &[]);
            assert!(output.status.success(), "{command}\n{}", text(&output));
            let stdout = String::from_utf8_lossy(&output.stdout);
            if command.contains("-- call ") {
                assert!(
                    stdout.contains("\"status\": \"completed\""),
                    "{command}\n{stdout}"
                );
            } else if command.contains("-- flow check ") {
                assert!(stdout.contains(": ok: "), "{command}\n{stdout}");
            } else if command.contains("-- flow test ") {
                assert!(stdout.contains(" passed, 0 failed"), "{command}\n{stdout}");
            } else if command.contains("-- sign ") {
                let curl = stdout
                    .lines()
                    .find(|line| line.starts_with("curl "))
                    .unwrap_or_else(|| panic!("`{command}` prints a curl command:\n{stdout}"));
                let answer = sh(curl, server.dir.path(), &[]);
                let body = String::from_utf8_lossy(&answer.stdout);
                assert!(body.contains("<Response>"), "{curl}\n{}", text(&answer));
            } else {
                panic!("no check for README command `{command}`");
            }
        } else if let Some(args) = command.strip_prefix("cargo run -p sync-emulator -- ") {
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

/// The `callflow token …` commands README.md's prose names (in backticks), e.g.
/// `callflow token --identity alice`.
fn readme_token_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    readme
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.starts_with("callflow token "))
        .map(str::to_owned)
        .collect()
}

/// README's `callflow token` command, pasted as written in the directory where `serve`
/// ran once (no flags, no variables), signs with serve's development account and API key
/// (./.callflow/dev-credentials), so the token it prints is one serve's emulator checks.
/// Elsewhere, with nothing given, every missing value is named in one error.
#[test]
fn the_readme_token_command_uses_serves_dev_credentials() {
    let commands = readme_token_commands();
    assert!(!commands.is_empty(), "README.md names `callflow token …`");
    let server = serve(&[]);
    let (key, secret) = (
        server.var("TWILIO_API_KEY").expect("API key printed"),
        server.var("TWILIO_API_SECRET").expect("API secret printed"),
    );
    for command in &commands {
        let pasted = command.replacen("callflow", BIN, 1);
        let output = sh(&pasted, server.dir.path(), &[]);
        assert!(output.status.success(), "{command}\n{}", text(&output));
        let jwt = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let claims = callflow::access_token::decode(&jwt, secret, now)
            .unwrap_or_else(|e| panic!("{command}: signed with serve's API secret: {e}"));
        assert_eq!(claims.iss, key, "{command}");
        assert_eq!(claims.sub, server.account_sid, "{command}");
        if let Some(identity) = command.split("--identity ").nth(1) {
            let identity = identity.split_whitespace().next().unwrap_or_default();
            assert_eq!(claims.grants.identity, identity, "{command}");
        }
    }

    let elsewhere = tempfile::tempdir().expect("temp dir");
    let output = sh(
        &format!("{BIN} token --identity alice"),
        elsewhere.path(),
        &[],
    );
    assert!(!output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for needle in [
        "--account-sid (TWILIO_ACCOUNT_SID)",
        "--api-key (TWILIO_API_KEY)",
        "--api-secret (TWILIO_API_SECRET)",
        ".callflow/dev-credentials",
    ] {
        assert!(stderr.contains(needle), "{needle} in one error:\n{stderr}");
    }
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
