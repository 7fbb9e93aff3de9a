//! Credentials: what an admin issues, and the rules every one of them obeys.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::key::Environment;
use super::scope::{Action, Catalog, Scope};
use super::{Cidr, Expiry, RateLimitSetting, Right, ValidationError};

/// The kinds of credential, as the seeds describe them.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An opaque Bearer key.
    ApiKey,
    /// An id and a secret sent with HTTP Basic; short-lived and IP-bound.
    Basic,
    /// A `client_id` and `client_secret` for the client-credentials grant.
    OauthClient,
}

impl CredentialKind {
    /// Every kind, in the order the console lists them.
    pub const ALL: [CredentialKind; 3] = [
        CredentialKind::ApiKey,
        CredentialKind::Basic,
        CredentialKind::OauthClient,
    ];

    /// The stable identifier used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api_key",
            CredentialKind::Basic => "basic",
            CredentialKind::OauthClient => "oauth_client",
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "API key",
            CredentialKind::Basic => "Basic",
            CredentialKind::OauthClient => "OAuth client",
        }
    }

    /// Whether the credential has a public id besides its secret.
    pub fn has_client_id(self) -> bool {
        !matches!(self, CredentialKind::ApiKey)
    }
}

impl FromStr for CredentialKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api_key" => Ok(CredentialKind::ApiKey),
            "basic" => Ok(CredentialKind::Basic),
            "oauth_client" => Ok(CredentialKind::OauthClient),
            _ => Err(ValidationError::new("kind", "must be api_key, basic or oauth_client")),
        }
    }
}

/// How an API key's secret looks: a `kw_…` string, or a signed JWT (as
/// SecureCloud issues its access keys). Both are stored only as keyed hashes.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFormat {
    #[default]
    Opaque,
    Jwt,
}

impl KeyFormat {
    /// The stable identifier used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Opaque => "opaque",
            KeyFormat::Jwt => "jwt",
        }
    }
}

/// The access-token lifetime of an OAuth client when none is set: 12 hours,
/// as CloudConnexa's `expires_in: 43199` shows.
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 43_200;
/// Shortest access-token lifetime a client may set.
pub const MIN_TOKEN_TTL_SECS: i64 = 60;
/// Longest access-token lifetime a client may set: a day.
pub const MAX_TOKEN_TTL_SECS: i64 = 86_400;

/// A credential's state, computed from its dates (never stored).
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    Active,
    /// Expires within [`EXPIRING_WITHIN_SECS`].
    Expiring,
    Expired,
    Revoked,
}

/// "Expiring" means within seven days: the first notice the seeds promise.
pub const EXPIRING_WITHIN_SECS: i64 = 7 * 86_400;

impl CredentialStatus {
    /// The status at `now`.
    pub fn at(revoked_at: Option<i64>, expires_at: Option<i64>, now: i64) -> Self {
        match (revoked_at, expires_at) {
            (Some(_), _) => CredentialStatus::Revoked,
            (None, Some(e)) if e <= now => CredentialStatus::Expired,
            (None, Some(e)) if e - now <= EXPIRING_WITHIN_SECS => CredentialStatus::Expiring,
            _ => CredentialStatus::Active,
        }
    }

    /// The stable identifier used in filters.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Expiring => "expiring",
            CredentialStatus::Expired => "expired",
            CredentialStatus::Revoked => "revoked",
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            CredentialStatus::Active => "Active",
            CredentialStatus::Expiring => "Expiring",
            CredentialStatus::Expired => "Expired",
            CredentialStatus::Revoked => "Revoked",
        }
    }
}

impl FromStr for CredentialStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(CredentialStatus::Active),
            "expiring" => Ok(CredentialStatus::Expiring),
            "expired" => Ok(CredentialStatus::Expired),
            "revoked" => Ok(CredentialStatus::Revoked),
            _ => Err(ValidationError::new(
                "status",
                "must be active, expiring, expired or revoked",
            )),
        }
    }
}

/// A credential's name: unique in its account, and never changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyName(String);

impl KeyName {
    /// 1–100 characters, trimmed, no control characters.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::new("name", "is required"));
        }
        if s.chars().count() > 100 {
            return Err(ValidationError::new("name", "must be at most 100 characters"));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::new("name", "must not contain control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KeyName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<KeyName> for String {
    fn from(n: KeyName) -> Self {
        n.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role given to a credential. It widens the scopes (Global Admin =
/// `*:admin`, the viewers = `*:read`) and which accounts the credential reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RoleWire", into = "RoleWire")]
pub enum CredentialRole {
    GlobalAdmin,
    GlobalViewer,
    /// Reads the named accounts; an empty list means every account.
    AccountViewer {
        accounts: Vec<String>,
    },
}

/// Roles travel as `"global_admin"`, `"global_viewer"`, `"account_viewer"` (all
/// accounts) or `{"role": "account_viewer", "accounts": ["acme"]}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RoleWire {
    Name(String),
    Scoped {
        role: String,
        #[serde(default)]
        accounts: Vec<String>,
    },
}

impl TryFrom<RoleWire> for CredentialRole {
    type Error = ValidationError;
    fn try_from(w: RoleWire) -> Result<Self, Self::Error> {
        let (role, accounts) = match w {
            RoleWire::Name(r) => (r, Vec::new()),
            RoleWire::Scoped { role, accounts } => (role, accounts),
        };
        match role.as_str() {
            "global_admin" if accounts.is_empty() => Ok(CredentialRole::GlobalAdmin),
            "global_viewer" if accounts.is_empty() => Ok(CredentialRole::GlobalViewer),
            "account_viewer" => Ok(CredentialRole::AccountViewer { accounts }),
            _ => Err(ValidationError::new(
                "roles",
                "must be global_admin, global_viewer or account_viewer (only account_viewer takes accounts)",
            )),
        }
    }
}

impl From<CredentialRole> for RoleWire {
    fn from(r: CredentialRole) -> Self {
        match r {
            CredentialRole::GlobalAdmin => RoleWire::Name("global_admin".into()),
            CredentialRole::GlobalViewer => RoleWire::Name("global_viewer".into()),
            CredentialRole::AccountViewer { accounts } if accounts.is_empty() => {
                RoleWire::Name("account_viewer".into())
            }
            CredentialRole::AccountViewer { accounts } => RoleWire::Scoped {
                role: "account_viewer".into(),
                accounts,
            },
        }
    }
}

impl CredentialRole {
    /// The label shown in the console.
    pub fn label(&self) -> String {
        match self {
            CredentialRole::GlobalAdmin => "Global Admin".into(),
            CredentialRole::GlobalViewer => "Global Viewer".into(),
            CredentialRole::AccountViewer { accounts } if accounts.is_empty() => "Account Viewer (all)".into(),
            CredentialRole::AccountViewer { accounts } => {
                format!("Account Viewer ({})", accounts.join(", "))
            }
        }
    }

    /// The scope this role grants.
    pub fn scope(&self) -> Scope {
        match self {
            CredentialRole::GlobalAdmin => Scope::new("*", Some(Action::Admin)),
            CredentialRole::GlobalViewer | CredentialRole::AccountViewer { .. } => Scope::new("*", Some(Action::Read)),
        }
    }
}

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

/// What a caller asks for when creating a credential, before validation.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialInput {
    /// The account it belongs to (default `default`).
    #[serde(default)]
    pub account: Option<String>,
    /// Unique in the account; never changes.
    pub name: String,
    /// What it is for (at most 500 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// `api_key` (default), `basic` or `oauth_client`.
    #[serde(default)]
    pub kind: Option<CredentialKind>,
    /// `prod` (default), `stg` or `dev`; it goes into the prefix.
    #[serde(default)]
    pub environment: Option<Environment>,
    /// `<resource>:<action>` scopes, e.g. `compute:read`; `*` is allowed in either part.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `"global_admin"`, `"global_viewer"`, `"account_viewer"` (all accounts) or `{"role": "account_viewer", "accounts": ["acme"]}`.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<Object>))]
    pub roles: Vec<CredentialRole>,
    /// IPv4 or IPv6 ranges the credential may be used from; empty means anywhere.
    #[serde(default)]
    pub allowed_cidrs: Vec<String>,
    /// Methods and path patterns it may call; empty means any.
    #[serde(default)]
    pub rights: Vec<Right>,
    /// `5m`, `24h`, `7d`, `14d`, `1mo`, `6mo` (default), `1y`, `custom:<days>` or `never`.
    #[serde(default)]
    pub expires: Option<String>,
    /// Extend by the original lifetime when within a day of expiry.
    #[serde(default)]
    pub auto_renew: bool,
    /// Free JSON object (at most 4 KiB), returned with the credential.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// For an API key: `opaque` (default, `kw_…`) or `jwt` (the secret is a signed JWT).
    #[serde(default)]
    pub format: Option<KeyFormat>,
    /// For an OAuth client: the access-token lifetime, 60–86400 seconds (default 43200).
    #[serde(default)]
    pub token_ttl_seconds: Option<i64>,
    /// Overrides the account plan's limit: `{"limited": {"limit", "window_seconds", "burst"}}` or `"unlimited"`.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub rate_limit: Option<RateLimitSetting>,
}

/// A create request that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCredential {
    pub account: String,
    pub name: KeyName,
    pub description: Option<String>,
    pub kind: CredentialKind,
    pub environment: Environment,
    pub scopes: Vec<Scope>,
    pub roles: Vec<CredentialRole>,
    pub allowed_cidrs: Vec<Cidr>,
    pub rights: Vec<Right>,
    pub expiry: Expiry,
    pub auto_renew: bool,
    pub metadata: serde_json::Value,
    pub format: KeyFormat,
    pub token_ttl_secs: Option<i64>,
    pub rate_limit: Option<RateLimitSetting>,
}

impl NewCredential {
    /// Validates every field, reporting the first problem with its field name.
    pub fn validate(input: CredentialInput, catalog: &Catalog) -> Result<Self, ValidationError> {
        let name = KeyName::parse(&input.name)?;
        let description = validate_description(input.description)?;
        let kind = input.kind.unwrap_or(CredentialKind::ApiKey);
        let scopes = parse_scopes(&input.scopes, catalog)?;
        let allowed_cidrs = parse_cidrs(&input.allowed_cidrs)?;
        let expiry = match input.expires.as_deref() {
            Some(e) => Expiry::parse(e)?,
            None if kind == CredentialKind::Basic => Expiry::Month1,
            None => Expiry::default(),
        };
        check_kind_rules(kind, expiry.lifetime_secs(), &allowed_cidrs)?;
        check_auto_renew(input.auto_renew, expiry.lifetime_secs())?;
        let metadata = input.metadata.unwrap_or_else(|| serde_json::json!({}));
        validate_metadata(&metadata)?;
        let format = input.format.unwrap_or_default();
        if format == KeyFormat::Jwt && kind != CredentialKind::ApiKey {
            return Err(ValidationError::new("format", "only an API key can be a JWT"));
        }
        check_token_ttl(kind, input.token_ttl_seconds)?;
        let rate_limit = input.rate_limit.map(|r| r.validate("rate_limit")).transpose()?;
        Ok(Self {
            account: input.account.unwrap_or_else(|| "default".to_owned()),
            name,
            description,
            kind,
            environment: input.environment.unwrap_or(Environment::Prod),
            scopes,
            roles: dedup(input.roles),
            allowed_cidrs,
            rights: dedup(input.rights),
            expiry,
            auto_renew: input.auto_renew,
            metadata,
            format,
            token_ttl_secs: input.token_ttl_seconds,
            rate_limit,
        })
    }
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

fn dedup<T: PartialEq>(list: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for item in list {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// A credential as the console and the API show it. Never holds a secret.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    /// The public id, `key_…`.
    pub id: String,
    /// The account it belongs to.
    pub account: String,
    /// Unique in its account; never changes.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// `api_key`, `basic` or `oauth_client`.
    pub kind: CredentialKind,
    /// `prod`, `stg` or `dev`.
    pub environment: Environment,
    /// Enough of the secret to recognise it, never to use it: `kw_prod_8xK9`.
    pub prefix: String,
    /// The public half of a Basic or OAuth pair.
    pub client_id: Option<String>,
    /// The scopes it was given (its roles add more).
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>, example = json!(["compute:read"])))]
    pub scopes: Vec<Scope>,
    /// Roles that widen its scopes and the accounts it reaches.
    #[cfg_attr(feature = "server", schema(value_type = Vec<Object>))]
    pub roles: Vec<CredentialRole>,
    /// Ranges it may be used from; empty means anywhere.
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>, example = json!(["203.0.113.0/24"])))]
    pub allowed_cidrs: Vec<Cidr>,
    /// Methods and paths it may call; empty means any.
    pub rights: Vec<Right>,
    /// Unix seconds; absent for a credential that never expires.
    pub expires_at: Option<i64>,
    /// Whether it extends itself before expiry.
    pub auto_renew: bool,
    /// Free JSON object.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub metadata: serde_json::Value,
    /// Unix seconds.
    pub created_at: i64,
    /// The e-mail, key prefix or `cli` that created it.
    pub created_by: String,
    /// Unix seconds of the last successful verification (flushed every few seconds).
    pub last_used_at: Option<i64>,
    /// The client IP of that verification.
    pub last_used_ip: Option<String>,
    /// Unix seconds; set once revoked.
    pub revoked_at: Option<i64>,
    /// `active`, `expiring` (within 7 days), `expired` or `revoked`, computed at read time.
    pub status: CredentialStatus,
    /// `opaque` or `jwt`.
    pub format: KeyFormat,
    /// For an OAuth client: its access-token lifetime in seconds.
    pub token_ttl_seconds: Option<i64>,
    /// Its own rate limit instead of the account plan's; absent: the plan's.
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub rate_limit: Option<RateLimitSetting>,
    /// Changes with every edit, rotation or revocation; `GET` and `PATCH`
    /// answer it as the `ETag`, and `PATCH` honours `If-Match`.
    #[serde(default)]
    pub version: i64,
}

/// A credential that was just created or rotated, with its secret. The secret
/// exists only in this value: it is never stored or logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    pub credential: Credential,
    /// The API key, or the client secret of a Basic or OAuth pair.
    pub secret: String,
}

/// Which credentials to list. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CredentialQuery {
    /// Only this account.
    pub account: Option<String>,
    /// `active`, `expiring`, `expired` or `revoked`.
    pub status: Option<CredentialStatus>,
    /// `api_key`, `basic` or `oauth_client`.
    pub kind: Option<CredentialKind>,
    /// `prod`, `stg` or `dev`.
    pub environment: Option<Environment>,
    /// Matches the name, the display prefix or the id.
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
}

/// One newest-first page of credentials.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialPage {
    /// Newest first; never a secret.
    pub items: Vec<Credential>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// The changeable fields; `None` leaves one as it is. The name is accepted
/// only to refuse a change to it with `NAME_IMMUTABLE`.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialPatch {
    /// Refused with `NAME_IMMUTABLE` unless it equals the current name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new description; empty clears it.
    #[serde(default)]
    pub description: Option<String>,
    /// Replaces the scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Replaces the roles.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Option<Vec<Object>>))]
    pub roles: Option<Vec<CredentialRole>>,
    /// Replaces the allowed CIDRs.
    #[serde(default)]
    pub allowed_cidrs: Option<Vec<String>>,
    /// Replaces the rights.
    #[serde(default)]
    pub rights: Option<Vec<Right>>,
    /// A preset, counted from now.
    #[serde(default)]
    pub expires: Option<String>,
    /// Turns auto-renew on or off.
    #[serde(default)]
    pub auto_renew: Option<bool>,
    /// Replaces the metadata object.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Value>,
    /// For an OAuth client: a new access-token lifetime (60–86400 seconds).
    #[serde(default)]
    pub token_ttl_seconds: Option<i64>,
    /// A new rate-limit override; `null` goes back to the account plan's limit.
    #[serde(default, deserialize_with = "super::validation::present")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub rate_limit: Option<Option<RateLimitSetting>>,
}

/// Counts and short lists for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialSummary {
    pub active: i64,
    pub expiring: i64,
    pub expired: i64,
    pub revoked: i64,
    /// Expiring within 7 days, soonest first.
    pub expiring_soon: Vec<Credential>,
    /// The most recently used, newest first.
    pub recently_used: Vec<Credential>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: CredentialKind) -> CredentialInput {
        CredentialInput {
            name: "CI deploys".into(),
            kind: Some(kind),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_an_api_key_in_prod_for_six_months() {
        let c = NewCredential::validate(input(CredentialKind::ApiKey), &Catalog::default()).unwrap();
        assert_eq!(c.kind, CredentialKind::ApiKey);
        assert_eq!(c.environment, Environment::Prod);
        assert_eq!(c.expiry, Expiry::Months6);
        assert_eq!(c.account, "default");
    }

    #[test]
    fn basic_credentials_need_a_cidr_and_a_short_expiry() {
        let cat = Catalog::default();
        let e = NewCredential::validate(input(CredentialKind::Basic), &cat).unwrap_err();
        assert_eq!(e.field, "allowed_cidrs");
        let mut i = input(CredentialKind::Basic);
        i.allowed_cidrs = vec!["10.0.0.0/8".into()];
        assert_eq!(NewCredential::validate(i.clone(), &cat).unwrap().expiry, Expiry::Month1);
        i.expires = Some("6mo".into());
        assert_eq!(NewCredential::validate(i.clone(), &cat).unwrap_err().field, "expires");
        i.expires = Some("never".into());
        assert_eq!(NewCredential::validate(i.clone(), &cat).unwrap_err().field, "expires");
        i.expires = Some("custom:30".into());
        assert!(NewCredential::validate(i.clone(), &cat).is_ok());
        i.expires = Some("custom:31".into());
        assert!(NewCredential::validate(i, &cat).is_err());
    }

    #[test]
    fn status_follows_the_dates() {
        let now = 1_000_000;
        assert_eq!(CredentialStatus::at(None, None, now), CredentialStatus::Active);
        assert_eq!(
            CredentialStatus::at(None, Some(now + 8 * 86_400), now),
            CredentialStatus::Active
        );
        assert_eq!(
            CredentialStatus::at(None, Some(now + 86_400), now),
            CredentialStatus::Expiring
        );
        assert_eq!(CredentialStatus::at(None, Some(now), now), CredentialStatus::Expired);
        assert_eq!(
            CredentialStatus::at(Some(now - 1), Some(now + 86_400), now),
            CredentialStatus::Revoked
        );
    }

    #[test]
    fn roles_travel_as_names_or_objects() {
        let roles: Vec<CredentialRole> = serde_json::from_str(
            r#"["global_admin", {"role": "account_viewer", "accounts": ["acme"]}, "account_viewer"]"#,
        )
        .unwrap();
        assert_eq!(roles[0], CredentialRole::GlobalAdmin);
        assert_eq!(
            roles[1],
            CredentialRole::AccountViewer {
                accounts: vec!["acme".into()]
            }
        );
        assert_eq!(roles[2], CredentialRole::AccountViewer { accounts: vec![] });
        assert_eq!(
            serde_json::to_string(&roles[1]).unwrap(),
            r#"{"role":"account_viewer","accounts":["acme"]}"#
        );
        assert!(serde_json::from_str::<CredentialRole>(r#""root""#).is_err());
        assert!(serde_json::from_str::<CredentialRole>(r#"{"role":"global_admin","accounts":["x"]}"#).is_err());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_str::<CredentialInput>(r#"{"name": "x", "nmae": "y"}"#);
        assert!(e.is_err());
    }

    #[test]
    fn metadata_must_be_a_small_object() {
        assert!(validate_metadata(&serde_json::json!({"team": "payments"})).is_ok());
        assert!(validate_metadata(&serde_json::json!([1, 2])).is_err());
        assert!(validate_metadata(&serde_json::json!({"x": "y".repeat(5000)})).is_err());
    }
}
