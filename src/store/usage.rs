//! Queries on `usage_hourly` and `usage_daily`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::StoreResult;
use crate::policy::VerifyCode;

/// Calls of one credential in one hour with one outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub credential_id: i64,
    /// Unix seconds at the start of the hour.
    pub hour: i64,
    pub code: VerifyCode,
    pub count: u64,
}

/// Adds a batch of counts.
pub async fn add(conn: &mut SqliteConnection, counts: &[Count]) -> StoreResult<()> {
    for c in counts {
        sqlx::query(
            "INSERT INTO usage_hourly (credential_id, hour, code, count) VALUES (?, ?, ?, ?)
             ON CONFLICT (credential_id, hour, code) DO UPDATE SET count = count + excluded.count",
        )
        .bind(c.credential_id)
        .bind(c.hour)
        .bind(c.code.as_str())
        .bind(i64::try_from(c.count).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One bucket of a usage series.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Bucket {
    /// Unix seconds at the start of the hour or day.
    pub t: i64,
    pub code: String,
    pub count: i64,
}

/// A credential's counts in `[from, to)`, by hour (raw rows) or by day (the
/// hours summed, plus the daily roll-ups of older data).
pub async fn series<'e>(
    db: impl SqliteExecutor<'e>,
    credential_id: i64,
    from: i64,
    to: i64,
    daily: bool,
) -> StoreResult<Vec<Bucket>> {
    let sql = if daily {
        "SELECT t, code, sum(count) AS count FROM (
             SELECT hour - (hour % 86400) AS t, code, count FROM usage_hourly
              WHERE credential_id = ?1 AND hour >= ?2 AND hour < ?3
             UNION ALL
             SELECT day AS t, code, count FROM usage_daily
              WHERE credential_id = ?1 AND day >= ?2 AND day < ?3)
          GROUP BY t, code ORDER BY t, code"
    } else {
        "SELECT hour AS t, code, count FROM usage_hourly
          WHERE credential_id = ?1 AND hour >= ?2 AND hour < ?3
          ORDER BY t, code"
    };
    Ok(sqlx::query_as(sql)
        .bind(credential_id)
        .bind(from)
        .bind(to)
        .fetch_all(db)
        .await?)
}

/// Rolls hours before `cutoff` up into days and deletes them (90-day retention).
pub async fn roll_up(conn: &mut SqliteConnection, cutoff: i64) -> StoreResult<u64> {
    sqlx::query(
        "INSERT INTO usage_daily (credential_id, day, code, count)
         SELECT credential_id, hour - (hour % 86400), code, sum(count) FROM usage_hourly
          WHERE hour < ?
          GROUP BY credential_id, hour - (hour % 86400), code
         ON CONFLICT (credential_id, day, code) DO UPDATE SET count = count + excluded.count",
    )
    .bind(cutoff)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query("DELETE FROM usage_hourly WHERE hour < ?")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
