//! Accounts: the tenants credentials belong to, with their plan and "Enable API" switch.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::ValidationError;
use super::plan::Plan;
use super::rate_limit::RateLimitSetting;

/// Database id of an account.
pub type AccountId = i64;

/// An account's name: a short slug that appears in URLs and the API.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountName(String);

impl AccountName {
    /// Longest name accepted; long enough for "acme-corp-production-eu-west".
    pub const MAX_LEN: usize = 40;

    /// Accepts 1–40 lowercase letters, digits and inner hyphens, so the name
    /// is safe in a URL path segment and reads the same everywhere.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let err = |m: &str| Err(ValidationError::new("name", m));
        if s.is_empty() {
            return err("is required");
        }
        if s.len() > Self::MAX_LEN {
            return err("must be at most 40 characters");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return err("may use only lowercase letters, digits and hyphens");
        }
        if s.starts_with('-') || s.ends_with('-') {
            return err("must not start or end with a hyphen");
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for AccountName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AccountName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<AccountName> for String {
    fn from(n: AccountName) -> Self {
        n.0
    }
}

/// An account as the console and the API show it.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Internal id.
    pub id: AccountId,
    /// The account's slug, used in URLs and the API.
    pub name: String,
    /// The rate-limit plan.
    pub plan: Plan,
    /// The "Enable API" switch: while off, even valid credentials are refused.
    pub api_enabled: bool,
    /// Whether credentials may arrive in the `api_key` query parameter.
    pub allow_query_key: bool,
    /// Who hears about expiring credentials.
    pub notification_emails: Vec<String>,
    /// The account's own per-credential limit, instead of the plan's (for
    /// enterprise accounts); absent: the plan's.
    #[serde(default)]
    pub rate_limit: Option<RateLimitSetting>,
    /// Unix seconds.
    pub created_at: i64,
    /// Changes with every change of the account.
    #[serde(default)]
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_slugs() {
        assert!(AccountName::parse("default").is_ok());
        assert!(AccountName::parse("acme-eu-1").is_ok());
        assert_eq!(AccountName::parse("  acme ").unwrap().as_str(), "acme");
        for bad in ["", "Acme", "acme corp", "-acme", "acme-", "a/b", &"a".repeat(41)] {
            assert!(AccountName::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
