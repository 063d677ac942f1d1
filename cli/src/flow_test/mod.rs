//! `callflow flow test FILE…`: scripted calls against a flow, checked, in-process.
//!
//! Each test runs its own `callflow serve` inside this process ([`crate::serve::start`]
//! on a free loopback port, embedded emulator in memory, the flow under test) and its own
//! stand-in (`standin`) for the flow's HTTP calls, reached through `--http-rewrite`;
//! then [`crate::call::run_watched`] plays the caller's script against it, reading the
//! state after each step. The path is the Studio step log's widgets (the `stage` Sync
//! held after each step, for a TOML flow). Tests run at once, up to `--jobs`.
//!
//! Layout: `spec` (the file format), `standin`, `check` (expectations and the failure
//! report), `coverage`, `junit`.

mod check;
mod coverage;
mod junit;
mod spec;
mod standin;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use callflow::studio::widget::Kind as WidgetKind;
use clap::FromArgMatches as _;

use crate::call::{self, CallOptions, Step};
use crate::flow_file::FlowFile;
use crate::serve::{self, ServeOptions};
use check::{Kind, Run};
use coverage::Coverage;
use spec::{HttpAnswer, TestCase, TestFile};
use standin::StandIn;

/// The format, as `callflow flow test --help` shows it.
pub const FORMAT: &str = r#"TEST FILES (TOML)
  flow = "order-line.json"          # the flow (TOML or Studio JSON), relative to this file

  [[test]]
  name = "order shipped"            # unique in the file
  from = "+15005550006"             # caller (From); to = "+15005550001" (To)
  digits = ["1", "123456"]          # answers to DTMF gathers, in order
  speech = ["voicemail"]            # answers to speech gathers, in order
  dial = ["no-answer"]              # DialCallStatus of each dial, in order (then completed)
  transcript = "Call me back"       # a transcribed recording's text; recording_duration = 12

  [[test.http]]                     # a stand-in answer (also [[http]] at the top, for all tests)
  url = "https://api.acme.test/orders"   # the URL without its query; with ?query: exactly;
                                         # ending in *: any URL starting so
  method = "GET"                    # optional
  status = 200                      # default 200
  body = '{"order": {"status": "shipped"}}'
  content_type = "application/json" # default: JSON when the body looks like it, else text
  delay_ms = 0                      # wait before answering
  # Several answers for one URL are used in turn, the last again and again. A request
  # with none is answered 404 (and listed in a failure's report).

  [test.expect]                     # each key optional; each given one is checked
  widgets = ["greet", "menu"]       # widgets visited, exactly, in order (TOML flows: stages)
  widgets_include = ["lookup"]      # visited in this order, others between allowed
  widgets_exclude = ["agent"]       # never visited
  heard = ["has shipped"]           # substrings of what was said or played, in order
  heard_exact = ["Goodbye."]        # whole <Say>/<Play> texts, in order
  not_heard = ["could not find"]
  variables = { timeouts = 1 }      # Studio flow.variables at the end (1 and "1" are equal)
  state = { "dial.status" = "busy" }  # the call's Sync document at the end, by dotted path
  status = "completed"              # the call's final status
  ended = "flow ended at `bye`"     # part of why a Studio execution ended
  http_count = 1                    # HTTP calls the flow made in all

  [[test.expect.http]]              # HTTP calls made, in order (others between allowed)
  method = "GET"
  url = "https://api.acme.test/orders"
  params = { order = "123456" }     # query, form or JSON body parameters: at least these
  body = "…"                        # part of the body

Each test runs in this process against its own `serve` (embedded emulator in memory) and
its own stand-in: the origin of every plain-host URL of the flow's HTTP widgets, and of the
test's URLs, is rewritten to the stand-in, so no request leaves the machine. Coverage lists
the widgets (stages) and transitions no test reached.
"#;

/// `callflow flow test`'s flags.
#[derive(Debug, Clone, clap::Args)]
pub struct TestOptions {
    /// Test files (TOML; the format is below)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Also write the results as JUnit XML to this file (for CI)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Fail when a flow's tests reach less than this percentage of its widgets, or of
    /// its transitions
    #[arg(long, value_name = "PERCENT")]
    pub coverage_fail_under: Option<f64>,
    /// How many tests run at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// Seconds one test may take before it fails
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

/// A flow under test, read once for every test file that names it.
struct FlowUnderTest {
    path: PathBuf,
    kind: Kind,
    file: FlowFile,
    /// Origins of the plain-host URLs its HTTP widgets call.
    origins: BTreeSet<String>,
}

/// One finished test.
struct Outcome {
    file: usize,
    name: String,
    millis: u128,
    problems: Vec<String>,
    report: String,
    path: Vec<check::Visit>,
}

/// Runs the test files; fails when a test failed (or coverage is under the bar).
pub async fn run(options: TestOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let files = options
        .files
        .iter()
        .map(|path| TestFile::read(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // One flow, however the files name it: its coverage counts every file's tests.
    let keys: Vec<PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(&f.flow).unwrap_or_else(|_| f.flow.clone()))
        .collect();
    let mut flows: BTreeMap<PathBuf, Arc<FlowUnderTest>> = BTreeMap::new();
    for (file, key) in files.iter().zip(&keys) {
        if !flows.contains_key(key) {
            let flow =
                read_flow(&file.flow).with_context(|| format!("{}: flow", file.path.display()))?;
            flows.insert(key.clone(), Arc::new(flow));
        }
        let flow = &flows[key];
        if flow.kind == Kind::Toml {
            refuse_studio_only(file)?;
        }
    }
    // The test's own deadline (`--timeout`) is the one that counts.
    let http = callflow::tls::client_builder()?
        .timeout(Duration::from_secs(options.timeout + 10))
        .build()
        .context("cannot build the HTTP client")?;
    let jobs = Arc::new(tokio::sync::Semaphore::new(usize::from(options.jobs)));
    let timeout = Duration::from_secs(options.timeout);
    let mut handles = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let flow = flows[&keys[index]].clone();
        for test in &file.tests {
            let (flow, test, http, jobs) = (flow.clone(), test.clone(), http.clone(), jobs.clone());
            let shared = file.http.clone();
            handles.push(tokio::spawn(async move {
                let _permit = jobs.acquire_owned().await;
                run_test(index, &flow, test, shared, &http, timeout).await
            }));
        }
    }
    let mut stdout = std::io::stdout().lock();
    let mut outcomes = Vec::new();
    for handle in handles {
        let outcome = handle.await.context("a test's task failed")?;
        let file = files[outcome.file].path.display();
        let verdict = if outcome.problems.is_empty() {
            "ok    "
        } else {
            "FAILED"
        };
        writeln!(
            stdout,
            "{verdict} {file}: {} ({} ms)",
            outcome.name, outcome.millis
        )?;
        stdout.flush()?;
        outcomes.push(outcome);
    }
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.problems.is_empty()).collect();
    for outcome in &failed {
        writeln!(
            stdout,
            "\n--- {}: {}\n{}",
            files[outcome.file].path.display(),
            outcome.name,
            outcome.report.trim_end()
        )?;
    }

    // Coverage, per flow, over every test file that runs it.
    let mut under = Vec::new();
    writeln!(stdout)?;
    for (key, flow) in &flows {
        let path = &flow.path;
        let mut coverage = Coverage::of(&flow.file);
        for outcome in &outcomes {
            if keys[outcome.file] == *key {
                coverage.add(flow.kind, &outcome.path);
            }
        }
        let what = match flow.kind {
            Kind::Studio => "widgets",
            Kind::Toml => "stages",
        };
        for line in coverage.lines(&path.display().to_string(), what) {
            writeln!(stdout, "{line}")?;
        }
        if let Some(bar) = options.coverage_fail_under {
            let (widgets, transitions) = coverage.percentages();
            if widgets < bar || transitions < bar {
                under.push(format!(
                    "{}: {widgets:.0}% of {what}, {transitions:.0}% of transitions reached, under {bar}%",
                    path.display()
                ));
            }
        }
    }

    if let Some(path) = &options.junit {
        let suites: Vec<junit::Suite> = files
            .iter()
            .enumerate()
            .map(|(index, file)| junit::Suite {
                name: file.path.display().to_string(),
                cases: outcomes
                    .iter()
                    .filter(|o| o.file == index)
                    .map(|o| junit::Case {
                        name: o.name.clone(),
                        seconds: o.millis as f64 / 1000.0,
                        failure: (!o.problems.is_empty()).then(|| {
                            let first = o.problems[0].lines().next().unwrap_or_default();
                            (first.to_owned(), o.report.clone())
                        }),
                    })
                    .collect(),
            })
            .collect();
        let xml = junit::render(&suites).context("writing JUnit XML")?;
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }

    writeln!(
        stdout,
        "\n{} passed, {} failed ({} in {}, {} ms)",
        outcomes.len() - failed.len(),
        failed.len(),
        plural(outcomes.len(), "test"),
        plural(files.len(), "file"),
        started.elapsed().as_millis()
    )?;
    drop(stdout);
    if !failed.is_empty() {
        bail!("{} of {} flow tests failed", failed.len(), outcomes.len());
    }
    if !under.is_empty() {
        bail!("coverage under --coverage-fail-under: {}", under.join("; "));
    }
    Ok(())
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn read_flow(path: &Path) -> anyhow::Result<FlowUnderTest> {
    let file = FlowFile::read(Some(path))?;
    let mut origins = BTreeSet::new();
    let kind = match &file {
        FlowFile::Toml(_) => Kind::Toml,
        FlowFile::Studio(flow) => {
            let errors = flow.errors();
            if !errors.is_empty() {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|p| format!("{}:{p}", path.display()))
                    .collect();
                bail!(
                    "the flow cannot run (see `callflow flow check`):\n{}",
                    lines.join("\n")
                );
            }
            let subflows = flow
                .widgets()
                .iter()
                .filter_map(|w| flow.subflow(&w.name))
                .collect::<Vec<_>>();
            for w in std::iter::once(flow.as_ref())
                .chain(subflows)
                .flat_map(|f| f.widgets())
            {
                let url = match &w.kind {
                    WidgetKind::HttpRequest(h) => Some(h.url.source()),
                    WidgetKind::RunFunction { url, .. } | WidgetKind::Redirect { url, .. } => {
                        Some(url.source())
                    }
                    _ => None,
                };
                origins.extend(url.and_then(spec::origin));
            }
            Kind::Studio
        }
    };
    Ok(FlowUnderTest {
        path: path.to_path_buf(),
        kind,
        file,
        origins,
    })
}

/// Expectations only a Studio flow can meet, refused for a TOML one.
fn refuse_studio_only(file: &TestFile) -> anyhow::Result<()> {
    let name = file.path.display();
    if !file.http.is_empty() {
        bail!("{name}: `http` stand-ins: callflow's TOML flows make no HTTP calls");
    }
    for test in &file.tests {
        let at = format!("{name}: test `{}`", test.name);
        if !test.http.is_empty() || !test.expect.http.is_empty() {
            bail!("{at}: `http`: callflow's TOML flows make no HTTP calls");
        }
        if test.expect.variables.is_some() {
            bail!(
                "{at}: `variables` are a Studio flow's; check a TOML flow's document with `state`"
            );
        }
        if test.expect.ended.is_some() {
            bail!("{at}: `ended` is a Studio execution's; check `status` or `state`");
        }
    }
    Ok(())
}

async fn run_test(
    file: usize,
    flow: &FlowUnderTest,
    test: TestCase,
    shared: Vec<HttpAnswer>,
    http: &reqwest::Client,
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    let steps = Arc::new(Mutex::new(Vec::new()));
    let mut run = Run::default();
    let mut standin = None;
    let result = tokio::time::timeout(
        timeout,
        drive(flow, &test, shared, http, &steps, &mut standin, &mut run),
    )
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(error)) => run.error = Some(crate::report::error_report(&error)),
        Err(_) => run.error = Some(format!("it took over {} s (--timeout)", timeout.as_secs())),
    }
    run.steps = std::mem::take(&mut *steps.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(standin) = &standin {
        run.requests = standin.requests();
    }
    let problems = check::check(flow.kind, &test.expect, &run);
    let report = if problems.is_empty() {
        String::new()
    } else {
        check::failure_text(flow.kind, &problems, &run)
    };
    Outcome {
        file,
        name: test.name,
        millis: started.elapsed().as_millis(),
        problems,
        report,
        path: run.path(flow.kind),
    }
}

async fn drive(
    flow: &FlowUnderTest,
    test: &TestCase,
    shared: Vec<HttpAnswer>,
    http: &reqwest::Client,
    steps: &Arc<Mutex<Vec<Step>>>,
    standin: &mut Option<StandIn>,
    run: &mut Run,
) -> anyhow::Result<()> {
    let answers: Vec<HttpAnswer> = test.http.iter().cloned().chain(shared).collect();
    let mut origins = flow.origins.clone();
    origins.extend(answers.iter().filter_map(|a| spec::origin(&a.url)));
    origins.extend(test.expect.http.iter().filter_map(|c| spec::origin(&c.url)));
    let stand = standin.insert(StandIn::start(answers).await?);
    // Longer origins first: `https://a.test:8443` before `https://a.test`.
    let mut origins: Vec<String> = origins.into_iter().collect();
    origins.sort_by_key(|o| std::cmp::Reverse(o.len()));
    let rewrites: Vec<String> = origins.iter().map(|o| stand.rewrite(o)).collect();
    let account_sid = format!("AC{}", &call::random_call_sid()[2..]);
    let auth_token = call::random_call_sid()[2..].to_owned();
    let served = serve::start(serve_options(
        &flow.path,
        &rewrites,
        &account_sid,
        &auth_token,
    )?)
    .await
    .context("cannot start the flow")?;
    let to_url = url::Url::parse(&format!(
        "{}{}",
        served.base_url,
        store_call_state::FUNCTION.path
    ))?;
    let options = CallOptions {
        fallback_url: None,
        to_url,
        state_url: None,
        digits: test.digits.clone(),
        speech: test.speech.clone(),
        account_sid: served.account_sid.clone(),
        auth_token: served.auth_token.clone(),
        call_sid: call::random_call_sid(),
        from: test.from.clone(),
        to: test.to.clone(),
        api_token: served.api_token.clone(),
        dial_statuses: test.dial.clone(),
        recording_duration: test.recording_duration,
        transcript: test.transcript.clone(),
        pause: Duration::ZERO,
    };
    let sink = steps.clone();
    let mut on_step = move |step: &Step| {
        sink.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(step.clone());
    };
    let report = call::run_watched(&options, http, &mut on_step).await;
    // Each test's server ends with its call, passed or not.
    served.stop();
    run.final_state = Some(report?.final_state);
    Ok(())
}

/// `serve`'s options for one test: every flag at its default but these, and none read
/// from the environment (a test runs the same wherever it runs).
fn serve_options(
    flow: &Path,
    rewrites: &[String],
    account_sid: &str,
    auth_token: &str,
) -> anyhow::Result<ServeOptions> {
    use clap::Args as _;
    let command = ServeOptions::augment_args(clap::Command::new("serve"))
        .mut_args(|arg| arg.env(None::<&str>));
    let mut args: Vec<String> = [
        "serve",
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--data",
        ":memory:",
        "--account-sid",
        account_sid,
        "--auth-token",
        auth_token,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.push("--flow".to_owned());
    args.push(flow.display().to_string());
    for rewrite in rewrites {
        args.push("--http-rewrite".to_owned());
        args.push(rewrite.clone());
    }
    let matches = command
        .try_get_matches_from(args)
        .context("serve's options")?;
    ServeOptions::from_arg_matches(&matches).context("serve's options")
}
