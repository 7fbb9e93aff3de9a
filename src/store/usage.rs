//! Queries on `usage_hourly` and `usage_daily`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::StoreResult;
use crate::domain::AccountId;
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

/// The rows of `[from, to)` in the given accounts as `(credential_id, t, code,
/// count)`: raw hours, or hours truncated to days plus the daily roll-ups.
/// The range is scanned through `usage_hourly_by_hour`; the accounts filter
/// joins each row's credential.
const IN_RANGE: &str = "WITH in_range AS (
        SELECT credential_id, CASE WHEN ?4 THEN hour - (hour % 86400) ELSE hour END AS t, code, count
          FROM usage_hourly WHERE hour >= ?2 AND hour < ?3
        UNION ALL
        SELECT credential_id, day AS t, code, count
          FROM usage_daily WHERE ?4 AND day >= ?2 AND day < ?3)
    SELECT u.credential_id, u.t, u.code, u.count FROM in_range u
      JOIN credentials c ON c.id = u.credential_id
     WHERE c.account_id IN (SELECT value FROM json_each(?1))";

/// Which accounts and which range an overview covers.
#[derive(Debug, Clone)]
pub struct Range<'a> {
    pub accounts: &'a [AccountId],
    pub from: i64,
    pub to: i64,
    pub daily: bool,
}

impl Range<'_> {
    fn bind<'q, O>(
        &self,
        q: sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
        q.bind(serde_json::to_string(self.accounts).unwrap_or_else(|_| "[]".into()))
            .bind(self.from)
            .bind(self.to)
            .bind(self.daily)
    }
}

/// Calls of every credential in the range's accounts, summed per bucket and code.
pub async fn totals<'e>(db: impl SqliteExecutor<'e>, range: &Range<'_>) -> StoreResult<Vec<Bucket>> {
    let sql = format!("SELECT t, code, sum(count) AS count FROM ({IN_RANGE}) GROUP BY t, code ORDER BY t, code");
    Ok(range.bind(sqlx::query_as(&sql)).fetch_all(db).await?)
}

/// A credential's calls in a range, and how many of them were refused
/// (rate-limited ones included).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Traffic {
    pub credential_id: i64,
    pub calls: i64,
    pub refused: i64,
}

/// The `limit` busiest credentials of the range, busiest first.
pub async fn top_credentials<'e>(
    db: impl SqliteExecutor<'e>,
    range: &Range<'_>,
    limit: u32,
) -> StoreResult<Vec<Traffic>> {
    let sql = format!(
        "SELECT credential_id, sum(count) AS calls, coalesce(sum(count) FILTER (WHERE code <> 'VALID'), 0) AS refused
           FROM ({IN_RANGE}) GROUP BY credential_id ORDER BY calls DESC, credential_id LIMIT ?5"
    );
    Ok(range
        .bind(sqlx::query_as(&sql))
        .bind(i64::from(limit))
        .fetch_all(db)
        .await?)
}

/// The `limit` most frequent refusal codes of the range, most frequent first.
pub async fn refusals<'e>(
    db: impl SqliteExecutor<'e>,
    range: &Range<'_>,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT code, sum(count) AS count FROM ({IN_RANGE}) WHERE code <> 'VALID'
          GROUP BY code ORDER BY count DESC, code LIMIT ?5"
    );
    Ok(range
        .bind(sqlx::query_as(&sql))
        .bind(i64::from(limit))
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
