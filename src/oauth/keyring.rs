//! The signing keys in memory: the one that signs, the public keys that still
//! verify, and the JWKS document. The database holds them (private keys
//! sealed); a running server reloads when the CLI rotates them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::crypto::jwt::{self, JwtAlgorithm, Signer, Verifier};
use crate::crypto::sealed::Sealer;
use crate::domain::SigningKeyInfo;
use crate::store::signing_keys::SigningKeyRow;

/// One loaded state of the key ring.
pub struct Ring {
    pub signer: Option<Arc<Signer>>,
    pub verifiers: HashMap<String, Verifier>,
    pub jwks: Arc<str>,
    pub keys: Vec<SigningKeyInfo>,
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

impl KeyRing {
    /// A ring built from the published rows; the newest unretired key signs.
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
    let mut signer = None;
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
        if signer.is_none() && row.retired_at.is_none() {
            let alg: Option<JwtAlgorithm> = row.algorithm.parse().ok();
            signer = match (alg, sealer.open(&row.private_key, &row.kid)) {
                (Some(alg), Ok(pkcs8)) => jwt::Signer::from_pkcs8(&row.kid, alg, &pkcs8).map(Arc::new),
                _ => {
                    tracing::error!(
                        kid = row.kid,
                        "the active signing key cannot be opened with this master key"
                    );
                    None
                }
            };
        }
        keys.push(SigningKeyInfo {
            kid: row.kid.clone(),
            algorithm: row.algorithm.clone(),
            created_at: row.created_at,
            retired_at: row.retired_at,
            publish_until: row.publish_until,
        });
    }
    Ring {
        signer,
        verifiers,
        jwks: Arc::from(serde_json::json!({ "keys": jwks }).to_string()),
        keys,
        fingerprint,
        verified: Default::default(),
    }
}
