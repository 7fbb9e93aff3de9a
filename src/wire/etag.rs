//! Entity tags for optimistic concurrency (RFC 9110 §8.8.3, §13.1.1): a
//! credential's version travels as the strong tag `"<version>"`; `If-Match`
//! names the versions a change may apply to.

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: the change applies to whatever is current.
    #[default]
    None,
    /// `If-Match: *`: the resource must exist.
    Any,
    /// One of these versions must be current. Tags that are not Keyward's
    /// (weak ones included, which never match for `If-Match`) are dropped, so
    /// a list of only those can match nothing.
    OneOf(Vec<i64>),
}

impl Precondition {
    /// Reads an `If-Match` value. A tag counts only if it is exactly the ETag
    /// of its version: strong comparison is character by character (RFC 9110
    /// §8.8.3.2), so `"05"`, `"+5"` and `"-0"` match nothing.
    pub fn parse(header: &str) -> Self {
        if header.trim() == "*" {
            return Precondition::Any;
        }
        Precondition::OneOf(
            header
                .split(',')
                .filter_map(|t| {
                    let t = t.trim();
                    let version = t.strip_prefix('"')?.strip_suffix('"')?.parse().ok()?;
                    (etag(version) == t).then_some(version)
                })
                .collect(),
        )
    }

    /// Whether a change may apply to `version`.
    pub fn holds(&self, version: i64) -> bool {
        match self {
            Precondition::None | Precondition::Any => true,
            Precondition::OneOf(list) => list.contains(&version),
        }
    }
}

/// The `ETag` of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_strong_tags_and_the_star() {
        assert_eq!(Precondition::parse("*"), Precondition::Any);
        assert_eq!(Precondition::parse("\"3\""), Precondition::OneOf(vec![3]));
        assert_eq!(Precondition::parse("\"3\", \"4\""), Precondition::OneOf(vec![3, 4]));
        let weak = Precondition::parse("W/\"3\"");
        assert!(!weak.holds(3), "a weak tag never matches If-Match");
        assert!(!Precondition::parse("garbage").holds(1));
        assert!(Precondition::None.holds(7));
        assert_eq!(etag(7), "\"7\"");
    }

    #[test]
    fn if_match_compares_tags_character_by_character() {
        // Found by the `if_match` fuzz target: `"-0"` matched version 0.
        for other in ["\"-0\"", "\"05\"", "\"+5\"", "\"5 \""] {
            assert_eq!(Precondition::parse(other), Precondition::OneOf(vec![]), "{other}");
        }
        assert_eq!(Precondition::parse("\"-3\""), Precondition::OneOf(vec![-3]));
    }
}
