//! `PATCH`: change a credential's description, grants, expiry, auto-renew,
//! metadata, token lifetime or rate limit. The row is read inside the write
//! transaction, only the fields the request names are written, and the
//! version the change read must still be current, so concurrent changes
//! neither lose each other's fields nor bring back a revoked credential.

use serde_json::json;

use super::Credentials;
use super::{Intent, grant_of};
use crate::authz::{Action, Lifetime, Target};
use crate::domain::credential::{
    CredentialPatch, check_auto_renew, check_kind_rules, check_rotatable, check_token_ttl, parse_cidrs, parse_scopes,
    validate_description, validate_metadata,
};
use crate::domain::{Credential, CredentialKind, Expiry, ValidationError};
use crate::service::change::Change;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::credentials::{Changes, Grants};
use crate::store::{self};

use crate::wire::etag::Precondition;

impl Credentials<'_> {
    /// Applies `patch` if `precondition` (the request's `If-Match`) holds.
    pub async fn update(
        &self,
        caller: &Caller,
        public_id: &str,
        patch: CredentialPatch,
        precondition: &Precondition,
    ) -> ServiceResult<Credential> {
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self
            .credential_to_change(&mut tx, caller, public_id, Intent::Change)
            .await?;
        if !precondition.holds(row.version) {
            return Err(ServiceError::PreconditionFailed { current: row.version });
        }
        if patch.name.as_deref().is_some_and(|n| n.trim() != row.name) {
            return Err(ServiceError::rule(
                "NAME_IMMUTABLE",
                "A credential's name never changes, so audit entries and logs keep meaning the same thing. Create a new credential instead.",
            ));
        }
        if row.revoked_at.is_some() {
            return Err(ServiceError::rule("REVOKED", "A revoked credential cannot be changed."));
        }
        let kind = row.kind()?;
        let catalog = &self.kw.config().catalog;
        let scopes = patch.scopes.as_deref().map(|s| parse_scopes(s, catalog)).transpose()?;
        let allowed_cidrs = patch.allowed_cidrs.as_deref().map(parse_cidrs).transpose()?;
        let expiry = patch.expires.as_deref().map(Expiry::parse).transpose()?;
        let description = patch
            .description
            .clone()
            .map(|d| validate_description(Some(d)))
            .transpose()?;
        if let Some(m) = &patch.metadata {
            validate_metadata(m)?;
        }
        if patch.token_ttl_seconds.is_some() {
            check_token_ttl(kind, patch.token_ttl_seconds)?;
        }
        if kind == CredentialKind::Application && patch.roles.as_ref().is_some_and(|r| !r.is_empty()) {
            return Err(ValidationError::new(
                "roles",
                "an application acts through its consumer keys' rights and takes no roles",
            )
            .into());
        }
        if let Some(Some(policy)) = &patch.rotation {
            check_rotatable(kind)?;
            policy.check()?;
        }
        let rate_limit = patch
            .rate_limit
            .map(|new| new.map(|r| r.validate("rate_limit")).transpose())
            .transpose()?;

        let old = row.grants()?;
        let grants = Grants {
            scopes: scopes.clone().unwrap_or_else(|| old.scopes.clone()),
            roles: patch.roles.clone().unwrap_or_else(|| old.roles.clone()),
            allowed_cidrs: allowed_cidrs.clone().unwrap_or_else(|| old.allowed_cidrs.clone()),
            rights: patch.rights.clone().unwrap_or_else(|| old.rights.clone()),
        };
        let (expires_at, lifetime_secs) = match expiry {
            Some(e) => (e.expires_at(now), e.lifetime_secs()),
            None => (row.expires_at, row.lifetime_secs),
        };
        check_kind_rules(kind, expires_at.map(|t| t - now), &grants.allowed_cidrs)?;
        let auto_renew = patch.auto_renew.unwrap_or(row.auto_renew);
        if patch.auto_renew == Some(true) || (auto_renew && expiry.is_some()) {
            check_auto_renew(auto_renew, lifetime_secs)?;
        }
        let own_limit = match rate_limit {
            Some(new) => new,
            None => row.rate_limit()?,
        };
        let lifetime = Lifetime { expires_at, auto_renew };
        let after = grant_of(
            &account.name,
            account.plan,
            account.rate_limit,
            &grants,
            own_limit,
            lifetime,
        );
        caller.authorize(Action::Manage(&after), Target::Account((&account).into()), "credential")?;

        let changed: Vec<&str> = [
            ("description", patch.description.is_some()),
            ("scopes", patch.scopes.is_some()),
            ("roles", patch.roles.is_some()),
            ("allowed_cidrs", patch.allowed_cidrs.is_some()),
            ("rights", patch.rights.is_some()),
            ("expires", patch.expires.is_some()),
            ("auto_renew", patch.auto_renew.is_some()),
            ("metadata", patch.metadata.is_some()),
            ("token_ttl_seconds", patch.token_ttl_seconds.is_some()),
            ("rate_limit", patch.rate_limit.is_some()),
            ("rotation", patch.rotation.is_some()),
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect();
        let applied = store::credentials::update(
            &mut *tx,
            row.id,
            row.version,
            &Changes {
                description: description.as_ref().map(|d| d.as_deref()),
                scopes: scopes.as_deref(),
                roles: patch.roles.as_deref(),
                allowed_cidrs: allowed_cidrs.as_deref(),
                rights: patch.rights.as_deref(),
                expiry: expiry.map(|_| (expires_at, lifetime_secs)),
                auto_renew: patch.auto_renew,
                metadata: patch.metadata.as_ref(),
                token_ttl_secs: patch.token_ttl_seconds,
                rate_limit,
            },
        )
        .await?;
        if !applied {
            return Err(ServiceError::PreconditionFailed { current: row.version });
        }
        // The same policy sent again (the console sends every field) keeps
        // its due date; a new one is due when the current secret reaches
        // its age, so a policy put on an old key is due at once, as it says.
        let current_policy = row.rotation()?;
        let new_policy = patch
            .rotation
            .as_ref()
            .filter(|p| p.as_ref() != current_policy.as_ref());
        if let Some(policy) = new_policy {
            let due_at = match policy {
                Some(p) => {
                    let issued = store::credentials::current_secret_issued_at(&mut *tx, row.id).await?;
                    Some(p.due_after(issued.unwrap_or(now)))
                }
                None => None,
            };
            store::credentials::set_rotation(&mut *tx, row.id, policy.as_ref(), due_at).await?;
        } else if let Some(p) = current_policy.as_ref().filter(|_| row.rotation_due_at.is_none()) {
            // A policy left without a due date (enforcement expired the key,
            // and this edit brings it back) starts counting again from now.
            store::credentials::set_rotation(&mut *tx, row.id, Some(p), Some(p.due_after(now))).await?;
        }
        tx.audit("key.updated",
            Some(format!("key:{public_id}")),
            Some(account.id),
            json!({ "name": row.name, "fields": changed, "scopes": grants.scopes, "allowed_cidrs": grants.allowed_cidrs, "expires_at": expires_at }),
        )
        .await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?;
        tx.touches_credential(row.id);
        tx.commit().await?;
        Ok(updated.into_credential(now)?)
    }
}
