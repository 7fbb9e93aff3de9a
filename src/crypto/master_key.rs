//! The master key: 32 random bytes in `master.key` (mode 0600) in the data dir.
//!
//! It never enters the database, so a leaked database or backup alone reveals no
//! way to check or forge a secret. Purpose-specific keys (the credential pepper,
//! the session key, …) are derived from it, so one file protects everything.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::DigestKey;

/// Why the master key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("cannot read or create the master key at {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the master key at {0} is not 32 base64-encoded bytes")]
    Malformed(String),
    #[error("the master key at {path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen { path: String, mode: u32 },
}

/// The instance's root secret. Never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Reads the key file, or creates it (mode 0600) when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(MasterKeyError::TooOpen {
                        path: path.display().to_string(),
                        mode,
                    });
                }
                let bytes = STANDARD
                    .decode(text.trim())
                    .map_err(|_| MasterKeyError::Malformed(path.display().to_string()))?;
                let key: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| MasterKeyError::Malformed(path.display().to_string()))?;
                Ok(Self(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = super::random::bytes();
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
                writeln!(file, "{}", STANDARD.encode(key)).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(Self(key))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key for one purpose, so that a digest made for sessions can never
    /// stand in for one made for credentials.
    pub fn derive(&self, purpose: &str) -> DigestKey {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"keyward/v1/");
        mac.update(purpose.as_bytes());
        DigestKey::new(mac.finalize().into_bytes().into())
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_created_once_with_mode_0600_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(first.0, again.0);
    }

    #[test]
    fn refuses_a_key_file_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        MasterKey::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            MasterKey::load_or_create(&path),
            Err(MasterKeyError::TooOpen { .. })
        ));
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        assert_ne!(
            key.derive("session").digest(b"x"),
            key.derive("credential").digest(b"x")
        );
    }

    #[test]
    fn never_prints_itself() {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }
}
