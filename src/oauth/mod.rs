//! OAuth 2.0 client credentials (RFC 6749 §4.4) with JWT access tokens
//! (RFC 9068): the signing key ring, the revoked-token denylist, and the
//! claims Keyward puts in its tokens.

pub mod claims;
pub mod denylist;
pub mod keyring;
pub mod verified;

pub use claims::{AccessClaims, KeyClaims};
pub use denylist::Denylist;
pub use keyring::KeyRing;
