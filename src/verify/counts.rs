//! Calls per credential, per hour and per outcome code, counted in memory on
//! the request path (one short critical section on one of 16 shards) and
//! added to SQLite in batches with the last-used times.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::policy::VerifyCode;
use crate::store::usage::Count;

const SHARDS: usize = 16;

/// `(credential id, hour, code)` → calls not yet written.
type Shard = Mutex<HashMap<(i64, i64, VerifyCode), u64>>;

/// Pending usage counts.
#[derive(Debug)]
pub struct CountBuffer {
    shards: [Shard; SHARDS],
}

impl Default for CountBuffer {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

impl CountBuffer {
    /// Counts one call of `credential_id` at `now` (Unix seconds) with `code`.
    pub fn record(&self, credential_id: i64, now: i64, code: VerifyCode) {
        let hour = now - now.rem_euclid(3600);
        let shard = &self.shards[credential_id.unsigned_abs() as usize % SHARDS];
        *shard
            .lock()
            .expect("count lock is never poisoned")
            .entry((credential_id, hour, code))
            .or_default() += 1;
    }

    /// Takes every pending count, leaving the buffer empty.
    pub fn drain(&self) -> Vec<Count> {
        self.shards
            .iter()
            .flat_map(|s| {
                std::mem::take(&mut *s.lock().expect("count lock is never poisoned"))
                    .into_iter()
                    .map(|((credential_id, hour, code), count)| Count {
                        credential_id,
                        hour,
                        code,
                        count,
                    })
            })
            .collect()
    }

    /// Puts counts back after a failed write, so none is lost.
    pub fn restore(&self, counts: Vec<Count>) {
        for c in counts {
            let shard = &self.shards[c.credential_id.unsigned_abs() as usize % SHARDS];
            *shard
                .lock()
                .expect("count lock is never poisoned")
                .entry((c.credential_id, c.hour, c.code))
                .or_default() += c.count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_by_hour_and_code_and_survive_a_restore() {
        let b = CountBuffer::default();
        b.record(1, 7_200, VerifyCode::Valid);
        b.record(1, 10_799, VerifyCode::Valid);
        b.record(1, 10_800, VerifyCode::Valid);
        b.record(1, 7_300, VerifyCode::RateLimited);
        let mut counts = b.drain();
        counts.sort_by_key(|c| (c.hour, c.code.as_str()));
        let flat: Vec<(i64, &str, u64)> = counts.iter().map(|c| (c.hour, c.code.as_str(), c.count)).collect();
        assert_eq!(
            flat,
            [(7_200, "RATE_LIMITED", 1), (7_200, "VALID", 2), (10_800, "VALID", 1)]
        );
        assert!(b.drain().is_empty());
        b.restore(counts);
        b.record(1, 7_200, VerifyCode::Valid);
        let total: u64 = b.drain().iter().map(|c| c.count).sum();
        assert_eq!(total, 5);
    }
}
