//! A credential as the console and the API show it, in pages and summaries,
//! and the filters that list them.

use serde::{Deserialize, Serialize};

use crate::domain::key::Environment;
use crate::domain::scope::Scope;
use crate::domain::{Cidr, RateLimitSetting, Right};

use super::kind::{CredentialKind, KeyFormat};
use super::role::CredentialRole;
use super::rotation::RotationPolicy;
use super::status::CredentialStatus;

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
    pub rate_limit: Option<RateLimitSetting>,
    /// Changes with every edit, rotation or revocation; `GET` and `PATCH`
    /// answer it as the `ETag`, and `PATCH` honours `If-Match`.
    #[serde(default)]
    pub version: i64,
    /// Its rotation policy, if it rotates on a schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationPolicy>,
    /// With a policy: Unix seconds when the current secret is due for rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_due_at: Option<i64>,
    /// After a rotation, while the previous secret is in its grace period:
    /// when it stops working and when it was last used. Only on a single read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<PreviousSecret>,
}

/// A rotated-out secret still in its grace period.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousSecret {
    /// Unix seconds when it stops working.
    pub retires_at: i64,
    /// Unix seconds of its last successful use (flushed every few seconds).
    pub last_used_at: Option<i64>,
    /// The client IP of that use.
    pub last_used_ip: Option<String>,
}

/// A credential that was just created or rotated, with its secret. The secret
/// exists only in this value: it is never stored or logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created {
    pub credential: Credential,
    /// The API key, the client secret of a Basic or OAuth pair, or an
    /// application's secret.
    pub secret: String,
    /// For an application: its first consumer key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
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
    #[serde(default, deserialize_with = "crate::wire::page::page_size")]
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 200))]
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
