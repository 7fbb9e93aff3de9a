//! The `Authorization` header: Bearer tokens (RFC 6750) and Basic pairs
//! (RFC 7617).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The token of an `Authorization: Bearer …` header (the scheme is case-insensitive).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// What an `Authorization` header holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization<'a> {
    Bearer(&'a str),
    /// A Basic pair, base64-decoded and split at the first `:` (RFC 7617 §2).
    Basic {
        id: String,
        secret: String,
    },
    /// Basic that does not decode to UTF-8 `id:secret`.
    MalformedBasic,
    /// Another scheme, or no scheme: nothing Keyward reads.
    Unsupported,
}

/// Reads an `Authorization` header value.
pub fn parse(header: &str) -> Authorization<'_> {
    if let Some(token) = bearer(header) {
        return Authorization::Bearer(token);
    }
    let Some((scheme, value)) = header.trim().split_once(' ') else {
        return Authorization::Unsupported;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Authorization::Unsupported;
    }
    let decoded = STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|d| d.split_once(':')) {
        Some((id, secret)) => Authorization::Basic {
            id: id.to_owned(),
            secret: secret.to_owned(),
        },
        None => Authorization::MalformedBasic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn basic_pairs_split_at_the_first_colon() {
        let header = format!("Basic {}", STANDARD.encode("kwc_id:kws:secret"));
        assert_eq!(
            parse(&header),
            Authorization::Basic {
                id: "kwc_id".into(),
                secret: "kws:secret".into()
            }
        );
        assert_eq!(parse("Basic !!!"), Authorization::MalformedBasic);
        assert_eq!(
            parse(&format!("basic {}", STANDARD.encode("no colon"))),
            Authorization::MalformedBasic
        );
        assert_eq!(parse("Digest x"), Authorization::Unsupported);
        assert_eq!(parse("garbage"), Authorization::Unsupported);
        assert_eq!(parse("Bearer t"), Authorization::Bearer("t"));
    }
}
