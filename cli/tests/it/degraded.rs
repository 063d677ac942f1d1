//! Sync stopped (killed) or frozen (SIGSTOP) in the middle of a `callflow call`: every
//! step still gets valid TwiML within the webhook budget, and the inputs given while
//! Sync was away are in the call's state once it is back (carried in the TwiML's URLs).
//! Real processes: a `sync-emulator` on a file database, `callflow serve` pointed at it.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use callflow_cli::call::{self, CallOptions, Step};
use url::Url;

use crate::support::{serve, Server, BIN};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "resilience-test-auth-token";
/// `--webhook-budget` of the server under test, in seconds.
const BUDGET: f64 = 1.0;

/// A `sync-emulator` child on a fixed port and a file database, so that it can be
/// killed and started again with its data.
struct Emulator {
    child: Child,
    port: u16,
    data: PathBuf,
}

impl Emulator {
    fn start(port: u16, data: &Path) -> Emulator {
        let bin = Path::new(BIN).with_file_name("sync-emulator");
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--data"])
            .arg(data)
            .args(["--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} starts (cargo build --bins first): {e}", bin.display()));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "emulator listens"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Emulator {
            child,
            port,
            data: data.to_owned(),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal}");
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // SIGKILL ends a stopped process too.
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outage {
    Stopped,
    Frozen,
}

fn options(server: &Server, to_url: Url, digits: &[&str]) -> CallOptions {
    CallOptions {
        fallback_url: Some(
            Url::parse(&format!("{}/store-call-state", server.base_url)).expect("url"),
        ),
        state_url: Some(Url::parse(&format!("{}/get-call-state", server.base_url)).expect("url")),
        to_url,
        digits: digits.iter().map(ToString::to_string).collect(),
        speech: Vec::new(),
        account_sid: ACCOUNT_SID.into(),
        auth_token: AUTH_TOKEN.into(),
        call_sid: call::random_call_sid(),
        from: "+15005550006".into(),
        to: "+15005550001".into(),
        api_token: None,
        dial_statuses: Vec::new(),
        recording_duration: 3,
        transcript: None,
        pause: Duration::ZERO,
    }
}

/// Sync goes away after the first webhook and comes back after the third: the second
/// (a wrong key, "9") and third ("1", billing) are answered without Sync, the fourth
/// (the account number) reaches Sync and applies all three inputs in order.
fn call_through_an_outage(outage: Outage) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("sync.sqlite3");
    let emulator = Emulator::start(free_port(), &data);
    let server = serve(&[
        "--sync-url",
        &emulator.url(),
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
        "--webhook-budget",
        &BUDGET.to_string(),
    ]);
    let to_url = Url::parse(&format!("{}/store-call-state", server.base_url)).expect("url");
    let options = options(&server, to_url, &["9", "1", "123456"]);
    let emulator = std::sync::Mutex::new(emulator);
    let mut seen = 0;
    let mut on_step = |_: &Step| {
        seen += 1;
        let mut emulator = emulator.lock().unwrap_or_else(|e| e.into_inner());
        match (seen, outage) {
            (1, Outage::Stopped) => emulator.kill(),
            (1, Outage::Frozen) => emulator.signal("-STOP"),
            (3, Outage::Stopped) => {
                let (port, data) = (emulator.port, emulator.data.clone());
                *emulator = Emulator::start(port, &data);
            }
            (3, Outage::Frozen) => emulator.signal("-CONT"),
            _ => {}
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = reqwest::Client::new();
    let report = runtime
        .block_on(call::run_watched(&options, &http, &mut on_step))
        .expect("the call completes");

    // Every webhook answered 200 with a TwiML document, none through the fallback.
    let webhooks: Vec<&Step> = report
        .steps
        .iter()
        .filter(|s| !s.params.iter().any(|(k, _)| k == "CallbackSource"))
        .collect();
    assert_eq!(webhooks.len(), 4, "{:#?}", report.transcript);
    for step in &webhooks {
        assert_eq!(step.status, 200, "{}: {}", step.url, step.body);
        callflow_cli::twiml_doc::parse(&step.body).expect("valid TwiML");
    }
    assert!(!report.transcript.iter().any(|t| t.starts_with("fallback")));
    // The degraded steps: what the caller heard is the flow's, in the budget.
    let limit = BUDGET * 1000.0 + 1500.0;
    for step in &webhooks[1..3] {
        assert!(
            step.millis < limit,
            "{outage:?}: {:.0} ms: {}",
            step.millis,
            step.url
        );
    }
    assert!(
        webhooks[1].body.contains("Sorry, that is not an option."),
        "{}",
        webhooks[1].body
    );
    assert!(
        webhooks[2].body.contains("account number"),
        "{}",
        webhooks[2].body
    );
    assert!(webhooks[2].body.contains("carry="), "{}", webhooks[2].body);
    assert!(webhooks[3].body.contains("invoice"), "{}", webhooks[3].body);
    eprintln!(
        "{outage:?}: webhook times (ms): {:?}",
        webhooks
            .iter()
            .map(|s| s.millis.round())
            .collect::<Vec<_>>()
    );

    // The inputs given while Sync was away are in the state, in order, applied once.
    let state = &report.final_state;
    let digits: Vec<&str> = state["selections"]
        .as_array()
        .expect("selections")
        .iter()
        .filter_map(|s| s["digits"].as_str())
        .collect();
    assert_eq!(digits, ["9", "1", "123456"], "{state:#}");
    assert_eq!(state["stage"], "billing_thanks", "{state:#}");
    assert_eq!(state["status"], "completed", "{state:#}");
}

#[test]
fn a_call_goes_on_while_sync_is_stopped_and_its_inputs_are_applied_after() {
    call_through_an_outage(Outage::Stopped);
}

#[test]
fn a_call_goes_on_while_sync_is_frozen_and_its_inputs_are_applied_after() {
    call_through_an_outage(Outage::Frozen);
}

/// The primary URL cannot be reached: `callflow call` posts to the fallback URL with
/// Twilio's `ErrorCode` 11205 and the `ErrorUrl`, whose answer carries the call on.
#[test]
fn a_failing_primary_url_is_followed_by_the_fallback_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emulator = Emulator::start(free_port(), &dir.path().join("sync.sqlite3"));
    let server = serve(&[
        "--sync-url",
        &emulator.url(),
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
    ]);
    let dead = Url::parse(&format!(
        "http://127.0.0.1:{}/store-call-state",
        free_port()
    ))
    .expect("url");
    let options = options(&server, dead.clone(), &["1", "123456"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime
        .block_on(call::run(&options, &reqwest::Client::new()))
        .expect("the call completes through the fallback");
    let fallback = report
        .steps
        .iter()
        .find(|s| s.params.iter().any(|(k, _)| k == "ErrorCode"))
        .expect("a fallback request");
    let param = |name: &str| {
        fallback
            .params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(param("ErrorCode"), Some("11205"));
    assert_eq!(param("ErrorUrl"), Some(dead.as_str()));
    assert!(
        fallback.body.contains("Thanks for calling"),
        "{}",
        fallback.body
    );
    let state = &report.final_state;
    assert_eq!(state["stage"], "billing_thanks", "{state:#}");
}

/// A Studio flow: a widget's TwiML needs the execution kept in Sync, so while Sync is
/// stopped the caller hears a hold and is redirected back to the same widget callback
/// with the input in the URL; once Sync is back the widget gets that input.
#[test]
fn a_studio_call_holds_while_sync_is_stopped_and_the_widget_gets_the_input_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let emulator = Emulator::start(free_port(), &dir.path().join("sync.sqlite3"));
    let flow = concat!(env!("CARGO_MANIFEST_DIR"), "/../flows/order-line.json");
    let server = serve(&[
        "--sync-url",
        &emulator.url(),
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
        "--webhook-budget",
        &BUDGET.to_string(),
        "--flow",
        flow,
    ]);
    let to_url = Url::parse(&format!("{}/store-call-state", server.base_url)).expect("url");
    // "1" at the menu (orders); the order number is left unanswered (the gather times out).
    let options = options(&server, to_url, &["1"]);
    let emulator = std::sync::Mutex::new(emulator);
    let mut seen = 0;
    let mut on_step = |_: &Step| {
        seen += 1;
        let mut emulator = emulator.lock().unwrap_or_else(|e| e.into_inner());
        // 1: greet (a say and a redirect), 2: the menu; 3 and 4: held; 5: Sync is back.
        match seen {
            2 => emulator.kill(),
            4 => {
                let (port, data) = (emulator.port, emulator.data.clone());
                *emulator = Emulator::start(port, &data);
            }
            _ => {}
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime
        .block_on(call::run_watched(
            &options,
            &reqwest::Client::new(),
            &mut on_step,
        ))
        .expect("the call completes");
    let webhooks: Vec<&Step> = report
        .steps
        .iter()
        .filter(|s| !s.params.iter().any(|(k, _)| k == "CallbackSource"))
        .collect();
    for step in &webhooks {
        assert_eq!(step.status, 200, "{}: {}", step.url, step.body);
        callflow_cli::twiml_doc::parse(&step.body).expect("valid TwiML");
    }
    assert!(
        webhooks[1].body.contains("Press 1 for orders"),
        "{}",
        webhooks[1].body
    );
    for step in &webhooks[2..4] {
        assert!(step.body.contains("One moment, please."), "{}", step.body);
        assert!(
            step.millis < BUDGET * 1000.0 + 1500.0,
            "{:.0} ms",
            step.millis
        );
    }
    assert!(
        webhooks[4].body.contains("Enter your order number"),
        "{}",
        webhooks[4].body
    );
    let log = report.final_state["studio"]["log"].to_string();
    assert!(log.contains("ask_order"), "{log}");
}
