//! The `callflow` command: `serve`, `call`, `sign`. See the crate doc of `callflow_cli`.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use url::Url;

use callflow_cli::{call, sign};

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
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
            };
            let http = reqwest::Client::new();
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
            let state =
                serde_json::to_string_pretty(&report.final_state).context("printing the state")?;
            println!("final state:\n{state}");
        }
    }
    Ok(())
}
