//! Scopes: `<resource>:<action>`, with `admin` ⊇ `write` ⊇ `read` and `*` in either part.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::ValidationError;

/// How much a scope allows on its resource. The order is the implication order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Write,
    Admin,
}

impl Action {
    /// Every action, weakest first.
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Admin];

    /// The action as written in a scope.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Admin => "admin",
        }
    }
}

/// The resources scopes may name. Configurable; the default follows the seeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog(pub Vec<String>);

impl Default for Catalog {
    fn default() -> Self {
        Self(
            ["compute", "storage", "network", "billing", "admin", "keys"]
                .into_iter()
                .map(String::from)
                .collect(),
        )
    }
}

impl Catalog {
    /// Whether `resource` is in the catalog.
    pub fn contains(&self, resource: &str) -> bool {
        self.0.iter().any(|r| r == resource)
    }
}

/// A granted or required permission. `resource` is a catalog name or `*`;
/// `action` is `None` for `*` (every action).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    resource: String,
    action: Option<Action>,
}

impl Scope {
    /// Parses a scope a credential will hold: the resource must be in the catalog (or `*`).
    pub fn parse(s: &str, catalog: &Catalog) -> Result<Self, ValidationError> {
        let scope = Self::parse_syntax(s)?;
        if scope.resource != "*" && !catalog.contains(&scope.resource) {
            return Err(ValidationError::new(
                "scopes",
                format!("unknown resource in {s}: use one of {}, or *", catalog.0.join(", ")),
            ));
        }
        Ok(scope)
    }

    /// Parses a scope's shape only: for scopes a gateway requires, which need
    /// not be in this install's catalog (they are simply never granted then).
    pub fn parse_syntax(s: &str) -> Result<Self, ValidationError> {
        let err = || {
            ValidationError::new(
                "scopes",
                format!("{s:?} is not resource:action (read, write, admin or *)"),
            )
        };
        let (resource, action) = s.trim().split_once(':').ok_or_else(err)?;
        let resource_ok = resource == "*"
            || (!resource.is_empty()
                && resource.len() <= 40
                && resource
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'));
        if !resource_ok {
            return Err(err());
        }
        let action = match action {
            "*" => None,
            "read" => Some(Action::Read),
            "write" => Some(Action::Write),
            "admin" => Some(Action::Admin),
            _ => return Err(err()),
        };
        Ok(Self {
            resource: resource.to_owned(),
            action,
        })
    }

    /// A scope from parts that are known to be valid.
    pub fn new(resource: &str, action: Option<Action>) -> Self {
        Self {
            resource: resource.to_owned(),
            action,
        }
    }

    /// Whether holding `self` satisfies `required`. `compute:admin` grants
    /// `compute:write` and `compute:read`; `*:read` grants every `…:read`.
    pub fn grants(&self, required: &Scope) -> bool {
        let resource = self.resource == "*" || self.resource == required.resource;
        let action = match (self.action, required.action) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(held), Some(needed)) => held >= needed,
        };
        resource && action
    }

    /// The resource part.
    pub fn resource(&self) -> &str {
        &self.resource
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action.map_or("*", Action::as_str))
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    /// Reads the syntax only; catalog checks happen where scopes are granted.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse_syntax(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// Whether the held scopes satisfy every required one.
pub fn satisfies(held: &[Scope], required: &[Scope]) -> bool {
    required.iter().all(|r| held.iter().any(|h| h.grants(r)))
}

impl Scope {
    /// The largest scope both `self` and `other` grant: it grants exactly
    /// what both of them grant (`*:admin` and `compute:read` meet at
    /// `compute:read`; `keys:*` and `*:write` at `keys:write`).
    pub fn meet(&self, other: &Scope) -> Option<Scope> {
        let resource = match (self.resource.as_str(), other.resource.as_str()) {
            ("*", r) | (r, "*") => r,
            (a, b) if a == b => a,
            _ => return None,
        };
        let action = match (self.action, other.action) {
            (None, a) | (a, None) => a,
            (Some(a), Some(b)) => Some(a.min(b)),
        };
        Some(Scope::new(resource, action))
    }
}

/// The scopes that grant what both lists grant, and nothing else: what an
/// access token may still do once its client was narrowed after issuance.
pub fn intersect(a: &[Scope], b: &[Scope]) -> Vec<Scope> {
    let mut out: Vec<Scope> = a.iter().flat_map(|x| b.iter().filter_map(|y| x.meet(y))).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(x: &str) -> Scope {
        Scope::parse_syntax(x).unwrap()
    }

    #[test]
    fn parses_against_the_catalog() {
        let c = Catalog::default();
        assert!(Scope::parse("compute:read", &c).is_ok());
        assert!(Scope::parse("*:admin", &c).is_ok());
        assert!(Scope::parse("keys:*", &c).is_ok());
        assert!(Scope::parse("printers:read", &c).is_err());
        for bad in [
            "compute",
            "compute:delete",
            ":read",
            "Compute:read",
            "compute:read:x",
            "",
        ] {
            assert!(Scope::parse(bad, &c).is_err(), "{bad}");
        }
    }

    #[test]
    fn admin_implies_write_implies_read() {
        assert!(s("compute:admin").grants(&s("compute:write")));
        assert!(s("compute:admin").grants(&s("compute:read")));
        assert!(s("compute:write").grants(&s("compute:read")));
        assert!(!s("compute:read").grants(&s("compute:write")));
        assert!(!s("compute:write").grants(&s("compute:admin")));
        assert!(!s("compute:admin").grants(&s("storage:read")));
    }

    #[test]
    fn wildcards_cover_resources_and_actions() {
        assert!(s("*:read").grants(&s("billing:read")));
        assert!(!s("*:read").grants(&s("billing:write")));
        assert!(s("keys:*").grants(&s("keys:admin")));
        assert!(s("*:*").grants(&s("network:admin")));
        assert!(!s("keys:admin").grants(&s("keys:*")), "only * grants every action");
    }

    #[test]
    fn displays_as_written() {
        assert_eq!(s("keys:*").to_string(), "keys:*");
        assert_eq!(s("compute:write").to_string(), "compute:write");
    }

    proptest! {
        #[test]
        fn a_scope_always_grants_itself(r in "[a-z]{1,8}", a in 0usize..4) {
            let action = ["read", "write", "admin", "*"][a];
            let scope = s(&format!("{r}:{action}"));
            prop_assert!(scope.grants(&scope));
        }

        /// A requirement is granted by the intersection exactly when both
        /// lists grant it.
        #[test]
        fn the_intersection_grants_what_both_grant(
            a in prop::collection::vec(0usize..8, 0..4),
            b in prop::collection::vec(0usize..8, 0..4),
            r in 0usize..8,
        ) {
            let pool = ["*:read", "*:admin", "*:*", "keys:*", "keys:write", "compute:read", "compute:admin", "billing:write"];
            let pick = |ix: &[usize]| ix.iter().map(|i| s(pool[*i])).collect::<Vec<_>>();
            let (a, b, r) = (pick(&a), pick(&b), s(pool[r]));
            let both = satisfies(&a, std::slice::from_ref(&r)) && satisfies(&b, std::slice::from_ref(&r));
            prop_assert_eq!(satisfies(&intersect(&a, &b), std::slice::from_ref(&r)), both);
        }

        #[test]
        fn stronger_actions_grant_weaker(r in "[a-z]{1,8}", held in 0usize..3, needed in 0usize..3) {
            let held_s = s(&format!("{r}:{}", Action::ALL[held].as_str()));
            let needed_s = s(&format!("{r}:{}", Action::ALL[needed].as_str()));
            prop_assert_eq!(held_s.grants(&needed_s), held >= needed);
        }
    }
}
