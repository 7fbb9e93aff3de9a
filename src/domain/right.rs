//! Rights: which HTTP methods a credential may use on which paths, as OVHcloud
//! grants them (`GET,POST /v1/instances/*`). `*` in a path matches any run of
//! characters, `/` included, so `/*` is everything. Paths are matched only
//! after [`crate::wire::path::normalize`], so `..` and escapes cannot walk out
//! of a right.

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
        if crate::wire::path::has_dot_segments(path) {
            return err(format!("{path:?} must not contain . or .. segments"));
        }
        let path =
            crate::wire::path::normalize(path).map_err(|e| ValidationError::new("rights", format!("{path:?}: {e}")))?;
        Ok(Self { methods, path })
    }

    /// Parses `GET,POST /v1/instances/*`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let (methods, path) = s
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| ValidationError::new("rights", format!("{s:?} is not \"METHODS /path\"")))?;
        Self::new(methods.split(',').map(String::from).collect(), path)
    }

    /// Whether this right allows `method` on the request target `path`
    /// (normalised first; the query string is ignored; an ambiguous path is refused).
    pub fn allows(&self, method: &str, path: &str) -> bool {
        crate::wire::path::normalize(path).is_ok_and(|p| self.matches(Some(method), Some(&p)))
    }

    /// Matches an already normalised path; `None` parts are not checked.
    fn matches(&self, method: Option<&str>, normal_path: Option<&str>) -> bool {
        let method_ok = method.is_none_or(|m| self.methods.iter().any(|x| x == "*" || x.eq_ignore_ascii_case(m)));
        method_ok && normal_path.is_none_or(|p| glob(&self.path, p))
    }

    /// Whether every call `other` allows, this right allows too.
    pub fn covers(&self, other: &Right) -> bool {
        let methods =
            self.methods.iter().any(|m| m == "*") || other.methods.iter().all(|m| m != "*" && self.methods.contains(m));
        methods && pattern_covers(self.path.as_bytes(), other.path.as_bytes())
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
/// no method or path (a plain verify) passes too, since there is nothing to
/// check. A path that cannot be normalised safely passes no right.
pub fn allowed(rights: &[Right], method: Option<&str>, path: Option<&str>) -> bool {
    if rights.is_empty() {
        return true;
    }
    let normal = match path.map(crate::wire::path::normalize) {
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return false,
        None => None,
    };
    rights.iter().any(|r| r.matches(method, normal.as_deref()))
}

/// Whether every text `inner` matches, `outer` matches too: `inner`'s `*`
/// can only be absorbed by a `*` of `outer`. Sound (never claims a cover
/// that is not one), which is what the grant rule needs.
fn pattern_covers(outer: &[u8], inner: &[u8]) -> bool {
    let m = inner.len();
    // next[j]: outer[i + 1..] covers inner[j..]; row[j]: outer[i..] covers inner[j..].
    let mut next = vec![false; m + 1];
    next[m] = true;
    for &o in outer.iter().rev() {
        let mut row = vec![false; m + 1];
        for j in (0..=m).rev() {
            row[j] = if o == b'*' {
                next[j] || (j < m && row[j + 1])
            } else {
                j < m && inner[j] != b'*' && inner[j] == o && next[j + 1]
            };
        }
        next = row;
    }
    next[0]
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

    #[test]
    fn dot_segments_and_escapes_cannot_walk_out_of_a_right() {
        let r = Right::parse("GET /compute/*").unwrap();
        assert!(r.allows("GET", "/compute/x/../y"));
        for raw in [
            "/compute/../billing/x",
            "/compute/%2e%2e/billing/x",
            "/compute/%2E%2E/billing/x",
            "/compute/..%2fbilling",
            "/compute/..;/billing",
            "/compute\\..\\billing",
        ] {
            assert!(!r.allows("GET", raw), "{raw}");
            assert!(!allowed(std::slice::from_ref(&r), Some("GET"), Some(raw)), "{raw}");
        }
        assert!(
            allowed(&[], Some("GET"), Some("/compute/..%2fbilling")),
            "no rights, no restriction"
        );
    }

    #[test]
    fn patterns_are_normalised_and_dot_segments_refused() {
        assert_eq!(Right::parse("GET /%41pi/*").unwrap().path(), "/Api/*");
        assert!(Right::parse("GET /a/../b").is_err());
        assert!(Right::parse("GET /a/%2e%2e/b").is_err());
        assert!(Right::parse("GET /a%2fb").is_err());
    }

    #[test]
    fn a_right_covers_what_it_contains() {
        let p = |s: &str| Right::parse(s).unwrap();
        assert!(p("GET,POST /v1/*").covers(&p("GET /v1/instances/*")));
        assert!(p("* /*").covers(&p("DELETE /anything")));
        assert!(!p("GET /v1/*").covers(&p("POST /v1/x")));
        assert!(!p("GET /v1/*").covers(&p("* /v1/x")));
        assert!(!p("GET /v1/instances/*").covers(&p("GET /v1/*")));
        assert!(!p("GET /v1/*/disks").covers(&p("GET /v1/*")));
        assert!(p("GET /v1/*/disks").covers(&p("GET /v1/a/*/disks")));
        assert!(p("GET /me").covers(&p("GET /me")));
        assert!(!p("GET /me").covers(&p("GET /me*")));
    }

    proptest! {
        /// Whatever path a covered right allows, the covering one allows too.
        #[test]
        fn cover_is_sound(outer in "/[ab*/]{0,6}", inner in "/[ab*/]{0,6}", text in "/[ab/]{0,8}") {
            let o = Right::new(vec!["GET".into()], &outer).unwrap();
            let i = Right::new(vec!["GET".into()], &inner).unwrap();
            if o.covers(&i) && i.allows("GET", &text) {
                prop_assert!(o.allows("GET", &text));
            }
        }

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
