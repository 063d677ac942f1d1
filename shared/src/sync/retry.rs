//! When a failed request may be sent again, and how long to wait first.
//!
//! The rule is about what Sync may already have done. A read, a delete, a whole-value
//! replace and a conditional (`If-Match`) write leave the same state however often they
//! land, so they are repeated on 429, 5xx, timeouts and broken connections. A create
//! that names its object (unique name, map key) is repeated too, and the caller turns a
//! later 409 into a fetch (see `open.rs`), so it ends as create-or-fetch. A create that
//! names nothing (a list item, a stream message, an unnamed document) would make a
//! second object, so it is repeated only when Sync certainly did not apply it: a 429,
//! or a connection that never opened.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use super::config::SyncConfig;
use super::error::SyncError;

/// Which failures a request may be repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Same state however often it lands.
    Always,
    /// Would duplicate: only repeat what was certainly not applied.
    IfNotApplied,
}

impl Repeat {
    /// Whether `err` may be followed by another attempt.
    pub(crate) fn allows(self, err: &SyncError) -> bool {
        match err {
            SyncError::RateLimited { .. } => true,
            SyncError::Transport { connect: true, .. } => true,
            SyncError::Server(_) | SyncError::Transport { .. } | SyncError::Timeout { .. } => {
                self == Repeat::Always
            }
            _ => false,
        }
    }
}

/// True when Sync may have applied a request that failed with `err`: the answer was
/// lost or was a 5xx. A later 409 / 412 / 404 may then be our own earlier attempt.
pub(crate) fn maybe_applied(err: &SyncError) -> bool {
    matches!(
        err,
        SyncError::Server(_)
            | SyncError::Transport { connect: false, .. }
            | SyncError::Timeout { .. }
    )
}

/// The wait before attempt `attempt + 1` (attempt counts from 1): exponential with full
/// jitter, so that clients that failed together do not retry together; never shorter
/// than the server's `Retry-After`.
pub(crate) fn backoff(cfg: &SyncConfig, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let exp = cfg
        .backoff_base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let cap = exp.min(cfg.backoff_max);
    let jittered = cap.mul_f64(fastrand::f64());
    match retry_after {
        Some(ra) => ra.max(jittered),
        None => jittered,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Twilio and is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = v.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

/// The end of one operation's time budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    started: Instant,
    at: Instant,
}

impl Deadline {
    pub(crate) fn after(budget: Duration) -> Self {
        let started = Instant::now();
        Deadline {
            started,
            at: started + budget,
        }
    }

    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Sleeps `d` if that ends before the deadline; false (and no sleep) otherwise.
    pub(crate) async fn sleep(&self, d: Duration) -> bool {
        if d >= self.remaining() {
            return false;
        }
        tokio::time::sleep(d).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let cfg = SyncConfig::new("AC", "t")
            .backoff(Duration::from_millis(10), Duration::from_millis(80));
        for attempt in 1..40 {
            let d = backoff(&cfg, attempt, None);
            assert!(d <= Duration::from_millis(80), "{d:?}");
            assert!(d <= Duration::from_millis(10) * (1 << (attempt - 1).min(16)));
        }
        assert!(backoff(&cfg, 1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
    }

    #[test]
    fn retry_after_parses_seconds_only() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn appends_repeat_only_what_was_not_applied() {
        let server = SyncError::Server(super::super::error::TwilioError::local(20500, 500, "x"));
        let refused = SyncError::Transport {
            message: "refused".into(),
            connect: true,
        };
        let broken = SyncError::Transport {
            message: "reset".into(),
            connect: false,
        };
        assert!(Repeat::Always.allows(&server));
        assert!(!Repeat::IfNotApplied.allows(&server));
        assert!(Repeat::IfNotApplied.allows(&refused));
        assert!(!Repeat::IfNotApplied.allows(&broken));
        assert!(maybe_applied(&broken) && !maybe_applied(&refused));
    }
}
