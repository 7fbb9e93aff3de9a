//! The signing keys in memory: the ones that sign (now, or from their
//! activation on), the public keys that verify, and the JWKS document. The
//! database holds them (private keys sealed); a running server reloads when
//! the CLI, the console or the schedule changes them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::crypto::jwt::{self, JwtAlgorithm, Signer, Verifier};
use crate::crypto::sealed::Sealer;
use crate::domain::signing_key::{SigningKey, signing_at};
use crate::store::signing_keys::SigningKeyRow;

/// One loaded state of the key ring.
pub struct Ring {
    /// The private halves of the keys not retired (the current one, and the
    /// next one while it is published ahead), by kid.
    signers: HashMap<String, Arc<Signer>>,
    pub verifiers: HashMap<String, Verifier>,
    pub jwks: Arc<str>,
    pub keys: Vec<SigningKey>,
    pub fingerprint: (i64, i64),
    /// Access tokens these keys already verified.
    pub verified: super::verified::VerifiedTokens,
}

/// Shared, swappable key-ring state.
pub struct KeyRing(RwLock<Arc<Ring>>);

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

impl Ring {
    /// The key that signs a token made at `now`: the one current then. The
    /// next key is published as soon as it is loaded but signs only from its
    /// activation, on every instance at the same moment, whether or not the
    /// scheduler has recorded the switch yet.
    pub fn signer_at(&self, now: i64) -> Option<Arc<Signer>> {
        signing_at(&self.keys, now).and_then(|k| self.signers.get(&k.kid).cloned())
    }
}

impl KeyRing {
    /// A ring built from the published rows.
    pub fn from_rows(rows: &[SigningKeyRow], sealer: &Sealer, fingerprint: (i64, i64)) -> Self {
        Self(RwLock::new(Arc::new(build(rows, sealer, fingerprint))))
    }

    /// Replaces the state after a rotation.
    pub fn replace(&self, rows: &[SigningKeyRow], sealer: &Sealer, fingerprint: (i64, i64)) {
        *self.0.write().expect("key ring lock is never poisoned") = Arc::new(build(rows, sealer, fingerprint));
    }

    /// The current state.
    pub fn current(&self) -> Arc<Ring> {
        self.0.read().expect("key ring lock is never poisoned").clone()
    }
}

fn build(rows: &[SigningKeyRow], sealer: &Sealer, fingerprint: (i64, i64)) -> Ring {
    let mut verifiers = HashMap::new();
    let mut jwks = Vec::new();
    let mut signers = HashMap::new();
    let mut keys = Vec::new();
    for row in rows {
        let Ok(jwk) = serde_json::from_str::<serde_json::Value>(&row.public_jwk) else {
            tracing::error!(kid = row.kid, "signing key has an unreadable public JWK; skipped");
            continue;
        };
        if let Some(v) = Verifier::from_jwk(&jwk) {
            verifiers.insert(row.kid.clone(), v);
            jwks.push(jwk);
        }
        if row.retired_at.is_none() {
            let alg: Option<JwtAlgorithm> = row.algorithm.parse().ok();
            let opened = alg.zip(sealer.open(&row.private_key, &row.kid).ok());
            match opened.and_then(|(alg, pkcs8)| jwt::Signer::from_pkcs8(&row.kid, alg, &pkcs8)) {
                Some(signer) => {
                    signers.insert(row.kid.clone(), Arc::new(signer));
                }
                None => tracing::error!(kid = row.kid, "a signing key cannot be opened with this master key"),
            }
        }
        keys.push(SigningKey {
            kid: row.kid.clone(),
            algorithm: row.algorithm.clone(),
            created_at: row.created_at,
            activates_at: row.activates_at,
            retired_at: row.retired_at,
            publish_until: row.publish_until,
        });
    }
    Ring {
        signers,
        verifiers,
        jwks: Arc::from(serde_json::json!({ "keys": jwks }).to_string()),
        keys,
        fingerprint,
        verified: Default::default(),
    }
}
