//! What the scheduler, the dashboard and the usage flush read and write:
//! last uses, expiry windows, stale credentials and counts by status.

use super::SELECT;
use super::row::CredentialRow;
use crate::domain::AccountId;
use crate::domain::credential::EXPIRING_WITHIN_SECS;
use crate::store::StoreResult;
use crate::store::builder::Builder;

/// One credential's last use, as batched in memory.
#[derive(Debug, Clone)]
pub struct Usage {
    pub credential_id: i64,
    pub at: i64,
    pub ip: Option<String>,
}

/// Writes a batch of last-used times in one transaction; an older time never
/// overwrites a newer one.
pub async fn record_usage(conn: &mut sqlx::AnyConnection, batch: &[Usage]) -> StoreResult<()> {
    for u in batch {
        sqlx::query(
            "UPDATE credentials SET last_used_at = $1, last_used_ip = $2
              WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $4)",
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

/// Writes the previous secrets' last-used times (a batch keyed by
/// credential: a credential has at most one secret in its grace period).
pub async fn record_previous_usage(conn: &mut sqlx::AnyConnection, batch: &[Usage]) -> StoreResult<()> {
    for u in batch {
        sqlx::query(
            "UPDATE credential_secrets SET last_used_at = $1, last_used_ip = $2
              WHERE credential_id = $3 AND retires_at IS NOT NULL
                AND (last_used_at IS NULL OR last_used_at <= $4)",
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

/// A credential's secret in its grace period, if it has one.
pub async fn previous_secret<'e>(
    db: impl crate::store::Db<'e>,
    credential_id: i64,
    now: i64,
) -> StoreResult<Option<crate::domain::credential::PreviousSecret>> {
    let row: Option<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT retires_at, last_used_at, last_used_ip FROM credential_secrets
          WHERE credential_id = $1 AND retires_at > $2",
    )
    .bind(credential_id)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(retires_at, last_used_at, last_used_ip)| crate::domain::credential::PreviousSecret {
            retires_at,
            last_used_at,
            last_used_ip,
        },
    ))
}

/// The most recently used credentials (never-used ones excluded), newest use first.
pub async fn recently_used<'e>(
    db: impl crate::store::Db<'e>,
    accounts: &[AccountId],
    limit: u32,
) -> StoreResult<Vec<CredentialRow>> {
    let mut q = Builder::new(SELECT);
    q.push(" WHERE c.last_used_at IS NOT NULL AND ")
        .push_in("c.account_id", accounts);
    q.push(" ORDER BY c.last_used_at DESC LIMIT ")
        .push_bind(i64::from(limit));
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
}

/// Unrevoked credentials expiring in `(from, to]`, soonest first: what the
/// expiry scheduler looks at, through `credentials_by_expiry`.
pub async fn expiring_between<'e>(
    db: impl crate::store::Db<'e>,
    from: i64,
    to: i64,
) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.revoked_at IS NULL AND c.expires_at > $1 AND c.expires_at <= $2 ORDER BY c.expires_at, c.id"
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
    conn: &mut sqlx::AnyConnection,
    accounts: &[AccountId],
    before: i64,
    now: i64,
    limit: u32,
) -> StoreResult<(Vec<CredentialRow>, i64)> {
    let matching = |select: &str| {
        let mut q = Builder::new(select);
        q.push(" WHERE c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ")
            .push_bind(now);
        q.push(") AND coalesce(c.last_used_at, c.created_at) < ")
            .push_bind(before);
        q.push(" AND ").push_in("c.account_id", accounts);
        q
    };
    let mut page = matching(SELECT);
    page.push(" ORDER BY coalesce(c.last_used_at, c.created_at), c.id LIMIT ")
        .push_bind(i64::from(limit));
    let (sql, args) = page.finish()?;
    let rows = sqlx::query_as_with(&sql, args).fetch_all(&mut *conn).await?;
    let (sql, args) = matching("SELECT count(*) FROM credentials c").finish()?;
    let count: i64 = sqlx::query_scalar_with(&sql, args).fetch_one(&mut *conn).await?;
    Ok((rows, count))
}

/// How many credentials of each status exist in the given accounts (all when `None`).
pub async fn count_by_status<'e>(
    db: impl crate::store::Db<'e>,
    accounts: Option<&[AccountId]>,
    now: i64,
) -> StoreResult<[i64; 4]> {
    let soon = now + EXPIRING_WITHIN_SECS;
    let mut q = Builder::new("SELECT ");
    q.push("count(*) FILTER (WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
        .push_bind(soon)
        .push(")), ");
    q.push("count(*) FILTER (WHERE revoked_at IS NULL AND expires_at > ")
        .push_bind(now)
        .push(" AND expires_at <= ")
        .push_bind(soon)
        .push("), ");
    q.push("count(*) FILTER (WHERE revoked_at IS NULL AND expires_at <= ")
        .push_bind(now)
        .push("), ");
    q.push("count(*) FILTER (WHERE revoked_at IS NOT NULL) FROM credentials");
    if let Some(ids) = accounts {
        q.push(" WHERE ").push_in("account_id", ids);
    }
    let (sql, args) = q.finish()?;
    let row: (i64, i64, i64, i64) = sqlx::query_as_with(&sql, args).fetch_one(db).await?;
    Ok([row.0, row.1, row.2, row.3])
}
