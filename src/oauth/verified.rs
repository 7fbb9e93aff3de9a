//! Access tokens whose signature already checked out. A gateway presents the
//! same token on every call for its whole lifetime, and an ECDSA verification
//! costs about 35 µs, so each token pays for it once. Entries are keyed by the
//! token's SHA-256 and live inside one key-ring state: a rotation or reload
//! starts afresh. Expiry, the denylist and the client's state are still
//! checked on every request.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::wire::jwt::AccessClaims;

const SHARDS: usize = 16;
/// Per shard; a full shard is emptied rather than tracked for recency.
const SHARD_CAPACITY: usize = 4_096;

type Shard = Mutex<HashMap<[u8; 32], AccessClaims>>;

/// Claims of verified tokens, by the token's SHA-256.
#[derive(Debug)]
pub struct VerifiedTokens {
    shards: [Shard; SHARDS],
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

impl VerifiedTokens {
    fn shard(&self, key: &[u8; 32]) -> &Shard {
        &self.shards[key[0] as usize % SHARDS]
    }

    /// The claims of `token`, if its signature was checked before.
    pub fn get(&self, token: &str) -> Option<AccessClaims> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.shard(&key)
            .lock()
            .expect("token cache lock is never poisoned")
            .get(&key)
            .cloned()
    }

    /// Remembers a token whose signature and claims checked out.
    pub fn insert(&self, token: &str, claims: &AccessClaims) {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut shard = self.shard(&key).lock().expect("token cache lock is never poisoned");
        if shard.len() >= SHARD_CAPACITY {
            shard.clear();
        }
        shard.insert(key, claims.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(jti: &str) -> AccessClaims {
        AccessClaims {
            iss: "i".into(),
            sub: "s".into(),
            client_id: "s".into(),
            aud: "a".into(),
            exp: 10,
            iat: 0,
            nbf: None,
            jti: jti.into(),
            scope: String::new(),
            account: "default".into(),
        }
    }

    #[test]
    fn only_the_exact_token_hits_and_a_full_shard_empties() {
        let cache = VerifiedTokens::default();
        cache.insert("a.b.c", &claims("1"));
        assert_eq!(cache.get("a.b.c").unwrap().jti, "1");
        assert!(cache.get("a.b.d").is_none());
        for i in 0..(SHARD_CAPACITY * SHARDS * 2) {
            cache.insert(&format!("t{i}"), &claims("x"));
        }
        let held: usize = cache.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(held <= SHARD_CAPACITY * SHARDS);
    }
}
