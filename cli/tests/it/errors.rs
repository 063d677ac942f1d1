//! Errors a new user meets: printed once, saying what to do (taken port, bad flow
//! file, missing credentials), and logs without colour off a terminal.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::support::*;

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

/// A bad value is reported with both names it could have come from, each problem once.
#[test]
fn bad_configuration_names_the_variable_and_the_flag() {
    let (output, _dir) = serve_fails(&[
        "--port",
        "0",
        "--data",
        ":memory:",
        "--presence-shards",
        "0",
        "--sync-token-ttl",
        "999999",
    ]);
    let error = the_error(&output);
    assert!(
        error.contains(
            "PRESENCE_SHARDS is not a whole number from 1 to 64: \"0\" (flag --presence-shards)"
        ),
        "{error}"
    );
    assert!(
        error.contains("SYNC_TOKEN_TTL is not a number of seconds")
            && error.contains("(flag --sync-token-ttl)"),
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
