//! The consumer-key flow OVH's clients drive: an application asks for rights
//! with nothing but its application key, gets a pending consumer key and a
//! validation URL, and a console user who may manage the account approves
//! (picking the account and validity) or refuses. Undecided, it lapses.

use serde_json::json;

use super::{Applications, mint};
use crate::authz::{Access, Action, Area, Lifetime, Target};
use crate::crypto::keygen;
use crate::domain::application::{
    ConsumerKeyGrant, ConsumerKeyRequest, ConsumerKeyState, MAX_PENDING_PER_APPLICATION, PENDING_TTL_SECS,
    PendingConsumerKey, validate_redirection,
};
use crate::domain::credential::parse_cidrs;
use crate::domain::{CredentialKind, CredentialStatus, Expiry, Right, ValidationError};
use crate::service::change::Change;
use crate::service::credentials::grant_of;
use crate::service::{Actor, Caller, ServiceError, ServiceResult};
use crate::store;
use crate::store::consumer_keys::{ConsumerKeyRow, Decision, NewConsumerKey};
use crate::store::credentials::{CredentialRow, Grants};

/// At most this many rules in one request.
const MAX_RULES: usize = 100;

/// A console user's decision on a pending consumer key.
#[derive(Debug, Clone)]
pub struct ConsumerKeyDecision {
    pub approve: bool,
    /// The account it acts on (default: the application's).
    pub account: Option<String>,
    /// Its validity, as the credential form's presets (`never` for unlimited).
    pub expires: Option<String>,
}

impl Applications<'_> {
    /// `POST <base>/auth/credential`. Anyone holding the (public) application
    /// key may ask; nothing works until a user approves. `origin` is where the
    /// validation page is reached when no public URL is configured.
    pub async fn request_consumer_key(
        &self,
        application_key: &str,
        request: ConsumerKeyRequest,
        origin: &str,
        ip: Option<String>,
    ) -> ServiceResult<ConsumerKeyGrant> {
        let now = self.kw.now();
        let unknown = || ServiceError::rule("INVALID_KEY", "This application key is unknown or no longer valid.");
        let (app, _) = self
            .kw
            .verifier()
            .client(application_key.trim())
            .filter(|(app, _)| app.kind == CredentialKind::Application)
            .ok_or_else(unknown)?;
        if CredentialStatus::at(app.revoked_at, app.expires_at, now) == CredentialStatus::Revoked
            || app.expires_at.is_some_and(|e| e <= now)
        {
            return Err(unknown());
        }
        let rights = requested_rights(&request, &app.grants.rights)?;
        let allowed_cidrs = parse_cidrs(request.allowed_ips.as_deref().unwrap_or_default())
            .map_err(|e| ValidationError::new("allowedIPs", e.message))?;
        let redirection = request.redirection.as_deref().map(validate_redirection).transpose()?;
        let environment = store::credentials::find(self.kw.store().pool(), app.id)
            .await?
            .ok_or_else(unknown)?
            .environment()?;
        let minted = mint(&self.kw.config().key_prefix, environment);
        let token = keygen::base62(32);
        let mut tx = Change::begin_as(self.kw, Actor::anonymous(ip)).await?;
        if store::consumer_keys::count_pending(&mut *tx, app.id, now).await? >= MAX_PENDING_PER_APPLICATION {
            return Err(ServiceError::rule(
                "TOO_MANY_PENDING",
                "This application has too many consumer keys waiting for validation; try again later.",
            ));
        }
        store::consumer_keys::insert(
            &mut tx,
            &NewConsumerKey {
                public_id: &minted.public_id,
                credential_id: app.id,
                account_id: app.account_id,
                digest: &self.kw.verifier().digest(&minted.key),
                display_prefix: &minted.prefix,
                rights: &rights,
                allowed_cidrs: &allowed_cidrs,
                state: ConsumerKeyState::Pending,
                validation_digest: Some(&self.kw.verifier().digest(&token)),
                redirection: redirection.as_deref(),
                expires_at: Some(now + PENDING_TTL_SECS),
                created_at: now,
                decided_by: None,
            },
        )
        .await?;
        tx.audit(
            "consumer_key.requested",
            Some(format!("key:{}", app.public_id)),
            Some(app.account_id),
            json!({ "consumer_key": minted.public_id, "rules": rights.len() }),
        )
        .await?;
        tx.commit().await?;
        let base = self
            .kw
            .config()
            .public_url
            .as_deref()
            .unwrap_or(origin)
            .trim_end_matches('/');
        Ok(ConsumerKeyGrant {
            validation_url: format!("{base}/applications/validate?token={token}"),
            consumer_key: minted.key,
            state: "pendingValidation".to_owned(),
        })
    }

    /// A pending request as the validation page shows it, for a user who may
    /// see the application's account; anyone else gets "not found".
    pub async fn pending(&self, caller: &Caller, token: &str) -> ServiceResult<PendingConsumerKey> {
        let (key, app) = self.load_pending(caller, token).await?;
        Ok(PendingConsumerKey {
            application: app.name,
            application_key: app.client_id.unwrap_or_default(),
            account: app.account,
            rights: key.rights()?,
            allowed_cidrs: key.allowed_cidrs()?,
            redirection: key.redirection.clone(),
            deadline: key.expires_at.unwrap_or_default(),
        })
    }

    /// Approves or refuses a pending request; answers where to send the
    /// browser. Approving issues a credential, so the grant rule applies: the
    /// user must be able to issue those rights on that account, for that long.
    pub async fn decide(&self, caller: &Caller, token: &str, d: &ConsumerKeyDecision) -> ServiceResult<Option<String>> {
        let (key, app) = self.load_pending(caller, token).await?;
        let now = self.kw.now();
        let account_name = d.account.clone().unwrap_or_else(|| app.account.clone());
        let account = self
            .kw
            .credentials()
            .account_for(caller, &account_name, Access::Write)
            .await?;
        let (state, expires_at) = if d.approve {
            let expiry = d
                .expires
                .as_deref()
                .map(Expiry::parse)
                .transpose()?
                .unwrap_or(Expiry::Never);
            let expires_at = match (expiry.expires_at(now), app.expires_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let grants = Grants {
                scopes: app.grants()?.scopes,
                roles: Vec::new(),
                allowed_cidrs: key.allowed_cidrs()?,
                rights: key.rights()?,
            };
            let grant = grant_of(
                &account.name,
                account.plan,
                account.rate_limit,
                &grants,
                app.rate_limit()?,
                Lifetime {
                    expires_at,
                    auto_renew: false,
                },
            );
            caller.authorize(Action::Manage(&grant), Target::Account((&account).into()), "account")?;
            (ConsumerKeyState::Active, expires_at)
        } else {
            (ConsumerKeyState::Refused, key.expires_at)
        };
        let actor = caller.actor();
        let mut tx = Change::begin(self.kw, caller).await?;
        let decision = Decision {
            state,
            account_id: account.id,
            expires_at,
            now,
            by: &actor.label,
        };
        if !store::consumer_keys::decide(&mut *tx, key.id, &decision).await? {
            return Err(ServiceError::NotFound("consumer key request"));
        }
        store::credentials::bump_version(&mut *tx, app.id).await?;
        let action = if d.approve {
            "consumer_key.approved"
        } else {
            "consumer_key.refused"
        };
        tx.audit(
            action,
            Some(format!("key:{}", app.public_id)),
            Some(account.id),
            json!({ "consumer_key": key.public_id, "account": account.name, "expires_at": expires_at }),
        )
        .await?;
        tx.touches_credential(app.id);
        tx.commit().await?;
        Ok(key.redirection)
    }

    async fn load_pending(&self, caller: &Caller, token: &str) -> ServiceResult<(ConsumerKeyRow, CredentialRow)> {
        let gone = || ServiceError::NotFound("consumer key request");
        let pool = self.kw.store().pool();
        let key = store::consumer_keys::find_pending(pool, &self.kw.verifier().digest(token.trim()))
            .await?
            .filter(|k| k.expires_at.is_some_and(|e| e > self.kw.now()))
            .ok_or_else(gone)?;
        let app = store::credentials::find(pool, key.credential_id)
            .await?
            .ok_or_else(gone)?;
        let app_account = store::accounts::find(pool, app.account_id).await?.ok_or_else(gone)?;
        caller.authorize(
            Action::Use(Area::Keys, Access::Read),
            Target::Account((&app_account).into()),
            "consumer key request",
        )?;
        if app.revoked_at.is_some() || app.expires_at.is_some_and(|e| e <= self.kw.now()) {
            return Err(gone());
        }
        Ok((key, app))
    }
}

/// The rules asked for, as rights: at least one, each within what the
/// application itself may call (when its rights are restricted).
fn requested_rights(request: &ConsumerKeyRequest, app_rights: &[Right]) -> ServiceResult<Vec<Right>> {
    if request.access_rules.is_empty() || request.access_rules.len() > MAX_RULES {
        return Err(ValidationError::new("accessRules", format!("give between 1 and {MAX_RULES} rules")).into());
    }
    let mut rights = Vec::with_capacity(request.access_rules.len());
    for rule in &request.access_rules {
        let right = rule.to_right()?;
        if !app_rights.is_empty() && !app_rights.iter().any(|a| a.covers(&right)) {
            return Err(ValidationError::new(
                "accessRules",
                format!("{} {} is beyond the application's rights", rule.method, rule.path),
            )
            .into());
        }
        if !rights.contains(&right) {
            rights.push(right);
        }
    }
    Ok(rights)
}
