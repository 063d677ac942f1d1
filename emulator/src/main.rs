//! `sync-emulator`: run the local Twilio Sync on a port.
//!
//! ```text
//! sync-emulator --port 4010 --data ./.callflow/sync.sqlite3 --account-sid AC… --auth-token …
//! ```
//! Prints the base URL, the credentials if it made them up, and one `READY <url>` line once
//! it accepts connections.

use std::io::{IsTerminal as _, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use sync_emulator::sid::{new_secret, new_sid, Prefix};
use sync_emulator::{Emulator, EmulatorConfig, Limits};
use tokio::net::TcpListener;

#[derive(Debug, Parser)]
#[command(
    name = "sync-emulator",
    version,
    about = "A wire-compatible local Twilio Sync on SQLite"
)]
struct Args {
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// SQLite file, or `:memory:` to keep nothing.
    #[arg(long, default_value = "./.callflow/sync-emulator.sqlite3")]
    data: String,
    /// Account SID clients authenticate with.
    #[arg(long, env = "TWILIO_ACCOUNT_SID")]
    account_sid: Option<String>,
    /// Auth token clients authenticate with.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// Enforce Sync's rate limits, answering 429 (code 54009) with Retry-After. Alone:
    /// Twilio's documented tiers per object (20 writes/s with a 10 s burst window, item
    /// writes counting against their map or list; 2 writes/s of 10 KiB or more; 20 reads/s;
    /// 30 stream messages/s). With N: N writes/s and no burst window, to exercise
    /// clients' back-off quickly.
    #[arg(long, value_name = "N", num_args = 0..=1, value_parser = clap::value_parser!(u32).range(1..))]
    rate_limit: Option<Option<u32>>,
    /// Also accept this API key, as `SK…:secret` (repeatable).
    #[arg(long = "api-key", value_name = "SID:SECRET")]
    api_keys: Vec<String>,
    /// An API key SID to accept when --api-key-secret is also given; the functions' `TWILIO_API_KEY`.
    #[arg(long, env = "TWILIO_API_KEY")]
    api_key_sid: Option<String>,
    /// The secret of --api-key-sid; the functions' `TWILIO_API_SECRET`.
    #[arg(long, env = "TWILIO_API_SECRET", hide_env_values = true)]
    api_key_secret: Option<String>,
    /// Base for resource URLs in responses, if clients reach the emulator through a proxy.
    #[arg(long)]
    public_base_url: Option<String>,
    /// Seconds a connection may take to send a request's headers, counted from when it
    /// opens or from its previous answer: idle and half-sent connections close after this.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = callflow_httpd::parse_seconds)]
    header_timeout: Duration,
    /// Seconds a request's body may take to arrive after its headers (else 408).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = callflow_httpd::parse_seconds)]
    body_timeout: Duration,
    /// Seconds between the WebSocket Pings sent to each initialised realtime session (a
    /// realtime socket that has not sent `init` within --header-timeout is closed).
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = callflow_httpd::parse_seconds)]
    realtime_ping_interval: Duration,
    /// Seconds a realtime session may send nothing, not even a Pong, before it is closed;
    /// at least 1.5 ping intervals.
    #[arg(long, value_name = "SECONDS", default_value = "90", value_parser = callflow_httpd::parse_seconds)]
    realtime_idle_timeout: Duration,
    /// What an acknowledged write survives: `process` (kill -9 or a crash of the emulator;
    /// SQLite synchronous=NORMAL) or `machine` (an operating-system crash or power loss too;
    /// an fsync per commit, synchronous=FULL)
    #[arg(long, value_name = "process|machine", default_value = "process")]
    durability: sync_emulator::Durability,
    /// A phone number (E.164) the local 2010-04-01 API answers for in
    /// `IncomingPhoneNumbers`; repeat for more. Seeded on every start; one that exists
    /// keeps its webhooks.
    #[arg(long = "phone-number", value_name = "E164")]
    phone_numbers: Vec<String>,
}

fn main() -> ExitCode {
    // Logs go to stderr (stdout carries the banner), coloured only on a terminal.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    // Every connection holds a descriptor; the soft limit (often 1,024) is not the real one.
    callflow_httpd::raise_open_file_limit();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the context and its causes, each once (`{:#}` joins them with ": ").
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (account_sid, auth_token, generated) = match (args.account_sid, args.auth_token) {
        (Some(a), Some(t)) => (a, t, false),
        (None, None) => (new_sid(Prefix::Account), new_secret(), true),
        (Some(_), None) => anyhow::bail!("--account-sid is given but --auth-token is missing"),
        (None, Some(_)) => anyhow::bail!("--auth-token is given but --account-sid is missing"),
    };
    let mut api_keys = Vec::new();
    for k in &args.api_keys {
        let (sid, secret) = k
            .split_once(':')
            .with_context(|| format!("--api-key {k:?} must look like SK…:secret"))?;
        api_keys.push((sid.to_owned(), secret.to_owned()));
    }
    if let (Some(sid), Some(secret)) = (args.api_key_sid, args.api_key_secret) {
        api_keys.push((sid, secret));
    }

    let mut config = EmulatorConfig::with_file(account_sid.clone(), auth_token.clone(), args.data);
    config.rate_limit = args.rate_limit.map(|n| match n {
        Some(n) => Limits::writes(n),
        None => Limits::twilio(),
    });
    config.api_keys = api_keys;
    config.public_base_url = args.public_base_url;
    // Upgraded connections are out of the header timeout's reach; the realtime socket
    // applies it to `init` itself.
    config.realtime_init_timeout = args.header_timeout;
    config.realtime_ping_interval = args.realtime_ping_interval;
    config.realtime_idle_timeout = args.realtime_idle_timeout;
    config.durability = args.durability;

    let emulator = Emulator::open(config)?;
    let numbers = emulator
        .seed_phone_numbers(&args.phone_numbers)
        .await
        .context("--phone-number")?;
    let bind = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");

    let mut out = std::io::stdout().lock();
    writeln!(out, "Sync emulator base URL: {base}")?;
    if generated {
        writeln!(
            out,
            "Development credentials: TWILIO_ACCOUNT_SID={account_sid} TWILIO_AUTH_TOKEN={auth_token}"
        )?;
    }
    for n in &numbers {
        writeln!(out, "Phone number: {} ({})", n.phone_number, n.sid)?;
    }
    writeln!(out, "READY {base}")?;
    out.flush()?;
    drop(out);

    let limits = callflow_httpd::ConnLimits {
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
    };
    emulator.serve_with(listener, limits, stop_signal()).await?;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting and let in-flight requests finish. Every answered
/// write is already committed, so there is nothing else to flush.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
