//! A credential as stored: the row, its JSON columns, and how it reads back
//! into the domain type.

use crate::domain::RateLimitSetting;
use crate::domain::credential::RotationPolicy;
use crate::domain::key::Environment;
use crate::domain::{
    AccountId, Cidr, Credential, CredentialKind, CredentialRole, CredentialStatus, KeyFormat, Right, Scope,
};
use crate::store::Flag;
use crate::store::{StoreError, StoreResult};

/// A `credentials` row joined with its account's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: i64,
    pub public_id: String,
    pub account_id: AccountId,
    pub account: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub environment: String,
    pub display_prefix: String,
    pub client_id: Option<String>,
    pub scopes: String,
    pub roles: String,
    pub allowed_cidrs: String,
    pub rights: String,
    pub expires_at: Option<i64>,
    pub lifetime_secs: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub auto_renew: bool,
    pub metadata: String,
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
    pub token_ttl_secs: Option<i64>,
    pub format: String,
    pub signing_kid: Option<String>,
    pub rate_limit: Option<String>,
    /// Bumped by every management change (never by last-used times).
    pub version: i64,
    /// An application's sealed secret.
    pub app_secret: Option<Vec<u8>>,
    /// The rotation policy, JSON.
    pub rotation: Option<String>,
    /// When the current secret is due for rotation under that policy.
    pub rotation_due_at: Option<i64>,
    /// An application's previous secret, sealed, during its grace period…
    pub previous_app_secret: Option<Vec<u8>>,
    /// …which ends then.
    pub previous_app_secret_retires_at: Option<i64>,
}

/// The parsed JSON columns of a row.
#[derive(Debug, Clone)]
pub struct Grants {
    pub scopes: Vec<Scope>,
    pub roles: Vec<CredentialRole>,
    pub allowed_cidrs: Vec<Cidr>,
    pub rights: Vec<Right>,
}

fn corrupt(col: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("credentials.{col}: {e}"))
}

impl CredentialRow {
    /// The kind; anything else means a hand-edited file.
    pub fn kind(&self) -> StoreResult<CredentialKind> {
        self.kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("credentials.kind = {}", self.kind)))
    }

    /// The secret's format.
    pub fn format(&self) -> StoreResult<KeyFormat> {
        match self.format.as_str() {
            "opaque" => Ok(KeyFormat::Opaque),
            "jwt" => Ok(KeyFormat::Jwt),
            other => Err(StoreError::Corrupt(format!("credentials.format = {other}"))),
        }
    }

    /// The environment label.
    pub fn environment(&self) -> StoreResult<Environment> {
        self.environment
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("credentials.environment = {}", self.environment)))
    }

    /// The scopes, roles, CIDRs and rights.
    pub fn grants(&self) -> StoreResult<Grants> {
        Ok(Grants {
            scopes: serde_json::from_str(&self.scopes).map_err(corrupt("scopes"))?,
            roles: serde_json::from_str(&self.roles).map_err(corrupt("roles"))?,
            allowed_cidrs: serde_json::from_str(&self.allowed_cidrs).map_err(corrupt("allowed_cidrs"))?,
            rights: serde_json::from_str(&self.rights).map_err(corrupt("rights"))?,
        })
    }

    /// The credential's own rate-limit override.
    pub fn rate_limit(&self) -> StoreResult<Option<RateLimitSetting>> {
        self.rate_limit
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt("rate_limit"))
    }

    /// The rotation policy.
    pub fn rotation(&self) -> StoreResult<Option<RotationPolicy>> {
        self.rotation
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt("rotation"))
    }

    /// The public view at `now`.
    pub fn into_credential(self, now: i64) -> StoreResult<Credential> {
        let g = self.grants()?;
        let format = self.format()?;
        let rate_limit = self.rate_limit()?;
        let rotation = self.rotation()?;
        Ok(Credential {
            kind: self.kind()?,
            environment: self.environment()?,
            metadata: serde_json::from_str(&self.metadata).map_err(corrupt("metadata"))?,
            status: CredentialStatus::at(self.revoked_at, self.expires_at, now),
            id: self.public_id,
            account: self.account,
            name: self.name,
            description: self.description,
            prefix: self.display_prefix,
            client_id: self.client_id,
            scopes: g.scopes,
            roles: g.roles,
            allowed_cidrs: g.allowed_cidrs,
            rights: g.rights,
            expires_at: self.expires_at,
            auto_renew: self.auto_renew,
            created_at: self.created_at,
            created_by: self.created_by,
            last_used_at: self.last_used_at,
            last_used_ip: self.last_used_ip,
            revoked_at: self.revoked_at,
            format,
            token_ttl_seconds: self.token_ttl_secs,
            rate_limit,
            version: self.version,
            previous_secret: None,
            rotation,
            rotation_due_at: self.rotation_due_at,
        })
    }
}
