//! Webhook endpoints and their delivery logs, test events and replays, and
//! the SMTP settings (with a test e-mail).

use serde_json::json;

use super::events::{Subject, emit};
use super::{Caller, Keyward, ServiceError, ServiceResult};
use crate::authz::{Access, Action, Area, Target};
use crate::crypto::keygen;
use crate::domain::event::EventType;
use crate::domain::webhook::{
    Delivery, DeliveryStatus, NewWebhook, SmtpInput, SmtpSecurity, SmtpSettings, Webhook, WebhookCreated, WebhookInput,
    redact_url,
};
use crate::domain::{Account, Email, ValidationError};
use crate::notify::email;
use crate::store::events::{DeliveryRow, Destination};
use crate::store::smtp::SmtpRow;
use crate::store::webhooks::WebhookRow;
use crate::store::{self, StoreError};

/// The longest delivery log one request returns.
const LOG_LIMIT: u32 = 100;
/// The sealing context of the SMTP password.
const SMTP_CONTEXT: &str = "smtp-password";

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

fn delivery(row: DeliveryRow, full: bool) -> Delivery {
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

impl Keyward {
    /// The accounts whose endpoints the caller may read.
    async fn webhook_accounts(&self, caller: &Caller) -> ServiceResult<Vec<Account>> {
        Ok(store::accounts::list(self.store().pool())
            .await?
            .into_iter()
            .filter(|a| caller.allows(Action::Use(Area::Admin, Access::Read), Target::Account(a.into())))
            .collect())
    }

    /// Loads an endpoint the caller may see (and change, with `Access::Write`),
    /// and whether they may change it.
    async fn webhook_for(&self, caller: &Caller, id: &str, access: Access) -> ServiceResult<(WebhookRow, bool)> {
        let row = store::webhooks::find_public(self.store().pool(), id)
            .await?
            .ok_or(ServiceError::NotFound("webhook"))?;
        let account = store::accounts::find(self.store().pool(), row.account_id)
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
        let reachable = self.webhook_client.destinations().check_url(new.url.as_str());
        reachable.map_err(|e| ValidationError::new("url", e.to_string()))?;
        let account = store::accounts::find_by_name(self.store().pool(), &new.account).await?;
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
        let sealed = self.sealer().seal(secret.as_bytes(), &public_id);
        let events: Vec<&str> = new.events.iter().map(|e| e.as_str()).collect();
        let now = self.now();
        let mut tx = self.write_as(caller).await?;
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
        super::audit::record(
            &mut *tx,
            now,
            &caller.actor(),
            "webhook.created",
            Some(format!("webhook:{public_id}")),
            Some(account.id),
            json!({ "url": redact_url(new.url.as_str()), "events": events }),
        )
        .await?;
        let row = store::webhooks::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("webhook"))?;
        tx.commit().await.map_err(StoreError::from)?;
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
        Ok(store::webhooks::list(self.store().pool(), &ids)
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
        let now = self.now();
        let mut tx = self.write_as(caller).await?;
        if store::webhooks::delete(&mut *tx, row.id, now).await? {
            store::events::cancel(&mut *tx, row.id).await?;
            super::audit::record(
                &mut *tx,
                now,
                &caller.actor(),
                "webhook.deleted",
                Some(format!("webhook:{}", row.public_id)),
                Some(row.account_id),
                json!({ "url": redact_url(&row.url) }),
            )
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// An endpoint's deliveries, newest first.
    pub async fn webhook_deliveries(&self, caller: &Caller, id: &str) -> ServiceResult<Vec<Delivery>> {
        let (row, full) = self.webhook_for(caller, id, Access::Read).await?;
        Ok(store::events::of_webhook(self.store().pool(), row.id, LOG_LIMIT)
            .await?
            .into_iter()
            .map(|d| delivery(d, full))
            .collect())
    }

    /// Queues a `webhook.test` event for this endpoint only; the worker sends
    /// it within a second.
    pub async fn send_test_event(&self, caller: &Caller, id: &str) -> ServiceResult<Delivery> {
        let (row, _) = self.webhook_for(caller, id, Access::Write).await?;
        let now = self.now();
        let mut tx = self.write_as(caller).await?;
        let event_id = emit(
            &mut tx,
            now,
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
        tx.commit().await.map_err(StoreError::from)?;
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
        let original = store::events::find(self.store().pool(), delivery_id)
            .await?
            .filter(|d| d.webhook_id == Some(row.id))
            .ok_or(ServiceError::NotFound("delivery"))?;
        let now = self.now();
        let mut tx = self.write_as(caller).await?;
        let id = store::events::queue(&mut tx, original.event_id, Destination::Webhook(row.id), now).await?;
        super::audit::record(
            &mut *tx,
            now,
            &caller.actor(),
            "webhook.replayed",
            Some(format!("webhook:{}", row.public_id)),
            Some(row.account_id),
            json!({ "event": original.event_public_id, "delivery": delivery_id }),
        )
        .await?;
        let out = store::events::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("delivery"))?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(delivery(out, true))
    }

    /// The latest e-mails (notices and alarms) and how their delivery went;
    /// the global roles only, since they name every account's addresses.
    pub async fn email_deliveries(&self, caller: &Caller) -> ServiceResult<Vec<Delivery>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "settings")?;
        Ok(store::events::emails(self.store().pool(), LOG_LIMIT)
            .await?
            .into_iter()
            .map(|d| delivery(d, true))
            .collect())
    }

    /// The SMTP settings, without the password (the global roles only).
    pub async fn smtp_settings(&self, caller: &Caller) -> ServiceResult<Option<SmtpSettings>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "settings")?;
        Ok(store::smtp::get(self.store().pool()).await?.map(|r| SmtpSettings {
            host: r.host,
            port: u16::try_from(r.port).unwrap_or(25),
            security: SmtpSecurity::parse(&r.security).unwrap_or_default(),
            username: r.username,
            password_set: r.password_sealed.is_some(),
            from: r.from_address,
        }))
    }

    /// Replaces the SMTP settings; a missing password keeps the stored one
    /// (unless the change turns encryption off), an empty one clears it.
    pub async fn set_smtp(&self, caller: &Caller, input: SmtpInput) -> ServiceResult<SmtpSettings> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "settings")?;
        input.validate()?;
        let now = self.now();
        let mut tx = self.write_as(caller).await?;
        let previous = store::smtp::get(&mut *tx).await?;
        let username = input.username.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        // The stored password goes only to the server it was given for: a new
        // host, port or user name needs it typed again.
        let same_server = previous
            .as_ref()
            .is_some_and(|p| p.host == input.host.trim() && p.port == i64::from(input.port) && p.username == username);
        if input.password.is_none() && !same_server && previous.as_ref().is_some_and(|p| p.password_sealed.is_some()) {
            return Err(ValidationError::new(
                "password",
                "enter the password again: the host, port or user name changed",
            )
            .into());
        }
        // Nor does it follow a switch to no encryption, where it would cross
        // the network in clear: only a password typed with that change (the
        // admin's explicit choice) is sent that way.
        let downgraded = input.security == SmtpSecurity::None
            && previous
                .as_ref()
                .is_some_and(|p| SmtpSecurity::parse(&p.security) != Some(SmtpSecurity::None));
        let stored = previous.and_then(|p| p.password_sealed);
        let (password_sealed, password_dropped) = match input.password.as_deref() {
            None if downgraded => (None, stored.is_some()),
            None => (stored, false),
            Some("") => (None, false),
            Some(p) => (Some(self.sealer().seal(p.as_bytes(), SMTP_CONTEXT)), false),
        };
        store::smtp::put(
            &mut *tx,
            &SmtpRow {
                host: input.host.trim().to_owned(),
                port: i64::from(input.port),
                security: input.security.as_str().to_owned(),
                username: username.clone(),
                password_sealed,
                from_address: input.from.trim().to_owned(),
            },
            now,
        )
        .await?;
        super::audit::record(
            &mut *tx,
            now,
            &caller.actor(),
            "smtp.updated",
            None,
            None,
            json!({
                "host": input.host.trim(), "port": input.port, "security": input.security,
                "username": username, "password_dropped": password_dropped,
            }),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(self.smtp_settings(caller).await?.unwrap_or_default())
    }

    /// Sends a test e-mail now and says what the server answered.
    pub async fn send_test_email(&self, caller: &Caller, to: &str) -> ServiceResult<()> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "settings")?;
        let to = Email::parse(to).map_err(|e| ValidationError::new("to", e.message))?;
        let smtp = self
            .smtp()
            .await?
            .ok_or_else(|| ServiceError::rule("SMTP_NOT_CONFIGURED", "Save the SMTP settings first."))?;
        let mail = email::compose(&json!({ "type": "test" }), None);
        email::send(&smtp, self.config().delivery_timeout, to.as_str(), &mail)
            .await
            .map_err(|e| ServiceError::rule("SMTP_FAILED", e.to_string()))
    }

    /// The SMTP settings with the password opened, for sending.
    pub(super) async fn smtp(&self) -> ServiceResult<Option<SmtpInput>> {
        let Some(row) = store::smtp::get(self.store().pool()).await? else {
            return Ok(None);
        };
        let password = match &row.password_sealed {
            Some(sealed) => Some(
                self.sealer()
                    .open(sealed, SMTP_CONTEXT)
                    .map(|p| String::from_utf8_lossy(&p).into_owned())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
            None => None,
        };
        Ok(Some(SmtpInput {
            host: row.host,
            port: u16::try_from(row.port).unwrap_or(25),
            security: SmtpSecurity::parse(&row.security).unwrap_or_default(),
            username: row.username,
            password,
            from: row.from_address,
        }))
    }
}
