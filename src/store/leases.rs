//! Queries on `job_leases`: which instance runs a job that must run once.

use super::StoreResult;

/// Takes or renews `job`'s lease for `holder` until `until_ms`, when it is
/// free, lapsed at `now_ms`, or already `holder`'s; answers its fence then,
/// and nothing while another holder's lease runs. One statement, so two
/// instances asking at once cannot both get it.
pub async fn acquire<'e>(
    db: impl crate::store::Db<'e>,
    job: &str,
    holder: &str,
    now_ms: i64,
    until_ms: i64,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO job_leases (job, holder, fence, expires_at) VALUES ($1, $2, 1, $4)
         ON CONFLICT (job) DO UPDATE SET
             fence = CASE WHEN job_leases.holder = excluded.holder THEN job_leases.fence ELSE job_leases.fence + 1 END,
             holder = excluded.holder,
             expires_at = excluded.expires_at
         WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $3
         RETURNING fence",
    )
    .bind(job)
    .bind(holder)
    .bind(now_ms)
    .bind(until_ms)
    .fetch_optional(db)
    .await?)
}

/// Ends every lease `holder` has now, keeping the rows (and their fences, which
/// must only go up). Answers how many.
pub async fn release_all<'e>(db: impl crate::store::Db<'e>, holder: &str) -> StoreResult<u64> {
    Ok(sqlx::query("UPDATE job_leases SET expires_at = 0 WHERE holder = $1")
        .bind(holder)
        .execute(db)
        .await?
        .rows_affected())
}

/// Whether `job`'s lease still carries `fence` (nobody took it over since).
pub async fn holds<'e>(db: impl crate::store::Db<'e>, job: &str, fence: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM job_leases WHERE job = $1 AND fence = $2")
            .bind(job)
            .bind(fence)
            .fetch_one(db)
            .await?
            > 0,
    )
}
