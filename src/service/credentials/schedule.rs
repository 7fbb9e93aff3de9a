//! Rotation by policy: the scheduler's pass (rotate and deliver, or tell the
//! holder it is due, or expire a key nobody rotated), "rotate now by
//! policy", and the notice that a previous secret was still in use when its
//! grace period ended.

use serde_json::json;
use std::time::Duration;

use super::lifecycle::RotatedBy;
use super::{Credentials, Intent};
use crate::domain::credential::{RotationDelivery, RotationPolicy};
use crate::domain::event::EventType;
use crate::domain::{Account, Credential};
use crate::service::change::Change;
use crate::service::notifications::Subject;
use crate::service::{Actor, Caller, Lease, ServiceError, ServiceResult};
use crate::store::credentials::CredentialRow;
use crate::store::{self};

/// How long the scheduler's lease lasts: three passes (one every 30 s).
const LEASE: Duration = Duration::from_secs(90);
/// Credentials handled per pass; the rest wait for the next one.
const BATCH: i64 = 200;
/// A previous secret used this close to the end of its grace period means a
/// holder did not pick up the new one.
const STALL_WINDOW_SECS: i64 = 3_600;
/// Grace periods that ended this long ago are still looked at (a server that
/// was down for a while still tells)…
const STALL_LOOKBACK_SECS: i64 = 7 * 86_400;
/// …once their last uses have reached the database (flushed every 5 s).
const FLUSH_MARGIN_SECS: i64 = 15;
/// A rotation that failed is tried again this much later.
const RETRY_SECS: i64 = 3_600;
/// An encrypted delivery with nowhere to go is tried again this much later.
const NO_ENDPOINT_RETRY_SECS: i64 = 86_400;

/// What "rotate now by policy" did.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRotation {
    /// The credential afterwards (no secret: it went to its holder).
    pub credential: Credential,
    /// `encrypted`: rotated, the JWE is in the `key.rotated` webhook;
    /// `notify`: `key.rotation_due` was sent and the holder rotates.
    pub delivery: RotationDelivery,
}

impl Credentials<'_> {
    /// One pass of the rotation scheduler: every credential whose policy has
    /// something due is rotated (encrypted delivery), told (notify) or
    /// expired (notify with `enforce_after_days`), and every previous secret
    /// still in use when its grace period ended is announced. Idempotent and
    /// fenced by the scheduler's lease, so no credential rotates twice across
    /// a restart or across instances.
    pub async fn scan_rotation(&self) -> ServiceResult<usize> {
        let Some(lease) = self.kw.leases().hold("rotation", LEASE).await? else {
            return Ok(0);
        };
        let now = self.kw.now();
        let pool = self.kw.store().pool();
        let mut done = 0;
        for row in store::credentials::rotation_checks(pool, now, BATCH).await? {
            match self.act_on_policy(&row, now, lease).await {
                Ok(acted) => done += usize::from(acted),
                // One damaged row must not hold up every other rotation: it
                // is tried again in an hour, and the rest go on.
                Err(e) => {
                    tracing::warn!(credential = %row.public_id, error = %e, "a scheduled rotation failed; retrying in an hour");
                    if let Some(due_at) = row.rotation_due_at {
                        store::credentials::defer_rotation_check(pool, row.id, due_at, Some(now + RETRY_SECS)).await?;
                    }
                }
            }
        }
        let stalled = store::credentials::stalled_secrets(
            pool,
            now - STALL_LOOKBACK_SECS,
            now - FLUSH_MARGIN_SECS,
            STALL_WINDOW_SECS,
        )
        .await?;
        for s in stalled {
            match self.announce_stall(&s, now, lease).await {
                Ok(wrote) => done += usize::from(wrote),
                Err(e) => tracing::warn!(credential = s.credential_id, error = %e, "a stalled-rotation notice failed"),
            }
        }
        Ok(done)
    }

    /// "Rotate now by policy": what the schedule would do when due, at once
    /// and delivery included. It hands the caller no secret, so it needs what
    /// a rotation needs and nothing more.
    pub async fn rotate_by_policy(&self, caller: &Caller, public_id: &str) -> ServiceResult<PolicyRotation> {
        let mut tx = Change::begin(self.kw, caller).await?;
        let (row, account) = self
            .credential_to_change(&mut tx, caller, public_id, Intent::Change)
            .await?;
        let policy = row
            .rotation()?
            .ok_or_else(|| ServiceError::rule("NO_POLICY", "This credential has no rotation policy to apply."))?;
        if row.revoked_at.is_some() {
            return Err(ServiceError::rule("REVOKED", "A revoked credential cannot be rotated."));
        }
        let now = tx.now;
        let credential = match policy.delivery {
            RotationDelivery::Encrypted => {
                if !self.can_deliver(&mut tx, &account).await? {
                    return Err(no_endpoint());
                }
                self.replace_secret(
                    &mut tx,
                    &row,
                    &account,
                    policy.grace_seconds,
                    RotatedBy::Policy,
                    policy.holder_key.as_ref(),
                )
                .await?
                .credential
            }
            RotationDelivery::Notify => {
                store::credentials::set_rotation_due(&mut *tx, row.id, now).await?;
                tx.audit(
                    "key.rotation_requested",
                    Some(format!("key:{}", row.public_id)),
                    Some(account.id),
                    json!({ "name": row.name, "by": "policy", "due_at": now }),
                )
                .await?;
                let credential = reread(&mut tx, row.id, now).await?;
                let key = format!("key.rotation_due:{}:{now}", row.id);
                tx.emit(
                    EventType::KeyRotationDue,
                    subject(&account, row.id, &credential),
                    due_data(&policy, now, "policy"),
                    Some(&key),
                )
                .await?;
                tx.touches_credential(row.id);
                credential
            }
        };
        tx.commit().await?;
        Ok(PolicyRotation {
            credential,
            delivery: policy.delivery,
        })
    }

    /// Does what one credential's policy asks at `now`; answers whether it
    /// wrote anything.
    async fn act_on_policy(&self, row: &CredentialRow, now: i64, lease: Lease) -> ServiceResult<bool> {
        let Some(due_at) = row.rotation_due_at else {
            return Ok(false);
        };
        let mut tx = Change::begin_as(self.kw, Actor::system("rotation")).await?;
        tx.now = now;
        tx.fenced(lease);
        let account = store::accounts::find(&mut *tx, row.account_id)
            .await?
            .ok_or(ServiceError::NotFound("account"))?;
        // Read again inside the transaction: a rotation that committed since
        // the pass read the row has moved the due date, and nothing is due.
        let Some(row) = store::credentials::find(&mut *tx, row.id).await? else {
            return Ok(false);
        };
        if row.rotation_due_at != Some(due_at) || row.revoked_at.is_some() {
            return Ok(false);
        }
        // The policy as it is now: an edit that kept the due date may have
        // replaced the holder's key.
        let Some(policy) = row.rotation()? else {
            return Ok(false);
        };
        match policy.delivery {
            RotationDelivery::Encrypted if self.can_deliver(&mut tx, &account).await? => {
                self.replace_secret(
                    &mut tx,
                    &row,
                    &account,
                    policy.grace_seconds,
                    RotatedBy::Schedule,
                    policy.holder_key.as_ref(),
                )
                .await?;
            }
            RotationDelivery::Encrypted => {
                // Rotating with nowhere to send the secret would lock the
                // holder out when the grace ends: tell people instead, and
                // try again tomorrow.
                tracing::warn!(credential = %row.public_id, "rotation due, but no endpoint receives key.rotated");
                let credential = row.clone().into_credential(now)?;
                let key = format!("key.rotation_due:{}:{due_at}", row.id);
                let mut data = due_data(&policy, due_at, "schedule");
                data["reason"] = json!("no working webhook endpoint of the account receives key.rotated");
                tx.emit(
                    EventType::KeyRotationDue,
                    subject(&account, row.id, &credential),
                    data,
                    Some(&key),
                )
                .await?;
                store::credentials::defer_rotation_check(&mut *tx, row.id, due_at, Some(now + NO_ENDPOINT_RETRY_SECS))
                    .await?;
            }
            RotationDelivery::Notify => {
                let enforce_at = policy.enforce_after_days.map(|d| due_at + i64::from(d) * 86_400);
                if enforce_at.is_some_and(|at| at <= now) {
                    self.enforce(&mut tx, &row, &account, due_at, now).await?;
                } else {
                    let credential = row.clone().into_credential(now)?;
                    let key = format!("key.rotation_due:{}:{due_at}", row.id);
                    tx.emit(
                        EventType::KeyRotationDue,
                        subject(&account, row.id, &credential),
                        due_data(&policy, due_at, "schedule"),
                        Some(&key),
                    )
                    .await?;
                    store::credentials::defer_rotation_check(&mut *tx, row.id, due_at, enforce_at).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Expires a credential nobody rotated within `enforce_after_days`.
    async fn enforce(
        &self,
        tx: &mut Change<'_>,
        row: &CredentialRow,
        account: &Account,
        due_at: i64,
        now: i64,
    ) -> ServiceResult<()> {
        if !store::credentials::enforce_rotation(&mut **tx, row.id, due_at, now).await? {
            return Ok(());
        }
        tx.audit(
            "key.rotation_enforced",
            Some(format!("key:{}", row.public_id)),
            Some(account.id),
            json!({ "name": row.name, "due_at": due_at }),
        )
        .await?;
        let credential = reread(tx, row.id, now).await?;
        tx.emit(
            EventType::KeyExpired,
            subject(account, row.id, &credential),
            json!({ "reason": "not rotated in time", "rotation_due_at": due_at }),
            Some(&format!("key.expired:{}:{now}", row.id)),
        )
        .await?;
        tx.touches_credential(row.id);
        Ok(())
    }

    /// Sends `key.rotation_stalled` once for a previous secret still used in
    /// the last hour of its grace period.
    async fn announce_stall(
        &self,
        s: &store::credentials::StalledSecret,
        now: i64,
        lease: Lease,
    ) -> ServiceResult<bool> {
        let key = format!("key.rotation_stalled:{}:{}", s.credential_id, s.retires_at);
        let pool = self.kw.store().pool();
        if !store::events::existing_keys(pool, &[key.as_str()]).await?.is_empty() {
            return Ok(false);
        }
        let Some(row) = store::credentials::find(pool, s.credential_id).await? else {
            return Ok(false);
        };
        let Some(account) = store::accounts::find(pool, row.account_id).await? else {
            return Ok(false);
        };
        let credential = row.into_credential(now)?;
        let mut tx = Change::begin_as(self.kw, Actor::system("rotation")).await?;
        tx.now = now;
        tx.fenced(lease);
        let data = json!({
            "previous_secret_retired_at": s.retires_at,
            "previous_secret_last_used_at": s.last_used_at,
            "previous_secret_last_used_ip": s.last_used_ip,
        });
        let wrote = tx
            .emit(
                EventType::KeyRotationStalled,
                subject(&account, s.credential_id, &credential),
                data,
                Some(&key),
            )
            .await?;
        tx.commit().await?;
        Ok(wrote.is_some())
    }

    /// Whether a `key.rotated` event of the account reaches an endpoint that
    /// is live and not failing (a secret sent where it cannot arrive would
    /// lock the holder out when the grace ends).
    async fn can_deliver(&self, tx: &mut Change<'_>, account: &Account) -> ServiceResult<bool> {
        let healthy =
            store::webhooks::healthy_subscribers(&mut **tx, account.id, EventType::KeyRotated.as_str()).await?;
        Ok(healthy > 0)
    }
}

fn no_endpoint() -> ServiceError {
    ServiceError::rule(
        "NO_DELIVERY_ENDPOINT",
        "No working webhook endpoint of this account receives key.rotated, so the new secret could not reach its holder. Add one (or fix the failing one), then try again.",
    )
}

fn subject<'a>(account: &'a Account, id: i64, credential: &'a Credential) -> Subject<'a> {
    Subject {
        account: Some((account.id, &account.name)),
        credential: Some((id, credential)),
    }
}

fn due_data(policy: &RotationPolicy, due_at: i64, by: &str) -> serde_json::Value {
    json!({
        "due_at": due_at,
        "every": policy.every,
        "enforce_after_days": policy.enforce_after_days,
        "by": by,
    })
}

async fn reread(tx: &mut Change<'_>, id: i64, now: i64) -> ServiceResult<Credential> {
    Ok(store::credentials::find(&mut **tx, id)
        .await?
        .ok_or(ServiceError::NotFound("credential"))?
        .into_credential(now)?)
}
