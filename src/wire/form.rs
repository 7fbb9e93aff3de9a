//! `application/x-www-form-urlencoded` bodies and query strings, decoded by
//! the `form_urlencoded` and `percent-encoding` crates (those behind `url`),
//! and on top of them parameters that may appear only once (RFC 6749 §3.2).

/// Decodes `%XX` escapes and `+` (form and query encoding). An escape that is
/// not two hex digits stays as it is; bytes that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Decoded `name=value` pairs, in order, repeats kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

/// A parameter sent more than once, where the protocol allows one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} was sent more than once")]
pub struct Repeated(pub String);

impl Params {
    /// Reads a form body or a query string (without the `?`).
    pub fn parse(text: &str) -> Self {
        Self(form_urlencoded::parse(text.as_bytes()).into_owned().collect())
    }

    /// The value of `name`, refusing a repeat.
    pub fn one(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut found = self.0.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(Repeated(name.to_owned()));
        }
        Ok(first)
    }

    /// The first value of `name`, ignoring repeats (for lenient readers such
    /// as `?api_key=` on forward-auth).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_parameters_decode_and_repeats_are_refused() {
        let p = Params::parse("grant_type=client_credentials&scope=compute%3Aread+keys%3Aread&x=1&x=2");
        assert_eq!(p.one("grant_type").unwrap(), Some("client_credentials"));
        assert_eq!(p.one("scope").unwrap(), Some("compute:read keys:read"));
        assert_eq!(p.one("x"), Err(Repeated("x".into())));
        assert_eq!(p.first("x"), Some("1"));
        assert_eq!(p.one("missing").unwrap(), None);
    }

    #[test]
    fn bad_escapes_stay_as_they_are() {
        assert_eq!(percent_decode("kw%5Fprod%5Fx"), "kw_prod_x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
