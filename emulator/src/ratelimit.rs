//! Opt-in per-object write rate limit (Twilio allows about 20 writes/s to one object).
//!
//! Fixed one-second windows keyed by the object's SID: simple, and exact enough to make a
//! client's back-off path run. Checked inside the writer, after the object is resolved, so
//! writes by SID and by unique name count against the same object.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::SyncError;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one write to `object_sid` at `now_ms`, or refuses it with 54009.
    pub fn check(&self, object_sid: &str, now_ms: i64) -> Result<(), SyncError> {
        let second = now_ms.div_euclid(1000);
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| SyncError::Internal("rate limiter poisoned".into()))?;
        if windows.len() > 10_000 {
            windows.retain(|_, (s, _)| *s == second);
        }
        let entry = windows.entry(object_sid.to_owned()).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        if entry.1 >= self.per_second {
            return Err(SyncError::RateLimited(self.per_second));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// What every write needs besides its arguments: the time and the limiter.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub now: i64,
    pub limiter: Option<std::sync::Arc<RateLimiter>>,
}

impl WriteCtx {
    /// Records a write to an object, refusing it if the object is over its rate.
    pub fn touch(&self, object_sid: &str) -> Result<(), SyncError> {
        match &self.limiter {
            Some(l) => l.check(object_sid, self.now),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_limit_within_one_second_then_resets() {
        let l = RateLimiter::new(3);
        for _ in 0..3 {
            l.check("ET1", 5_000).expect("under limit");
        }
        let err = l.check("ET1", 5_999).expect_err("over limit");
        assert_eq!(err.code(), 54009);
        l.check("ET2", 5_999)
            .expect("other object has its own budget");
        l.check("ET1", 6_000).expect("new second");
    }
}
