//! The verification decision: a pure function from a credential, its account,
//! the request and the time to one answer code. Everything that makes a valid
//! secret still unusable is decided here, in one place, in a fixed order.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

use crate::authz::held_scopes;
use crate::domain::{Cidr, CredentialRole, Right, Scope, cidr, right, scope};

/// The answer to "is this credential good for this call?".
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    Valid,
    /// No such credential, or a wrong secret: the two are indistinguishable.
    NotFound,
    /// Not shaped like a Keyward key (caught without a look-up).
    Malformed,
    Expired,
    Revoked,
    /// The account's "Enable API" switch is off.
    ApiDisabled,
    IpNotAllowed,
    InsufficientScope,
    ForbiddenRight,
    RateLimited,
    /// A signed request whose timestamp is outside the window, or whose
    /// signature was already used within it (a replay).
    StaleSignature,
}

impl VerifyCode {
    /// Every code, for documentation and the console.
    pub const ALL: [VerifyCode; 11] = [
        VerifyCode::Valid,
        VerifyCode::NotFound,
        VerifyCode::Malformed,
        VerifyCode::Expired,
        VerifyCode::Revoked,
        VerifyCode::ApiDisabled,
        VerifyCode::IpNotAllowed,
        VerifyCode::InsufficientScope,
        VerifyCode::ForbiddenRight,
        VerifyCode::RateLimited,
        VerifyCode::StaleSignature,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Malformed => "MALFORMED",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::ApiDisabled => "API_DISABLED",
            VerifyCode::IpNotAllowed => "IP_NOT_ALLOWED",
            VerifyCode::InsufficientScope => "INSUFFICIENT_SCOPE",
            VerifyCode::ForbiddenRight => "FORBIDDEN_RIGHT",
            VerifyCode::RateLimited => "RATE_LIMITED",
            VerifyCode::StaleSignature => "STALE_SIGNATURE",
        }
    }

    /// The code for its wire form.
    pub fn from_wire(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// What the refusal means, for people reading the dashboard.
    pub fn explain(self) -> &'static str {
        match self {
            VerifyCode::Valid => "Accepted",
            VerifyCode::NotFound => "Unknown key or wrong secret",
            VerifyCode::Malformed => "Not shaped like a Keyward key",
            VerifyCode::Expired => "Used after its expiry",
            VerifyCode::Revoked => "Used after it was revoked",
            VerifyCode::ApiDisabled => "The account's API is switched off",
            VerifyCode::IpNotAllowed => "Called from outside its IP allow-list",
            VerifyCode::InsufficientScope => "Its scopes do not cover the call",
            VerifyCode::ForbiddenRight => "Path or method not in its rights",
            VerifyCode::RateLimited => "Over its rate limit",
            VerifyCode::StaleSignature => "Signed request too old, from the future, or replayed",
        }
    }

    /// Whether the credential may be used.
    pub fn is_valid(self) -> bool {
        self == VerifyCode::Valid
    }

    /// The forward-auth status: 401 for a credential that does not work at
    /// all, 403 for one that works but not for this call, 429 when throttled.
    pub fn http_status(self) -> u16 {
        match self {
            VerifyCode::Valid => 200,
            VerifyCode::NotFound
            | VerifyCode::Malformed
            | VerifyCode::Expired
            | VerifyCode::Revoked
            | VerifyCode::StaleSignature => 401,
            VerifyCode::ApiDisabled
            | VerifyCode::IpNotAllowed
            | VerifyCode::InsufficientScope
            | VerifyCode::ForbiddenRight => 403,
            VerifyCode::RateLimited => 429,
        }
    }
}

impl fmt::Display for VerifyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the decision needs to know about the credential.
#[derive(Debug, Clone, Copy)]
pub struct CredentialFacts<'a> {
    /// Its own account: where its roles are read when the gateway names none.
    pub account: &'a str,
    pub revoked_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub allowed_cidrs: &'a [Cidr],
    pub rights: &'a [Right],
    pub scopes: &'a [Scope],
    pub roles: &'a [CredentialRole],
    /// For an access token: the scopes it was issued with. It may do only
    /// what both it and its client (as the client is now) may do.
    pub token_scopes: Option<&'a [Scope]>,
}

/// What the decision needs to know about the call.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts<'a> {
    pub ip: Option<IpAddr>,
    pub method: Option<&'a str>,
    pub path: Option<&'a str>,
    pub required_scopes: &'a [Scope],
    /// The account the call concerns, when the gateway says so (else the
    /// credential's own); Account Viewer roles only count for their accounts.
    pub account: Option<&'a str>,
}

/// Decides, in order: revoked, expired, API disabled, IP, rights, scopes.
/// Rate limiting comes after a `Valid` answer, outside this function.
pub fn decide(c: &CredentialFacts<'_>, api_enabled: bool, r: &RequestFacts<'_>, now: i64) -> VerifyCode {
    if c.revoked_at.is_some_and(|t| t <= now) {
        return VerifyCode::Revoked;
    }
    if c.expires_at.is_some_and(|t| t <= now) {
        return VerifyCode::Expired;
    }
    if !api_enabled {
        return VerifyCode::ApiDisabled;
    }
    if !cidr::allowed(c.allowed_cidrs, r.ip) {
        return VerifyCode::IpNotAllowed;
    }
    if !right::allowed(c.rights, r.method, r.path) {
        return VerifyCode::ForbiddenRight;
    }
    if !r.required_scopes.is_empty() {
        let mut held = held_scopes(c.scopes, c.roles, c.account, r.account.unwrap_or(c.account));
        if let Some(token) = c.token_scopes {
            held = scope::intersect(token, &held);
        }
        if !scope::satisfies(&held, r.required_scopes) {
            return VerifyCode::InsufficientScope;
        }
    }
    VerifyCode::Valid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalog;

    struct Fixture {
        cidrs: Vec<Cidr>,
        rights: Vec<Right>,
        scopes: Vec<Scope>,
        roles: Vec<CredentialRole>,
    }

    fn fixture() -> Fixture {
        let cat = Catalog::default();
        Fixture {
            cidrs: vec![Cidr::parse("10.0.0.0/8").unwrap()],
            rights: vec![Right::parse("GET,POST /v1/instances/*").unwrap()],
            scopes: vec![Scope::parse("compute:write", &cat).unwrap()],
            roles: vec![],
        }
    }

    fn facts(f: &Fixture) -> CredentialFacts<'_> {
        CredentialFacts {
            account: "default",
            revoked_at: None,
            expires_at: Some(2_000),
            allowed_cidrs: &f.cidrs,
            rights: &f.rights,
            scopes: &f.scopes,
            roles: &f.roles,
            token_scopes: None,
        }
    }

    fn request<'a>(required: &'a [Scope]) -> RequestFacts<'a> {
        RequestFacts {
            ip: Some("10.1.2.3".parse().unwrap()),
            method: Some("GET"),
            path: Some("/v1/instances/7"),
            required_scopes: required,
            account: None,
        }
    }

    fn scopes(list: &[&str]) -> Vec<Scope> {
        list.iter().map(|s| Scope::parse_syntax(s).unwrap()).collect()
    }

    #[test]
    fn a_matching_call_is_valid() {
        let f = fixture();
        let req = scopes(&["compute:read"]);
        assert_eq!(decide(&facts(&f), true, &request(&req), 1_000), VerifyCode::Valid);
    }

    #[test]
    fn each_refusal_has_its_code() {
        let f = fixture();
        let none = scopes(&[]);
        let now = 1_000;
        let mut c = facts(&f);
        c.revoked_at = Some(900);
        assert_eq!(decide(&c, true, &request(&none), now), VerifyCode::Revoked);
        let mut c = facts(&f);
        c.expires_at = Some(now);
        assert_eq!(decide(&c, true, &request(&none), now), VerifyCode::Expired);
        assert_eq!(decide(&facts(&f), false, &request(&none), now), VerifyCode::ApiDisabled);
        let mut r = request(&none);
        r.ip = Some("192.0.2.1".parse().unwrap());
        assert_eq!(decide(&facts(&f), true, &r, now), VerifyCode::IpNotAllowed);
        let mut r = request(&none);
        r.method = Some("DELETE");
        assert_eq!(decide(&facts(&f), true, &r, now), VerifyCode::ForbiddenRight);
        let admin = scopes(&["compute:admin"]);
        assert_eq!(
            decide(&facts(&f), true, &request(&admin), now),
            VerifyCode::InsufficientScope
        );
    }

    #[test]
    fn revocation_wins_over_every_other_refusal() {
        let f = fixture();
        let req = scopes(&["billing:admin"]);
        let mut c = facts(&f);
        c.revoked_at = Some(1);
        c.expires_at = Some(1);
        assert_eq!(decide(&c, false, &request(&req), 1_000), VerifyCode::Revoked);
    }

    #[test]
    fn account_viewer_scopes_count_only_for_their_accounts() {
        let mut f = fixture();
        f.scopes.clear();
        f.roles = vec![CredentialRole::AccountViewer {
            accounts: vec!["acme".into()],
        }];
        let req = scopes(&["billing:read"]);
        let mut r = request(&req);
        r.account = Some("acme");
        assert_eq!(decide(&facts(&f), true, &r, 1_000), VerifyCode::Valid);
        r.account = Some("globex");
        assert_eq!(decide(&facts(&f), true, &r, 1_000), VerifyCode::InsufficientScope);
        r.account = None;
        assert_eq!(
            decide(&facts(&f), true, &r, 1_000),
            VerifyCode::InsufficientScope,
            "no account named means the credential's own, not any"
        );
    }

    #[test]
    fn http_statuses_split_unusable_from_forbidden() {
        assert_eq!(VerifyCode::Valid.http_status(), 200);
        assert_eq!(VerifyCode::Expired.http_status(), 401);
        assert_eq!(VerifyCode::IpNotAllowed.http_status(), 403);
        assert_eq!(VerifyCode::RateLimited.http_status(), 429);
        assert_eq!(
            serde_json::to_string(&VerifyCode::ApiDisabled).unwrap(),
            "\"API_DISABLED\""
        );
    }
}
