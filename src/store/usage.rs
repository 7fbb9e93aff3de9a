//! Queries on `usage_hourly` and `usage_daily`.

use super::StoreResult;
use crate::domain::AccountId;
use crate::policy::VerifyCode;
use crate::store::builder::Builder;

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
pub async fn add(conn: &mut sqlx::AnyConnection, counts: &[Count]) -> StoreResult<()> {
    for c in counts {
        sqlx::query(
            "INSERT INTO usage_hourly (credential_id, hour, code, count) VALUES ($1, $2, $3, $4)
             ON CONFLICT (credential_id, hour, code) DO UPDATE SET count = usage_hourly.count + excluded.count",
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
    db: impl crate::store::Db<'e>,
    credential_id: i64,
    from: i64,
    to: i64,
    daily: bool,
) -> StoreResult<Vec<Bucket>> {
    let sql = if daily {
        "SELECT t, code, CAST(sum(count) AS BIGINT) AS count FROM (
             SELECT hour - (hour % 86400) AS t, code, count FROM usage_hourly
              WHERE credential_id = $1 AND hour >= $2 AND hour < $3
             UNION ALL
             SELECT day AS t, code, count FROM usage_daily
              WHERE credential_id = $1 AND day >= $2 AND day < $3) AS r
          GROUP BY t, code ORDER BY t, code"
    } else {
        "SELECT hour AS t, code, count FROM usage_hourly
          WHERE credential_id = $1 AND hour >= $2 AND hour < $3
          ORDER BY t, code"
    };
    Ok(sqlx::query_as(sql)
        .bind(credential_id)
        .bind(from)
        .bind(to)
        .fetch_all(db)
        .await?)
}

/// Which accounts and which range an overview covers.
#[derive(Debug, Clone)]
pub struct Range<'a> {
    pub accounts: &'a [AccountId],
    pub from: i64,
    pub to: i64,
    pub daily: bool,
}

impl Range<'_> {
    /// `head`, then the rows of `[from, to)` in the accounts as a subquery
    /// `r(credential_id, t, code, count)`: raw hours, or hours truncated to
    /// days plus the daily roll-ups. The range is scanned through
    /// `usage_hourly_by_hour`; the accounts filter joins each row's credential.
    fn rows(&self, head: &str) -> Builder<'_> {
        let mut q = Builder::new(head);
        q.push("(WITH in_range AS (SELECT credential_id, CASE WHEN ")
            .push_bind(self.daily);
        q.push(" THEN hour - (hour % 86400) ELSE hour END AS t, code, count FROM usage_hourly WHERE hour >= ");
        q.push_bind(self.from).push(" AND hour < ").push_bind(self.to);
        q.push(" UNION ALL SELECT credential_id, day AS t, code, count FROM usage_daily WHERE ")
            .push_bind(self.daily);
        q.push(" AND day >= ")
            .push_bind(self.from)
            .push(" AND day < ")
            .push_bind(self.to);
        q.push(") SELECT u.credential_id, u.t, u.code, u.count FROM in_range u JOIN credentials c ON c.id = u.credential_id WHERE ");
        q.push_in("c.account_id", self.accounts).push(") AS r");
        q
    }
}

/// Calls of every credential in the range's accounts, summed per bucket and code.
pub async fn totals<'e>(db: impl crate::store::Db<'e>, range: &Range<'_>) -> StoreResult<Vec<Bucket>> {
    let mut q = range.rows("SELECT t, code, CAST(sum(count) AS BIGINT) AS count FROM ");
    q.push(" GROUP BY t, code ORDER BY t, code");
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
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
    db: impl crate::store::Db<'e>,
    range: &Range<'_>,
    limit: u32,
) -> StoreResult<Vec<Traffic>> {
    let mut q = range.rows(
        "SELECT credential_id, CAST(sum(count) AS BIGINT) AS calls,
                CAST(coalesce(sum(count) FILTER (WHERE code <> 'VALID'), 0) AS BIGINT) AS refused FROM ",
    );
    q.push(" GROUP BY credential_id ORDER BY calls DESC, credential_id LIMIT ")
        .push_bind(i64::from(limit));
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
}

/// The `limit` most frequent refusal codes of the range, most frequent first.
pub async fn refusals<'e>(
    db: impl crate::store::Db<'e>,
    range: &Range<'_>,
    limit: u32,
) -> StoreResult<Vec<(String, i64)>> {
    let mut q = range.rows("SELECT code, CAST(sum(count) AS BIGINT) AS count FROM ");
    q.push(" WHERE code <> 'VALID' GROUP BY code ORDER BY count DESC, code LIMIT ")
        .push_bind(i64::from(limit));
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
}

/// Rolls hours before `cutoff` up into days and deletes them (90-day retention).
pub async fn roll_up(conn: &mut sqlx::AnyConnection, cutoff: i64) -> StoreResult<u64> {
    sqlx::query(
        "INSERT INTO usage_daily (credential_id, day, code, count)
         SELECT credential_id, hour - (hour % 86400), code, sum(count) FROM usage_hourly
          WHERE hour < $1
          GROUP BY credential_id, hour - (hour % 86400), code
         ON CONFLICT (credential_id, day, code) DO UPDATE SET count = usage_daily.count + excluded.count",
    )
    .bind(cutoff)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query("DELETE FROM usage_hourly WHERE hour < $1")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
