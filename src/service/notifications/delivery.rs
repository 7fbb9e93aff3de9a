//! The delivery worker: claims due deliveries under a lease, makes one
//! bounded attempt at each, and records it with its retry.

use serde_json::{Value, json};

use super::Notifications;
use super::outbox::Subject;
use crate::domain::event::EventType;
use crate::notify::{backoff, email, webhook};
use crate::service::change::Change;
use crate::service::{Actor, ServiceResult};
use crate::store::events::{Attempt, DeliveryRow};
use crate::store::{self};

/// A delivery claimed by this worker, ready for [`Notifications::deliver`].
#[derive(Debug)]
pub struct Claimed(DeliveryRow);

/// An attempt cut short after `limit`: a hung receiver counts as unreachable.
async fn bounded(limit: std::time::Duration, attempt: impl Future<Output = webhook::Outcome>) -> webhook::Outcome {
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| webhook::Outcome::Unreachable("no answer before the timeout".into()))
}

impl Notifications<'_> {
    /// Claims up to `limit` due deliveries for this worker: each one's next
    /// attempt moves to the end of a lease (twice the delivery timeout, plus
    /// 2 s), so neither this worker's next pass nor another process takes it
    /// meanwhile, and a crash leaves it to be retried when the lease ends.
    pub async fn claim_due(&self, limit: u32) -> ServiceResult<Vec<Claimed>> {
        let now = self.kw.now();
        let lease = i64::try_from(self.attempt_limit().as_secs()).unwrap_or(120) + 2;
        let mut conn = self
            .kw
            .store()
            .pool()
            .acquire()
            .await
            .map_err(store::StoreError::from)?;
        let due = store::events::claim_due(&mut conn, now, now + lease, limit).await?;
        Ok(due.into_iter().map(Claimed).collect())
    }

    /// How long one attempt may take in all (lettre's timeout is per SMTP step).
    fn attempt_limit(&self) -> std::time::Duration {
        self.kw.config().delivery_timeout * 2
    }

    /// Makes one attempt at a claimed delivery, records it, and schedules the
    /// retry; answers whether it was delivered.
    pub async fn deliver(&self, claimed: Claimed) -> ServiceResult<bool> {
        let Claimed(d) = claimed;
        let limit = self.attempt_limit();
        let (outcome, webhook) = match (d.webhook_id, &d.email) {
            (Some(id), _) => {
                let Some(w) = store::webhooks::find(self.kw.store().pool(), id).await? else {
                    return Ok(false);
                };
                if w.deleted_at.is_some() {
                    store::events::cancel(self.kw.store().pool(), id).await?;
                    return Ok(false);
                }
                let outcome = match self.kw.sealer().open(&w.secret_sealed, &w.public_id) {
                    Ok(secret) => {
                        let secret = String::from_utf8_lossy(&secret).into_owned();
                        bounded(
                            limit,
                            webhook::send(
                                &self.kw.webhook_client,
                                &w.url,
                                &secret,
                                &d.event_public_id,
                                &d.event_type,
                                self.kw.now(),
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
        let now = self.kw.now();
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
        let mut tx = Change::begin_as(self.kw, Actor::system("webhooks")).await?;
        tx.now = now;
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
                    tx.audit(
                        "webhook.failing",
                        Some(format!("webhook:{}", w.public_id)),
                        Some(w.account_id),
                        json!({ "url": crate::domain::webhook::redact_url(&w.url), "event": d.event_public_id }),
                    )
                    .await?;
                    tx.emit(
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
        tx.commit().await?;
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
        let mail = email::compose(&payload, self.kw.config().public_url.as_deref());
        match email::send(&smtp, self.kw.config().delivery_timeout, to, &mail).await {
            Ok(()) => webhook::Outcome::Delivered(250),
            Err(e) => webhook::Outcome::Unreachable(e.to_string()),
        }
    }
}
