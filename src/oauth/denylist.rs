//! Revoked token ids, in memory for the hot path and persisted in SQLite so a
//! restart forgets nothing. Entries leave once the token would have expired.

use std::collections::HashMap;
use std::sync::RwLock;

/// `jti → exp` of revoked tokens that have not expired yet.
#[derive(Debug, Default)]
pub struct Denylist(RwLock<HashMap<String, i64>>);

impl Denylist {
    /// A denylist holding `entries`.
    pub fn new(entries: Vec<(String, i64)>) -> Self {
        Self(RwLock::new(entries.into_iter().collect()))
    }

    /// Whether `jti` is revoked.
    pub fn contains(&self, jti: &str) -> bool {
        self.0
            .read()
            .expect("denylist lock is never poisoned")
            .contains_key(jti)
    }

    /// Adds a revoked token.
    pub fn insert(&self, jti: &str, exp: i64) {
        self.0
            .write()
            .expect("denylist lock is never poisoned")
            .insert(jti.to_owned(), exp);
    }

    /// Drops entries past their expiry.
    pub fn prune(&self, now: i64) {
        self.0
            .write()
            .expect("denylist lock is never poisoned")
            .retain(|_, exp| *exp > now);
    }
}
