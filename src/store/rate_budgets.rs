//! Queries on `rate_limit_budgets`: the budget instances share.

use super::StoreResult;

/// Takes `cost_us` (tokens × emission interval, in µs) from a credential's shared
/// GCRA bucket at `now_us` if the bucket holds it (`tolerance_us` is the
/// burst × interval); answers whether it did. One statement, atomic on both
/// engines: concurrent takes from several instances never overdraw.
pub async fn take<'e>(
    db: impl crate::store::Db<'e>,
    credential_id: i64,
    now_us: i64,
    cost_us: i64,
    tolerance_us: i64,
) -> StoreResult<bool> {
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limit_budgets (credential_id, tat_us) VALUES ($1, $2 + $3)
         ON CONFLICT (credential_id) DO UPDATE
            SET tat_us = CASE WHEN rate_limit_budgets.tat_us > $2 THEN rate_limit_budgets.tat_us ELSE $2 END + $3
          WHERE CASE WHEN rate_limit_budgets.tat_us > $2 THEN rate_limit_budgets.tat_us ELSE $2 END + $3 - $4 <= $2
         RETURNING tat_us",
    )
    .bind(credential_id)
    .bind(now_us)
    .bind(cost_us)
    .bind(tolerance_us)
    .fetch_optional(db)
    .await?;
    Ok(taken.is_some())
}
