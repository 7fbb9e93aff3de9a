//! The per-credential rate limiter: GCRA (the generic cell rate algorithm, a
//! token bucket kept as one timestamp per key) in memory.
//!
//! Each key holds its "theoretical arrival time". A request is allowed when it
//! arrives no earlier than that time minus the burst allowance; allowing it
//! pushes the time on by one emission interval (window ÷ limit). The check and
//! the update happen under one shard lock, so parallel requests can never
//! take more than the bucket holds. State is lost on restart, on purpose:
//! limits are about the next minute, not history.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::rate_limit::RateLimit;

const SHARDS: usize = 16;

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The steady limit per window, for `RateLimit-Policy` and `ratelimit.limit`.
    pub limit: u32,
    pub window_seconds: u32,
    /// Requests that could be made right now.
    pub remaining: u32,
    /// Whole seconds until the bucket is full again.
    pub reset_seconds: u32,
    /// When refused: whole seconds (at least 1) until one request is allowed.
    pub retry_after_seconds: u32,
}

/// Theoretical arrival times in microseconds, by credential id (a limit of a
/// million a minute has a 60 µs interval: milliseconds would round it away).
type Shard = Mutex<HashMap<i64, i64>>;

/// The limiter shared by every request.
#[derive(Debug)]
pub struct RateLimiter {
    shards: [Shard; SHARDS],
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

impl Decision {
    /// This instance allowed the request, but the budget it shares with other
    /// instances is spent: refused, retrying after one emission interval.
    pub fn refused_elsewhere(self, limit: RateLimit) -> Decision {
        Decision {
            allowed: false,
            remaining: 0,
            retry_after_seconds: ceil_secs_us(limit.interval_us()).max(1),
            ..self
        }
    }
}

fn ceil_secs_us(us: i64) -> u32 {
    u32::try_from((us.max(0) + 999_999) / 1_000_000).unwrap_or(u32::MAX)
}

impl RateLimiter {
    /// Takes one request for credential `key` at `now_ms`, if `limit` allows it.
    pub fn check(&self, key: i64, limit: RateLimit, now_ms: i64) -> Decision {
        let interval = limit.interval_us();
        // The bucket holds `burst` requests: a full bucket lets burst requests through at once.
        let tolerance = interval * i64::from(limit.burst);
        let now = now_ms * 1000;
        let shard = &self.shards[key.unsigned_abs() as usize % SHARDS];
        let mut tats = shard.lock().expect("rate limiter lock is never poisoned");
        let tat = tats.get(&key).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval;
        let allow_at = new_tat - tolerance;
        if now < allow_at {
            return Decision {
                allowed: false,
                limit: limit.limit,
                window_seconds: limit.window_seconds,
                remaining: 0,
                reset_seconds: ceil_secs_us(tat - now),
                retry_after_seconds: ceil_secs_us(allow_at - now).max(1),
            };
        }
        tats.insert(key, new_tat);
        let remaining = (now + tolerance - new_tat) / interval;
        Decision {
            allowed: true,
            limit: limit.limit,
            window_seconds: limit.window_seconds,
            remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
            reset_seconds: ceil_secs_us(new_tat - now),
            retry_after_seconds: 0,
        }
    }

    /// Forgets keys whose buckets are full again (they hold no information).
    pub fn prune(&self, now_ms: i64) {
        for shard in &self.shards {
            shard
                .lock()
                .expect("rate limiter lock is never poisoned")
                .retain(|_, tat| *tat > now_ms * 1000);
        }
    }

    /// How many keys hold state.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().expect("rate limiter lock is never poisoned").len())
            .sum()
    }

    /// Whether no key holds state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STARTER: RateLimit = RateLimit {
        limit: 60,
        window_seconds: 60,
        burst: 100,
    };

    fn take(l: &RateLimiter, limit: RateLimit, now: i64, n: usize) -> usize {
        (0..n).filter(|_| l.check(1, limit, now).allowed).count()
    }

    #[test]
    fn a_full_bucket_lets_the_burst_through_then_the_steady_rate() {
        let l = RateLimiter::default();
        assert_eq!(take(&l, STARTER, 0, 150), 100, "the burst");
        // One request per second after that (60 per minute).
        assert_eq!(take(&l, STARTER, 999, 5), 0);
        assert_eq!(take(&l, STARTER, 1_000, 5), 1);
        assert_eq!(take(&l, STARTER, 2_000, 5), 1);
        // A quiet minute refills 60, not the whole burst.
        assert_eq!(take(&l, STARTER, 62_000, 200), 60);
    }

    #[test]
    fn limits_above_a_thousand_a_second_keep_their_rate() {
        let l = RateLimiter::default();
        let fast = RateLimit {
            limit: 600_000,
            window_seconds: 60,
            burst: 10,
        };
        assert_eq!(take(&l, fast, 0, 50), 10);
        // Ten a millisecond refill: a millisecond clock must not round the
        // 100 µs interval up to 1 ms (one a millisecond).
        assert_eq!(take(&l, fast, 1, 50), 10);
        assert_eq!(take(&l, fast, 3, 50), 10);
    }

    #[test]
    fn retry_after_is_exactly_when_the_next_request_passes() {
        let l = RateLimiter::default();
        let tight = RateLimit {
            limit: 2,
            window_seconds: 10,
            burst: 2,
        };
        assert!(l.check(1, tight, 0).allowed);
        let second = l.check(1, tight, 0);
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let refused = l.check(1, tight, 0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_seconds, 5);
        assert!(!l.check(1, tight, 4_999).allowed);
        assert!(l.check(1, tight, 5_000).allowed);
    }

    #[test]
    fn remaining_and_reset_count_down() {
        let l = RateLimiter::default();
        let first = l.check(7, STARTER, 0);
        assert_eq!((first.remaining, first.reset_seconds), (99, 1));
        let d = (0..9).map(|_| l.check(7, STARTER, 0)).last().unwrap();
        assert_eq!((d.remaining, d.reset_seconds), (90, 10));
    }

    #[test]
    fn keys_are_independent_and_full_buckets_are_pruned() {
        let l = RateLimiter::default();
        assert_eq!(take(&l, STARTER, 0, 100), 100);
        assert!(l.check(2, STARTER, 0).allowed);
        l.prune(100_000);
        assert!(l.is_empty());
    }

    #[test]
    fn parallel_requests_never_exceed_the_bucket() {
        let l = std::sync::Arc::new(RateLimiter::default());
        let limit = RateLimit {
            limit: 100,
            window_seconds: 60,
            burst: 100,
        };
        let allowed: usize = (0..8)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..125).filter(|_| l.check(9, limit, 0).allowed).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(allowed, 100);
    }
}
