//! The `store-call-state` binary as a process: what it does outside Lambda, and that it
//! starts quietly under a Lambda runtime API (real loopback socket, real process).

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_store-call-state");

const LAMBDA_VARS: [&str; 5] = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_MAX_CONCURRENCY",
];

#[test]
fn outside_lambda_it_exits_1_with_one_line_pointing_to_the_local_ways() {
    let mut command = Command::new(BIN);
    for var in LAMBDA_VARS {
        command.env_remove(var);
    }
    let output = command.output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("AWS_LAMBDA_FUNCTION_NAME is not set"),
        "{stderr}"
    );
    assert!(stderr.contains("callflow serve"), "{stderr}");
    assert!(stderr.contains("cargo lambda watch"), "{stderr}");
}

/// Under a runtime API that sets `AWS_LAMBDA_MAX_CONCURRENCY` (as `cargo lambda watch`
/// does), the function polls for its first invocation without a warning about it.
#[test]
fn under_a_runtime_api_it_polls_without_warnings() {
    let runtime_api = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = runtime_api.local_addr().expect("addr");
    let mut child = Command::new(BIN)
        .env("AWS_LAMBDA_FUNCTION_NAME", "store-call-state")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_MAX_CONCURRENCY", "1")
        .env("TWILIO_ACCOUNT_SID", format!("AC{}", "0".repeat(32)))
        .env("TWILIO_AUTH_TOKEN", "token")
        .env("TWILIO_SYNC_URL", "http://127.0.0.1:9")
        .env("PUBLIC_BASE_URL", "http://localhost:9000")
        .env("RUST_LOG", "info")
        .env_remove("AWS_LAMBDA_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // The first thing the runtime does is ask for the next invocation; hold that request.
    let (mut polling, _) = runtime_api.accept().expect("the runtime connects");
    polling
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request_line = String::new();
    BufReader::new(&mut polling)
        .read_line(&mut request_line)
        .expect("request line");
    assert!(
        request_line.starts_with("GET /2018-06-01/runtime/invocation/next "),
        "{request_line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let mut logged = String::new();
    for stream in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read>),
    ]
    .into_iter()
    .flatten()
    {
        let mut stream = stream;
        let _ = stream.read_to_string(&mut logged);
    }
    assert!(!logged.contains("WARN"), "{logged}");
    assert!(!logged.contains("AWS_LAMBDA_MAX_CONCURRENCY"), "{logged}");
}
