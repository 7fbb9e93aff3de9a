//! Secrets: the master key, keyed digests of random tokens, and password hashing.

pub mod digest;
pub mod jwe;
pub mod jwt;
pub mod keygen;
pub mod master_key;
pub mod password;
pub mod random;
pub mod recovery_codes;
pub mod request_signature;
pub mod sealed;
pub mod totp;

pub use digest::{Digest, DigestKey};
pub use master_key::{MasterKey, MasterKeyError};
