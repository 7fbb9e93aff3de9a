//! Applications' consumer keys: the first one, issued with the application;
//! the ones applications ask for through `<base>/auth/credential` and a user
//! approves in the console (`requests.rs`); listing and revoking them.
//!
//! A consumer key's digest is stored, not the key: the client sends the key
//! in every request, so a keyed hash finds it. Every change bumps the
//! application's version and goes through the change log, so every instance
//! learns of it like any other credential change.

mod requests;

pub use requests::ConsumerKeyDecision;

use serde_json::json;

use super::change::Change;
use super::{Caller, Keyward, ServiceError, ServiceResult};
use crate::crypto::keygen;
use crate::domain::application::{ConsumerKey, ConsumerKeyState};
use crate::domain::key::{Environment, SecretRole, display_prefix};
use crate::domain::{AccountId, CredentialKind, Right};
use crate::store;
use crate::store::consumer_keys::NewConsumerKey;

/// Applications and their consumer keys.
#[derive(Clone, Copy)]
pub struct Applications<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

/// The consumer key issued with a new application.
#[derive(Debug)]
pub(crate) struct FirstConsumerKey<'a> {
    pub credential_id: i64,
    pub account_id: AccountId,
    pub rights: &'a [Right],
    pub environment: Environment,
    pub expires_at: Option<i64>,
    pub by: &'a str,
}

/// A new consumer key: `ck_…` id, the key itself (shown once) and its digest.
struct Minted {
    public_id: String,
    key: String,
    prefix: String,
}

fn mint(base: &str, environment: Environment) -> Minted {
    let key = keygen::secret(base, SecretRole::ConsumerKey, environment);
    Minted {
        public_id: format!("ck_{}", keygen::base62(16)),
        prefix: display_prefix(&key),
        key,
    }
}

impl Applications<'_> {
    /// Inside the application's create transaction: its first consumer key,
    /// active at once with the application's rights, account and validity.
    pub(crate) async fn insert_first_consumer_key(
        &self,
        tx: &mut sqlx::AnyConnection,
        first: &FirstConsumerKey<'_>,
        now: i64,
    ) -> ServiceResult<String> {
        let minted = mint(&self.kw.config().key_prefix, first.environment);
        store::consumer_keys::insert(
            tx,
            &NewConsumerKey {
                public_id: &minted.public_id,
                credential_id: first.credential_id,
                account_id: first.account_id,
                digest: &self.kw.verifier().digest(&minted.key),
                display_prefix: &minted.prefix,
                rights: first.rights,
                allowed_cidrs: &[],
                state: ConsumerKeyState::Active,
                validation_digest: None,
                redirection: None,
                expires_at: first.expires_at,
                created_at: now,
                decided_by: Some(first.by),
            },
        )
        .await?;
        Ok(minted.key)
    }

    /// An application's consumer keys, newest first.
    pub async fn consumer_keys(&self, caller: &Caller, public_id: &str) -> ServiceResult<Vec<ConsumerKey>> {
        let (row, _) = self
            .kw
            .credentials()
            .credential_for(caller, public_id, crate::authz::Access::Read)
            .await?;
        if row.kind()? != CredentialKind::Application {
            return Err(ServiceError::NotFound("application"));
        }
        let now = self.kw.now();
        store::consumer_keys::of_credential(self.kw.store().pool(), row.id)
            .await?
            .into_iter()
            .map(|k| k.into_view(now).map_err(ServiceError::from))
            .collect()
    }

    /// Revokes one consumer key; the application and its other keys go on.
    /// Whoever may revoke the application may revoke one of its keys.
    pub async fn revoke_consumer_key(
        &self,
        caller: &Caller,
        public_id: &str,
        consumer_key_id: &str,
    ) -> ServiceResult<ConsumerKey> {
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self
            .kw
            .credentials()
            .credential_to_revoke(&mut tx, caller, public_id)
            .await?;
        let found = match row.kind()? {
            CredentialKind::Application => store::consumer_keys::find_public(&mut *tx, row.id, consumer_key_id).await?,
            _ => None,
        };
        let key = found.ok_or(ServiceError::NotFound("consumer key"))?;
        if store::consumer_keys::revoke(&mut *tx, key.id, now).await? {
            store::credentials::bump_version(&mut *tx, row.id).await?;
            tx.audit(
                "consumer_key.revoked",
                Some(format!("key:{public_id}")),
                Some(account.id),
                json!({ "consumer_key": key.public_id, "application": row.name }),
            )
            .await?;
            tx.touches_credential(row.id);
        }
        let view = store::consumer_keys::find_public(&mut *tx, row.id, consumer_key_id)
            .await?
            .ok_or(ServiceError::NotFound("consumer key"))?
            .into_view(now)?;
        tx.commit().await?;
        Ok(view)
    }
}
