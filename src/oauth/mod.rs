//! OAuth 2.0 client credentials (RFC 6749 §4.4) with JWT access tokens
//! (RFC 9068): the signing key ring and the revoked-token denylist.

pub mod denylist;
pub mod keyring;
pub mod verified;

pub use denylist::Denylist;
pub use keyring::KeyRing;
