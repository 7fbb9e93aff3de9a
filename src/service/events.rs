//! The outbox: events written in the transaction of the change that caused
//! them, the scheduler that finds expiring keys, and the worker that delivers.

use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::{Actor, Keyward, ServiceResult};
use crate::crypto::keygen;
use crate::domain::event::EventType;
use crate::domain::{AccountId, Credential, Email};
use crate::notify::{backoff, email, webhook};
use crate::store::events::{Attempt, DeliveryRow, Destination, NewEvent};
use crate::store::{self, StoreError};

/// Notices go out this long before an expiry…
const NOTICES: [(i64, &str); 2] = [(86_400, "1d"), (7 * 86_400, "7d")];
/// …and auto-renew acts this long before it.
const RENEW_WITHIN_SECS: i64 = 86_400;
/// Expired keys are announced if they expired this recently (a server that
/// was down for a while still tells), and not at all if older.
const EXPIRED_LOOKBACK_SECS: i64 = 7 * 86_400;
/// Events and their finished deliveries are kept this long (the delivery
/// logs show them), then pruned.
pub const OUTBOX_RETENTION_SECS: i64 = 90 * 86_400;

/// A delivery claimed by this worker, ready for [`Keyward::deliver`].
#[derive(Debug)]
pub struct Claimed(DeliveryRow);

/// What an event is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub account: Option<(AccountId, &'a str)>,
    /// The credential's row id and its public view.
    pub credential: Option<(i64, &'a Credential)>,
}

/// Writes an event and queues its deliveries: every live endpoint of the
/// account subscribed to its type (every account's, for an install-wide
/// event), plus e-mails for the types people must act on. Runs inside the
/// caller's transaction. With a `dedupe` key already used, writes nothing and
/// answers `None`: that is how no notice is ever sent twice.
pub(crate) async fn emit(
    conn: &mut SqliteConnection,
    now: i64,
    event_type: EventType,
    subject: Subject<'_>,
    mut data: Value,
    dedupe: Option<&str>,
) -> ServiceResult<Option<i64>> {
    let public_id = format!("evt_{}", keygen::base62(20));
    if let Some((_, c)) = subject.credential {
        data["credential"] = serde_json::to_value(c).unwrap_or(Value::Null);
    }
    let payload = json!({
        "id": public_id,
        "type": event_type,
        "created_at": now,
        "account": subject.account.map(|(_, name)| name),
        "data": data,
    })
    .to_string();
    let Some(event_id) = store::events::insert(
        conn,
        &NewEvent {
            public_id: &public_id,
            event_type: event_type.as_str(),
            account_id: subject.account.map(|(id, _)| id),
            credential_id: subject.credential.map(|(id, _)| id),
            payload: &payload,
            created_at: now,
            dedupe_key: dedupe,
        },
    )
    .await?
    else {
        return Ok(None);
    };
    for webhook in
        store::webhooks::subscribed(&mut *conn, subject.account.map(|(id, _)| id), event_type.as_str()).await?
    {
        store::events::queue(conn, event_id, Destination::Webhook(webhook), now).await?;
    }
    if event_type.is_mailed() {
        for to in recipients(conn, event_type, subject).await? {
            store::events::queue(conn, event_id, Destination::Email(&to), now).await?;
        }
    }
    Ok(Some(event_id))
}

/// Who gets the e-mail: the account's notification addresses and the key's
/// owner (`metadata.owner`, when it is an e-mail address); the Global Admins
/// for a failing endpoint.
async fn recipients(
    conn: &mut SqliteConnection,
    event_type: EventType,
    subject: Subject<'_>,
) -> ServiceResult<Vec<String>> {
    let mut to: Vec<String> = Vec::new();
    if event_type == EventType::WebhookFailing {
        to = store::users::admin_emails(&mut *conn).await?;
    } else if let Some((account_id, _)) = subject.account {
        if let Some(account) = store::accounts::find(&mut *conn, account_id).await? {
            to.extend(account.notification_emails);
        }
        let owner = subject.credential.and_then(|(_, c)| c.metadata.get("owner")?.as_str());
        if let Some(owner) = owner.and_then(|o| Email::parse(o).ok()) {
            to.push(owner.as_str().to_owned());
        }
    }
    let mut seen = std::collections::HashSet::new();
    to.retain(|a| seen.insert(a.to_ascii_lowercase()));
    Ok(to)
}

/// An attempt cut short after `limit`: a hung receiver counts as unreachable.
async fn bounded(limit: std::time::Duration, attempt: impl Future<Output = webhook::Outcome>) -> webhook::Outcome {
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| webhook::Outcome::Unreachable("no answer before the timeout".into()))
}

impl Keyward {
    /// Writes one `ratelimit.exceeded` per credential and hour that saw
    /// `RATE_LIMITED` answers, with the usage counts that carry them (so the
    /// hot path writes nothing). The dedupe key keeps it to one an hour.
    pub(crate) async fn announce_rate_limits(&self, counts: &[store::usage::Count]) -> ServiceResult<()> {
        let now = self.now();
        let limited: Vec<_> = counts
            .iter()
            .filter(|c| c.code == crate::policy::VerifyCode::RateLimited)
            .map(|c| (c, format!("ratelimit.exceeded:{}:{}", c.credential_id, c.hour)))
            .collect();
        let keys: Vec<&str> = limited.iter().map(|(_, key)| key.as_str()).collect();
        let sent = store::events::existing_keys(self.store().pool(), &keys).await?;
        let new: Vec<_> = limited.iter().filter(|(_, key)| !sent.contains(key)).collect();
        if new.is_empty() {
            return Ok(());
        }
        let mut tx = self.store().write().await?;
        for (c, key) in new {
            let Some(row) = store::credentials::find(&mut *tx, c.credential_id).await? else {
                continue;
            };
            let credential = row.clone().into_credential(now)?;
            emit(
                &mut tx,
                now,
                EventType::RateLimitExceeded,
                Subject {
                    account: Some((row.account_id, &row.account)),
                    credential: Some((row.id, &credential)),
                },
                json!({ "hour": c.hour, "refused_in_batch": c.count }),
                Some(key),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// One pass of the scheduler: renews the auto-renew credentials within a
    /// day of their expiry, and writes the 7-day, 1-day and expired notices
    /// that are due. Reads through the expiry index; idempotent, so it can run
    /// every few seconds, and after a restart, without sending anything twice.
    pub async fn scan_expiry(&self) -> ServiceResult<usize> {
        let now = self.now();
        let rows =
            store::credentials::expiring_between(self.store().pool(), now - EXPIRED_LOOKBACK_SECS, now + NOTICES[1].0)
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
        let sent = store::events::existing_keys(self.store().pool(), &keys).await?;
        let mut written = 0;
        for (row, event_type, data, key) in notices.iter().filter(|(.., key)| !sent.contains(key)) {
            match self.notice(row, *event_type, data.clone(), key, now).await {
                Ok(wrote) => written += usize::from(wrote),
                // One damaged row must not silence every other notice.
                Err(e) => {
                    tracing::warn!(credential = %row.public_id, error = %e, "an expiry notice could not be written")
                }
            }
        }
        for row in renewals {
            match self.renew(&row, now).await {
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
    ) -> ServiceResult<bool> {
        let credential = row.clone().into_credential(now)?;
        let mut tx = self.store().write().await?;
        let subject = Subject {
            account: Some((row.account_id, &row.account)),
            credential: Some((row.id, &credential)),
        };
        let wrote = emit(&mut tx, now, event_type, subject, data, Some(key)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(wrote.is_some())
    }

    /// Extends an auto-renew credential by its original lifetime (as often as
    /// needed to end more than a day from now) and emits `key.renewed`.
    async fn renew(&self, row: &store::credentials::CredentialRow, now: i64) -> ServiceResult<bool> {
        let (Some(expires_at), Some(step)) = (row.expires_at, row.lifetime_secs.filter(|l| *l > RENEW_WITHIN_SECS))
        else {
            return Ok(false);
        };
        let mut renewed = expires_at;
        while renewed - now <= RENEW_WITHIN_SECS {
            renewed += step;
        }
        let mut tx = self.store().write().await?;
        if !store::credentials::renew(&mut *tx, row.id, expires_at, renewed).await? {
            return Ok(false);
        }
        super::audit::record(
            &mut *tx,
            now,
            &Actor::system("auto-renew"),
            "key.renewed",
            Some(format!("key:{}", row.public_id)),
            Some(row.account_id),
            json!({ "name": row.name, "previous_expires_at": expires_at, "expires_at": renewed }),
        )
        .await?;
        let updated = store::credentials::find(&mut *tx, row.id)
            .await?
            .ok_or(super::ServiceError::NotFound("credential"))?
            .into_credential(now)?;
        emit(
            &mut tx,
            now,
            EventType::KeyRenewed,
            Subject {
                account: Some((row.account_id, &row.account)),
                credential: Some((row.id, &updated)),
            },
            json!({ "previous_expires_at": expires_at }),
            Some(&format!("key.renewed:{}:{expires_at}", row.id)),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.refresh_credential(row.id).await?;
        Ok(true)
    }

    /// How many deliveries wait for an attempt or a retry.
    pub async fn outbox_pending(&self) -> ServiceResult<i64> {
        Ok(store::events::pending(self.store().pool()).await?)
    }

    /// Deletes finished events older than 90 days, with their deliveries.
    pub async fn prune_outbox(&self) -> ServiceResult<u64> {
        let mut tx = self.store().write().await?;
        let pruned = store::events::prune(&mut tx, self.now() - OUTBOX_RETENTION_SECS).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(pruned)
    }

    /// Claims up to `limit` due deliveries for this worker: each one's next
    /// attempt moves to the end of a lease (twice the delivery timeout, plus
    /// 2 s), so neither this worker's next pass nor another process takes it
    /// meanwhile, and a crash leaves it to be retried when the lease ends.
    pub async fn claim_due(&self, limit: u32) -> ServiceResult<Vec<Claimed>> {
        let now = self.now();
        let lease = i64::try_from(self.attempt_limit().as_secs()).unwrap_or(120) + 2;
        let mut claimed = Vec::new();
        for d in store::events::due(self.store().pool(), now, limit).await? {
            let due_at = d.next_attempt_at.unwrap_or_default();
            if store::events::claim(self.store().pool(), d.id, due_at, now + lease).await? {
                claimed.push(Claimed(d));
            }
        }
        Ok(claimed)
    }

    /// How long one attempt may take in all (lettre's timeout is per SMTP step).
    fn attempt_limit(&self) -> std::time::Duration {
        self.config().delivery_timeout * 2
    }

    /// Makes one attempt at a claimed delivery, records it, and schedules the
    /// retry; answers whether it was delivered.
    pub async fn deliver(&self, claimed: Claimed) -> ServiceResult<bool> {
        let Claimed(d) = claimed;
        let limit = self.attempt_limit();
        let (outcome, webhook) = match (d.webhook_id, &d.email) {
            (Some(id), _) => {
                let Some(w) = store::webhooks::find(self.store().pool(), id).await? else {
                    return Ok(false);
                };
                if w.deleted_at.is_some() {
                    store::events::cancel(self.store().pool(), id).await?;
                    return Ok(false);
                }
                let outcome = match self.sealer().open(&w.secret_sealed, &w.public_id) {
                    Ok(secret) => {
                        let secret = String::from_utf8_lossy(&secret).into_owned();
                        bounded(
                            limit,
                            webhook::send(
                                &self.webhook_client,
                                &w.url,
                                &secret,
                                &d.event_public_id,
                                &d.event_type,
                                self.now(),
                                &d.payload,
                            ),
                        )
                        .await
                    }
                    Err(e) => {
                        tracing::error!(webhook = %w.public_id, error = %e, "cannot open a webhook secret");
                        webhook::Outcome::Unreachable("the endpoint's secret cannot be opened".into())
                    }
                };
                (outcome, Some(w))
            }
            (None, Some(to)) => (bounded(limit, self.mail(to, &d.payload)).await, None),
            (None, None) => return Ok(false),
        };
        let now = self.now();
        let (http_status, error) = match outcome {
            webhook::Outcome::Delivered(code) => (Some(i64::from(code)), None),
            webhook::Outcome::Refused(code) => (Some(i64::from(code)), Some(format!("answered {code}"))),
            webhook::Outcome::Unreachable(why) => (None, Some(why)),
        };
        let (status, next) = if error.is_none() {
            ("delivered", None)
        } else {
            let jitter = f64::from(crate::crypto::random::bytes::<1>()[0]) / 256.0;
            match backoff::next_attempt(d.created_at, d.attempts + 1, now, jitter) {
                Some(next) => ("pending", Some(next)),
                None => ("failed", None),
            }
        };
        let mut tx = self.store().write().await?;
        store::events::record_attempt(
            &mut *tx,
            d.id,
            &Attempt {
                http_status,
                error: error.as_deref(),
                at: now,
                next_attempt_at: next,
                status,
            },
        )
        .await?;
        if let Some(w) = webhook {
            match status {
                "delivered" => store::webhooks::clear_failing(&mut *tx, w.id).await?,
                "failed" if store::webhooks::mark_failing(&mut *tx, w.id, now).await? => {
                    super::audit::record(
                        &mut *tx,
                        now,
                        &Actor::system("webhooks"),
                        "webhook.failing",
                        Some(format!("webhook:{}", w.public_id)),
                        Some(w.account_id),
                        json!({ "url": crate::domain::webhook::redact_url(&w.url), "event": d.event_public_id }),
                    )
                    .await?;
                    emit(
                        &mut tx,
                        now,
                        EventType::WebhookFailing,
                        Subject {
                            account: Some((w.account_id, &w.account)),
                            credential: None,
                        },
                        json!({ "webhook": w.public_id, "url": w.url }),
                        None,
                    )
                    .await?;
                }
                _ => {}
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        if status != "delivered" {
            tracing::warn!(delivery = d.id, event = %d.event_public_id, status, error = error.as_deref().unwrap_or_default(), "a delivery failed");
        }
        Ok(status == "delivered")
    }

    /// Sends one notice e-mail; a missing SMTP configuration is a failure
    /// like any other, retried until someone sets it.
    async fn mail(&self, to: &str, payload: &str) -> webhook::Outcome {
        let smtp = match self.smtp().await {
            Ok(Some(smtp)) => smtp,
            Ok(None) => return webhook::Outcome::Unreachable("SMTP is not configured (Settings → E-mail)".into()),
            Err(e) => return webhook::Outcome::Unreachable(e.to_string()),
        };
        let payload: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
        let mail = email::compose(&payload, self.config().public_url.as_deref());
        match email::send(&smtp, self.config().delivery_timeout, to, &mail).await {
            Ok(()) => webhook::Outcome::Delivered(250),
            Err(e) => webhook::Outcome::Unreachable(e.to_string()),
        }
    }
}
