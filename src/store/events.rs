//! Queries on the outbox: `events` and their `deliveries`.

use super::StoreResult;
use crate::domain::AccountId;
use crate::store::Engine;
use crate::store::builder::Builder;

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub public_id: &'a str,
    pub event_type: &'a str,
    pub account_id: Option<AccountId>,
    pub credential_id: Option<i64>,
    pub payload: &'a str,
    pub created_at: i64,
    pub dedupe_key: Option<&'a str>,
}

/// Writes an event; `None` when one with the same dedupe key already exists.
pub async fn insert(conn: &mut sqlx::AnyConnection, e: &NewEvent<'_>) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO events (public_id, type, account_id, credential_id, payload, created_at, dedupe_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(e.public_id)
    .bind(e.event_type)
    .bind(e.account_id)
    .bind(e.credential_id)
    .bind(e.payload)
    .bind(e.created_at)
    .bind(e.dedupe_key)
    .fetch_optional(conn)
    .await?)
}

/// Which of these dedupe keys were already used.
pub async fn existing_keys<'e>(
    db: impl crate::store::Db<'e>,
    keys: &[&str],
) -> StoreResult<std::collections::HashSet<String>> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let mut q = Builder::new("SELECT dedupe_key FROM events WHERE ");
    q.push_in("dedupe_key", keys);
    let (sql, args) = q.finish()?;
    let found: Vec<String> = sqlx::query_scalar_with(&sql, args).fetch_all(db).await?;
    Ok(found.into_iter().collect())
}

/// Where a delivery goes.
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    Webhook(i64),
    Email(&'a str),
}

/// Queues one delivery of an event, due at once.
pub async fn queue(conn: &mut sqlx::AnyConnection, event_id: i64, to: Destination<'_>, now: i64) -> StoreResult<i64> {
    let (webhook, email) = match to {
        Destination::Webhook(id) => (Some(id), None),
        Destination::Email(a) => (None, Some(a)),
    };
    Ok(sqlx::query_scalar(
        "INSERT INTO deliveries (event_id, webhook_id, email, status, created_at, next_attempt_at)
         VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
    )
    .bind(event_id)
    .bind(webhook)
    .bind(email)
    .bind(now)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// A delivery with what sending it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: i64,
    pub event_public_id: String,
    pub event_type: String,
    pub payload: String,
    pub webhook_id: Option<i64>,
    pub webhook_public_id: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

const SELECT: &str = "SELECT d.id, d.event_id, e.public_id AS event_public_id, e.type AS event_type, e.payload,
        d.webhook_id, w.public_id AS webhook_public_id, w.url, d.email, d.status, d.attempts, d.created_at,
        d.next_attempt_at, d.last_status, d.last_error, d.delivered_at
   FROM deliveries d JOIN events e ON e.id = d.event_id LEFT JOIN webhooks w ON w.id = d.webhook_id";

/// Takes up to `limit` due deliveries for one attempt each, oldest first:
/// moves their next attempt to `lease_until`, so no other worker (another
/// instance, another process on the same data dir) takes them meanwhile. A
/// worker that dies mid-attempt leaves them to be retried once the lease
/// ends, so nothing is lost and nothing is sent twice at once.
///
/// PostgreSQL claims in one statement that skips the rows other instances
/// are claiming (`FOR UPDATE SKIP LOCKED`), so they never wait on each other;
/// SQLite, with one writer at a time, reads then compares-and-sets each row.
pub async fn claim_due(
    conn: &mut sqlx::AnyConnection,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> StoreResult<Vec<DeliveryRow>> {
    let ids: Vec<i64> = match Engine::of(conn) {
        Engine::Postgres => {
            sqlx::query_scalar(
                "WITH picked AS (
                     SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 UPDATE deliveries d SET next_attempt_at = $2 FROM picked WHERE d.id = picked.id
                 RETURNING d.id",
            )
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?
        }
        Engine::Sqlite => {
            let mut ids = Vec::new();
            for d in due(&mut *conn, now, limit).await? {
                if claim(&mut *conn, d.id, d.next_attempt_at.unwrap_or_default(), lease_until).await? {
                    ids.push(d.id);
                }
            }
            ids
        }
    };
    let mut q = Builder::new(SELECT);
    q.push(" WHERE ")
        .push_in("d.id", &ids)
        .push(" ORDER BY d.next_attempt_at, d.id");
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(conn).await?)
}

/// Pending deliveries due at `now`, oldest first.
async fn due<'e>(db: impl crate::store::Db<'e>, now: i64, limit: u32) -> StoreResult<Vec<DeliveryRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2"
    ))
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}

/// Takes a due delivery: moves its next attempt to `lease_until`, unless
/// another worker took it first.
async fn claim<'e>(db: impl crate::store::Db<'e>, id: i64, due_at: i64, lease_until: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
    )
    .bind(lease_until)
    .bind(id)
    .bind(due_at)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// How many deliveries wait for an attempt or a retry.
pub async fn pending<'e>(db: impl crate::store::Db<'e>) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM deliveries WHERE status = 'pending'")
            .fetch_one(db)
            .await?,
    )
}

/// Deletes events older than `before` whose deliveries are all finished,
/// with those deliveries. Their dedupe keys go too, which is safe: a notice's
/// key names an expiry in the past, and a rate-limit hour that is over.
pub async fn prune(conn: &mut sqlx::AnyConnection, before: i64) -> StoreResult<u64> {
    const OLD: &str = "SELECT id FROM events WHERE created_at < $1
          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.status = 'pending')";
    sqlx::query(&format!("DELETE FROM deliveries WHERE event_id IN ({OLD})"))
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query(&format!("DELETE FROM events WHERE id IN ({OLD})"))
        .bind(before)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// One delivery.
pub async fn find<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<Option<DeliveryRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// An endpoint's deliveries, newest first.
pub async fn of_webhook<'e>(
    db: impl crate::store::Db<'e>,
    webhook_id: i64,
    limit: u32,
) -> StoreResult<Vec<DeliveryRow>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2"))
            .bind(webhook_id)
            .bind(i64::from(limit))
            .fetch_all(db)
            .await?,
    )
}

/// The latest e-mail deliveries, newest first.
pub async fn emails<'e>(db: impl crate::store::Db<'e>, limit: u32) -> StoreResult<Vec<DeliveryRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE d.email IS NOT NULL ORDER BY d.id DESC LIMIT $1"
    ))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub http_status: Option<i64>,
    pub error: Option<&'a str>,
    pub at: i64,
    /// `None` once delivered or given up.
    pub next_attempt_at: Option<i64>,
    pub status: &'a str,
}

/// Records an attempt.
pub async fn record_attempt<'e>(db: impl crate::store::Db<'e>, id: i64, a: &Attempt<'_>) -> StoreResult<()> {
    sqlx::query(
        "UPDATE deliveries SET attempts = attempts + 1, status = $1, last_status = $2, last_error = $3,
                next_attempt_at = $4, delivered_at = CASE WHEN $5 = 'delivered' THEN $6 ELSE delivered_at END
          WHERE id = $7",
    )
    .bind(a.status)
    .bind(a.http_status)
    .bind(a.error)
    .bind(a.next_attempt_at)
    .bind(a.status)
    .bind(a.at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Drops what is still queued for a deleted endpoint.
pub async fn cancel<'e>(db: impl crate::store::Db<'e>, webhook_id: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE deliveries SET status = 'failed', last_error = 'the endpoint was deleted', next_attempt_at = NULL
          WHERE webhook_id = $1 AND status = 'pending'",
    )
    .bind(webhook_id)
    .execute(db)
    .await?;
    Ok(())
}
