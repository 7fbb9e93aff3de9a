//! Queries on `webhooks`.

use super::StoreResult;
use crate::domain::AccountId;
use crate::store::builder::Builder;

/// An endpoint row; the secret is still sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub public_id: String,
    pub account_id: AccountId,
    pub account: String,
    pub url: String,
    pub events: String,
    pub secret_sealed: Vec<u8>,
    pub created_at: i64,
    pub failing_since: Option<i64>,
    pub deleted_at: Option<i64>,
}

const SELECT: &str = "SELECT w.id, w.public_id, w.account_id, a.name AS account, w.url, w.events,
        w.secret_sealed, w.created_at, w.failing_since, w.deleted_at
   FROM webhooks w JOIN accounts a ON a.id = w.account_id";

/// Adds an endpoint.
pub async fn insert(
    conn: &mut sqlx::AnyConnection,
    public_id: &str,
    account_id: AccountId,
    url: &str,
    events: &str,
    secret_sealed: &[u8],
    now: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO webhooks (public_id, account_id, url, events, secret_sealed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(public_id)
    .bind(account_id)
    .bind(url)
    .bind(events)
    .bind(secret_sealed)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// The live endpoints of the given accounts, oldest first.
pub async fn list<'e>(db: impl crate::store::Db<'e>, accounts: &[AccountId]) -> StoreResult<Vec<WebhookRow>> {
    let mut q = Builder::new(SELECT);
    q.push(" WHERE w.deleted_at IS NULL AND ")
        .push_in("w.account_id", accounts)
        .push(" ORDER BY w.id");
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
}

/// The live endpoints subscribed to `event_type`: one account's, or every
/// account's for an install-wide event (`None`).
pub async fn subscribed<'e>(
    db: impl crate::store::Db<'e>,
    account_id: Option<AccountId>,
    event_type: &str,
) -> StoreResult<Vec<i64>> {
    // The event list is a JSON array in TEXT; it is read here rather than in
    // SQL, where each engine has its own JSON functions.
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, events FROM webhooks WHERE deleted_at IS NULL AND ($1 IS NULL OR account_id = $1) ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events).is_ok_and(|e| e.iter().any(|t| t == event_type))
        })
        .map(|(id, _)| id)
        .collect())
}

/// How many of an account's endpoints subscribed to `event_type` are not
/// marked failing: where a secret sent by webhook can be expected to arrive.
pub async fn healthy_subscribers<'e>(
    db: impl crate::store::Db<'e>,
    account_id: AccountId,
    event_type: &str,
) -> StoreResult<usize> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT events FROM webhooks WHERE deleted_at IS NULL AND failing_since IS NULL AND account_id = $1",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .filter(|(events,)| {
            serde_json::from_str::<Vec<String>>(events).is_ok_and(|e| e.iter().any(|t| t == event_type))
        })
        .count())
}

/// A live endpoint by its public id.
pub async fn find_public<'e>(db: impl crate::store::Db<'e>, public_id: &str) -> StoreResult<Option<WebhookRow>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE w.deleted_at IS NULL AND w.public_id = $1"))
            .bind(public_id)
            .fetch_optional(db)
            .await?,
    )
}

/// An endpoint by row id, deleted or not: the worker drops what was queued
/// for a deleted one.
pub async fn find<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<Option<WebhookRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE w.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Deletes an endpoint (the row stays for its delivery log); false if it was
/// already gone.
pub async fn delete<'e>(db: impl crate::store::Db<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Marks an endpoint failing since `now`; false if it already was, so
/// deliveries giving up at once raise one alarm between them.
pub async fn mark_failing<'e>(db: impl crate::store::Db<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE webhooks SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Marks an endpoint healthy again after a delivery succeeded.
pub async fn clear_failing<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
