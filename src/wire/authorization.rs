//! The `Authorization` header: Bearer tokens (RFC 6750) and Basic pairs
//! (RFC 7617).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::form::percent_decode;

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

/// Reads an `Authorization` header as every door of Keyward does: like
/// [`parse`], with a Basic pair's id and secret form-decoded as RFC 6749
/// §2.3.1 asks of OAuth clients. Forward-auth reads Basic the same way:
/// Keyward issues ids and secrets in `[A-Za-z0-9_]`, which form-encoding
/// leaves as they are, so the decoding never changes a pair Keyward issued
/// whichever RFC its client followed, and one pair reads the same at every door.
pub fn parse_client(header: &str) -> Authorization<'_> {
    match parse(header) {
        Authorization::Basic { id, secret } => Authorization::Basic {
            id: percent_decode(&id),
            secret: percent_decode(&secret),
        },
        other => other,
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

    #[test]
    fn client_pairs_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%3Aclient:s+cret%25"));
        assert_eq!(
            parse_client(&header),
            Authorization::Basic {
                id: "my:client".into(),
                secret: "s cret%".into()
            }
        );
        let issued = format!("Basic {}", STANDARD.encode("kwc_prod_a1:kws_prod_b2"));
        assert_eq!(parse_client(&issued), parse(&issued));
        assert_eq!(parse_client("Bearer t"), Authorization::Bearer("t"));
    }
}
