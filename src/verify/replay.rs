//! Signatures already seen, so a signed request cannot be sent twice. A
//! signature is only remembered after it verified (garbage cannot fill the
//! memory), and only for the timestamp window: after that the timestamp
//! check refuses it anyway.

use std::collections::HashMap;
use std::sync::Mutex;

const SHARDS: usize = 16;

/// Prune a shard when it has grown by this many entries since the last pass.
const PRUNE_EVERY: usize = 1024;

#[derive(Debug, Default)]
struct Shard {
    until: HashMap<[u8; 20], i64>,
    since_prune: usize,
}

/// Signatures seen by this process, each until its window closes.
#[derive(Debug)]
pub struct SeenSignatures {
    shards: [Mutex<Shard>; SHARDS],
}

impl Default for SeenSignatures {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(Shard::default())),
        }
    }
}

impl SeenSignatures {
    /// Records `signature` (its SHA-1 bytes) until `until`; false when it was
    /// already there and not yet past its window, i.e. a replay.
    pub fn first_sighting(&self, signature: [u8; 20], until: i64, now: i64) -> bool {
        let shard = &self.shards[usize::from(signature[0]) % SHARDS];
        let mut shard = shard.lock().expect("replay shard is never poisoned");
        if shard.until.get(&signature).is_some_and(|t| *t >= now) {
            return false;
        }
        shard.until.insert(signature, until);
        shard.since_prune += 1;
        if shard.since_prune >= PRUNE_EVERY {
            shard.until.retain(|_, t| *t >= now);
            shard.since_prune = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_passes_once_within_its_window() {
        let seen = SeenSignatures::default();
        assert!(seen.first_sighting([1; 20], 120, 0));
        assert!(!seen.first_sighting([1; 20], 150, 30));
        assert!(seen.first_sighting([2; 20], 120, 30));
        assert!(seen.first_sighting([1; 20], 300, 121), "its window closed");
    }

    #[test]
    fn old_entries_are_pruned() {
        let seen = SeenSignatures::default();
        for i in 0..(SHARDS * PRUNE_EVERY * 2) {
            let mut sig = [0u8; 20];
            sig[..8].copy_from_slice(&(i as u64).to_le_bytes());
            assert!(seen.first_sighting(sig, 10, i as i64 / 10));
        }
        let held: usize = seen.shards.iter().map(|s| s.lock().unwrap().until.len()).sum();
        assert!(held < SHARDS * PRUNE_EVERY * 2, "held {held}");
    }
}
