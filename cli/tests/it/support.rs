//! What the command tests share: a `callflow serve` child process and its banner, a
//! clean shell, and signed requests to the server.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_callflow");

/// A `callflow serve` child process, killed on drop.
pub struct Server {
    child: Child,
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    /// Every line `serve` printed before READY.
    pub banner: Vec<String>,
    /// The directory `serve` runs in (removed on drop).
    pub dir: tempfile::TempDir,
}

impl Server {
    /// The value of a `NAME=value` line of the banner.
    pub fn var(&self, name: &str) -> Option<&str> {
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

pub fn serve(extra: &[&str]) -> Server {
    serve_at("0", extra)
}

/// [`serve`] on a given port (for a flow that must name the server's own URL).
pub fn serve_at(port: &str, extra: &[&str]) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--port", port, "--data", ":memory:"])
        .args(extra)
        .current_dir(dir.path());
    without_config_vars(&mut command);
    let mut child = command
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
        dir,
    }
}

/// Clears every variable the functions' configuration reads (`callflow::config::var::ALL`,
/// which `serve`'s flags also read), so that the test's own environment cannot leak in.
pub fn without_config_vars(command: &mut Command) -> &mut Command {
    for name in callflow::config::var::ALL {
        command.env_remove(name);
    }
    command
}

/// Runs `command` with `sh -c` in `dir`, with a clean environment apart from `env`
/// (as a new terminal would have): no TWILIO_* variables, and a PATH without cargo's
/// target directories.
pub fn sh(command: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
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

pub fn text(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The commands in a banner: lines `label: command` whose command starts the way a shell
/// command does (`curl`, a `NAME=value` assignment, an absolute path), with their label.
pub fn printed_commands(banner: &[String]) -> Vec<(String, String)> {
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

/// `callflow serve` with `args`, run to its exit (it must fail to start), in a fresh directory.
pub fn serve_fails(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = without_config_vars(Command::new(BIN).arg("serve").args(args))
        .current_dir(dir.path())
        .output()
        .expect("callflow serve runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    (output, dir)
}

/// The one error a failed command printed: stderr holds `error: …` once and nothing else.
pub fn the_error(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("Caused by"), "{stderr}");
    stderr
}

/// `callflow call` against a `serve` child; the output must be a success.
pub fn call_through(server: &Server, args: &[&str]) -> (String, serde_json::Value) {
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

/// A signed voice webhook to `server`, as Twilio sends one; the status and body.
pub fn post_signed(
    server: &Server,
    path: &str,
    params: &[(&str, &str)],
    token: &str,
) -> (u16, String) {
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

pub fn voice_params<'a>(server: &'a Server, call_sid: &'a str) -> Vec<(&'a str, &'a str)> {
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
pub fn state_of(server: &Server, call_sid: &str) -> (serde_json::Value, usize) {
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

/// What a running `serve` child printed after its banner, stdout and stderr together,
/// as it arrives.
#[derive(Clone, Default)]
pub struct Printed(std::sync::Arc<std::sync::Mutex<String>>);

impl Printed {
    fn keep(&self, from: impl std::io::Read + Send + 'static) {
        let printed = self.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines().map_while(Result::ok) {
                let mut text = printed.0.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits up to `timeout` for `what` to appear after byte `from` of the text; the text
    /// from there, or a panic naming what was printed.
    pub fn wait_for(&self, from: usize, what: &str, timeout: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let text = self.text();
            let new = text.get(from..).unwrap_or_default();
            if new.contains(what) {
                return new.to_owned();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "`{what}` not printed within {timeout:?}; printed:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Like [`serve`], and keeps what the child prints after its banner (stdout and stderr).
pub fn serve_printing(extra: &[&str]) -> (Server, Printed) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--port", "0", "--data", ":memory:"])
        .args(extra)
        .current_dir(dir.path());
    without_config_vars(&mut command);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("callflow serve starts");
    let printed = Printed::default();
    printed.keep(child.stderr.take().expect("stderr"));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut banner = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).expect("banner line") > 0 {
        banner.push(line.trim_end().to_owned());
        line.clear();
        if banner.last().is_some_and(|l| l.starts_with("READY ")) {
            break;
        }
    }
    printed.keep(stdout);
    let value = |prefix: &str| {
        banner
            .iter()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::to_owned))
    };
    let server = Server {
        base_url: value("READY ").expect("READY line"),
        account_sid: value("TWILIO_ACCOUNT_SID=").expect("account SID printed"),
        auth_token: value("TWILIO_AUTH_TOKEN=").expect("auth token printed"),
        child,
        banner,
        dir,
    };
    (server, printed)
}
