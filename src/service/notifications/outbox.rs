//! The outbox: every event is written in the transaction of the change that
//! caused it, with its deliveries queued to each subscribed endpoint and
//! address; and its upkeep.

use serde_json::{Value, json};

use super::Notifications;
use crate::crypto::keygen;
use crate::domain::event::EventType;
use crate::domain::{AccountId, Credential, Email};
use crate::service::Actor;
use crate::service::ServiceResult;
use crate::service::change::Change;
use crate::store::events::{Destination, NewEvent};
use crate::store::{self, StoreError};

/// Events and their finished deliveries are kept this long (the delivery
/// logs show them), then pruned.
pub const OUTBOX_RETENTION_SECS: i64 = 90 * 86_400;

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
    conn: &mut sqlx::AnyConnection,
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
    conn: &mut sqlx::AnyConnection,
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

impl Notifications<'_> {
    /// Writes one `ratelimit.exceeded` per credential and hour that saw
    /// `RATE_LIMITED` answers, with the usage counts that carry them (so the
    /// hot path writes nothing). The dedupe key keeps it to one an hour.
    pub(crate) async fn announce_rate_limits(&self, counts: &[store::usage::Count]) -> ServiceResult<()> {
        let now = self.kw.now();
        let limited: Vec<_> = counts
            .iter()
            .filter(|c| c.code == crate::policy::VerifyCode::RateLimited)
            .map(|c| (c, format!("ratelimit.exceeded:{}:{}", c.credential_id, c.hour)))
            .collect();
        let keys: Vec<&str> = limited.iter().map(|(_, key)| key.as_str()).collect();
        let sent = store::events::existing_keys(self.kw.store().pool(), &keys).await?;
        let new: Vec<_> = limited.iter().filter(|(_, key)| !sent.contains(key)).collect();
        if new.is_empty() {
            return Ok(());
        }
        let mut tx = Change::begin_as(self.kw, Actor::system("rate limiter")).await?;
        tx.now = now;
        for (c, key) in new {
            let Some(row) = store::credentials::find(&mut *tx, c.credential_id).await? else {
                continue;
            };
            let credential = row.clone().into_credential(now)?;
            tx.emit(
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
        tx.commit().await?;
        Ok(())
    }

    /// How many deliveries wait for an attempt or a retry.
    pub async fn outbox_pending(&self) -> ServiceResult<i64> {
        Ok(store::events::pending(self.kw.store().pool()).await?)
    }

    /// Deletes finished events older than 90 days, with their deliveries.
    pub async fn prune_outbox(&self) -> ServiceResult<u64> {
        let mut tx = self.kw.store().write().await?;
        let pruned = store::events::prune(&mut tx, self.kw.now() - OUTBOX_RETENTION_SECS).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(pruned)
    }
}
