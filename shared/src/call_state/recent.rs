//! The calls a warm instance remembers, so a call's next webhook writes its state without
//! reading it first.
//!
//! Two bounded queues share one map: calls in progress, and calls that have ended. An
//! ended call gets few webhooks more (a recording or transcription callback after the
//! hang-up, a redelivery), so it is kept only among the last [`ENDED_CAPACITY`] ended
//! calls. Without that split an instance that has served many calls holds the last
//! [`LIVE_CAPACITY`] of them whether or not they can still ring: measured under the bench's
//! 32-client load, the cached documents were the largest live heap (about 1 MiB of 4.4),
//! about 1.9 KiB per call.

use std::collections::{HashMap, VecDeque};

/// How many calls in progress are remembered. A Lambda instance serves one request at a
/// time, so a few hundred covers every call it is likely to see again soon.
pub const LIVE_CAPACITY: usize = 512;

/// How many ended calls are remembered, for the callbacks that follow a hang-up.
pub const ENDED_CAPACITY: usize = 64;

/// Bounded map from call SID to `V`, oldest evicted first within its queue. Wrap it in a
/// `std::sync::Mutex`: it is held for one map operation, never across an `.await`.
pub(super) struct RecentCalls<V> {
    entries: HashMap<String, Entry<V>>,
    live: VecDeque<String>,
    ended: VecDeque<String>,
}

struct Entry<V> {
    value: V,
    ended: bool,
}

impl<V> Default for RecentCalls<V> {
    fn default() -> Self {
        RecentCalls {
            entries: HashMap::new(),
            live: VecDeque::new(),
            ended: VecDeque::new(),
        }
    }
}

impl<V: Clone> RecentCalls<V> {
    /// The value remembered for `call_sid`.
    pub(super) fn get(&self, call_sid: &str) -> Option<V> {
        self.entries.get(call_sid).map(|e| e.value.clone())
    }
}

impl<V> RecentCalls<V> {
    /// Remembers `value` for `call_sid`; `ended` says whether the call is over, which
    /// decides the queue it is counted in (and so how long it is kept).
    pub(super) fn put(&mut self, call_sid: &str, value: V, ended: bool) {
        let before = self
            .entries
            .insert(call_sid.to_owned(), Entry { value, ended })
            .map(|e| e.ended);
        if before == Some(ended) {
            return;
        }
        if let Some(was_ended) = before {
            self.queue(was_ended).retain(|sid| sid != call_sid);
        }
        self.queue(ended).push_back(call_sid.to_owned());
        let capacity = if ended { ENDED_CAPACITY } else { LIVE_CAPACITY };
        while self.queue(ended).len() > capacity {
            if let Some(oldest) = self.queue(ended).pop_front() {
                self.entries.remove(&oldest);
            }
        }
    }

    /// Forgets `call_sid`.
    pub(super) fn remove(&mut self, call_sid: &str) {
        if let Some(entry) = self.entries.remove(call_sid) {
            self.queue(entry.ended).retain(|sid| sid != call_sid);
        }
    }

    /// How many calls are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn queue(&mut self, ended: bool) -> &mut VecDeque<String> {
        if ended {
            &mut self.ended
        } else {
            &mut self.live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(n: usize) -> String {
        format!("CA{n:032}")
    }

    #[test]
    fn ended_calls_are_kept_only_among_the_last_few() {
        let mut calls = RecentCalls::default();
        for n in 0..1000 {
            calls.put(&sid(n), n, false);
            calls.put(&sid(n), n + 1, true);
        }
        assert_eq!(calls.len(), ENDED_CAPACITY);
        assert_eq!(calls.get(&sid(999)), Some(1000), "the latest ended call");
        assert_eq!(
            calls.get(&sid(1000 - ENDED_CAPACITY)),
            Some(1001 - ENDED_CAPACITY)
        );
        assert_eq!(calls.get(&sid(999 - ENDED_CAPACITY)), None, "evicted");
    }

    #[test]
    fn calls_in_progress_are_not_pushed_out_by_ended_ones() {
        let mut calls = RecentCalls::default();
        calls.put(&sid(0), 0, false);
        for n in 1..=10 * ENDED_CAPACITY {
            calls.put(&sid(n), n, true);
        }
        assert_eq!(calls.get(&sid(0)), Some(0));
        assert_eq!(calls.len(), ENDED_CAPACITY + 1);
    }

    #[test]
    fn live_calls_are_bounded_oldest_first() {
        let mut calls = RecentCalls::default();
        for n in 0..LIVE_CAPACITY + 3 {
            calls.put(&sid(n), n, false);
        }
        assert_eq!(calls.len(), LIVE_CAPACITY);
        assert_eq!(calls.get(&sid(2)), None);
        assert_eq!(calls.get(&sid(3)), Some(3));
        // An update does not queue the call twice: filling up again evicts each once.
        calls.put(&sid(3), 33, false);
        calls.put(&sid(LIVE_CAPACITY + 3), 0, false);
        assert_eq!(calls.get(&sid(3)), None, "still the oldest");
        assert_eq!(calls.len(), LIVE_CAPACITY);
    }

    #[test]
    fn removed_calls_leave_both_queues() {
        let mut calls = RecentCalls::default();
        calls.put(&sid(1), 1, false);
        calls.put(&sid(2), 2, true);
        calls.remove(&sid(1));
        calls.remove(&sid(2));
        calls.remove(&sid(3));
        assert_eq!(calls.len(), 0);
        assert!(calls.live.is_empty() && calls.ended.is_empty());
        // Put back after a removal, the call is counted once.
        calls.put(&sid(1), 1, true);
        assert_eq!((calls.live.len(), calls.ended.len()), (0, 1));
    }
}
