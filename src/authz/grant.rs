//! What a credential can do, as the grant rule compares it: its scopes and
//! roles, networks, rights, rate limit and lifetime.

use crate::domain::{Cidr, CredentialRole, RateLimitSetting, Right, Scope};

/// What a credential can do: everything the grant rule compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// Its own account's name.
    pub account: String,
    pub scopes: Vec<Scope>,
    pub roles: Vec<CredentialRole>,
    pub allowed_cidrs: Vec<Cidr>,
    pub rights: Vec<Right>,
    /// Its own rate-limit override.
    pub own_limit: Option<RateLimitSetting>,
    /// What its account gives a credential without an override: the
    /// account's own limit, else its plan's.
    pub account_limit: RateLimitSetting,
    pub lifetime: Lifetime,
}

/// How long a credential works: until `expires_at` (never, when absent),
/// or for ever when it renews itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lifetime {
    pub expires_at: Option<i64>,
    pub auto_renew: bool,
}

impl Lifetime {
    /// When it stops working for good, if ever.
    pub fn end(&self) -> Option<i64> {
        self.expires_at.filter(|_| !self.auto_renew)
    }
}

impl Grant {
    /// The limit it runs under.
    pub fn rate(&self) -> RateLimitSetting {
        self.own_limit.unwrap_or(self.account_limit)
    }

    /// Whether its own override lets it do more than its account's limit.
    pub fn above_account_limit(&self) -> bool {
        self.own_limit.is_some_and(|own| !own.within(&self.account_limit))
    }
}
