//! Throttling of repeated failures (console sign-ins, OAuth client auth).
//!
//! Each key (an e-mail, an IP, a client id) may fail a few times for free; the
//! failure that uses up the free ones locks the key for a period that doubles
//! with each further failure, up to a cap. Failures are forgotten after a quiet
//! window. State is in memory: a restart forgets it, which costs an attacker a
//! restart they cannot cause.
//!
//! An attempt is reserved before it is tried, because trying is slow (argon2,
//! a database look-up): attempts still in flight count against the free
//! failures, so a burst of parallel guesses cannot all pass before the first
//! failure is counted.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How forgiving one throttle is.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before the key is locked.
    pub free_failures: u32,
    /// Length of the first lock, in seconds.
    pub base_lock_secs: i64,
    /// The longest lock, in seconds.
    pub max_lock_secs: i64,
    /// Failures older than this (since the last one) are forgotten.
    pub window_secs: i64,
}

/// How long an attempt refused only because others for the same key are still
/// in flight should wait: those finish within about a second.
const IN_FLIGHT_RETRY_SECS: i64 = 1;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// Attempts reserved and not yet settled.
    in_flight: u32,
    last_failure: i64,
    locked_until: i64,
}

impl Entry {
    fn is_idle(&self) -> bool {
        self.failures == 0 && self.in_flight == 0
    }
}

/// Failure counts per key, with locks.
#[derive(Debug)]
pub struct Throttle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Above this many tracked keys, stale ones are swept on the next reservation.
const SWEEP_ABOVE: usize = 10_000;

impl Throttle {
    /// A throttle with the given policy and no history.
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Every update leaves the counters consistent, so a panic elsewhere while
    /// the lock was held leaves nothing to repair: recover instead of panicking.
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves one attempt for `key` before it is tried. `Err(seconds)` refuses
    /// it, with how long to wait: the key is locked, or attempts already in
    /// flight could use up every free failure left.
    pub fn reserve(&self, key: &str, now: i64) -> Result<Attempt<'_>, i64> {
        let p = self.policy;
        let mut entries = self.entries();
        if entries.len() > SWEEP_ABOVE {
            entries.retain(|_, e| e.in_flight > 0 || now - e.last_failure < p.window_secs || e.locked_until > now);
        }
        let e = entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            in_flight: 0,
            last_failure: now,
            locked_until: 0,
        });
        if e.locked_until > now {
            return Err(e.locked_until - now);
        }
        if e.in_flight == 0 && now - e.last_failure >= p.window_secs {
            e.failures = 0;
        }
        // Once a lock has passed, one attempt at a time: its failure locks again.
        let room = p.free_failures.saturating_sub(e.failures).max(1);
        if e.in_flight >= room {
            return Err(IN_FLIGHT_RETRY_SECS);
        }
        e.in_flight += 1;
        Ok(Attempt {
            throttle: self,
            key: key.to_owned(),
            settled: false,
        })
    }

    /// Counts the failure of one reserved attempt, and locks the key if it
    /// used up the free failures (or came after a lock).
    fn count_failure(&self, key: &str, now: i64) {
        let p = self.policy;
        let mut entries = self.entries();
        let Some(e) = entries.get_mut(key) else {
            return;
        };
        e.in_flight = e.in_flight.saturating_sub(1);
        e.failures += 1;
        e.last_failure = now;
        let locks_at = p.free_failures.max(1);
        if e.failures >= locks_at {
            let doublings = (e.failures - locks_at).min(20);
            e.locked_until = now + (p.base_lock_secs << doublings).min(p.max_lock_secs);
        }
    }

    /// Gives back the place of one reserved attempt that did not fail.
    fn give_back(&self, key: &str) {
        let mut entries = self.entries();
        if let Some(e) = entries.get_mut(key) {
            e.in_flight = e.in_flight.saturating_sub(1);
            if e.is_idle() {
                entries.remove(key);
            }
        }
    }

    /// Forgets `key`: its failures, its lock and the count of its attempts in
    /// flight (those settle as no-ops).
    fn forget(&self, key: &str) {
        self.entries().remove(key);
    }
}

/// One reserved attempt. Dropping it unsettled (a success that needs no reset,
/// a request abandoned midway) gives its place back without counting a failure,
/// so a cancelled request can never hold a key's budget for good.
#[derive(Debug)]
#[must_use = "an attempt holds a place until it is settled or dropped"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    key: String,
    settled: bool,
}

impl Attempt<'_> {
    /// The attempt failed: counts it, which locks the key if it used up the
    /// free failures; the next attempt is told how long to wait.
    pub fn failed(mut self, now: i64) {
        self.settled = true;
        self.throttle.count_failure(&self.key, now);
    }

    /// The attempt succeeded: forgets every failure of its key.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.throttle.forget(&self.key);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.give_back(&self.key);
        }
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

    fn fail(t: &Throttle, key: &str, now: i64) {
        t.reserve(key, now).expect("not locked").failed(now);
    }

    /// How long `key` is locked at `now` (0: an attempt may be tried).
    fn lock(t: &Throttle, key: &str, now: i64) -> i64 {
        t.reserve(key, now).err().unwrap_or(0)
    }

    #[test]
    fn the_failure_that_uses_up_the_free_ones_locks_and_locks_double_up_to_the_cap() {
        let t = Throttle::new(policy());
        fail(&t, "a", 0);
        fail(&t, "a", 0);
        assert_eq!(lock(&t, "a", 0), 0);
        fail(&t, "a", 0);
        assert_eq!(lock(&t, "a", 0), 30);
        assert_eq!(lock(&t, "a", 10), 20);
        fail(&t, "a", 30);
        assert_eq!(lock(&t, "a", 30), 60);
        fail(&t, "a", 90);
        assert_eq!(lock(&t, "a", 90), 100, "capped");
        assert_eq!(lock(&t, "other", 90), 0);
    }

    #[test]
    fn attempts_in_flight_count_against_the_free_failures() {
        let t = Throttle::new(policy());
        let flying: Vec<_> = (0..3).map(|_| t.reserve("a", 0).expect("free")).collect();
        assert_eq!(
            t.reserve("a", 0).unwrap_err(),
            IN_FLIGHT_RETRY_SECS,
            "a fourth parallel attempt could be a fourth failure"
        );
        for attempt in flying {
            attempt.failed(0);
        }
        assert_eq!(lock(&t, "a", 0), 30);
    }

    #[test]
    fn after_a_lock_passes_only_one_attempt_at_a_time_is_tried() {
        let t = Throttle::new(policy());
        for _ in 0..3 {
            fail(&t, "a", 0);
        }
        let one = t.reserve("a", 30).expect("the lock has passed");
        assert_eq!(t.reserve("a", 30).unwrap_err(), IN_FLIGHT_RETRY_SECS);
        one.failed(30);
        assert_eq!(lock(&t, "a", 30), 60);
    }

    #[test]
    fn a_dropped_attempt_gives_its_place_back_without_counting() {
        let t = Throttle::new(policy());
        for _ in 0..10 {
            drop(t.reserve("a", 0).expect("nothing has failed"));
        }
        assert!(t.entries().is_empty(), "nothing is kept for keys that never failed");
        fail(&t, "a", 0);
        fail(&t, "a", 0);
        drop(t.reserve("a", 0).unwrap());
        assert_eq!(lock(&t, "a", 0), 0, "the dropped attempt was not a failure");
        fail(&t, "a", 0);
        assert_eq!(lock(&t, "a", 0), 30);
    }

    #[test]
    fn a_success_forgets_the_failures_and_the_lock() {
        let t = Throttle::new(policy());
        fail(&t, "a", 0);
        let other = t.reserve("a", 0).unwrap();
        t.reserve("a", 0).unwrap().succeeded();
        other.failed(0);
        fail(&t, "a", 0);
        assert_eq!(lock(&t, "a", 0), 0, "counting restarted at the success");
        for _ in 0..3 {
            fail(&t, "b", 0);
        }
        t.reserve("b", 30).unwrap().succeeded();
        assert_eq!(lock(&t, "b", 30), 0);
        fail(&t, "b", 30);
        assert_eq!(lock(&t, "b", 30), 0, "the lock history went with the success");
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_window() {
        let t = Throttle::new(policy());
        fail(&t, "a", 0);
        fail(&t, "a", 0);
        fail(&t, "a", 1000);
        assert_eq!(lock(&t, "a", 1000), 0, "window passed: counting restarted");
    }

    #[test]
    fn parallel_threads_cannot_fail_more_than_the_free_failures_before_the_lock() {
        let t = Throttle::new(policy());
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..32)
                .map(|_| {
                    s.spawn(|| {
                        let attempt = t.reserve("a", 0).ok()?;
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        attempt.failed(0);
                        Some(())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let tried = outcomes.iter().flatten().count();
        assert!(tried <= 3, "{tried} attempts were tried");
        assert!(t.reserve("a", 0).is_err());
    }
}
