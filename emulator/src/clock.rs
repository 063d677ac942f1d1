//! The emulator's notion of "now", injectable so TTL expiry can be tested exactly.
//!
//! All expiry decisions read this clock (in milliseconds since the Unix epoch). A manual
//! clock only moves when a test calls [`Clock::advance`]; the purge task listens for that
//! so expired objects are collected without waiting in real time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

#[derive(Debug)]
enum Source {
    System,
    Manual(AtomicI64),
    /// Tokio's clock from `at` on, starting at `start_ms`: under paused time (tests)
    /// it moves with `tokio::time::advance` and auto-advance, like every timer does.
    Tokio {
        start_ms: i64,
        at: tokio::time::Instant,
    },
}

#[derive(Debug)]
struct Inner {
    source: Source,
    /// Bumped on every `advance`; a watch (unlike a bare notify) remembers a change that
    /// happened while nobody was waiting, so the purge task cannot miss one.
    moves: watch::Sender<u64>,
}

/// A cheap, cloneable handle on the time source.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// Wall-clock time.
    pub fn system() -> Self {
        Self::from_source(Source::System)
    }

    /// A clock that starts at `start_ms` (Unix milliseconds) and only moves on `advance`.
    pub fn manual(start_ms: i64) -> Self {
        Self::from_source(Source::Manual(AtomicI64::new(start_ms)))
    }

    /// A clock that follows Tokio's time, starting at the current wall-clock time. In a
    /// runtime with paused time it moves with the test's virtual time, so rate limits
    /// and TTLs see the same time as the clients' sleeps and timeouts.
    /// Must be called inside a Tokio runtime.
    pub fn tokio() -> Self {
        Self::from_source(Source::Tokio {
            start_ms: system_now_ms(),
            at: tokio::time::Instant::now(),
        })
    }

    /// A manual clock starting at the current wall-clock time.
    pub fn manual_now() -> Self {
        Self::manual(system_now_ms())
    }

    fn from_source(source: Source) -> Self {
        Self {
            inner: Arc::new(Inner {
                source,
                moves: watch::Sender::new(0),
            }),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.inner.source {
            Source::System => system_now_ms(),
            Source::Manual(ms) => ms.load(Ordering::SeqCst),
            Source::Tokio { start_ms, at } => {
                start_ms + i64::try_from(at.elapsed().as_millis()).unwrap_or(i64::MAX)
            }
        }
    }

    /// Moves a manual clock forward. Returns false (and does nothing) on the system and
    /// Tokio clocks.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.inner.source {
            Source::System | Source::Tokio { .. } => false,
            Source::Manual(ms) => {
                let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
                ms.fetch_add(by, Ordering::SeqCst);
                self.inner.moves.send_modify(|n| *n = n.wrapping_add(1));
                true
            }
        }
    }

    /// A receiver that sees every `advance` of a manual clock (never fires for the system
    /// clock).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.inner.moves.subscribe()
    }
}

fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_on_advance() {
        let c = Clock::manual(1_000);
        assert_eq!(c.now_ms(), 1_000);
        assert!(c.advance(Duration::from_secs(2)));
        assert_eq!(c.now_ms(), 3_000);
        assert!(!Clock::system().advance(Duration::from_secs(1)));
    }
}
