//! What the scheduler, the dashboard and the usage flush read and write:
//! last uses, expiry windows, stale credentials and counts by status.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::row::CredentialRow;
use super::{SELECT, json};
use crate::domain::AccountId;
use crate::domain::credential::EXPIRING_WITHIN_SECS;
use crate::store::StoreResult;

/// One credential's last use, as batched in memory.
#[derive(Debug, Clone)]
pub struct Usage {
    pub credential_id: i64,
    pub at: i64,
    pub ip: Option<String>,
}

/// Writes a batch of last-used times in one transaction; an older time never
/// overwrites a newer one.
pub async fn record_usage(conn: &mut SqliteConnection, batch: &[Usage]) -> StoreResult<()> {
    for u in batch {
        sqlx::query(
            "UPDATE credentials SET last_used_at = ?, last_used_ip = ?
              WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
        )
        .bind(u.at)
        .bind(u.ip.as_deref())
        .bind(u.credential_id)
        .bind(u.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The most recently used credentials (never-used ones excluded), newest use first.
pub async fn recently_used<'e>(
    db: impl SqliteExecutor<'e>,
    accounts: &[AccountId],
    limit: u32,
) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.last_used_at IS NOT NULL AND c.account_id IN (SELECT value FROM json_each(?))
          ORDER BY c.last_used_at DESC LIMIT ?"
    ))
    .bind(json(&accounts))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}

/// Unrevoked credentials expiring in `(from, to]`, soonest first: what the
/// expiry scheduler looks at, through `credentials_by_expiry`.
pub async fn expiring_between<'e>(db: impl SqliteExecutor<'e>, from: i64, to: i64) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.revoked_at IS NULL AND c.expires_at > ? AND c.expires_at <= ? ORDER BY c.expires_at, c.id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?)
}

/// Working credentials (neither revoked nor expired) not used since `before`
/// (never-used ones count from their creation), least recently used first,
/// with how many there are in all.
pub async fn unused_since(
    conn: &mut SqliteConnection,
    accounts: &[AccountId],
    before: i64,
    now: i64,
    limit: u32,
) -> StoreResult<(Vec<CredentialRow>, i64)> {
    const WHERE: &str = "c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?2)
          AND coalesce(c.last_used_at, c.created_at) < ?3
          AND c.account_id IN (SELECT value FROM json_each(?1))";
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE {WHERE} ORDER BY coalesce(c.last_used_at, c.created_at), c.id LIMIT ?4"
    ))
    .bind(json(&accounts))
    .bind(now)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM credentials c WHERE {WHERE}"))
        .bind(json(&accounts))
        .bind(now)
        .bind(before)
        .fetch_one(&mut *conn)
        .await?;
    Ok((rows, count))
}

/// How many credentials of each status exist in the given accounts (all when `None`).
pub async fn count_by_status<'e>(
    db: impl SqliteExecutor<'e>,
    accounts: Option<&[AccountId]>,
    now: i64,
) -> StoreResult<[i64; 4]> {
    let soon = now + EXPIRING_WITHIN_SECS;
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
    q.push("coalesce(sum(revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
        .push_bind(soon)
        .push(")), 0), ");
    q.push("coalesce(sum(revoked_at IS NULL AND expires_at > ")
        .push_bind(now)
        .push(" AND expires_at <= ")
        .push_bind(soon)
        .push("), 0), ");
    q.push("coalesce(sum(revoked_at IS NULL AND expires_at <= ")
        .push_bind(now)
        .push("), 0), ");
    q.push("coalesce(sum(revoked_at IS NOT NULL), 0) FROM credentials");
    if let Some(ids) = accounts {
        q.push(" WHERE account_id IN (SELECT value FROM json_each(")
            .push_bind(json(&ids))
            .push("))");
    }
    let row: (i64, i64, i64, i64) = q.build_query_as().fetch_one(db).await?;
    Ok([row.0, row.1, row.2, row.3])
}
