//! The TTL purge task.
//!
//! Readers never see an expired object, because every query filters on `date_expires`;
//! this task only reclaims the rows. Like mini-redis it sleeps until the nearest deadline
//! instead of polling, and is woken early when a write sets a sooner one (or when a test
//! advances a manual clock). A write whose expiry is not sooner than the one the task
//! waits for does not wake it: most writes with a TTL (every call's state) set a later
//! one, and re-reading the nearest deadline for each was 6% of the emulator's CPU under
//! the bench's load.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::state::AppState;
use crate::store::objects;

/// Longest sleep; also how soon the task notices that its emulator is gone.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The nearest expiry the purge task knows of (ms since the epoch; `i64::MAX` for none or
/// "being re-read"), and the wake-up for a write that sets a sooner one.
pub struct PurgeSchedule {
    nearest: AtomicI64,
    wake: Notify,
}

impl Default for PurgeSchedule {
    fn default() -> PurgeSchedule {
        PurgeSchedule {
            nearest: AtomicI64::new(i64::MAX),
            wake: Notify::new(),
        }
    }
}

impl PurgeSchedule {
    /// A committed write set an expiry at `at`: wakes the task if that is sooner than the
    /// deadline it waits for.
    pub fn note(&self, at: i64) {
        if self.nearest.fetch_min(at, Ordering::SeqCst) > at {
            self.wake.notify_one();
        }
    }

    /// Wakes the task to re-read the nearest deadline, whatever it is.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Before reading the nearest deadline from the store: from here on every noted
    /// expiry wakes the task, so one committed while the read runs is not missed.
    fn forget(&self) {
        self.nearest.store(i64::MAX, Ordering::SeqCst);
    }

    /// After the read: the deadline to sleep until, the sooner of what the store said and
    /// what writes noted meanwhile.
    fn settle(&self, read: Option<i64>) -> Option<i64> {
        let read = read.unwrap_or(i64::MAX);
        let nearest = self.nearest.fetch_min(read, Ordering::SeqCst).min(read);
        (nearest != i64::MAX).then_some(nearest)
    }
}

pub fn spawn(state: Weak<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut moves = match state.upgrade() {
            Some(st) => st.clock.subscribe(),
            None => return,
        };
        loop {
            // Hold the state only while working, so dropping the emulator ends the task.
            let Some(st) = state.upgrade() else { return };
            let now = st.clock.now_ms();
            st.purge.forget();
            let next = match st.store.read(objects::next_deadline).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "purge: cannot read the next deadline");
                    None
                }
            };
            let next = match next {
                Some(t) if t <= now => {
                    match st
                        .store
                        .write(move |c| objects::purge_expired(c, now))
                        .await
                    {
                        Ok(n) => tracing::debug!(removed = n, "purged expired Sync objects"),
                        Err(e) => tracing::warn!(error = %e, "purge failed"),
                    }
                    st.store.read(objects::next_deadline).await.ok().flatten()
                }
                other => other,
            };
            let next = st.purge.settle(next);
            let wait = match next {
                Some(t) => Duration::from_millis(u64::try_from(t - now).unwrap_or(0)),
                None => MAX_SLEEP,
            }
            .clamp(Duration::from_millis(5), MAX_SLEEP);
            let schedule = Arc::clone(&st.purge);
            drop(st);
            let woken = schedule.wake.notified();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = woken => {}
                moved = moves.changed() => {
                    if moved.is_err() {
                        return; // the clock, and so the emulator, is gone
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a wake-up is pending (a permit stored by `notify_one`).
    async fn woken(schedule: &PurgeSchedule) -> bool {
        tokio::time::timeout(Duration::from_millis(1), schedule.wake.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn only_a_sooner_expiry_wakes_the_task() {
        let schedule = PurgeSchedule::default();
        schedule.forget();
        assert_eq!(schedule.settle(Some(5_000)), Some(5_000));
        schedule.note(9_000);
        assert!(
            !woken(&schedule).await,
            "later than the deadline waited for"
        );
        schedule.note(5_000);
        assert!(!woken(&schedule).await, "the deadline waited for");
        schedule.note(4_000);
        assert!(woken(&schedule).await, "sooner");
        schedule.note(4_500);
        assert!(
            !woken(&schedule).await,
            "no longer sooner than the last one noted"
        );
    }

    #[tokio::test]
    async fn an_expiry_noted_while_the_store_is_read_is_kept() {
        let schedule = PurgeSchedule::default();
        schedule.forget();
        // Committed after the read began: the read may not have seen it.
        schedule.note(7_000);
        assert!(
            woken(&schedule).await,
            "every expiry wakes while the deadline is re-read"
        );
        assert_eq!(schedule.settle(Some(8_000)), Some(7_000));
        assert_eq!(schedule.settle(None), Some(7_000));
        schedule.forget();
        assert_eq!(schedule.settle(None), None, "nothing expires");
    }
}
