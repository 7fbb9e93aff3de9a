//! The envelope of a JWT (RFC 7519): its shape, its header, read before any
//! key is chosen, and the claims Keyward puts in the tokens it signs. Nothing
//! read here is trusted until a signature check in `crypto::jwt` passed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The `typ` of an access token (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// The `typ` of a JWT-format API key.
pub const KEY_TYP: &str = "JWT";

/// Not a compact JWS with a readable header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a JWT")]
pub struct Malformed;

/// The parts of a header Keyward reads before choosing a key.
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub alg: String,
    pub kid: Option<String>,
    pub typ: Option<String>,
}

/// Whether a bearer string is shaped like a JWT (and not a `kw_` key).
pub fn looks_like_jwt(s: &str) -> bool {
    s.starts_with("eyJ") && s.bytes().filter(|b| *b == b'.').count() == 2
}

fn part<T: DeserializeOwned>(token: &str, index: usize) -> Result<T, Malformed> {
    let mut parts = token.split('.');
    let encoded = parts.nth(index).ok_or(Malformed)?;
    if token.split('.').count() != 3 {
        return Err(Malformed);
    }
    let bytes = B64.decode(encoded).map_err(|_| Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| Malformed)
}

/// Reads a token's header without trusting it (to pick the key).
pub fn peek_header(token: &str) -> Result<Header, Malformed> {
    part(token, 0)
}

/// Reads a token's claims without checking anything: only for tokens whose
/// signature was already verified, or to fuzz the claim types.
pub fn peek_claims<T: DeserializeOwned>(token: &str) -> Result<T, Malformed> {
    part(token, 1)
}

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
    /// Not before (RFC 7519 §4.1.5). Keyward never sets it, but honours it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
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
    /// Not before (RFC 7519 §4.1.5), honoured as for access tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub account: String,
}

/// Whether a token's `nbf` has come (a token without one is valid from its issue).
pub fn started(nbf: Option<i64>, now: i64) -> bool {
    nbf.is_none_or(|t| t <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shapes_are_told_apart_from_keys() {
        assert!(looks_like_jwt("eyJhbGciOi.eyJzdWIi.sig"));
        assert!(!looks_like_jwt("kw_prod_abc"));
        assert_eq!(peek_header("abc").unwrap_err(), Malformed);
        assert_eq!(peek_header("a.b.c.d").unwrap_err(), Malformed);
    }

    #[test]
    fn headers_and_claims_are_read_without_trust() {
        let h = B64.encode(r#"{"alg":"ES256","typ":"at+jwt","kid":"k1"}"#);
        let c = B64.encode(r#"{"iss":"i","sub":"s","jti":"j","iat":1,"account":"a","nbf":5}"#);
        let token = format!("{h}.{c}.sig");
        let header = peek_header(&token).unwrap();
        assert_eq!((header.alg.as_str(), header.kid.as_deref()), ("ES256", Some("k1")));
        let claims: KeyClaims = peek_claims(&token).unwrap();
        assert_eq!(claims.nbf, Some(5));
        assert!(!started(claims.nbf, 4) && started(claims.nbf, 5) && started(None, 0));
    }
}
