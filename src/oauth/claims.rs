//! What Keyward's JWTs say.

use serde::{Deserialize, Serialize};

/// The `typ` of an access token (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// The `typ` of a JWT-format API key.
pub const KEY_TYP: &str = "JWT";

/// An access token's claims (RFC 9068 §2.2), plus the client's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The client id: a client-credentials token acts for the client itself.
    pub sub: String,
    pub client_id: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// Space-separated scopes.
    pub scope: String,
    pub account: String,
}

/// A JWT-format API key's claims. The key is checked by signature and then,
/// like any key, by its keyed hash (which carries revocation and rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyClaims {
    pub iss: String,
    /// The credential's id, `key_…`.
    pub sub: String,
    pub jti: String,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    pub account: String,
}
