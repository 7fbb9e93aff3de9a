//! Queries on `webhooks`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::StoreResult;
use crate::domain::AccountId;

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
    conn: &mut SqliteConnection,
    public_id: &str,
    account_id: AccountId,
    url: &str,
    events: &str,
    secret_sealed: &[u8],
    now: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO webhooks (public_id, account_id, url, events, secret_sealed, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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
pub async fn list<'e>(db: impl SqliteExecutor<'e>, accounts: &[AccountId]) -> StoreResult<Vec<WebhookRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE w.deleted_at IS NULL AND w.account_id IN (SELECT value FROM json_each(?)) ORDER BY w.id"
    ))
    .bind(serde_json::to_string(accounts).unwrap_or_else(|_| "[]".into()))
    .fetch_all(db)
    .await?)
}

/// The live endpoints subscribed to `event_type`: one account's, or every
/// account's for an install-wide event (`None`).
pub async fn subscribed<'e>(
    db: impl SqliteExecutor<'e>,
    account_id: Option<AccountId>,
    event_type: &str,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM webhooks
          WHERE deleted_at IS NULL AND (?1 IS NULL OR account_id = ?1)
            AND EXISTS (SELECT 1 FROM json_each(events) WHERE value = ?2)
          ORDER BY id",
    )
    .bind(account_id)
    .bind(event_type)
    .fetch_all(db)
    .await?)
}

/// A live endpoint by its public id.
pub async fn find_public<'e>(db: impl SqliteExecutor<'e>, public_id: &str) -> StoreResult<Option<WebhookRow>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE w.deleted_at IS NULL AND w.public_id = ?"))
            .bind(public_id)
            .fetch_optional(db)
            .await?,
    )
}

/// An endpoint by row id, deleted or not: the worker drops what was queued
/// for a deleted one.
pub async fn find<'e>(db: impl SqliteExecutor<'e>, id: i64) -> StoreResult<Option<WebhookRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE w.id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Deletes an endpoint (the row stays for its delivery log); false if it was
/// already gone.
pub async fn delete<'e>(db: impl SqliteExecutor<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
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
pub async fn mark_failing<'e>(db: impl SqliteExecutor<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Marks an endpoint healthy again after a delivery succeeded.
pub async fn clear_failing<'e>(db: impl SqliteExecutor<'e>, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
