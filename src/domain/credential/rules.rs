//! The rules every credential obeys, each reporting the field it concerns;
//! the service and the console's form call the same ones.

use crate::domain::ValidationError;
use crate::domain::scope::{Catalog, Scope};
use crate::domain::{Cidr, CredentialKind};

use super::kind::{MAX_TOKEN_TTL_SECS, MIN_TOKEN_TTL_SECS};

/// A free-form JSON object attached to a credential; at most 4 KiB.
pub fn validate_metadata(v: &serde_json::Value) -> Result<(), ValidationError> {
    if !v.is_object() {
        return Err(ValidationError::new("metadata", "must be a JSON object"));
    }
    if v.to_string().len() > 4096 {
        return Err(ValidationError::new("metadata", "must be at most 4 KiB"));
    }
    Ok(())
}

/// Longest description accepted.
pub const MAX_DESCRIPTION: usize = 500;

/// The longest lifetime a `basic` credential may have: one month.
pub const BASIC_MAX_LIFETIME_SECS: i64 = 30 * 86_400;

/// The rules only some kinds have: a `basic` credential expires within a month
/// and is bound to at least one network (OpenVPN Cloud's rule for Basic auth).
pub fn check_kind_rules(kind: CredentialKind, expiry: Option<i64>, cidrs: &[Cidr]) -> Result<(), ValidationError> {
    if kind == CredentialKind::Basic {
        match expiry {
            None => {
                return Err(ValidationError::new(
                    "expires",
                    "a Basic credential must expire within 1 month",
                ));
            }
            Some(l) if l > BASIC_MAX_LIFETIME_SECS => {
                return Err(ValidationError::new(
                    "expires",
                    "a Basic credential must expire within 1 month",
                ));
            }
            _ => {}
        }
        if cidrs.is_empty() {
            return Err(ValidationError::new(
                "allowed_cidrs",
                "a Basic credential needs at least one allowed IP range",
            ));
        }
    }
    Ok(())
}

/// Auto-renew acts a day before the expiry and extends by the lifetime, so
/// it needs an expiry, and a lifetime longer than that day: a 5-minute key
/// would otherwise renew itself every few minutes, forever.
pub fn check_auto_renew(auto_renew: bool, lifetime_secs: Option<i64>) -> Result<(), ValidationError> {
    match lifetime_secs {
        _ if !auto_renew => Ok(()),
        None => Err(ValidationError::new(
            "auto_renew",
            "needs an expiry: a key that never expires has nothing to renew",
        )),
        Some(l) if l <= 86_400 => Err(ValidationError::new(
            "auto_renew",
            "needs a lifetime of more than a day: renewal happens a day before the expiry",
        )),
        Some(_) => Ok(()),
    }
}

/// An access-token lifetime is for OAuth clients only, and within bounds.
pub fn check_token_ttl(kind: CredentialKind, ttl: Option<i64>) -> Result<(), ValidationError> {
    match ttl {
        None => Ok(()),
        Some(_) if kind != CredentialKind::OauthClient => Err(ValidationError::new(
            "token_ttl_seconds",
            "only an OAuth client issues access tokens",
        )),
        Some(t) if !(MIN_TOKEN_TTL_SECS..=MAX_TOKEN_TTL_SECS).contains(&t) => Err(ValidationError::new(
            "token_ttl_seconds",
            "must be between 60 and 86400 seconds",
        )),
        Some(_) => Ok(()),
    }
}

/// Trims a description; empty means none.
pub fn validate_description(d: Option<String>) -> Result<Option<String>, ValidationError> {
    let d = d.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if d.as_ref().is_some_and(|s| s.chars().count() > MAX_DESCRIPTION) {
        return Err(ValidationError::new("description", "must be at most 500 characters"));
    }
    Ok(d)
}

/// Parses scopes against the catalog, sorted and without duplicates.
pub fn parse_scopes(list: &[String], catalog: &Catalog) -> Result<Vec<Scope>, ValidationError> {
    let scopes = list
        .iter()
        .map(|s| Scope::parse(s, catalog))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(dedup(scopes))
}

/// Parses CIDRs, without duplicates.
pub fn parse_cidrs(list: &[String]) -> Result<Vec<Cidr>, ValidationError> {
    let cidrs = list
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Cidr::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(dedup(cidrs))
}

pub(super) fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_must_be_a_small_object() {
        assert!(validate_metadata(&serde_json::json!({"team": "payments"})).is_ok());
        assert!(validate_metadata(&serde_json::json!([1, 2])).is_err());
        assert!(validate_metadata(&serde_json::json!({"x": "y".repeat(5000)})).is_err());
    }
}
