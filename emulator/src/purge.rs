//! The TTL purge task.
//!
//! Readers never see an expired object, because every query filters on `date_expires`;
//! this task only reclaims the rows. Like mini-redis it sleeps until the nearest deadline
//! instead of polling, and is woken early when a write sets a sooner one (or when a test
//! advances a manual clock).

use std::sync::Weak;
use std::time::Duration;

use crate::state::AppState;
use crate::store::objects;

/// Longest sleep; also how soon the task notices that its emulator is gone.
const MAX_SLEEP: Duration = Duration::from_secs(30);

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
            let wait = match next {
                Some(t) => Duration::from_millis(u64::try_from(t - now).unwrap_or(0)),
                None => MAX_SLEEP,
            }
            .clamp(Duration::from_millis(5), MAX_SLEEP);
            let wake = st.purge_wake.clone();
            drop(st);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = wake.notified() => {}
                moved = moves.changed() => {
                    if moved.is_err() {
                        return; // the clock, and so the emulator, is gone
                    }
                }
            }
        }
    })
}
