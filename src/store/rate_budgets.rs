//! Queries on `rate_limit_budgets`: the budget instances share.

use super::StoreResult;

/// Takes `cost_ms` (tokens × emission interval) from a credential's shared
/// GCRA bucket at `now_ms` if the bucket holds it (`tolerance_ms` is the
/// burst × interval); answers whether it did. One statement, atomic on both
/// engines: concurrent takes from several instances never overdraw.
pub async fn take<'e>(
    db: impl crate::store::Db<'e>,
    credential_id: i64,
    now_ms: i64,
    cost_ms: i64,
    tolerance_ms: i64,
) -> StoreResult<bool> {
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limit_budgets (credential_id, tat_ms) VALUES ($1, $2 + $3)
         ON CONFLICT (credential_id) DO UPDATE
            SET tat_ms = CASE WHEN rate_limit_budgets.tat_ms > $2 THEN rate_limit_budgets.tat_ms ELSE $2 END + $3
          WHERE CASE WHEN rate_limit_budgets.tat_ms > $2 THEN rate_limit_budgets.tat_ms ELSE $2 END + $3 - $4 <= $2
         RETURNING tat_ms",
    )
    .bind(credential_id)
    .bind(now_ms)
    .bind(cost_ms)
    .bind(tolerance_ms)
    .fetch_optional(db)
    .await?;
    Ok(taken.is_some())
}
