//! Issuing a credential: validation, the grant rule, the secret shown once,
//! and the row, audit entry and event written together.

use super::{Credentials, grant_of};
use crate::authz::{Access, Action, Lifetime, Target};
use crate::crypto::keygen;
use crate::domain::KeyFormat;
use crate::domain::credential::Created;
use crate::domain::event::EventType;
use crate::domain::key::Environment;
use crate::domain::key::{SecretRole, display_prefix};
use crate::domain::{CredentialInput, CredentialKind, NewCredential};
use crate::service::applications::FirstConsumerKey;
use crate::service::change::Change;
use crate::service::notifications::Subject;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::credentials::{Grants, NewRow};
use crate::store::{self, StoreError};
use serde_json::json;

impl Credentials<'_> {
    /// Creates a credential and returns its secret, once.
    pub async fn create(&self, caller: &Caller, input: CredentialInput) -> ServiceResult<Created> {
        let expiry_named = input.expires.is_some();
        let new = NewCredential::validate(input, &self.kw.config().catalog)?;
        let account = self.account_for(caller, &new.account, Access::Write).await?;
        let grants = Grants {
            scopes: new.scopes,
            roles: new.roles,
            allowed_cidrs: new.allowed_cidrs,
            rights: new.rights,
        };
        let now = self.kw.now();
        // A credential cannot outlive the key that issues it (the grant
        // rule); when no expiry was asked for, the default is cut to the
        // caller's own end instead of refused.
        let expires_at = match (new.expiry.expires_at(now), caller.works_until()) {
            (at, Some(end)) if !expiry_named && at.is_none_or(|at| at > end) => Some(end),
            (at, _) => at,
        };
        let lifetime = Lifetime {
            expires_at,
            auto_renew: new.auto_renew,
        };
        let grant = grant_of(
            &account.name,
            account.plan,
            account.rate_limit,
            &grants,
            new.rate_limit,
            lifetime,
        );
        caller.authorize(Action::Manage(&grant), Target::Account((&account).into()), "account")?;
        let base = self.kw.config().key_prefix.clone();
        let public_id = keygen::public_id();
        let (secret, client_id, signing_kid) = match (new.kind, new.format) {
            (CredentialKind::ApiKey, KeyFormat::Jwt) => {
                let (jwt, kid) = self.sign_key_jwt(&public_id, &account.name, now, expires_at)?;
                (jwt, None, Some(kid))
            }
            (CredentialKind::ApiKey, KeyFormat::Opaque) => {
                (keygen::secret(&base, SecretRole::ApiKey, new.environment), None, None)
            }
            (CredentialKind::Basic | CredentialKind::OauthClient | CredentialKind::Application, _) => (
                keygen::secret(&base, SecretRole::ClientSecret, new.environment),
                Some(keygen::secret(&base, SecretRole::ClientId, new.environment)),
                None,
            ),
        };
        let shown_prefix = match new.format {
            KeyFormat::Jwt => jwt_display_prefix(new.environment, &public_id),
            KeyFormat::Opaque => display_prefix(client_id.as_deref().unwrap_or(&secret)),
        };
        // An application's secret signs requests, so it is sealed (read back
        // to check a signature), never hashed; see application.rs.
        let app_secret = (new.kind == CredentialKind::Application).then(|| {
            self.kw
                .sealer()
                .seal(secret.as_bytes(), &format!("application-secret:{public_id}"))
        });
        let actor = caller.actor();
        let mut tx = Change::begin(self.kw, caller).await?;
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
                app_secret: app_secret.as_deref(),
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
        let consumer_key = if new.kind == CredentialKind::Application {
            let first = FirstConsumerKey {
                credential_id: id,
                account_id: account.id,
                rights: &grants.rights,
                environment: new.environment,
                expires_at,
                by: &actor.label,
            };
            Some(
                self.kw
                    .applications()
                    .insert_first_consumer_key(&mut tx, &first, now)
                    .await?,
            )
        } else {
            store::credentials::insert_secret(&mut tx, &self.kw.verifier().digest(&secret), id, now).await?;
            None
        };
        if let Some(policy) = &new.rotation {
            store::credentials::set_rotation(&mut *tx, id, Some(policy), Some(policy.due_after(now))).await?;
        }
        tx.audit(
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
        tx.emit(
            EventType::KeyCreated,
            Subject {
                account: Some((account.id, &account.name)),
                credential: Some((id, &credential)),
            },
            json!({}),
            None,
        )
        .await?;
        tx.touches_credential(id);
        tx.commit().await?;
        Ok(Created {
            credential,
            secret,
            consumer_key,
        })
    }
}

/// What the console shows for a JWT-format key: `jwt_prod_8xK9`.
fn jwt_display_prefix(environment: Environment, public_id: &str) -> String {
    let tail = public_id.trim_start_matches("key_");
    format!("jwt_{}_{}", environment.as_str(), &tail[..tail.len().min(4)])
}
