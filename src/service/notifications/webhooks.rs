//! Webhook endpoints and their delivery logs, test events and replays.

use serde_json::json;

use super::Notifications;
use super::outbox::Subject;
use crate::authz::{Access, Action, Area, Target};
use crate::crypto::keygen;
use crate::domain::event::EventType;
use crate::domain::webhook::{Delivery, DeliveryStatus, NewWebhook, Webhook, WebhookCreated, WebhookInput, redact_url};
use crate::domain::{Account, ValidationError};
use crate::service::change::Change;
use crate::service::{Caller, ServiceError, ServiceResult};
use crate::store::events::{DeliveryRow, Destination};
use crate::store::webhooks::WebhookRow;
use crate::store::{self};

/// The longest delivery log one request returns.
pub(super) const LOG_LIMIT: u32 = 100;

/// The endpoint as `caller` may see it: the full URL for those who may
/// change it, scheme and host for readers.
fn webhook(row: WebhookRow, full: bool) -> Webhook {
    Webhook {
        id: row.public_id,
        account: row.account,
        url: if full { row.url } else { redact_url(&row.url) },
        events: serde_json::from_str::<Vec<String>>(&row.events)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e.parse().ok())
            .collect(),
        created_at: row.created_at,
        failing_since: row.failing_since,
    }
}

pub(super) fn delivery(row: DeliveryRow, full: bool) -> Delivery {
    let destination = match (row.url, row.email) {
        (Some(url), _) if !full => redact_url(&url),
        (url, email) => url.or(email).unwrap_or_default(),
    };
    Delivery {
        id: row.id,
        event_id: row.event_public_id,
        event_type: row.event_type.parse().unwrap_or(EventType::WebhookTest),
        destination,
        status: match row.status.as_str() {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        },
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at,
        next_attempt_at: row.next_attempt_at,
        delivered_at: row.delivered_at,
    }
}

impl Notifications<'_> {
    /// The accounts whose endpoints the caller may read.
    async fn webhook_accounts(&self, caller: &Caller) -> ServiceResult<Vec<Account>> {
        Ok(store::accounts::list(self.kw.store().pool())
            .await?
            .into_iter()
            .filter(|a| caller.allows(Action::Use(Area::Admin, Access::Read), Target::Account(a.into())))
            .collect())
    }

    /// Loads an endpoint the caller may see (and change, with `Access::Write`),
    /// and whether they may change it.
    async fn webhook_for(&self, caller: &Caller, id: &str, access: Access) -> ServiceResult<(WebhookRow, bool)> {
        let row = store::webhooks::find_public(self.kw.store().pool(), id)
            .await?
            .ok_or(ServiceError::NotFound("webhook"))?;
        let account = store::accounts::find(self.kw.store().pool(), row.account_id)
            .await?
            .ok_or(ServiceError::NotFound("webhook"))?;
        let target = Target::Account((&account).into());
        caller.authorize(Action::Use(Area::Admin, access), target, "webhook")?;
        Ok((row, caller.allows(Action::Use(Area::Admin, Access::Write), target)))
    }

    /// Adds an endpoint. The answer holds its signing secret, shown only here
    /// and stored sealed under the master key.
    pub async fn create_webhook(&self, caller: &Caller, input: WebhookInput) -> ServiceResult<WebhookCreated> {
        let new = NewWebhook::validate(input)?;
        let reachable = self.kw.webhook_client.destinations().check_url(new.url.as_str());
        reachable.map_err(|e| ValidationError::new("url", e.to_string()))?;
        let account = store::accounts::find_by_name(self.kw.store().pool(), &new.account).await?;
        let unknown = || {
            ValidationError::new(
                "account",
                format!("no account named {:?} that you can see", new.account),
            )
        };
        let account = account.ok_or_else(unknown)?;
        match caller.authorize(
            Action::Use(Area::Admin, Access::Write),
            Target::Account((&account).into()),
            "account",
        ) {
            Err(ServiceError::NotFound(_)) => return Err(unknown().into()),
            other => other?,
        }
        let public_id = format!("wh_{}", keygen::base62(16));
        let secret = format!("whsec_{}", keygen::base62(32));
        let sealed = self.kw.sealer().seal(secret.as_bytes(), &public_id);
        let events: Vec<&str> = new.events.iter().map(|e| e.as_str()).collect();
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let id = store::webhooks::insert(
            &mut tx,
            &public_id,
            account.id,
            new.url.as_str(),
            &serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()),
            &sealed,
            now,
        )
        .await?;
        tx.audit(
            "webhook.created",
            Some(format!("webhook:{public_id}")),
            Some(account.id),
            json!({ "url": redact_url(new.url.as_str()), "events": events }),
        )
        .await?;
        let row = store::webhooks::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("webhook"))?;
        tx.commit().await?;
        Ok(WebhookCreated {
            webhook: webhook(row, true),
            secret,
        })
    }

    /// The endpoints of one account, or of every account the caller may read.
    pub async fn list_webhooks(&self, caller: &Caller, account: Option<&str>) -> ServiceResult<Vec<Webhook>> {
        let visible: Vec<_> = self
            .webhook_accounts(caller)
            .await?
            .into_iter()
            .filter(|a| account.is_none_or(|n| a.name == n))
            .collect();
        let ids: Vec<_> = visible.iter().map(|a| a.id).collect();
        let writable: Vec<_> = visible
            .iter()
            .filter(|a| caller.allows(Action::Use(Area::Admin, Access::Write), Target::Account((*a).into())))
            .map(|a| a.id)
            .collect();
        Ok(store::webhooks::list(self.kw.store().pool(), &ids)
            .await?
            .into_iter()
            .map(|w| {
                let full = writable.contains(&w.account_id);
                webhook(w, full)
            })
            .collect())
    }

    /// One endpoint.
    pub async fn get_webhook(&self, caller: &Caller, id: &str) -> ServiceResult<Webhook> {
        let (row, full) = self.webhook_for(caller, id, Access::Read).await?;
        Ok(webhook(row, full))
    }

    /// Deletes an endpoint; what was still queued for it is dropped.
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> ServiceResult<()> {
        let (row, _) = self.webhook_for(caller, id, Access::Write).await?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        if store::webhooks::delete(&mut *tx, row.id, now).await? {
            store::events::cancel(&mut *tx, row.id).await?;
            tx.audit(
                "webhook.deleted",
                Some(format!("webhook:{}", row.public_id)),
                Some(row.account_id),
                json!({ "url": redact_url(&row.url) }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(&self, caller: &Caller, id: &str) -> ServiceResult<Vec<Delivery>> {
        let (row, full) = self.webhook_for(caller, id, Access::Read).await?;
        Ok(store::events::of_webhook(self.kw.store().pool(), row.id, LOG_LIMIT)
            .await?
            .into_iter()
            .map(|d| delivery(d, full))
            .collect())
    }

    /// Queues a `webhook.test` event for this endpoint only; the worker sends
    /// it within a second.
    pub async fn send_test_event(&self, caller: &Caller, id: &str) -> ServiceResult<Delivery> {
        let (row, _) = self.webhook_for(caller, id, Access::Write).await?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let event_id = tx
            .emit(
                EventType::WebhookTest,
                Subject {
                    account: None,
                    credential: None,
                },
                json!({ "webhook": row.public_id, "message": "A test event from Keyward." }),
                None,
            )
            .await?
            .ok_or(ServiceError::NotFound("event"))?;
        let delivery_id = store::events::queue(&mut tx, event_id, Destination::Webhook(row.id), now).await?;
        let out = store::events::find(&mut *tx, delivery_id)
            .await?
            .ok_or(ServiceError::NotFound("delivery"))?;
        tx.commit().await?;
        Ok(delivery(out, true))
    }

    /// Sends a delivery's event to its endpoint again, as a new delivery that
    /// carries the same event id (receivers deduplicate on it).
    pub async fn replay_delivery(
        &self,
        caller: &Caller,
        webhook_id: &str,
        delivery_id: i64,
    ) -> ServiceResult<Delivery> {
        let (row, _) = self.webhook_for(caller, webhook_id, Access::Write).await?;
        let original = store::events::find(self.kw.store().pool(), delivery_id)
            .await?
            .filter(|d| d.webhook_id == Some(row.id))
            .ok_or(ServiceError::NotFound("delivery"))?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let id = store::events::queue(&mut tx, original.event_id, Destination::Webhook(row.id), now).await?;
        tx.audit(
            "webhook.replayed",
            Some(format!("webhook:{}", row.public_id)),
            Some(row.account_id),
            json!({ "event": original.event_public_id, "delivery": delivery_id }),
        )
        .await?;
        let out = store::events::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("delivery"))?;
        tx.commit().await?;
        Ok(delivery(out, true))
    }
}
