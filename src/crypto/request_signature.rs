//! The signature of an application's request, as OVHcloud's API defines it
//! and its client libraries compute it: `"$1$" + hex(SHA1(AS + "+" + CK + "+"
//! + METHOD + "+" + FULL_URL + "+" + BODY + "+" + TIMESTAMP))`.
//!
//! SHA-1 here is the format's, not a choice: every OVH client signs this way,
//! and the secret half (AS) keeps the digest unforgeable without it.

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use subtle::ConstantTimeEq;

/// What a signature covers, besides the two secrets.
#[derive(Debug, Clone, Copy)]
pub struct SignedParts<'a> {
    pub method: &'a str,
    /// The full URL the client called, query string included, as it sent it.
    pub url: &'a str,
    /// The raw body, empty for none.
    pub body: &'a [u8],
    /// The `X-Ovh-Timestamp` header, as sent.
    pub timestamp: &'a str,
}

/// The `X-Ovh-Signature` value for a request.
pub fn sign(application_secret: &str, consumer_key: &str, parts: &SignedParts<'_>) -> String {
    let mut input =
        Vec::with_capacity(application_secret.len() + consumer_key.len() + parts.url.len() + parts.body.len() + 48);
    for piece in [
        application_secret.as_bytes(),
        consumer_key.as_bytes(),
        parts.method.as_bytes(),
        parts.url.as_bytes(),
        parts.body,
    ] {
        input.extend_from_slice(piece);
        input.push(b'+');
    }
    input.extend_from_slice(parts.timestamp.as_bytes());
    let hash = digest(&SHA1_FOR_LEGACY_USE_ONLY, &input);
    let mut out = String::with_capacity(43);
    out.push_str("$1$");
    for b in hash.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Whether `presented` is the signature of this request, compared in constant time.
pub fn matches(application_secret: &str, consumer_key: &str, parts: &SignedParts<'_>, presented: &str) -> bool {
    let expected = sign(application_secret, consumer_key, parts);
    bool::from(expected.as_bytes().ct_eq(presented.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values in python-ovh's `tests/test_client.py` (and go-ovh's `ovh_test.go`).
    const AS: &str = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk";
    const CK: &str = "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY";
    const TS: &str = "1457018875";

    fn parts<'a>(method: &'a str, url: &'a str, body: &'a [u8]) -> SignedParts<'a> {
        SignedParts {
            method,
            url,
            body,
            timestamp: TS,
        }
    }

    #[test]
    fn the_published_vectors_of_the_ovh_clients_match() {
        let url = "https://eu.api.ovh.com/1.0/auth";
        let body = br#"{"a":"b","c":"d"}"#;
        for (method, body, expected) in [
            ("GET", &b""[..], "$1$e9556054b6309771395efa467c22e627407461ad"),
            ("POST", &body[..], "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1"),
            ("PUT", &body[..], "$1$8a75a9e7c8e7296c9dbeda6a2a735eb6bd58ec4b"),
            ("DELETE", &b""[..], "$1$a1eecd00b3b02b6cf5708b84b9ff42059a950d85"),
        ] {
            assert_eq!(sign(AS, CK, &parts(method, url, body)), expected, "{method}");
        }
        for (url, expected) in [
            (
                "https://eu.api.ovh.com/1.0/call",
                "$1$7f2db49253edfc41891023fcd1a54cf61db05fbb",
            ),
            (
                "https://eu.api.ovh.com/v1/call",
                "$1$e6e7906d385eb28adcbfbe6b66c1528a42d741ad",
            ),
            (
                "https://eu.api.ovh.com/v2/call",
                "$1$bb63b132a6f84ad5433d0c534d48d3f7c3804285",
            ),
        ] {
            assert_eq!(sign(AS, CK, &parts("GET", url, b"")), expected, "{url}");
        }
    }

    #[test]
    fn any_change_to_what_was_signed_breaks_the_signature() {
        let url = "https://api.example.com/1.0/caf%C3%A9/é?x=1&y=%20";
        let body = "{\"name\":\"café ☕\"}".as_bytes();
        let good = sign(AS, CK, &parts("POST", url, body));
        assert!(matches(AS, CK, &parts("POST", url, body), &good));
        assert!(matches(AS, CK, &parts("POST", url, body), &format!(" {good} ")));
        assert!(!matches(AS, CK, &parts("PUT", url, body), &good));
        assert!(!matches(
            AS,
            CK,
            &parts("POST", &url.replace("x=1", "x=2"), body),
            &good
        ));
        assert!(!matches(AS, CK, &parts("POST", url, b"{}"), &good));
        assert!(!matches(AS, "other", &parts("POST", url, body), &good));
        assert!(!matches("other", CK, &parts("POST", url, body), &good));
        let later = SignedParts {
            timestamp: "1457018876",
            ..parts("POST", url, body)
        };
        assert!(!matches(AS, CK, &later, &good));
        assert!(!matches(AS, CK, &parts("POST", url, body), ""));
    }
}
