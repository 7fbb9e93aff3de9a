//! Keyed digests of high-entropy secrets (session ids, setup links, API keys).
//!
//! A random 180-bit secret needs no slow hash: HMAC-SHA256 with a key from the
//! master-key file is enough, and it keeps verification to one indexed look-up.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;

/// `HMAC-SHA256(key, secret)`: what the database stores instead of a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Compares in constant time, so a mismatch leaks no prefix length.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        other.len() == 32 && bool::from(self.0.as_slice().ct_eq(other))
    }

    /// The bytes, for binding into a query.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// A purpose-specific HMAC key derived from the master key.
#[derive(Clone)]
pub struct DigestKey([u8; 32]);

impl DigestKey {
    /// Wraps derived key material.
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key material, for keys that are not HMAC keys (AES).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Digests `secret` under this key.
    pub fn digest(&self, secret: &[u8]) -> Digest {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(secret);
        Digest(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for DigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_secret_same_digest_and_ct_eq_agrees() {
        let k = DigestKey::new([7; 32]);
        let a = k.digest(b"secret");
        assert_eq!(a, k.digest(b"secret"));
        assert!(a.ct_eq(&k.digest(b"secret").0));
        assert!(!a.ct_eq(&k.digest(b"secreT").0));
        assert!(!a.ct_eq(&[0u8; 31]));
    }
}
