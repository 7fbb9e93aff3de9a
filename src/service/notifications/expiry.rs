//! The expiry scheduler: auto-renewal a day before expiry, and the 7-day,
//! 1-day and expired notices, each written once.

use serde_json::{Value, json};
use std::time::Duration;

use super::Notifications;
use super::outbox::Subject;
use crate::domain::event::EventType;
use crate::service::change::Change;
use crate::service::{Actor, Lease, ServiceError, ServiceResult};
use crate::store::{self};

/// Notices go out this long before an expiry…
const NOTICES: [(i64, &str); 2] = [(86_400, "1d"), (7 * 86_400, "7d")];
/// …and auto-renew acts this long before it.
const RENEW_WITHIN_SECS: i64 = 86_400;
/// Expired keys are announced if they expired this recently (a server that
/// was down for a while still tells), and not at all if older.
const EXPIRED_LOOKBACK_SECS: i64 = 7 * 86_400;
/// How long the scheduler's lease lasts: three passes (one every 30 s), so
/// another instance takes over about a minute and a half after its holder died.
const LEASE: Duration = Duration::from_secs(90);

impl Notifications<'_> {
    /// One pass of the scheduler: renews the auto-renew credentials within a
    /// day of their expiry, and writes the 7-day, 1-day and expired notices
    /// that are due. Reads through the expiry index; idempotent, so it can run
    /// every few seconds, and after a restart, without sending anything twice.
    /// Runs on the instance holding the scheduler's lease; on any other it
    /// does nothing.
    pub async fn scan_expiry(&self) -> ServiceResult<usize> {
        let Some(lease) = self.kw.leases().hold("expiry", LEASE).await? else {
            return Ok(0);
        };
        let now = self.kw.now();
        let rows = store::credentials::expiring_between(
            self.kw.store().pool(),
            now - EXPIRED_LOOKBACK_SECS,
            now + NOTICES[1].0,
        )
        .await?;
        let mut renewals = Vec::new();
        let mut notices = Vec::new();
        for row in rows {
            let Some(expires_at) = row.expires_at else { continue };
            let left = expires_at - now;
            // Older rows may hold auto-renew on a day-long key: never renewed.
            let renewable = row.auto_renew && row.lifetime_secs.is_some_and(|l| l > RENEW_WITHIN_SECS);
            let lifetime = row.lifetime_secs.unwrap_or(i64::MAX);
            if renewable {
                if left <= RENEW_WITHIN_SECS {
                    renewals.push(row);
                }
            } else if left <= 0 {
                let key = format!("key.expired:{}:{expires_at}", row.id);
                notices.push((row, EventType::KeyExpired, json!({}), key));
            } else if let Some((window, label)) = NOTICES.into_iter().find(|(w, _)| left <= *w && lifetime > *w) {
                let key = format!("key.expiring:{label}:{}:{expires_at}", row.id);
                let data = json!({ "days_left": window / 86_400, "expires_at": expires_at });
                notices.push((row, EventType::KeyExpiring, data, key));
            }
        }
        // Most notices in the window were written by an earlier pass: one read
        // finds them, so a pass over many expiring keys writes only what is new.
        let keys: Vec<&str> = notices.iter().map(|(.., key)| key.as_str()).collect();
        let sent = store::events::existing_keys(self.kw.store().pool(), &keys).await?;
        let mut written = 0;
        for (row, event_type, data, key) in notices.iter().filter(|(.., key)| !sent.contains(key)) {
            match self.notice(row, *event_type, data.clone(), key, now, lease).await {
                Ok(wrote) => written += usize::from(wrote),
                // One damaged row must not silence every other notice.
                Err(e) => {
                    tracing::warn!(credential = %row.public_id, error = %e, "an expiry notice could not be written")
                }
            }
        }
        for row in renewals {
            match self.renew(&row, now, lease).await {
                Ok(renewed) => written += usize::from(renewed),
                Err(e) => tracing::warn!(credential = %row.public_id, error = %e, "an auto-renewal failed"),
            }
        }
        Ok(written)
    }

    /// Writes one expiry notice (nothing if its dedupe key is taken).
    async fn notice(
        &self,
        row: &store::credentials::CredentialRow,
        event_type: EventType,
        data: Value,
        key: &str,
        now: i64,
        lease: Lease,
    ) -> ServiceResult<bool> {
        let credential = row.clone().into_credential(now)?;
        let mut tx = Change::begin_as(self.kw, Actor::system("scheduler")).await?;
        tx.now = now;
        tx.fenced(lease);
        let subject = Subject {
            account: Some((row.account_id, &row.account)),
            credential: Some((row.id, &credential)),
        };
        let wrote = tx.emit(event_type, subject, data, Some(key)).await?;
        tx.commit().await?;
        Ok(wrote.is_some())
    }

    /// Extends an auto-renew credential by its original lifetime (as often as
    /// needed to end more than a day from now) and emits `key.renewed`.
    async fn renew(&self, row: &store::credentials::CredentialRow, now: i64, lease: Lease) -> ServiceResult<bool> {
        let (Some(expires_at), Some(step)) = (row.expires_at, row.lifetime_secs.filter(|l| *l > RENEW_WITHIN_SECS))
        else {
            return Ok(false);
        };
        let mut renewed = expires_at;
        while renewed - now <= RENEW_WITHIN_SECS {
            renewed += step;
        }
        let mut tx = Change::begin_as(self.kw, Actor::system("auto-renew")).await?;
        tx.now = now;
        tx.fenced(lease);
        if !store::credentials::renew(&mut *tx, row.id, expires_at, renewed).await? {
            return Ok(false);
        }
        tx.audit(
            "key.renewed",
            Some(format!("key:{}", row.public_id)),
            Some(row.account_id),
            json!({ "name": row.name, "previous_expires_at": expires_at, "expires_at": renewed }),
        )
        .await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        tx.emit(
            EventType::KeyRenewed,
            Subject {
                account: Some((row.account_id, &row.account)),
                credential: Some((row.id, &updated)),
            },
            json!({ "previous_expires_at": expires_at }),
            Some(&format!("key.renewed:{}:{expires_at}", row.id)),
        )
        .await?;
        tx.touches_credential(row.id);
        tx.commit().await?;
        Ok(true)
    }
}
