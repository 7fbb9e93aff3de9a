//! Revocation, and rotation with a grace period. Both read the credential
//! inside their write transaction, so a rotation never hands out a secret
//! for a credential revoked a moment before, and both refuse a caller that
//! could not have issued the credential.

use serde_json::json;

use super::Credentials;
use super::Intent;
use crate::crypto::{jwe, keygen};
use crate::domain::credential::Created;
use crate::domain::event::EventType;
use crate::domain::holder_key::HolderKey;
use crate::domain::key::{SecretRole, display_prefix};
use crate::domain::{Account, Credential, CredentialKind, KeyFormat, ValidationError};
use crate::service::change::Change;
use crate::service::notifications::Subject;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::credentials::CredentialRow;
use crate::store::{self};
use crate::wire::jwt::{KEY_TYP, KeyClaims};

/// The grace period a rotation gives the old secret unless told otherwise.
pub const DEFAULT_GRACE_SECS: i64 = 86_400;

/// The longest grace period accepted: 30 days.
pub const MAX_GRACE_SECS: i64 = 30 * 86_400;

/// Who asked for a rotation, as the audit entry and the event say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::service) enum RotatedBy {
    /// Someone managing the credential.
    Admin,
    /// The credential itself, with its own secret.
    Holder,
    /// The scheduler, when the policy's interval passed.
    Schedule,
    /// "Rotate now by policy".
    Policy,
}

impl RotatedBy {
    fn as_str(self) -> &'static str {
        match self {
            RotatedBy::Admin => "admin",
            RotatedBy::Holder => "holder",
            RotatedBy::Schedule => "schedule",
            RotatedBy::Policy => "policy",
        }
    }
}

fn check_grace(grace: i64) -> ServiceResult<()> {
    if !(0..=MAX_GRACE_SECS).contains(&grace) {
        return Err(ValidationError::new("grace_period_seconds", "must be between 0 and 2592000 (30 days)").into());
    }
    Ok(())
}

impl Credentials<'_> {
    /// Revokes a credential. It is refused from the next request on; the record
    /// stays for the audit trail. With `confirm_name` (the console asks people to
    /// type it), a name that does not match refuses the revocation.
    pub async fn revoke(
        &self,
        caller: &Caller,
        public_id: &str,
        confirm_name: Option<&str>,
    ) -> ServiceResult<Credential> {
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self
            .credential_to_change(&mut tx, caller, public_id, Intent::Revoke)
            .await?;
        if confirm_name.is_some_and(|n| n.trim() != row.name) {
            return Err(ValidationError::new("confirm_name", "does not match the credential's name").into());
        }
        let revoked = store::credentials::revoke(&mut *tx, row.id, now).await?;
        store::consumer_keys::revoke_all(&mut *tx, row.id, now).await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        if revoked {
            tx.audit(
                "key.revoked",
                Some(format!("key:{public_id}")),
                Some(account.id),
                json!({ "name": row.name }),
            )
            .await?;
            tx.emit(
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
        tx.touches_credential(row.id);
        tx.commit().await?;
        Ok(updated)
    }

    /// Issues a new secret. The previous one keeps working for the grace
    /// period (default 24 h; 0 ends it at once); any older one dies now.
    pub async fn rotate(&self, caller: &Caller, public_id: &str, grace_secs: Option<i64>) -> ServiceResult<Created> {
        self.rotate_as(caller, public_id, grace_secs, Intent::Change).await
    }

    /// The calling credential rotates itself (`POST /v1/keys/self/rotate`):
    /// no management scope is needed, only its own secret, so a secrets
    /// manager or a cron job can rotate a key with nothing but that key.
    pub async fn rotate_self(&self, caller: &Caller, grace_secs: Option<i64>) -> ServiceResult<Created> {
        let Caller::Key(key) = caller else {
            return Err(ServiceError::Forbidden);
        };
        let public_id = key.public_id.clone();
        self.rotate_as(caller, &public_id, grace_secs, Intent::RotateSelf).await
    }

    /// Ends the previous secret at once instead of at the end of its grace
    /// period ("then revoke the old key manually"). Answers whether there was
    /// one; either way no previous secret works afterwards.
    pub async fn end_grace(&self, caller: &Caller, public_id: &str) -> ServiceResult<bool> {
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self
            .credential_to_change(&mut tx, caller, public_id, Intent::Revoke)
            .await?;
        let ended = if row.kind()? == CredentialKind::Application {
            let now = tx.now;
            store::credentials::end_app_grace(&mut *tx, row.id, now).await?
        } else {
            store::credentials::end_grace(&mut *tx, row.id).await?
        };
        if ended {
            store::credentials::bump_version(&mut *tx, row.id).await?;
            tx.audit(
                "key.grace_ended",
                Some(format!("key:{public_id}")),
                Some(account.id),
                json!({ "name": row.name }),
            )
            .await?;
            tx.touches_credential(row.id);
        }
        tx.commit().await?;
        Ok(ended)
    }

    async fn rotate_as(
        &self,
        caller: &Caller,
        public_id: &str,
        grace_secs: Option<i64>,
        intent: Intent,
    ) -> ServiceResult<Created> {
        if let Some(grace) = grace_secs {
            check_grace(grace)?;
        }
        // BEGIN IMMEDIATE: concurrent rotations of one credential run one after
        // another, each seeing the last one's result.
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self.credential_to_change(&mut tx, caller, public_id, intent).await?;
        // Without a grace period named, the credential's policy decides.
        let grace = match (grace_secs, row.rotation()?) {
            (Some(grace), _) => grace,
            (None, Some(policy)) => policy.grace_seconds,
            (None, None) => DEFAULT_GRACE_SECS,
        };
        let by = match intent {
            Intent::RotateSelf => RotatedBy::Holder,
            Intent::Change | Intent::Revoke => RotatedBy::Admin,
        };
        let created = self.replace_secret(&mut tx, &row, &account, grace, by, None).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Inside a write transaction: gives a credential a new secret, the
    /// current one retiring after `grace` seconds; audits, emits `key.rotated`
    /// and moves the policy's due date. With `seal_to`, the event carries the
    /// new secret as a JWE to the holder's key (the only copy that leaves
    /// this function besides the returned value).
    pub(in crate::service) async fn replace_secret(
        &self,
        tx: &mut Change<'_>,
        row: &CredentialRow,
        account: &Account,
        grace: i64,
        by: RotatedBy,
        seal_to: Option<&HolderKey>,
    ) -> ServiceResult<Created> {
        let now = tx.now;
        if row.revoked_at.is_some() {
            return Err(ServiceError::rule("REVOKED", "A revoked credential cannot be rotated."));
        }
        let kind = row.kind()?;
        let environment = row.environment()?;
        let base = &self.kw.config().key_prefix;
        let (secret, signing_kid) = match (kind, row.format()?) {
            (CredentialKind::ApiKey, KeyFormat::Jwt) => {
                let (jwt, kid) = self.sign_key_jwt(&row.public_id, &account.name, now, row.expires_at)?;
                (jwt, Some(kid))
            }
            (CredentialKind::ApiKey, KeyFormat::Opaque) => {
                (keygen::secret(base, SecretRole::ApiKey, environment), None)
            }
            _ => (keygen::secret(base, SecretRole::ClientSecret, environment), None),
        };
        if kind == CredentialKind::Application {
            // An application's secret signs requests, so it is sealed, not
            // hashed; its consumer keys stay as they are.
            let sealed = self
                .kw
                .sealer()
                .seal(secret.as_bytes(), &format!("application-secret:{}", row.public_id));
            store::credentials::rotate_app_secret(&mut **tx, row.id, &sealed, now, now + grace).await?;
        } else {
            store::credentials::rotate(tx, row.id, &self.kw.verifier().digest(&secret), now, now + grace).await?;
        }
        let prefix = (kind == CredentialKind::ApiKey && signing_kid.is_none()).then(|| display_prefix(&secret));
        store::credentials::set_rotated(&mut **tx, row.id, prefix.as_deref(), signing_kid.as_deref()).await?;
        if let Some(policy) = row.rotation()? {
            store::credentials::set_rotation_due(&mut **tx, row.id, policy.due_after(now)).await?;
        }
        tx.audit(
            "key.rotated",
            Some(format!("key:{}", row.public_id)),
            Some(account.id),
            json!({
                "name": row.name,
                "grace_period_seconds": grace,
                "by": by.as_str(),
                "by_itself": by == RotatedBy::Holder,
            }),
        )
        .await?;
        let credential = store::credentials::find(&mut **tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        let mut data = json!({
            "grace_period_seconds": grace,
            "previous_secret_retires_at": now + grace,
            "by": by.as_str(),
        });
        if let Some(holder) = seal_to {
            let sealed = jwe::seal(holder, secret.as_bytes()).map_err(|e| {
                ServiceError::rule(
                    "HOLDER_KEY_UNUSABLE",
                    format!("The secret cannot be encrypted to the holder's key: {e}"),
                )
            })?;
            data["secret_jwe"] = json!(sealed);
        }
        tx.emit(
            EventType::KeyRotated,
            Subject {
                account: Some((account.id, &account.name)),
                credential: Some((row.id, &credential)),
            },
            data,
            None,
        )
        .await?;
        tx.touches_credential(row.id);
        Ok(Created {
            credential,
            secret,
            consumer_key: None,
        })
    }

    /// Signs a JWT-format key's secret with the active signing key.
    pub(super) fn sign_key_jwt(
        &self,
        public_id: &str,
        account: &str,
        now: i64,
        exp: Option<i64>,
    ) -> ServiceResult<(String, String)> {
        let signer = self.kw.keyring().current().signer_at(now).ok_or_else(|| {
            ServiceError::rule("NO_SIGNING_KEY", "No signing key is active; rotate the signing keys.")
        })?;
        let claims = KeyClaims {
            iss: self.kw.config().public_url.clone().unwrap_or_else(|| "keyward".into()),
            sub: public_id.to_owned(),
            jti: keygen::base62(22),
            iat: now,
            exp,
            nbf: None,
            account: account.to_owned(),
        };
        Ok((signer.sign(KEY_TYP, &claims), signer.kid.clone()))
    }
}
