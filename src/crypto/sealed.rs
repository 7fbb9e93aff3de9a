//! Secrets Keyward must be able to read back (signing keys, later SMTP
//! passwords and webhook secrets), sealed with AES-256-GCM under a key derived
//! from the master key. A copy of the database alone opens none of them.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use super::DigestKey;

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("a sealed value could not be opened (wrong master key, or a damaged row)")]
pub struct OpenError;

/// Seals and opens values under one purpose-specific key.
pub struct Sealer(LessSafeKey);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    /// A sealer from derived key material.
    pub fn new(key: &DigestKey) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, key.bytes()).expect("32 bytes is an AES-256 key");
        Self(LessSafeKey::new(unbound))
    }

    /// `nonce ‖ ciphertext ‖ tag`. `context` (a key id, a row name) is bound as
    /// associated data, so a sealed value cannot be moved to another row.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = super::random::bytes();
        let mut out = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context.as_bytes()),
                &mut out,
            )
            .expect("sealing in memory cannot fail");
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend(out);
        sealed
    }

    /// The plaintext, if `sealed` was made by this key for this `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, OpenError> {
        if sealed.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError)?;
        let mut buf = body.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| OpenError)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_contexts_keys_and_tampering() {
        let s = Sealer::new(&DigestKey::new([1; 32]));
        let sealed = s.seal(b"private key", "kid-1");
        assert!(!sealed.windows(11).any(|w| w == b"private key"));
        assert_eq!(s.open(&sealed, "kid-1").unwrap(), b"private key");
        assert!(s.open(&sealed, "kid-2").is_err());
        assert!(Sealer::new(&DigestKey::new([2; 32])).open(&sealed, "kid-1").is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(s.open(&tampered, "kid-1").is_err());
        assert_ne!(s.seal(b"x", "k"), s.seal(b"x", "k"), "fresh nonce each time");
    }
}
