//! Rights: which HTTP methods a credential may use on which paths, as OVHcloud
//! grants them (`GET,POST /v1/instances/*`). `*` in a path matches any run of
//! characters, `/` included, so `/*` is everything.

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// The HTTP methods a right can name.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// One grant: these methods on paths matching this pattern.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RightWire", into = "RightWire")]
pub struct Right {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`, `OPTIONS`, or `*`.
    methods: Vec<String>,
    /// A path starting with `/`; `*` matches any characters, `/` included.
    path: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RightWire {
    methods: Vec<String>,
    path: String,
}

impl TryFrom<RightWire> for Right {
    type Error = ValidationError;
    fn try_from(w: RightWire) -> Result<Self, Self::Error> {
        Right::new(w.methods, &w.path)
    }
}

impl From<Right> for RightWire {
    fn from(r: Right) -> Self {
        RightWire {
            methods: r.methods,
            path: r.path,
        }
    }
}

impl Right {
    /// Validates methods (upper-cased; `*` for all) and a path pattern starting with `/`.
    pub fn new(methods: Vec<String>, path: &str) -> Result<Self, ValidationError> {
        let err = |m: String| Err(ValidationError::new("rights", m));
        let mut methods: Vec<String> = methods.iter().map(|m| m.trim().to_ascii_uppercase()).collect();
        methods.sort();
        methods.dedup();
        if methods.is_empty() {
            return err("each right needs at least one method".into());
        }
        if let Some(bad) = methods.iter().find(|m| *m != "*" && !METHODS.contains(&m.as_str())) {
            return err(format!("{bad} is not an HTTP method"));
        }
        let path = path.trim();
        if !path.starts_with('/') || path.len() > 512 || path.chars().any(|c| c.is_whitespace() || c == '?') {
            return err(format!("{path:?} must be a path starting with / (no query, no spaces)"));
        }
        Ok(Self {
            methods,
            path: path.to_owned(),
        })
    }

    /// Parses `GET,POST /v1/instances/*`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let (methods, path) = s
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| ValidationError::new("rights", format!("{s:?} is not \"METHODS /path\"")))?;
        Self::new(methods.split(',').map(String::from).collect(), path)
    }

    /// Whether this right allows `method` on `path` (the query string is ignored).
    pub fn allows(&self, method: &str, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        let method_ok = self.methods.iter().any(|m| m == "*" || m.eq_ignore_ascii_case(method));
        method_ok && glob(&self.path, path)
    }

    /// The methods granted.
    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// The path pattern.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Whether a call may go ahead: no rights means no restriction; a call with
/// no method or path (a plain verify) passes too, since there is nothing to check.
pub fn allowed(rights: &[Right], method: Option<&str>, path: Option<&str>) -> bool {
    match (method, path) {
        _ if rights.is_empty() => true,
        (Some(m), Some(p)) => rights.iter().any(|r| r.allows(m, p)),
        (Some(m), None) => rights
            .iter()
            .any(|r| r.methods.iter().any(|x| x == "*" || x.eq_ignore_ascii_case(m))),
        (None, Some(p)) => rights.iter().any(|r| glob(&r.path, p.split('?').next().unwrap_or(p))),
        (None, None) => true,
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_ovh_notation() {
        let r = Right::parse("get,POST /v1/instances/*").unwrap();
        assert_eq!(r.methods(), ["GET", "POST"]);
        assert_eq!(r.path(), "/v1/instances/*");
        assert!(Right::parse("FETCH /x").is_err());
        assert!(Right::parse("GET v1/x").is_err());
        assert!(Right::parse("GET").is_err());
    }

    #[test]
    fn wildcards_match_any_characters() {
        let r = Right::parse("GET /v1/instances/*").unwrap();
        assert!(r.allows("GET", "/v1/instances/42"));
        assert!(r.allows("get", "/v1/instances/42/disks?page=2"));
        assert!(!r.allows("POST", "/v1/instances/42"));
        assert!(!r.allows("GET", "/v1/networks/1"));
        assert!(!r.allows("GET", "/v1/instances"));
        let all = Right::parse("* /*").unwrap();
        assert!(all.allows("DELETE", "/anything/at/all"));
        let mid = Right::parse("GET /v1/*/disks").unwrap();
        assert!(mid.allows("GET", "/v1/instances/7/disks"));
        assert!(!mid.allows("GET", "/v1/instances/7/disks/1"));
        let exact = Right::parse("GET /me").unwrap();
        assert!(exact.allows("GET", "/me"));
        assert!(!exact.allows("GET", "/me/keys"));
    }

    #[test]
    fn an_empty_list_restricts_nothing() {
        assert!(allowed(&[], Some("DELETE"), Some("/x")));
        let rights = [Right::parse("GET /v1/*").unwrap()];
        assert!(allowed(&rights, Some("GET"), Some("/v1/a")));
        assert!(!allowed(&rights, Some("DELETE"), Some("/v1/a")));
        assert!(!allowed(&rights, Some("GET"), Some("/v2/a")));
    }

    proptest! {
        #[test]
        fn a_literal_pattern_matches_only_itself(a in "/[a-z/]{0,12}", b in "/[a-z/]{0,12}") {
            prop_assert_eq!(glob(&a, &b), a == b);
        }

        #[test]
        fn a_trailing_star_matches_every_extension(prefix in "/[a-z/]{0,10}", tail in "[a-z/?=]{0,10}") {
            let pattern = format!("{prefix}*");
            let text = format!("{prefix}{tail}");
            prop_assert!(glob(&pattern, &text));
        }
    }
}
