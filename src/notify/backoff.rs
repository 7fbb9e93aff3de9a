//! When to retry a failed delivery: exponential backoff with jitter, for up
//! to 24 hours.

/// How long a delivery is retried before it is given up.
pub const GIVE_UP_AFTER_SECS: i64 = 86_400;
const FIRST_DELAY_SECS: i64 = 10;
const MAX_DELAY_SECS: i64 = 3_600;

/// The delay before attempt `attempts + 1`, after `attempts` failures:
/// 10 s, 20 s, 40 s … capped at an hour, each between 75% and 125% of that
/// (`jitter` in `[0, 1)`), so that receivers coming back up are not hit by
/// every queued delivery in the same second.
pub fn delay(attempts: i64, jitter: f64) -> i64 {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let base = FIRST_DELAY_SECS.saturating_mul(1i64 << exp).min(MAX_DELAY_SECS);
    let factor = 0.75 + jitter.clamp(0.0, 1.0) * 0.5;
    ((base as f64 * factor).round() as i64).max(1)
}

/// When to try again after the `attempts`-th failure at `now`, or `None` to
/// give up: the next attempt would come more than 24 hours after the
/// delivery was queued.
pub fn next_attempt(created_at: i64, attempts: i64, now: i64, jitter: f64) -> Option<i64> {
    let next = now + delay(attempts, jitter);
    (next - created_at <= GIVE_UP_AFTER_SECS).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_ten_seconds_up_to_an_hour_within_the_jitter() {
        assert_eq!(delay(1, 0.5), 10);
        assert_eq!(delay(2, 0.5), 20);
        assert_eq!(delay(3, 0.5), 40);
        assert_eq!(delay(30, 0.5), 3_600);
        assert_eq!(delay(1, 0.0), 8);
        assert_eq!(delay(1, 0.999), 12);
    }

    #[test]
    fn gives_up_after_a_day() {
        assert_eq!(next_attempt(0, 1, 0, 0.5), Some(10));
        assert_eq!(next_attempt(0, 30, 80_000, 0.5), Some(83_600));
        assert_eq!(next_attempt(0, 30, 83_000, 0.5), None);
        // A day of failures is about 30 attempts.
        let (mut now, mut attempts) = (0, 0);
        while let Some(next) = next_attempt(0, attempts + 1, now, 0.5) {
            attempts += 1;
            now = next;
        }
        assert!((25..=35).contains(&attempts), "{attempts}");
    }
}
