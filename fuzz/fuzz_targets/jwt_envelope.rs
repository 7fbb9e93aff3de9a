//! The envelope of a JWT, read before any signature is checked. The input is
//! tried twice: as a bearer string, and as JSON for the header and claims on
//! the first two lines (base64url-encoded here, so the fuzzer reaches the JSON
//! readers without having to discover base64). A token that reads has exactly
//! three parts, and claims that read re-encode to the same claims.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use keyward::wire::jwt::{AccessClaims, Header, KeyClaims, looks_like_jwt, peek_claims, peek_header};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads the claims as `T`; if they read, their own encoding must read back
/// equal. Whether they read.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(token: &str) -> bool {
    let Ok(claims) = peek_claims::<T>(token) else {
        return false;
    };
    let json = serde_json::to_vec(&claims).expect("claims serialise");
    let again = format!("eyJhbGciOiJFUzI1NiJ9.{}.sig", B64.encode(json));
    assert_eq!(peek_claims::<T>(&again).ok(), Some(claims), "{token:?}");
    true
}

fn check(token: &str) {
    let shaped = looks_like_jwt(token);
    assert!(!shaped || (token.starts_with("eyJ") && token.matches('.').count() == 2));
    if let Ok(header) = peek_header(token) {
        assert_eq!(token.split('.').count(), 3, "{token:?}");
        let _ = (header.alg, header.kid, header.typ);
    }
    if round_trip::<AccessClaims>(token) | round_trip::<KeyClaims>(token) {
        assert_eq!(token.split('.').count(), 3, "{token:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check(text);
    let mut lines = text.splitn(3, '\n');
    let (header, claims) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let signature = lines.next().unwrap_or("").replace('.', "");
    let built = format!("{}.{}.{signature}", B64.encode(header), B64.encode(claims));
    check(&built);
    let direct = serde_json::from_str::<Header>(header).is_ok();
    assert_eq!(peek_header(&built).is_ok(), direct, "{header:?}");
});
