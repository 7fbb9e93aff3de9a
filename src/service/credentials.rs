//! Credentials: create (the secret is shown once), list, read, change, rotate
//! with a grace period, and revoke. Every change is audited in its own
//! transaction and then applied to the in-memory verification index.

use serde_json::json;

use super::caller::Need;
use super::events::Subject;
use super::{Caller, Keyward, ServiceError, ServiceResult};
use crate::crypto::keygen;
use crate::domain::KeyFormat;
use crate::domain::credential::{Created, CredentialPage, CredentialPatch, CredentialQuery, CredentialSummary};
use crate::domain::credential::{check_kind_rules, parse_cidrs, parse_scopes, validate_description, validate_metadata};
use crate::domain::event::EventType;
use crate::domain::key::Environment;
use crate::domain::key::{SecretRole, display_prefix};
use crate::domain::{
    Account, Credential, CredentialInput, CredentialKind, CredentialStatus, Expiry, NewCredential, ValidationError,
};
use crate::oauth::KeyClaims;
use crate::store::credentials::{Changes, CredentialRow, Grants, ListFilter, NewRow};
use crate::store::{self, StoreError};

/// Keys are managed under the `keys` resource (`keys:read`, `keys:write`).
pub(super) const RESOURCE: &str = "keys";

/// The grace period a rotation gives the old secret unless told otherwise.
pub const DEFAULT_GRACE_SECS: i64 = 86_400;

/// The longest grace period accepted: 30 days.
pub const MAX_GRACE_SECS: i64 = 30 * 86_400;

const MAX_PAGE: u32 = 200;

impl Keyward {
    pub(super) async fn account_for(&self, caller: &Caller, name: &str, need: Need) -> ServiceResult<Account> {
        let account = store::accounts::find_by_name(self.store().pool(), name).await?;
        match account {
            Some(a) if caller.may(RESOURCE, need, &a) => Ok(a),
            Some(a) if need == Need::Write && caller.may(RESOURCE, Need::Read, &a) => Err(ServiceError::Forbidden),
            Some(_) if need == Need::Write => Err(ServiceError::Forbidden),
            _ => Err(ValidationError::new("account", format!("no account named {name:?} that you can see")).into()),
        }
    }

    /// Loads a credential the caller may see; one it may not see is "not found".
    pub(super) async fn credential_for(
        &self,
        caller: &Caller,
        public_id: &str,
        need: Need,
    ) -> ServiceResult<(CredentialRow, Account)> {
        let row = store::credentials::find_public(self.store().pool(), public_id).await?;
        let account = match &row {
            Some(r) => store::accounts::find(self.store().pool(), r.account_id).await?,
            None => None,
        };
        match (row, account) {
            (Some(r), Some(a)) if caller.may(RESOURCE, need, &a) => Ok((r, a)),
            (Some(_), Some(a)) if caller.may(RESOURCE, Need::Read, &a) => Err(ServiceError::Forbidden),
            _ => Err(ServiceError::NotFound("credential")),
        }
    }

    /// Creates a credential and returns its secret, once.
    pub async fn create_credential(&self, caller: &Caller, input: CredentialInput) -> ServiceResult<Created> {
        let new = NewCredential::validate(input, &self.config().catalog)?;
        let account = self.account_for(caller, &new.account, Need::Write).await?;
        let base = self.config().key_prefix.clone();
        let now = self.now();
        let public_id = keygen::public_id();
        let expires_at = new.expiry.expires_at(now);
        let (secret, client_id, signing_kid) = match (new.kind, new.format) {
            (CredentialKind::ApiKey, KeyFormat::Jwt) => {
                let (jwt, kid) = self.sign_key_jwt(&public_id, &account.name, now, expires_at)?;
                (jwt, None, Some(kid))
            }
            (CredentialKind::ApiKey, KeyFormat::Opaque) => {
                (keygen::secret(&base, SecretRole::ApiKey, new.environment), None, None)
            }
            (CredentialKind::Basic | CredentialKind::OauthClient, _) => (
                keygen::secret(&base, SecretRole::ClientSecret, new.environment),
                Some(keygen::secret(&base, SecretRole::ClientId, new.environment)),
                None,
            ),
        };
        let shown_prefix = match new.format {
            KeyFormat::Jwt => jwt_display_prefix(new.environment, &public_id),
            KeyFormat::Opaque => display_prefix(client_id.as_deref().unwrap_or(&secret)),
        };
        let grants = Grants {
            scopes: new.scopes,
            roles: new.roles,
            allowed_cidrs: new.allowed_cidrs,
            rights: new.rights,
        };
        let actor = caller.actor();
        let mut tx = self.store().write().await?;
        let inserted = store::credentials::insert(
            &mut tx,
            &NewRow {
                public_id: &public_id,
                account_id: account.id,
                name: new.name.as_str(),
                description: new.description.as_deref(),
                kind: new.kind,
                environment: new.environment,
                display_prefix: &shown_prefix,
                client_id: client_id.as_deref(),
                grants: &grants,
                expires_at,
                lifetime_secs: new.expiry.lifetime_secs(),
                auto_renew: new.auto_renew,
                metadata: &new.metadata,
                created_at: now,
                created_by: &actor.label,
                format: new.format,
                token_ttl_secs: new.token_ttl_secs,
                signing_kid: signing_kid.as_deref(),
                rate_limit: new.rate_limit,
            },
        )
        .await;
        let id = match inserted {
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::Conflict(format!(
                    "A credential named {:?} already exists in {}.",
                    new.name.as_str(),
                    account.name
                )));
            }
            other => other?,
        };
        store::credentials::insert_secret(&mut tx, &self.verifier().digest(&secret), id, now).await?;
        super::audit::record(
            &mut *tx,
            now,
            &actor,
            "key.created",
            Some(format!("key:{public_id}")),
            Some(account.id),
            json!({ "name": new.name.as_str(), "kind": new.kind, "expires": new.expiry }),
        )
        .await?;
        let credential = store::credentials::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        super::events::emit(
            &mut tx,
            now,
            EventType::KeyCreated,
            Subject {
                account: Some((account.id, &account.name)),
                credential: Some((id, &credential)),
            },
            json!({}),
            None,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.refresh_credential(id).await?;
        Ok(Created { credential, secret })
    }

    /// A newest-first page of the credentials the caller may see.
    pub async fn list_credentials(&self, caller: &Caller, q: &CredentialQuery) -> ServiceResult<CredentialPage> {
        let visible: Vec<Account> = store::accounts::list(self.store().pool())
            .await?
            .into_iter()
            .filter(|a| caller.may(RESOURCE, Need::Read, a))
            .filter(|a| q.account.as_deref().is_none_or(|n| n == a.name))
            .collect();
        let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                c.parse::<i64>()
                    .map_err(|_| ValidationError::new("cursor", "is not a cursor from a previous page"))?,
            ),
            None => None,
        };
        let limit = q.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let now = self.now();
        let mut rows = store::credentials::list(
            self.store().pool(),
            &ListFilter {
                accounts: Some(visible.iter().map(|a| a.id).collect()),
                status: q.status,
                kind: q.kind,
                environment: q.environment,
                query: q.q.clone(),
                before,
                limit: limit + 1,
            },
            now,
        )
        .await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.id.to_string())
        } else {
            None
        };
        Ok(CredentialPage {
            items: rows
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
            next_cursor,
        })
    }

    /// The dashboard's view of the credentials the caller may see.
    pub async fn credential_summary(&self, caller: &Caller) -> ServiceResult<CredentialSummary> {
        let pool = self.store().pool();
        let visible: Vec<_> = store::accounts::list(pool)
            .await?
            .into_iter()
            .filter(|a| caller.may(RESOURCE, Need::Read, a))
            .map(|a| a.id)
            .collect();
        let now = self.now();
        let [active, expiring, expired, revoked] =
            store::credentials::count_by_status(pool, Some(&visible), now).await?;
        let mut soon = store::credentials::list(
            pool,
            &ListFilter {
                accounts: Some(visible.clone()),
                status: Some(CredentialStatus::Expiring),
                limit: 100,
                ..Default::default()
            },
            now,
        )
        .await?;
        soon.sort_by_key(|r| r.expires_at);
        soon.truncate(8);
        let recent = store::credentials::recently_used(pool, &visible, 8).await?;
        Ok(CredentialSummary {
            active,
            expiring,
            expired,
            revoked,
            expiring_soon: soon
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
            recently_used: recent
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
        })
    }

    /// One credential.
    pub async fn get_credential(&self, caller: &Caller, public_id: &str) -> ServiceResult<Credential> {
        let (row, _) = self.credential_for(caller, public_id, Need::Read).await?;
        Ok(row.into_credential(self.now())?)
    }

    /// Changes a credential's description, grants, expiry, auto-renew or metadata.
    pub async fn update_credential(
        &self,
        caller: &Caller,
        public_id: &str,
        patch: CredentialPatch,
    ) -> ServiceResult<Credential> {
        let (row, account) = self.credential_for(caller, public_id, Need::Write).await?;
        if patch.name.as_deref().is_some_and(|n| n.trim() != row.name) {
            return Err(ServiceError::rule(
                "NAME_IMMUTABLE",
                "A credential's name never changes, so audit entries and logs keep meaning the same thing. Create a new credential instead.",
            ));
        }
        if row.revoked_at.is_some() {
            return Err(ServiceError::rule("REVOKED", "A revoked credential cannot be changed."));
        }
        let now = self.now();
        let kind = row.kind()?;
        let old = row.grants()?;
        let catalog = &self.config().catalog;
        let grants = Grants {
            scopes: match &patch.scopes {
                Some(s) => parse_scopes(s, catalog)?,
                None => old.scopes.clone(),
            },
            roles: patch.roles.clone().unwrap_or_else(|| old.roles.clone()),
            allowed_cidrs: match &patch.allowed_cidrs {
                Some(c) => parse_cidrs(c)?,
                None => old.allowed_cidrs.clone(),
            },
            rights: patch.rights.clone().unwrap_or_else(|| old.rights.clone()),
        };
        let (expires_at, lifetime_secs) = match patch.expires.as_deref() {
            Some(e) => {
                let e = Expiry::parse(e)?;
                (e.expires_at(now), e.lifetime_secs())
            }
            None => (row.expires_at, row.lifetime_secs),
        };
        check_kind_rules(kind, expires_at.map(|t| t - now), &grants.allowed_cidrs)?;
        let description = match patch.description.clone() {
            Some(d) => validate_description(Some(d))?,
            None => row.description.clone(),
        };
        let metadata = match &patch.metadata {
            Some(m) => {
                validate_metadata(m)?;
                m.clone()
            }
            None => serde_json::from_str(&row.metadata).unwrap_or_else(|_| json!({})),
        };
        let auto_renew = patch.auto_renew.unwrap_or(row.auto_renew);
        if patch.auto_renew == Some(true) || (auto_renew && patch.expires.is_some()) {
            crate::domain::credential::check_auto_renew(auto_renew, lifetime_secs)?;
        }
        if patch.token_ttl_seconds.is_some() {
            crate::domain::credential::check_token_ttl(kind, patch.token_ttl_seconds)?;
        }
        let token_ttl_secs = patch.token_ttl_seconds.or(row.token_ttl_secs);
        let rate_limit = match patch.rate_limit {
            Some(new) => new.map(|r| r.validate("rate_limit")).transpose()?,
            None => row.rate_limit()?,
        };
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
        ]
        .into_iter()
        .filter_map(|(f, set)| set.then_some(f))
        .collect();

        let mut tx = self.store().write().await?;
        store::credentials::update(
            &mut *tx,
            row.id,
            &Changes {
                description: description.as_deref(),
                grants: &grants,
                expires_at,
                lifetime_secs,
                auto_renew,
                metadata: &metadata,
                token_ttl_secs,
                rate_limit,
            },
        )
        .await?;
        super::audit::record(
            &mut *tx,
            now,
            &caller.actor(),
            "key.updated",
            Some(format!("key:{public_id}")),
            Some(account.id),
            json!({ "name": row.name, "fields": changed, "scopes": grants.scopes, "allowed_cidrs": grants.allowed_cidrs, "expires_at": expires_at }),
        )
        .await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?;
        tx.commit().await.map_err(StoreError::from)?;
        self.refresh_credential(row.id).await?;
        Ok(updated.into_credential(now)?)
    }

    /// Revokes a credential. It is refused from the next request on; the record
    /// stays for the audit trail. With `confirm_name` (the console asks people to
    /// type it), a name that does not match refuses the revocation.
    pub async fn revoke_credential(
        &self,
        caller: &Caller,
        public_id: &str,
        confirm_name: Option<&str>,
    ) -> ServiceResult<Credential> {
        let (row, account) = self.credential_for(caller, public_id, Need::Write).await?;
        if confirm_name.is_some_and(|n| n.trim() != row.name) {
            return Err(ValidationError::new("confirm_name", "does not match the credential's name").into());
        }
        let now = self.now();
        let mut tx = self.store().write().await?;
        let revoked = store::credentials::revoke(&mut *tx, row.id, now).await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        if revoked {
            super::audit::record(
                &mut *tx,
                now,
                &caller.actor(),
                "key.revoked",
                Some(format!("key:{public_id}")),
                Some(account.id),
                json!({ "name": row.name }),
            )
            .await?;
            super::events::emit(
                &mut tx,
                now,
                EventType::KeyRevoked,
                Subject {
                    account: Some((account.id, &account.name)),
                    credential: Some((row.id, &updated)),
                },
                json!({}),
                None,
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.refresh_credential(row.id).await?;
        Ok(updated)
    }

    /// Issues a new secret. The previous one keeps working for the grace
    /// period (default 24 h; 0 ends it at once); any older one dies now.
    pub async fn rotate_credential(
        &self,
        caller: &Caller,
        public_id: &str,
        grace_secs: Option<i64>,
    ) -> ServiceResult<Created> {
        let grace = grace_secs.unwrap_or(DEFAULT_GRACE_SECS);
        if !(0..=MAX_GRACE_SECS).contains(&grace) {
            return Err(ValidationError::new("grace_period_seconds", "must be between 0 and 2592000 (30 days)").into());
        }
        let (row, account) = self.credential_for(caller, public_id, Need::Write).await?;
        let now = self.now();
        if row.revoked_at.is_some() {
            return Err(ServiceError::rule("REVOKED", "A revoked credential cannot be rotated."));
        }
        let kind = row.kind()?;
        let (secret, signing_kid) = match (kind, row.format()?) {
            (CredentialKind::ApiKey, KeyFormat::Jwt) => {
                let (jwt, kid) = self.sign_key_jwt(&row.public_id, &account.name, now, row.expires_at)?;
                (jwt, Some(kid))
            }
            (CredentialKind::ApiKey, KeyFormat::Opaque) => (
                keygen::secret(&self.config().key_prefix, SecretRole::ApiKey, row.environment()?),
                None,
            ),
            _ => (
                keygen::secret(&self.config().key_prefix, SecretRole::ClientSecret, row.environment()?),
                None,
            ),
        };
        // BEGIN IMMEDIATE: concurrent rotations of one credential run one after
        // another, each seeing the last one's result.
        let mut tx = self.store().write().await?;
        store::credentials::rotate(&mut tx, row.id, &self.verifier().digest(&secret), now, now + grace).await?;
        let prefix = (kind == CredentialKind::ApiKey && signing_kid.is_none()).then(|| display_prefix(&secret));
        store::credentials::set_rotated(&mut *tx, row.id, prefix.as_deref(), signing_kid.as_deref()).await?;
        super::audit::record(
            &mut *tx,
            now,
            &caller.actor(),
            "key.rotated",
            Some(format!("key:{public_id}")),
            Some(account.id),
            json!({ "name": row.name, "grace_period_seconds": grace }),
        )
        .await?;
        let credential = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        super::events::emit(
            &mut tx,
            now,
            EventType::KeyRotated,
            Subject {
                account: Some((account.id, &account.name)),
                credential: Some((row.id, &credential)),
            },
            json!({ "grace_period_seconds": grace, "previous_secret_retires_at": now + grace }),
            None,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.refresh_credential(row.id).await?;
        Ok(Created { credential, secret })
    }

    /// Signs a JWT-format key's secret with the active signing key.
    fn sign_key_jwt(
        &self,
        public_id: &str,
        account: &str,
        now: i64,
        exp: Option<i64>,
    ) -> ServiceResult<(String, String)> {
        let signer = self.keyring().current().signer.clone().ok_or_else(|| {
            ServiceError::rule("NO_SIGNING_KEY", "No signing key is active; rotate the signing keys.")
        })?;
        let claims = KeyClaims {
            iss: self.config().public_url.clone().unwrap_or_else(|| "keyward".into()),
            sub: public_id.to_owned(),
            jti: keygen::base62(22),
            iat: now,
            exp,
            account: account.to_owned(),
        };
        Ok((signer.sign(crate::oauth::claims::KEY_TYP, &claims), signer.kid.clone()))
    }

    /// Resolves a management API caller: the key must verify (not revoked,
    /// expired, API-disabled or outside its CIDRs) before its scopes count.
    pub fn key_caller(&self, verdict: &crate::verify::Verdict, ip: Option<String>) -> Option<super::KeyCaller> {
        let (Some(c), Some(a)) = (&verdict.credential, &verdict.account) else {
            return None;
        };
        verdict.code.is_valid().then(|| super::KeyCaller {
            credential_id: c.id,
            public_id: c.public_id.clone(),
            label: c.display_prefix.clone(),
            account: a.name.clone(),
            scopes: verdict
                .token
                .as_ref()
                .map_or_else(|| c.grants.scopes.clone(), |t| t.scopes.clone()),
            roles: c.grants.roles.clone(),
            ip,
            via_token: verdict.token.is_some(),
        })
    }
}

/// What the console shows for a JWT-format key: `jwt_prod_8xK9`.
fn jwt_display_prefix(environment: Environment, public_id: &str) -> String {
    let tail = public_id.trim_start_matches("key_");
    format!("jwt_{}_{}", environment.as_str(), &tail[..tail.len().min(4)])
}
