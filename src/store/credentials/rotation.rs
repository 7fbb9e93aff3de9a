//! What rotation on a schedule reads and writes: the policy and its due
//! date, the credentials that are due, enforcement, and the previous secrets
//! that were still in use when their grace period ended.

use super::SELECT;
use super::json;
use super::row::CredentialRow;
use crate::domain::credential::RotationPolicy;
use crate::store::StoreResult;

/// Sets (or, with `None`, removes) a credential's rotation policy and the
/// date its current secret is due, which is also the scheduler's next look.
pub async fn set_rotation<'e>(
    db: impl crate::store::Db<'e>,
    id: i64,
    policy: Option<&RotationPolicy>,
    due_at: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE credentials SET rotation = $1, rotation_due_at = $2, rotation_check_at = $2 WHERE id = $3")
        .bind(policy.map(json))
        .bind(due_at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// After a rotation (or "rotate now" on a notify policy): the secret is due
/// at `due_at`, and the scheduler looks again then (kept empty without a policy).
pub async fn set_rotation_due<'e>(db: impl crate::store::Db<'e>, id: i64, due_at: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE credentials SET rotation_due_at = $1, rotation_check_at = $1 WHERE id = $2 AND rotation IS NOT NULL",
    )
    .bind(due_at)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// The scheduler acted on the secret due at `due_at` and looks again at
/// `next` (never, with `None`); false if the credential was rotated meanwhile.
pub async fn defer_rotation_check<'e>(
    db: impl crate::store::Db<'e>,
    id: i64,
    due_at: i64,
    next: Option<i64>,
) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE credentials SET rotation_check_at = $1 WHERE id = $2 AND rotation_due_at = $3")
            .bind(next)
            .bind(id)
            .bind(due_at)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// When the credential's current secret was issued.
pub async fn current_secret_issued_at<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT max(created_at) FROM credential_secrets WHERE credential_id = $1 AND retires_at IS NULL",
    )
    .bind(id)
    .fetch_one(db)
    .await?)
}

/// Live credentials the scheduler has something to do for at `now`, soonest first.
pub async fn rotation_checks<'e>(
    db: impl crate::store::Db<'e>,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.rotation_check_at IS NOT NULL AND c.revoked_at IS NULL AND c.rotation_check_at <= $1
           AND (c.expires_at IS NULL OR c.expires_at > $1)
         ORDER BY c.rotation_check_at, c.id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Expires a credential now because nobody rotated it (`enforce_after_days`),
/// if its secret is still the one due at `due_at`; auto-renew is switched off
/// so the next pass does not bring it back. Answers whether it did.
pub async fn enforce_rotation<'e>(db: impl crate::store::Db<'e>, id: i64, due_at: i64, now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE credentials
            SET expires_at = $1, auto_renew = 0, rotation_due_at = NULL, rotation_check_at = NULL,
                version = version + 1
          WHERE id = $2 AND rotation_due_at = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(due_at)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// A previous secret whose grace period ended while it was still in use.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StalledSecret {
    pub credential_id: i64,
    pub retires_at: i64,
    pub last_used_at: i64,
    pub last_used_ip: Option<String>,
}

/// Previous secrets whose grace period ended in `(from, to]` and that were
/// used within `window_secs` before it ended.
pub async fn stalled_secrets<'e>(
    db: impl crate::store::Db<'e>,
    from: i64,
    to: i64,
    window_secs: i64,
) -> StoreResult<Vec<StalledSecret>> {
    Ok(sqlx::query_as(
        "SELECT credential_id, retires_at, last_used_at, last_used_ip FROM credential_secrets
          WHERE retires_at > $1 AND retires_at <= $2 AND last_used_at >= retires_at - $3
          ORDER BY retires_at",
    )
    .bind(from)
    .bind(to)
    .bind(window_secs)
    .fetch_all(db)
    .await?)
}

/// Makes `sealed` an application's secret: the current one signs until
/// `grace_end` (or stops now, with no grace), and any older one stops now.
pub async fn rotate_app_secret<'e>(
    db: impl crate::store::Db<'e>,
    id: i64,
    sealed: &[u8],
    now: i64,
    grace_end: i64,
) -> StoreResult<()> {
    let keep = grace_end > now;
    sqlx::query(
        "UPDATE credentials
            SET previous_app_secret = CASE WHEN $1 THEN app_secret ELSE NULL END,
                previous_app_secret_retires_at = CASE WHEN $1 THEN $2 ELSE NULL END,
                app_secret = $3
          WHERE id = $4",
    )
    .bind(keep)
    .bind(grace_end)
    .bind(sealed)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Ends an application's previous secret now; false when none was still in
/// its grace period.
pub async fn end_app_grace<'e>(db: impl crate::store::Db<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE credentials SET previous_app_secret = NULL, previous_app_secret_retires_at = NULL
          WHERE id = $1 AND previous_app_secret IS NOT NULL AND previous_app_secret_retires_at > $2",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
