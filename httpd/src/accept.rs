//! The accept loop and the task each connection runs in.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::body::DeadlineBody;

/// How long a connection may take over what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Until a request's headers are complete, counted from when the connection opened
    /// or its previous answer was sent (so it is also the keep-alive idle timeout).
    pub header_timeout: Duration,
    /// Until a request's body has fully arrived, counted from its headers.
    pub body_timeout: Duration,
}

impl ConnLimits {
    /// [`ConnLimits::header_timeout`] when not configured: 5 s, ample for a real client's
    /// headers on one request, short enough that idle keep-alive connections go soon.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
    /// [`ConnLimits::body_timeout`] when not configured: 10 s for a body that is bounded
    /// in size anyway, so only a slow or stalled sender hits it.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// Parses a duration given in seconds on a command line (`5`, `0.5`), for the flags
/// that set [`ConnLimits`].
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!("{s:?}: give between 0 and 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Back-off after `accept` failed, and how often that may be logged.
const BACKOFF_FIRST: Duration = Duration::from_millis(5);
const BACKOFF_MAX: Duration = Duration::from_secs(1);
const LOG_EVERY: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets the
/// requests in flight finish and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    // Connections watch `stop` to start their graceful shutdown, and each holds a
    // `closed` receiver: when the last is dropped, every connection has ended.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (closed_tx, closed_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut failures = AcceptFailures::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _peer)) => {
                failures.reset();
                let conn = Connection {
                    builder: builder.clone(),
                    app: app.clone(),
                    body_timeout: limits.body_timeout,
                    stop: stop_rx.clone(),
                    _closed: closed_rx.clone(),
                };
                tokio::spawn(conn.run(stream));
            }
            Err(e) => {
                let wait = failures.next(&e);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = &mut shutdown => break,
                }
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(closed_rx);
    closed_tx.closed().await;
    Ok(())
}

struct Connection {
    builder: http1::Builder,
    app: Router,
    body_timeout: Duration,
    stop: watch::Receiver<bool>,
    _closed: watch::Receiver<()>,
}

impl Connection {
    async fn run(self, stream: TcpStream) {
        // Answers are small and written at once; do not hold them back for Nagle.
        let _ = stream.set_nodelay(true);
        let (app, body_timeout) = (self.app, self.body_timeout);
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let req = req.map(|b| Body::new(DeadlineBody::new(b, body_timeout)));
            app.clone().oneshot(req)
        });
        let mut conn = pin!(self
            .builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades());
        let mut stop = self.stop;
        let stopping = async move {
            // An error means the loop is gone, which also means stop.
            let _ = stop.wait_for(|stop| *stop).await;
        };
        let result = tokio::select! {
            r = conn.as_mut() => r,
            () = stopping => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            // Timeouts and clients hanging up are routine; nothing to act on.
            tracing::debug!(error = %e, "connection ended");
        }
    }
}

/// Consecutive `accept` failures: how long to wait, and whether to say so.
#[derive(Default)]
struct AcceptFailures {
    streak: u32,
    last_log: Option<Instant>,
    unlogged: u64,
}

impl AcceptFailures {
    fn reset(&mut self) {
        self.streak = 0;
    }

    /// The wait before the next `accept`. Running out of descriptors (EMFILE, ENFILE) is
    /// the usual cause: the kernel keeps the new connection queued while the loop waits
    /// for a descriptor to be freed (an idle connection timing out), and the connections
    /// already accepted are served meanwhile.
    fn next(&mut self, e: &io::Error) -> Duration {
        self.streak = self.streak.saturating_add(1);
        // A connection reset or aborted before it was accepted is not the loop's problem.
        if matches!(
            e.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::Interrupted
        ) {
            return Duration::ZERO;
        }
        let now = Instant::now();
        if self
            .last_log
            .is_none_or(|t| now.duration_since(t) >= LOG_EVERY)
        {
            let out_of_files = matches!(
                e.raw_os_error(),
                Some(code) if code == libc_emfile() || code == libc_enfile()
            );
            tracing::warn!(
                error = %e,
                out_of_files,
                failures_since_last_log = self.unlogged,
                "cannot accept connections; backing off and serving the open ones"
            );
            self.last_log = Some(now);
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        BACKOFF_FIRST
            .saturating_mul(1 << (self.streak - 1).min(10))
            .min(BACKOFF_MAX)
    }
}

fn libc_emfile() -> i32 {
    rustix::io::Errno::MFILE.raw_os_error()
}

fn libc_enfile() -> i32 {
    rustix::io::Errno::NFILE.raw_os_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse() {
        assert_eq!(parse_seconds("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
    }

    #[test]
    fn backoff_grows_to_a_second_and_resets() {
        let mut f = AcceptFailures::default();
        let emfile = io::Error::from_raw_os_error(libc_emfile());
        let waits: Vec<_> = (0..12).map(|_| f.next(&emfile)).collect();
        assert_eq!(waits[0], Duration::from_millis(5));
        assert_eq!(waits[1], Duration::from_millis(10));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits[11], BACKOFF_MAX);
        f.reset();
        assert_eq!(f.next(&emfile), Duration::from_millis(5));
        let reset = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(f.next(&reset), Duration::ZERO);
    }
}
