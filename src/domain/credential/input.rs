//! What a caller sends to create or change a credential, and a create
//! request once every rule has passed.

use serde::{Deserialize, Serialize};

use crate::domain::key::Environment;
use crate::domain::scope::{Catalog, Scope};
use crate::domain::{Cidr, Expiry, RateLimitSetting, Right, ValidationError};

use super::kind::{CredentialKind, KeyFormat};
use super::name::KeyName;
use super::role::CredentialRole;
use super::rotation::RotationPolicy;
use super::rules::{
    check_auto_renew, check_kind_rules, check_token_ttl, dedup, parse_cidrs, parse_scopes, validate_description,
    validate_metadata,
};

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
    pub rate_limit: Option<RateLimitSetting>,
    /// Rotate the secret on a schedule: `{"every": "90d", "delivery": "notify"}`, or
    /// `"encrypted"` with a `holder_key`; see the README's "Rotation" section.
    #[serde(default)]
    pub rotation: Option<RotationPolicy>,
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
    pub rotation: Option<RotationPolicy>,
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
        if kind == CredentialKind::Application && !input.roles.is_empty() {
            return Err(ValidationError::new(
                "roles",
                "an application acts through its consumer keys' rights and takes no roles",
            ));
        }
        let rate_limit = input.rate_limit.map(|r| r.validate("rate_limit")).transpose()?;
        if let Some(policy) = &input.rotation {
            check_rotatable(kind)?;
            policy.check()?;
        }
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
            rotation: input.rotation,
        })
    }
}

/// An application takes no rotation policy: the scheduler's notices and the
/// stalled-rotation check follow secrets by their last use, which an
/// application's signing secret does not have. It rotates by an admin, or
/// by itself with a signed request.
pub fn check_rotatable(kind: CredentialKind) -> Result<(), ValidationError> {
    if kind == CredentialKind::Application {
        return Err(ValidationError::new(
            "rotation",
            "an application takes no rotation policy; it rotates its secret itself (a signed POST /v1/keys/self/rotate) or an admin does",
        ));
    }
    Ok(())
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
    #[serde(
        default,
        deserialize_with = "crate::domain::validation::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<RateLimitSetting>))]
    pub rate_limit: Option<Option<RateLimitSetting>>,
    /// A new rotation policy; `null` removes it.
    #[serde(
        default,
        deserialize_with = "crate::domain::validation::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "server", schema(value_type = Option<RotationPolicy>))]
    pub rotation: Option<Option<RotationPolicy>>,
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
    fn unknown_fields_are_refused() {
        let e = serde_json::from_str::<CredentialInput>(r#"{"name": "x", "nmae": "y"}"#);
        assert!(e.is_err());
    }
}
