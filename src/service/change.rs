//! One change as a unit of work: its write transaction (with the caller
//! checked again under the lock), the audit entries and events written
//! inside it, the change log rows that tell other processes what to reload,
//! and this process's memory brought up to date once it commits. Services
//! make their changes through it, so none can audit outside the transaction,
//! or commit and forget to refresh (here or elsewhere) what it touched.

use std::ops::{Deref, DerefMut};

use serde_json::Value;

use super::notifications::{Subject, emit};
use super::{Actor, Caller, Keyward, Lease, ServiceError, ServiceResult};
use crate::domain::event::EventType;
use crate::domain::{Account, AccountId};
use crate::store::changes::{self, Changed};
use crate::store::{self, StoreError};
use crate::verify::index::AccountGate;

/// A change in progress. Dropping it without [`Change::commit`] rolls it back.
pub(crate) struct Change<'k> {
    kw: &'k Keyward,
    tx: crate::store::Tx,
    actor: Actor,
    /// The time the change is made at, for every row, entry and event.
    pub now: i64,
    credentials: Vec<i64>,
    accounts: Vec<AccountGate>,
    signing_keys: bool,
    revoked_tokens: Vec<(String, i64)>,
    lease: Option<Lease>,
}

impl<'k> Change<'k> {
    /// Starts a change on `caller`'s behalf. A credential was checked from
    /// memory when its request arrived; a request that then waited for the
    /// write lock must not outlive its revocation, expiry or narrowing, so
    /// its credential is read again under the lock.
    pub(crate) async fn begin(kw: &'k Keyward, caller: &Caller) -> ServiceResult<Self> {
        let mut change = Self::begin_as(kw, caller.actor()).await?;
        if let Caller::Key(k) = caller {
            let now = change.now;
            match crate::store::credentials::standing(&mut *change.tx, k.holder.credential_id).await? {
                Some(s) if s.revoked_at.is_some() || s.expires_at.is_some_and(|e| e <= now) => {
                    return Err(ServiceError::Unauthenticated);
                }
                Some(s) if s.version == k.version => {}
                Some(_) => {
                    return Err(ServiceError::Conflict(
                        "Your credential changed while this request waited; send it again.".into(),
                    ));
                }
                None => return Err(ServiceError::Unauthenticated),
            }
        }
        Ok(change)
    }

    /// Starts a change Keyward makes itself (the scheduler, a sign-in),
    /// recorded as `actor`.
    pub(crate) async fn begin_as(kw: &'k Keyward, actor: Actor) -> ServiceResult<Self> {
        Ok(Self {
            tx: kw.store().write().await?,
            now: kw.now(),
            kw,
            actor,
            credentials: Vec::new(),
            accounts: Vec::new(),
            signing_keys: false,
            revoked_tokens: Vec::new(),
            lease: None,
        })
    }

    /// Appends an audit entry by this change's actor, in its transaction.
    pub(crate) async fn audit(
        &mut self,
        action: &str,
        target: Option<String>,
        account_id: Option<AccountId>,
        details: Value,
    ) -> ServiceResult<()> {
        super::audit::record(
            &mut *self.tx,
            self.now,
            &self.actor,
            action,
            target,
            account_id,
            details,
        )
        .await
    }

    /// Writes an event and queues its deliveries, in this change's
    /// transaction (see [`emit`]).
    pub(crate) async fn emit(
        &mut self,
        event_type: EventType,
        subject: Subject<'_>,
        data: Value,
        dedupe: Option<&str>,
    ) -> ServiceResult<Option<i64>> {
        emit(&mut self.tx, self.now, event_type, subject, data, dedupe).await
    }

    /// Marks a credential (by row id) to be reloaded into memory after the commit.
    pub(crate) fn touches_credential(&mut self, id: i64) {
        self.credentials.push(id);
    }

    /// Marks an account whose gate memory must take after the commit.
    pub(crate) fn touches_account(&mut self, account: &Account) {
        self.accounts.push(AccountGate::from(account));
    }

    /// Marks the signing keys to be reloaded after the commit.
    pub(crate) fn touches_signing_keys(&mut self) {
        self.signing_keys = true;
    }

    /// Marks an access token (by `jti`, expiring at `exp`) as revoked in
    /// memory after the commit.
    pub(crate) fn touches_revoked_token(&mut self, jti: &str, exp: i64) {
        self.revoked_tokens.push((jti.to_owned(), exp));
    }

    /// Makes the commit depend on `lease`: a job's pass changes nothing once
    /// another instance took its lease over.
    pub(crate) fn fenced(&mut self, lease: Lease) {
        self.lease = Some(lease);
    }

    /// Logs what the change touched, commits, then brings this process's
    /// memory up to date (other processes follow from the log).
    pub(crate) async fn commit(mut self) -> ServiceResult<()> {
        if let Some(lease) = self.lease
            && !store::leases::holds(&mut *self.tx, lease.job, lease.fence).await?
        {
            return Err(ServiceError::Conflict(format!(
                "another instance took the {} job over; this pass changes nothing",
                lease.job
            )));
        }
        let mut touched: Vec<Changed> = self.credentials.iter().map(|id| Changed::Credential(*id)).collect();
        touched.extend(self.accounts.iter().map(|gate| Changed::Account(gate.id)));
        if self.signing_keys {
            touched.push(Changed::SigningKeys);
        }
        touched.extend(self.revoked_tokens.iter().map(|(jti, exp)| Changed::TokenRevoked {
            jti: jti.clone(),
            expires_at: *exp,
        }));
        for change in &touched {
            changes::record(&mut self.tx, change, self.now).await?;
        }
        if !touched.is_empty() {
            crate::store::feed::notify(&mut self.tx).await?;
        }
        self.tx.commit().await.map_err(StoreError::from)?;
        for gate in self.accounts {
            self.kw.verifier().put_account(gate);
        }
        for change in touched.into_iter().filter(|c| !matches!(c, Changed::Account(_))) {
            self.kw.coherence().apply(change).await?;
        }
        Ok(())
    }
}

impl Deref for Change<'_> {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl DerefMut for Change<'_> {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}
