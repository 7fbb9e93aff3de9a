//! Last-used times, kept in memory on the hot path and flushed in batches.
//!
//! Verification never writes to SQLite: it notes the time and IP here (a
//! short critical section on one of 16 shards), and a background task writes
//! the batch every few seconds and once more on shutdown.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::store::credentials::Usage;

const SHARDS: usize = 16;

/// One shard: credential id → (last used at, from IP).
type Shard = Mutex<HashMap<i64, (i64, Option<IpAddr>)>>;

/// Pending last-used updates, keyed by credential id.
#[derive(Debug)]
pub struct UsageBuffer {
    shards: [Shard; SHARDS],
}

impl Default for UsageBuffer {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

impl UsageBuffer {
    /// Notes that `credential_id` was used at `at` from `ip`.
    pub fn record(&self, credential_id: i64, at: i64, ip: Option<IpAddr>) {
        let shard = &self.shards[(credential_id as usize) % SHARDS];
        let mut map = shard.lock().expect("usage shard is never poisoned");
        let slot = map.entry(credential_id).or_insert((at, ip));
        if at >= slot.0 {
            *slot = (at, ip);
        }
    }

    /// How many credentials have updates waiting to be written.
    pub fn pending(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().expect("usage lock is never poisoned").len())
            .sum()
    }

    /// Takes everything noted so far, leaving the buffer empty.
    pub fn drain(&self) -> Vec<Usage> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let taken = std::mem::take(&mut *shard.lock().expect("usage shard is never poisoned"));
            out.extend(taken.into_iter().map(|(credential_id, (at, ip))| Usage {
                credential_id,
                at,
                ip: ip.map(|i| i.to_string()),
            }));
        }
        out
    }

    /// Puts a batch back after a failed flush, so nothing is lost.
    pub fn restore(&self, batch: Vec<Usage>) {
        for u in batch {
            self.record(u.credential_id, u.at, u.ip.and_then(|s| s.parse().ok()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_use_and_drains_once() {
        let b = UsageBuffer::default();
        b.record(1, 10, None);
        b.record(1, 30, Some("10.0.0.1".parse().unwrap()));
        b.record(1, 20, None);
        b.record(2, 5, None);
        let mut batch = b.drain();
        batch.sort_by_key(|u| u.credential_id);
        assert_eq!(batch.len(), 2);
        assert_eq!(batch[0].at, 30);
        assert_eq!(batch[0].ip.as_deref(), Some("10.0.0.1"));
        assert!(b.drain().is_empty());
        b.restore(batch);
        assert_eq!(b.drain().len(), 2);
    }
}
