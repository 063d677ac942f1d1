//! Opt-in Sync rate limits, as Twilio documents them (twilio.com/docs/sync/limits):
//!
//! | tier | rate, per object | counts |
//! |---|---|---|
//! | writes | 20/s | updates and deletes of an object; item writes count against their map or list |
//! | large writes | 2/s | writes whose payload is 10 KiB or more (they count as writes too) |
//! | reads | 20/s | fetches of an object or item, item listings |
//! | stream messages | 30/s | messages published to one stream |
//!
//! Each tier is a token bucket per object: it refills at the tier's rate and holds up to
//! rate × the burst window (10 s), so an object that was quiet may take a burst of
//! 200 writes before the sustained 20/s applies. Over the limit the request is refused
//! with 429 / 54009 and a `Retry-After` saying when the bucket has a token again.
//!
//! The check sits where the object is resolved (inside the store functions for writes,
//! beside the lookup for reads), so a write by SID, by unique name, over REST or over
//! the realtime socket all count against the same object: callers go through
//! [`RequestCtx`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::SyncError;

/// The limits one emulator enforces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Writes per second to one object (items count against their collection).
    pub writes_per_s: u32,
    /// Writes per second to one object whose payload is `large_payload_bytes` or more.
    pub large_writes_per_s: u32,
    /// The payload size from which the large-write tier applies.
    pub large_payload_bytes: usize,
    /// Reads per second of one object.
    pub reads_per_s: u32,
    /// Messages per second published to one stream.
    pub stream_messages_per_s: u32,
    /// How long a quiet object's unused rate is saved up for a burst.
    pub burst_window: Duration,
}

impl Limits {
    /// Twilio's documented tiers.
    pub const fn twilio() -> Limits {
        Limits {
            writes_per_s: 20,
            large_writes_per_s: 2,
            large_payload_bytes: 10 * 1024,
            reads_per_s: 20,
            stream_messages_per_s: 30,
            burst_window: Duration::from_secs(10),
        }
    }

    /// Twilio's tiers, but `n` writes per second with no burst allowance: makes a
    /// client's back-off path run after a handful of writes.
    pub const fn writes(n: u32) -> Limits {
        Limits {
            writes_per_s: n,
            burst_window: Duration::from_secs(1),
            ..Limits::twilio()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::twilio()
    }
}

/// What a request does to an object, for the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A fetch of an object or of its items (counted against [`Limits::reads_per_s`]).
    Read,
    /// A write carrying `payload_bytes` of data (0 for a delete).
    Write {
        /// Bytes of `Data` written; from [`Limits::large_payload_bytes`] the large-write tier applies.
        payload_bytes: usize,
    },
    /// A message published to a stream.
    StreamMessage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tier {
    Write,
    LargeWrite,
    Read,
    StreamMessage,
}

impl Tier {
    fn what(self) -> &'static str {
        match self {
            Tier::Write => "writes",
            Tier::LargeWrite => "writes of 10 KiB or more",
            Tier::Read => "reads",
            Tier::StreamMessage => "stream messages",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// Token buckets per object and tier.
#[derive(Debug)]
pub struct RateLimiter {
    limits: Limits,
    buckets: Mutex<HashMap<(String, Tier), Bucket>>,
}

/// Buckets kept before full (idle) ones are dropped; a full bucket is the same as none.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// A limiter that enforces `limits`, with every object's budget full.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limits it enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn rate(&self, tier: Tier) -> f64 {
        f64::from(match tier {
            Tier::Write => self.limits.writes_per_s,
            Tier::LargeWrite => self.limits.large_writes_per_s,
            Tier::Read => self.limits.reads_per_s,
            Tier::StreamMessage => self.limits.stream_messages_per_s,
        })
    }

    fn capacity(&self, tier: Tier) -> f64 {
        (self.rate(tier) * self.limits.burst_window.as_secs_f64()).max(1.0)
    }

    /// Counts `op` on `object_sid` at `now_ms`, or refuses it with 54009 (and counts
    /// nothing: a refused request does not use up the object's budget).
    pub fn check(&self, object_sid: &str, op: Op, now_ms: i64) -> Result<(), SyncError> {
        let tiers: &[Tier] = match op {
            Op::Read => &[Tier::Read],
            Op::Write { payload_bytes } if payload_bytes >= self.limits.large_payload_bytes => {
                &[Tier::Write, Tier::LargeWrite]
            }
            Op::Write { .. } => &[Tier::Write],
            Op::StreamMessage => &[Tier::StreamMessage],
        };
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| SyncError::Internal("rate limiter poisoned".into()))?;
        if buckets.len() > MAX_BUCKETS {
            buckets.retain(|(_, tier), b| {
                self.refilled(*tier, *b, now_ms).tokens < self.capacity(*tier)
            });
        }
        // Refill every tier first and refuse if any is empty, so a refusal takes nothing.
        let mut refilled = Vec::with_capacity(tiers.len());
        for &tier in tiers {
            let key = (object_sid.to_owned(), tier);
            let full = Bucket {
                tokens: self.capacity(tier),
                at_ms: now_ms,
            };
            let b = self.refilled(tier, buckets.get(&key).copied().unwrap_or(full), now_ms);
            if b.tokens < 1.0 {
                let wait_s = (1.0 - b.tokens) / self.rate(tier);
                return Err(SyncError::RateLimited {
                    per_second: self.rate(tier) as u32,
                    what: tier.what(),
                    // Whole seconds, rounded up: a client that waits this long finds a token.
                    retry_after_s: (wait_s.ceil() as u64).max(1),
                });
            }
            refilled.push((key, b));
        }
        for (key, mut b) in refilled {
            b.tokens -= 1.0;
            buckets.insert(key, b);
        }
        Ok(())
    }

    fn refilled(&self, tier: Tier, b: Bucket, now_ms: i64) -> Bucket {
        let elapsed_s = (now_ms - b.at_ms).max(0) as f64 / 1000.0;
        Bucket {
            tokens: (b.tokens + elapsed_s * self.rate(tier)).min(self.capacity(tier)),
            at_ms: now_ms.max(b.at_ms),
        }
    }
}

/// What every store operation needs besides its arguments: the time and the limiter.
/// REST handlers and realtime (socket) requests both make one per request.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The request's time, in milliseconds since the Unix epoch (the emulator's [`Clock`](crate::Clock)).
    pub now: i64,
    /// The limiter to count against; `None` when the emulator runs without rate limits.
    pub limiter: Option<Arc<RateLimiter>>,
}

/// The name the store functions know it by.
pub type WriteCtx = RequestCtx;

impl RequestCtx {
    /// Counts `op` on an object, refusing it if the object is over its rate.
    pub fn limit(&self, object_sid: &str, op: Op) -> Result<(), SyncError> {
        match &self.limiter {
            Some(l) => l.check(object_sid, op, self.now),
            None => Ok(()),
        }
    }

    /// Records a write of `payload_bytes` to an object (or to an item of it).
    pub fn touch(&self, object_sid: &str, payload_bytes: usize) -> Result<(), SyncError> {
        self.limit(object_sid, Op::Write { payload_bytes })
    }

    /// Records a read of an object (or of its items).
    pub fn read(&self, object_sid: &str) -> Result<(), SyncError> {
        self.limit(object_sid, Op::Read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(e: SyncError) -> u64 {
        match e {
            SyncError::RateLimited { retry_after_s, .. } => retry_after_s,
            other => panic!("expected 54009, got {other:?}"),
        }
    }

    #[test]
    fn writes_burst_for_ten_seconds_then_sustain_twenty_per_second() {
        let l = RateLimiter::new(Limits::twilio());
        let t0 = 1_000_000;
        for n in 0..200 {
            l.check("MP1", Op::Write { payload_bytes: 10 }, t0)
                .unwrap_or_else(|e| panic!("write {n} of the burst: {e}"));
        }
        let err = l
            .check("MP1", Op::Write { payload_bytes: 10 }, t0)
            .expect_err("201st write in the same instant");
        assert_eq!(err.code(), 54009);
        assert_eq!(retry_after(err), 1);
        // 50 ms later one token is back (20/s), and only one.
        l.check("MP1", Op::Write { payload_bytes: 10 }, t0 + 50)
            .expect("refilled one");
        l.check("MP1", Op::Write { payload_bytes: 10 }, t0 + 50)
            .expect_err("only one");
        // Other objects, and reads of this one, have budgets of their own.
        l.check("MP2", Op::Write { payload_bytes: 10 }, t0 + 50)
            .expect("other object");
        l.check("MP1", Op::Read, t0 + 50)
            .expect("reads are a separate tier");
        // Sustained: over 10 s exactly 20 per second get through.
        let mut ok = 0;
        for ms in (100..10_100).step_by(10) {
            if l.check("MP1", Op::Write { payload_bytes: 1 }, t0 + ms)
                .is_ok()
            {
                ok += 1;
            }
        }
        assert!((199..=201).contains(&ok), "{ok} writes in 10 s");
    }

    #[test]
    fn large_payloads_have_their_own_two_per_second_and_count_as_writes() {
        let l = RateLimiter::new(Limits::twilio());
        let big = Op::Write {
            payload_bytes: 10 * 1024,
        };
        for _ in 0..20 {
            l.check("ET1", big, 0).expect("burst of large writes");
        }
        let err = l.check("ET1", big, 0).expect_err("21st large write");
        assert!(err.to_string().contains("10 KiB"), "{err}");
        // 500 ms refills one large token (2/s).
        assert_eq!(retry_after(err), 1);
        l.check("ET1", big, 500).expect("one more after 500 ms");
        // Small writes have what is left of the write budget: 200 - 20 at 0 ms, +10
        // refilled by 500 ms, - 1 for the large write then.
        for _ in 0..189 {
            l.check("ET1", Op::Write { payload_bytes: 9 }, 500)
                .expect("small writes");
        }
        l.check("ET1", Op::Write { payload_bytes: 9 }, 500)
            .expect_err("the large writes used the write budget too");
    }

    #[test]
    fn reads_and_stream_messages_and_retry_after() {
        let l = RateLimiter::new(Limits::twilio());
        for _ in 0..300 {
            l.check("TO1", Op::StreamMessage, 0).expect("30/s × 10 s");
        }
        l.check("TO1", Op::StreamMessage, 0).expect_err("301st");
        for _ in 0..200 {
            l.check("ET9", Op::Read, 0).expect("20/s × 10 s");
        }
        l.check("ET9", Op::Read, 0).expect_err("201st read");
        // With n writes/s and no burst, Retry-After rounds the wait up to whole seconds.
        let l = RateLimiter::new(Limits::writes(3));
        for _ in 0..3 {
            l.check("ET1", Op::Write { payload_bytes: 0 }, 5_000)
                .expect("under");
        }
        let err = l
            .check("ET1", Op::Write { payload_bytes: 0 }, 5_100)
            .expect_err("over: 0.3 of a token back after 100 ms");
        assert_eq!(retry_after(err), 1);
        l.check("ET1", Op::Write { payload_bytes: 0 }, 6_000)
            .expect("a second later");
    }

    #[test]
    fn idle_buckets_are_forgotten() {
        let l = RateLimiter::new(Limits::twilio());
        for i in 0..(MAX_BUCKETS + 10) {
            l.check(&format!("ET{i}"), Op::Read, 0).expect("fresh");
        }
        l.check("ETlast", Op::Read, 60_000).expect("fresh");
        let n = l.buckets.lock().map(|b| b.len()).unwrap_or(usize::MAX);
        assert!(n < 10, "{n} buckets kept after everything refilled");
    }
}
