//! The `callflow` command: `serve`, `call`, `sign`. See the crate doc of `callflow_cli`.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::Context as _;
use callflow::config::var;
use callflow::webhook::DialCallStatus;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Parser, Subcommand};
use url::Url;

use callflow_cli::report::error_report;
use callflow_cli::{call, credentials, dev_credentials, graph, serve, sign, token};

const WRITING_STDOUT: &str = "cannot write to stdout";

/// `println!` that returns an error where `println!` would panic: stdout closed, as when
/// a pipe's reader has gone (`callflow call | head`). `main` then ends quietly.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).context(WRITING_STDOUT)?
    };
}

#[derive(Parser)]
#[command(
    name = "callflow",
    version,
    about = "Twilio voice call-state flows, locally"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process, so the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run every function and the Sync emulator on one local port.
    Serve(serve::ServeOptions),
    /// Simulate a phone call through a store-call-state webhook, as Twilio would drive it.
    Call(CallArgs),
    /// Work with flow definition files.
    Flow {
        #[command(subcommand)]
        command: FlowCommand,
    },
    /// Print a Twilio access token for twilio-sync.js, minted locally with an API key.
    ///
    /// Without --account-sid, --api-key and --api-secret (or their variables), run where
    /// `callflow serve` ran, it signs with serve's development account and API key
    /// (./.callflow/dev-credentials).
    Token(TokenArgs),
    /// Print the X-Twilio-Signature (and a curl command) for a webhook.
    ///
    /// A POST is signed as a voice webhook: the fields Twilio always sends (AccountSid,
    /// CallSid, From, To, CallStatus, Direction, ApiVersion, Caller, Called) are filled in
    /// where not given with -d, and listed on stderr. --no-defaults signs exactly the -d
    /// parameters.
    Sign(SignArgs),
    /// Point a Twilio number at the deployed functions: voice URL, status callback and
    /// voice fallback URL (all POST) to store-call-state.
    ///
    /// Reads the base URL from --base-url, or from the SAM stack's outputs with --stack
    /// (needs the AWS CLI). Checks the Sync service exists; --create-api-key makes the
    /// API key sync-token signs with. Changes only what differs; --dry-run prints the
    /// change as a diff.
    Wire(callflow_cli::wire::WireArgs),
}

// The subcommands' flags, one struct each, so that each command's code takes its own.
// (No `///` on the structs: clap would take it over the variant's help.)

#[derive(clap::Args)]
struct CallArgs {
    /// The voice webhook URL, e.g. http://127.0.0.1:3000/store-call-state
    #[arg(long)]
    to: Url,
    /// Answers for DTMF gathers, in order, comma-separated (e.g. 2,1)
    #[arg(long, value_delimiter = ',')]
    digits: Vec<String>,
    /// An answer for a speech gather (repeat for several)
    #[arg(long)]
    speech: Vec<String>,
    /// Where to read the final state [default: get-call-state beside --to]
    #[arg(long)]
    state_url: Option<Url>,
    /// The number's fallback URL (VoiceFallbackUrl): when a webhook answers 5xx, times out
    /// (15 s) or answers invalid TwiML, it is posted to with ErrorCode and ErrorUrl, as
    /// Twilio does [default: --to]
    #[arg(long)]
    fallback_url: Option<Url>,
    /// Account SID the webhooks carry [default: the pair `callflow serve` keeps in ./.callflow/dev-credentials]
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    account_sid: Option<String>,
    /// Auth token the webhooks are signed with [default: as --account-sid]
    #[arg(long, env = var::TWILIO_AUTH_TOKEN, hide_env_values = true)]
    auth_token: Option<String>,
    /// Bearer token for get-call-state [default: the read is signed instead]
    #[arg(long, env = var::CALLFLOW_API_TOKEN, hide_env_values = true)]
    api_token: Option<String>,
    /// The caller's number (From)
    #[arg(long, default_value = "+15005550006")]
    from: String,
    /// The number called (To)
    #[arg(long = "called", default_value = "+15005550001")]
    called: String,
    /// Use this CallSid (CA + 32 hex digits) [default: a random one]
    #[arg(long)]
    call_sid: Option<String>,
    /// Print each step as it happens: ms since the call started, the webhook's
    /// latency, the stage Sync now holds, what the caller heard
    #[arg(long)]
    watch: bool,
    /// DialCallStatus for each `<Dial action>`, in order, comma-separated
    /// (completed, answered, busy, no-answer, failed, canceled); then completed
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = PossibleValuesParser::new(DialCallStatus::ALL.iter().map(|s| s.as_str()))
            .try_map(|s| s.parse::<DialCallStatus>())
    )]
    dial_status: Vec<DialCallStatus>,
    /// Length in seconds of the made-up recording a `<Record>` gets
    #[arg(long, default_value_t = 12)]
    recording_duration: u32,
    /// Transcript a `<Record transcribe="true">` gets in its transcription callback
    /// (none is sent without it)
    #[arg(long)]
    transcript: Option<String>,
    /// Milliseconds the caller waits before each answer
    #[arg(long, default_value_t = 0)]
    pause_ms: u64,
}

#[derive(clap::Args)]
struct TokenArgs {
    /// The user the token is for (grants.identity)
    #[arg(long)]
    identity: String,
    /// Lifetime in seconds (1 to 86400)
    #[arg(long, default_value_t = 3600)]
    ttl: u64,
    /// Issue time in Unix seconds (default: now); pins the token for reproducible tests
    #[arg(long)]
    issued_at: Option<u64>,
    /// Account SID (AC…) the token is for
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    account_sid: Option<String>,
    /// API key SID (SK…) whose secret signs the token
    #[arg(long, env = var::TWILIO_API_KEY)]
    api_key: Option<String>,
    /// Secret of --api-key
    #[arg(long, env = var::TWILIO_API_SECRET, hide_env_values = true)]
    api_secret: Option<String>,
    /// Sync service SID (IS…); "default" or unset leaves it out (Twilio's default service)
    #[arg(long, env = var::TWILIO_SYNC_SERVICE_SID)]
    service_sid: Option<String>,
}

#[derive(clap::Args)]
struct SignArgs {
    /// The full public URL Twilio calls, query included
    #[arg(long)]
    url: String,
    /// A POST parameter, Key=Value (repeat)
    #[arg(short = 'd', long = "data", value_name = "KEY=VALUE")]
    data: Vec<String>,
    /// Sign a GET request (parameters in the URL)
    #[arg(long)]
    get: bool,
    /// Sign exactly the -d parameters; fill in nothing
    #[arg(long)]
    no_defaults: bool,
    /// Account SID filled in as AccountSid [default: the pair `callflow serve` keeps in ./.callflow/dev-credentials]
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    account_sid: Option<String>,
    /// Auth token to sign with [default: as --account-sid]
    #[arg(long, env = var::TWILIO_AUTH_TOKEN, hide_env_values = true)]
    auth_token: Option<String>,
}

#[derive(Subcommand)]
enum FlowCommand {
    /// Draw a flow: stages, routes with their digits or phrases, otherwise/retry/exhausted
    /// edges (dashed), end actions. A Studio flow is drawn at its canvas positions.
    Graph {
        /// The flow file, TOML or Studio JSON (default: the bundled support menu)
        file: Option<std::path::PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = graph::Format::Svg)]
        format: graph::Format,
        /// Write here instead of to stdout
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Check a flow file: exit 0 when every widget a voice call can reach (from the
    /// trigger's incomingCall) can run; otherwise list each problem with its line:col and
    /// exit 1. Messaging-only widgets are listed as not used by voice.
    Check {
        /// The flow file (TOML or Studio JSON)
        file: std::path::PathBuf,
    },
    /// Run scripted calls against a flow (test files in TOML) in this process, in
    /// parallel: print each test's result, a failure's path against the expected one, and
    /// the widgets and transitions no test reached; exit 1 when a test failed.
    #[command(after_long_help = callflow_cli::flow_test::FORMAT)]
    Test(callflow_cli::flow_test::TestOptions),
    /// Compare two revisions of a flow by what calls do: widgets (stages) added, removed,
    /// renamed, properties changed (Liquid shown), transitions rewired. Canvas moves
    /// (`offset`) are noted apart (--offsets lists them). Exit 0: no change of behaviour,
    /// 1: changes, 2: an error. Given git's seven external-diff arguments, it diffs those
    /// files and exits 0 (`.gitattributes`: `*.json diff=callflow`, then `git config
    /// diff.callflow.command 'callflow flow diff'`).
    Diff(callflow_cli::diff::DiffArgs),
    /// Fetch a flow from Studio's Flows API (`TWILIO_STUDIO_URL`, default Twilio's) and
    /// write its definition as the Console exports it (--resource: the whole resource).
    Pull(callflow_cli::studio_api::PullArgs),
    /// Send a Studio flow file to Studio's Flows API: a new flow, or with --sid a new
    /// revision of one (--message its commit message, --publish to publish it). The
    /// flow is checked as `flow check` does first, and not sent with problems unless
    /// --force. Prints the flow's SID and revision.
    Push(callflow_cli::studio_api::PushArgs),
}

fn main() -> ExitCode {
    one_malloc_arena();
    let command = Cli::parse().command;
    // The request lines are `serve`'s; `flow test` runs dev servers inside itself and has
    // its own report.
    let request_lines = matches!(command, Command::Serve(_));
    init_logging(request_lines);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(command)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of a pipe went away (`callflow call | head`): nothing is wrong with
        // the command, and nobody is left to read an error.
        Err(error) if stdout_closed(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_report(&error));
            ExitCode::FAILURE
        }
    }
}

/// Makes glibc's malloc keep one arena for the whole process instead of one per thread
/// that meets contention (up to 8 per core). `serve`'s allocations are small and short, and
/// its two worker threads each grew an arena of about 3 MiB under load. Measured with the
/// bench's 32 clients, alternating three times in one run: peak RSS 17.3-17.5 -> 16.2-16.4
/// MiB; CPU per webhook within the noise (default arenas 120-146 µs, one arena 131-137).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    // SAFETY: mallopt only sets a malloc parameter; no other thread exists yet. A refusal
    // (return value 0) leaves the default, which is merely larger.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

fn stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Logs go to stderr (stdout carries the banner and results), coloured only on a terminal;
/// `serve`'s one line per request only when `request_lines` (or `RUST_LOG` says so).
fn init_logging(request_lines: bool) {
    let stderr = std::io::stderr();
    let default = if request_lines {
        "info"
    } else {
        "info,callflow::serve=warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default.into()),
        )
        .with_ansi(stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_writer(std::io::stderr)
        .init();
}

/// One arm per command; each command's work is its own function below.
async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(options) => serve_command(options).await,
        Command::Flow { command } => flow_command(command).await,
        Command::Token(args) => token_command(args),
        Command::Sign(args) => sign_command(args),
        Command::Call(args) => call_command(args).await,
        Command::Wire(args) => callflow_cli::wire::run(args).await,
    }
}

async fn serve_command(options: serve::ServeOptions) -> anyhow::Result<()> {
    // Every connection holds a descriptor; the soft limit (often 1,024) is not the
    // real one.
    callflow_httpd::raise_open_file_limit();
    let served = serve::start(options).await?;
    say!("{}", serve::banner(&served));
    served.wait().await?;
    Ok(())
}

async fn flow_command(command: FlowCommand) -> anyhow::Result<()> {
    match command {
        FlowCommand::Graph {
            file,
            format,
            output,
        } => {
            let flow = callflow_cli::flow_file::FlowFile::read(file.as_deref())?;
            let text = graph::render(&flow.graph(), format);
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => write!(std::io::stdout().lock(), "{text}").context(WRITING_STDOUT)?,
            }
        }
        FlowCommand::Check { file } => {
            let report = callflow_cli::flow_file::check(&file)?;
            for line in &report.lines {
                say!("{line}");
            }
            if !report.ok {
                anyhow::bail!("{} cannot run every voice call", file.display());
            }
        }
        FlowCommand::Test(options) => callflow_cli::flow_test::run(options).await?,
        FlowCommand::Diff(args) => {
            let code = callflow_cli::diff::run(&args);
            if code != 0 {
                std::process::exit(i32::from(code));
            }
        }
        FlowCommand::Pull(args) => callflow_cli::studio_api::pull(args).await?,
        FlowCommand::Push(args) => callflow_cli::studio_api::push(args).await?,
    }
    Ok(())
}

fn token_command(args: TokenArgs) -> anyhow::Result<()> {
    let TokenArgs {
        identity,
        ttl,
        issued_at,
        account_sid,
        api_key,
        api_secret,
        service_sid,
    } = args;
    let key = credentials::for_token(
        account_sid,
        api_key,
        api_secret,
        std::path::Path::new(dev_credentials::PATH),
    )?;
    let jwt = token::mint(&token::TokenOptions {
        account_sid: key.account_sid,
        api_key: key.key_sid,
        api_secret: key.secret,
        service_sid,
        identity,
        ttl,
        issued_at,
    })?;
    say!("{jwt}");
    Ok(())
}

fn sign_command(args: SignArgs) -> anyhow::Result<()> {
    let SignArgs {
        url,
        data,
        get,
        no_defaults,
        account_sid,
        auth_token,
    } = args;
    let fill = !get && !no_defaults;
    let credentials = credentials::for_client(account_sid, auth_token, fill)?;
    let signed = sign::sign(&sign::SignRequest {
        url,
        params: data,
        auth_token: credentials.auth_token,
        get,
        fill_for_account: fill.then_some(credentials.account_sid),
    })?;
    if !signed.filled.is_empty() {
        eprintln!("filled in: {}", signed.filled.join(" "));
    }
    say!("X-Twilio-Signature: {}", signed.signature);
    say!("{}", signed.curl);
    Ok(())
}

impl CallArgs {
    /// The simulation these flags ask for, with the credentials filled in, and whether
    /// to watch it step by step.
    fn into_options(self) -> anyhow::Result<(call::CallOptions, bool)> {
        let credentials = credentials::for_client(self.account_sid, self.auth_token, true)?;
        let options = call::CallOptions {
            fallback_url: Some(self.fallback_url.unwrap_or_else(|| self.to.clone())),
            to_url: self.to,
            state_url: self.state_url,
            digits: self.digits,
            speech: self.speech,
            account_sid: credentials.account_sid,
            auth_token: credentials.auth_token,
            call_sid: self.call_sid.unwrap_or_else(call::random_call_sid),
            from: self.from,
            to: self.called,
            api_token: self.api_token,
            dial_statuses: self.dial_status,
            recording_duration: self.recording_duration,
            transcript: self.transcript,
            pause: std::time::Duration::from_millis(self.pause_ms),
        };
        Ok((options, self.watch))
    }
}

async fn call_command(args: CallArgs) -> anyhow::Result<()> {
    let (options, watch) = args.into_options()?;
    let http = callflow::tls::client_builder()?
        .build()
        .context("cannot build the HTTP client")?;
    let report = if watch {
        say!("call {}", options.call_sid);
        let mut print = |step: &call::Step| {
            // Shown as it happens, even when stdout is a pipe. A closed stdout is
            // reported by the next `say!`, after the call has finished.
            let mut stdout = std::io::stdout().lock();
            let _ = write!(stdout, "{}", call::watch_lines(step)).and_then(|()| stdout.flush());
        };
        call::run_watched(&options, &http, &mut print).await?
    } else {
        let report = call::run(&options, &http).await?;
        say!("call {}", report.call_sid);
        for step in &report.steps {
            say!(
                "  POST {} -> {} ({:.1} ms)",
                step.url,
                step.status,
                step.millis
            );
        }
        for line in &report.transcript {
            say!("  {line}");
        }
        report
    };
    for message in &report.messages {
        say!("{}", call::message_line(message));
    }
    let state = serde_json::to_string_pretty(&report.final_state).context("printing the state")?;
    say!("final state:\n{state}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// `--help` describes every flag of every subcommand, and durations say their unit.
    #[test]
    fn every_flag_is_documented_with_its_unit() {
        fn check(command: &clap::Command, path: &str) {
            for arg in command.get_arguments() {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                let flag = format!("{path} --{}", arg.get_id());
                assert!(!help.trim().is_empty(), "{flag} has no description");
                if arg.get_id().as_str().ends_with("ttl") {
                    assert!(
                        help.contains("seconds"),
                        "{flag} does not say its unit: {help}"
                    );
                }
            }
            for sub in command.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        check(&super::Cli::command(), "callflow");
    }

    /// `serve` takes every variable the functions read, each as the flag of the same
    /// meaning, and no flag reads a variable the functions do not know: the names come
    /// from `callflow::config::var` alone.
    #[test]
    fn serve_has_a_flag_for_every_config_variable() {
        let cli = super::Cli::command();
        let serve = cli.find_subcommand("serve").expect("serve subcommand");
        let mut read: Vec<String> = serve
            .get_arguments()
            .filter_map(|arg| arg.get_env())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        read.sort();
        let mut all: Vec<String> = callflow::config::var::ALL
            .iter()
            .map(ToString::to_string)
            .collect();
        all.sort();
        assert_eq!(read, all);
    }
}
