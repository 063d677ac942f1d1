//! The `callflow` command: `serve`, `call`, `sign`. See the crate doc of `callflow_cli`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use url::Url;

use callflow_cli::{call, graph, serve, sign, token};

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
    Serve {
        #[arg(long, default_value_t = 3000)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// SQLite file of the embedded Sync emulator (`:memory:` keeps nothing)
        #[arg(long, default_value = ".callflow/sync.sqlite3")]
        data: String,
        /// Use this Sync (e.g. a separate sync-emulator) instead of the embedded one
        #[arg(long, env = "TWILIO_SYNC_URL")]
        sync_url: Option<String>,
        /// Default: a development pair kept in .callflow/dev-credentials
        #[arg(long, env = "TWILIO_ACCOUNT_SID")]
        account_sid: Option<String>,
        #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
        auth_token: Option<String>,
        /// The URL prefix signatures are computed over (default: the served address)
        #[arg(long, env = "PUBLIC_BASE_URL")]
        public_base_url: Option<String>,
        /// Bearer token for JSON reads and sync-token (default: the development one)
        #[arg(long, env = "CALLFLOW_API_TOKEN", hide_env_values = true)]
        api_token: Option<String>,
        /// API key SID (SK…) that signs access tokens (default: the development one)
        #[arg(long, env = "TWILIO_API_KEY")]
        api_key: Option<String>,
        /// Secret of --api-key
        #[arg(long, env = "TWILIO_API_SECRET", hide_env_values = true)]
        api_secret: Option<String>,
        /// Lifetime of sync-token's access tokens, and the most a request may ask for, in seconds (1 to 86400)
        #[arg(long, env = "SYNC_TOKEN_TTL")]
        sync_token_ttl: Option<u64>,
        /// Flow definition file (default: the bundled support menu)
        #[arg(long, env = "CALLFLOW_FLOW")]
        flow: Option<std::path::PathBuf>,
        #[arg(long, env = "CALL_STATE_TTL")]
        call_state_ttl: Option<u64>,
        #[arg(long, env = "PRESENCE_TTL")]
        presence_ttl: Option<u64>,
        /// Sync map listing every call (what the dashboard at / subscribes to)
        #[arg(long, env = "CALL_INDEX_MAP", default_value = "calls")]
        call_index_map: String,
        /// Do not check X-Twilio-Signature (local experiments only)
        #[arg(long)]
        insecure_no_signature: bool,
        /// Seconds a connection may take to send a request's headers, counted from when it
        /// opens or from its previous answer: idle and half-sent connections close after this
        #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = callflow_httpd::parse_seconds)]
        header_timeout: std::time::Duration,
        /// Seconds a request's body may take to arrive after its headers (else 408)
        #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = callflow_httpd::parse_seconds)]
        body_timeout: std::time::Duration,
    },
    /// Simulate a phone call through a store-call-state webhook, as Twilio would drive it.
    Call {
        /// The voice webhook URL, e.g. http://127.0.0.1:3000/store-call-state
        #[arg(long)]
        to: Url,
        /// Answers for DTMF gathers, in order, comma-separated (e.g. 2,1)
        #[arg(long, value_delimiter = ',')]
        digits: Vec<String>,
        /// An answer for a speech gather (repeat for several)
        #[arg(long)]
        speech: Vec<String>,
        /// Where to read the final state (default: get-call-state beside --to)
        #[arg(long)]
        state_url: Option<Url>,
        #[arg(long, env = "TWILIO_ACCOUNT_SID")]
        account_sid: String,
        #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
        auth_token: String,
        /// Bearer token for get-call-state (otherwise the read is signed)
        #[arg(long, env = "CALLFLOW_API_TOKEN", hide_env_values = true)]
        api_token: Option<String>,
        #[arg(long, default_value = "+15005550006")]
        from: String,
        #[arg(long = "called", default_value = "+15005550001")]
        called: String,
        /// Use this CallSid instead of a random one
        #[arg(long)]
        call_sid: Option<String>,
        /// Print each step as it happens: ms since the call started, the webhook's
        /// latency, the stage Sync now holds, what the caller heard
        #[arg(long)]
        watch: bool,
        /// DialCallStatus for each <Dial action>, in order, comma-separated
        /// (completed, answered, busy, no-answer, failed, canceled); then completed
        #[arg(long, value_delimiter = ',', value_parser = ["completed", "answered", "busy", "no-answer", "failed", "canceled"])]
        dial_status: Vec<String>,
        /// Length in seconds of the made-up recording a <Record> gets
        #[arg(long, default_value_t = 12)]
        recording_duration: u32,
        /// Transcript a <Record transcribe="true"> gets in its transcription callback
        /// (none is sent without it)
        #[arg(long)]
        transcript: Option<String>,
        /// Milliseconds the caller waits before each answer
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
    /// Work with flow definition files.
    Flow {
        #[command(subcommand)]
        command: FlowCommand,
    },
    /// Print a Twilio access token for twilio-sync.js, minted locally with an API key.
    Token {
        /// The user the token is for (grants.identity)
        #[arg(long)]
        identity: String,
        /// Lifetime in seconds (1 to 86400)
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Issue time in Unix seconds (default: now); pins the token for reproducible tests
        #[arg(long)]
        issued_at: Option<u64>,
        #[arg(long, env = "TWILIO_ACCOUNT_SID")]
        account_sid: String,
        /// API key SID (SK…) whose secret signs the token
        #[arg(long, env = "TWILIO_API_KEY")]
        api_key: String,
        #[arg(long, env = "TWILIO_API_SECRET", hide_env_values = true)]
        api_secret: String,
        /// Sync service SID (IS…); "default" or unset leaves it out (Twilio's default service)
        #[arg(long, env = "TWILIO_SYNC_SERVICE_SID")]
        service_sid: Option<String>,
    },
    /// Print the X-Twilio-Signature (and a curl command) for a webhook.
    Sign {
        /// The full public URL Twilio calls, query included
        #[arg(long)]
        url: String,
        /// A POST parameter, Key=Value (repeat)
        #[arg(short = 'd', long = "data")]
        data: Vec<String>,
        /// Sign a GET request (parameters in the URL)
        #[arg(long)]
        get: bool,
        #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
        auth_token: String,
    },
}

#[derive(Subcommand)]
enum FlowCommand {
    /// Draw a flow: stages, routes with their digits or phrases, otherwise/retry/exhausted
    /// edges (dashed), end actions.
    Graph {
        /// The flow file (default: the bundled support menu)
        file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = graph::Format::Svg)]
        format: graph::Format,
        /// Write here instead of to stdout
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            port,
            host,
            data,
            sync_url,
            account_sid,
            auth_token,
            public_base_url,
            api_token,
            api_key,
            api_secret,
            sync_token_ttl,
            flow,
            call_state_ttl,
            presence_ttl,
            call_index_map,
            insecure_no_signature,
            header_timeout,
            body_timeout,
        } => {
            // Every connection holds a descriptor; the soft limit (often 1,024) is not the
            // real one.
            callflow_httpd::raise_open_file_limit();
            let served = serve::start(serve::ServeOptions {
                host,
                port,
                data,
                sync_url,
                account_sid,
                auth_token,
                public_base_url,
                api_token,
                api_key,
                api_secret,
                sync_token_ttl,
                flow,
                insecure_no_signature,
                call_state_ttl,
                presence_ttl,
                call_index_map,
                conn_limits: callflow_httpd::ConnLimits {
                    header_timeout,
                    body_timeout,
                },
            })
            .await?;
            println!("{}", serve::banner(&served));
            served.wait().await?;
        }
        Command::Flow {
            command:
                FlowCommand::Graph {
                    file,
                    format,
                    output,
                },
        } => {
            let flow = callflow::flow::Flow::load(file.as_deref())?;
            let text = graph::render(&flow.graph(), format);
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
        Command::Token {
            identity,
            ttl,
            issued_at,
            account_sid,
            api_key,
            api_secret,
            service_sid,
        } => {
            let jwt = token::mint(&token::TokenOptions {
                account_sid,
                api_key,
                api_secret,
                service_sid,
                identity,
                ttl,
                issued_at,
            })?;
            println!("{jwt}");
        }
        Command::Sign {
            url,
            data,
            get,
            auth_token,
        } => {
            let signed = sign::sign(&sign::SignRequest {
                url,
                params: data,
                auth_token,
                get,
            })?;
            println!("X-Twilio-Signature: {}", signed.signature);
            println!("{}", signed.curl);
        }
        Command::Call {
            to,
            digits,
            speech,
            state_url,
            account_sid,
            auth_token,
            api_token,
            from,
            called,
            call_sid,
            watch,
            dial_status,
            recording_duration,
            transcript,
            pause_ms,
        } => {
            let options = call::CallOptions {
                to_url: to,
                state_url,
                digits,
                speech,
                account_sid,
                auth_token,
                call_sid: call_sid.unwrap_or_else(call::random_call_sid),
                from,
                to: called,
                api_token,
                dial_statuses: dial_status,
                recording_duration,
                transcript,
                pause: std::time::Duration::from_millis(pause_ms),
            };
            let http = reqwest::Client::new();
            let report = if watch {
                println!("call {}", options.call_sid);
                let mut print = |step: &call::Step| {
                    use std::io::Write as _;
                    print!("{}", call::watch_lines(step));
                    // Shown as it happens, even when stdout is a pipe.
                    let _ = std::io::stdout().flush();
                };
                call::run_watched(&options, &http, &mut print).await?
            } else {
                let report = call::run(&options, &http).await?;
                println!("call {}", report.call_sid);
                for step in &report.steps {
                    println!(
                        "  POST {} -> {} ({:.1} ms)",
                        step.url, step.status, step.millis
                    );
                }
                for line in &report.transcript {
                    println!("  {line}");
                }
                report
            };
            let state =
                serde_json::to_string_pretty(&report.final_state).context("printing the state")?;
            println!("final state:\n{state}");
        }
    }
    Ok(())
}
