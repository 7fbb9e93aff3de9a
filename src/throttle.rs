//! Throttling of repeated failures (console sign-ins, later OAuth client auth).
//!
//! Each key (an e-mail, an IP) may fail a few times for free; after that it is
//! locked for a period that doubles with each further failure, up to a cap.
//! Failures are forgotten after a quiet window. State is in memory: a restart
//! forgets it, which costs an attacker a restart they cannot cause.

use std::collections::HashMap;
use std::sync::Mutex;

/// How forgiving one throttle is.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before the first lock.
    pub free_failures: u32,
    /// Length of the first lock, in seconds.
    pub base_lock_secs: i64,
    /// The longest lock, in seconds.
    pub max_lock_secs: i64,
    /// Failures older than this (since the last one) are forgotten.
    pub window_secs: i64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: i64,
    locked_until: i64,
}

/// Failure counts per key, with locks.
#[derive(Debug)]
pub struct Throttle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Above this many tracked keys, stale ones are swept on the next failure.
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    /// A throttle with the given policy and no history.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds)` while `key` is locked, with how long until it may try again.
    pub fn check(&self, key: &str, now: i64) -> Result<(), i64> {
        let entries = self.entries.lock().expect("throttle lock is never poisoned");
        match entries.get(key) {
            Some(e) if e.locked_until > now => Err(e.locked_until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failure. Returns the lock length in seconds if `key` is now locked.
    pub fn record_failure(&self, key: &str, now: i64) -> Option<i64> {
        let p = self.policy;
        let mut entries = self.entries.lock().expect("throttle lock is never poisoned");
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| now - e.last_failure < p.window_secs || e.locked_until > now);
        }
        let e = entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            last_failure: now,
            locked_until: 0,
        });
        if now - e.last_failure >= p.window_secs && e.locked_until <= now {
            e.failures = 0;
        }
        e.failures += 1;
        e.last_failure = now;
        if e.failures <= p.free_failures {
            return None;
        }
        let doublings = (e.failures - p.free_failures - 1).min(20);
        let lock = (p.base_lock_secs << doublings).min(p.max_lock_secs);
        e.locked_until = now + lock;
        Some(lock)
    }

    /// Forgets `key` after a success.
    pub fn reset(&self, key: &str) {
        self.entries
            .lock()
            .expect("throttle lock is never poisoned")
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 3,
            base_lock_secs: 30,
            max_lock_secs: 100,
            window_secs: 900,
        }
    }

    #[test]
    fn locks_after_the_free_failures_and_doubles_up_to_the_cap() {
        let t = Throttle::new(policy());
        for _ in 0..3 {
            assert_eq!(t.record_failure("a", 0), None);
        }
        assert_eq!(t.check("a", 0), Ok(()));
        assert_eq!(t.record_failure("a", 0), Some(30));
        assert_eq!(t.check("a", 10), Err(20));
        assert_eq!(t.check("a", 30), Ok(()));
        assert_eq!(t.record_failure("a", 30), Some(60));
        assert_eq!(t.record_failure("a", 90), Some(100));
        assert_eq!(t.check("other", 90), Ok(()));
    }

    #[test]
    fn forgets_after_a_quiet_window_and_on_reset() {
        let t = Throttle::new(policy());
        for _ in 0..3 {
            t.record_failure("a", 0);
        }
        assert_eq!(t.record_failure("a", 1000), None, "window passed: counting restarts");
        for _ in 0..5 {
            t.record_failure("b", 0);
        }
        t.reset("b");
        assert_eq!(t.check("b", 0), Ok(()));
    }
}
