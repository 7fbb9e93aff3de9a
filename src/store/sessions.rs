//! Queries on `sessions`.

use super::StoreResult;
use super::users::UserRow;
use crate::crypto::Digest;
use crate::domain::UserId;

/// A session joined with its user, as authentication needs it.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    #[sqlx(rename = "session_created_at")]
    pub created_at: i64,
    pub last_seen_at: i64,
    /// 1 when the user has a confirmed second factor.
    pub second_factors: i64,
    /// The install's two-factor policy, read in the same query (absent: none set).
    pub two_factor_policy: Option<String>,
    #[sqlx(flatten)]
    pub user: UserRow,
}

/// Stores a new session under the digest of its token.
pub async fn insert<'e>(
    db: impl crate::store::Db<'e>,
    token_hash: &Digest,
    user_id: UserId,
    now: i64,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash.as_bytes())
    .bind(user_id)
    .bind(now)
    .bind(now)
    .bind(ip)
    .bind(user_agent)
    .execute(db)
    .await?;
    Ok(())
}

/// Finds a session and its user by the token's digest.
pub async fn find<'e>(db: impl crate::store::Db<'e>, token_hash: &Digest) -> StoreResult<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.created_at AS session_created_at, s.last_seen_at,
                u.id, u.email, u.password_hash, u.role, u.all_accounts, u.disabled_at,
                u.created_at, u.last_sign_in_at,
                (SELECT COUNT(*) FROM user_second_factors f
                  WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL) AS second_factors,
                (SELECT value FROM instance_settings WHERE name = 'two_factor_policy') AS two_factor_policy
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1",
    )
    .bind(token_hash.as_bytes())
    .fetch_optional(db)
    .await?)
}

/// Marks the session as used now, which pushes its idle timeout back.
pub async fn touch<'e>(db: impl crate::store::Db<'e>, token_hash: &Digest, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash.as_bytes())
        .execute(db)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn delete<'e>(db: impl crate::store::Db<'e>, token_hash: &Digest) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.as_bytes())
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (on disable, demotion or password change).
pub async fn delete_for_user<'e>(db: impl crate::store::Db<'e>, user_id: UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes sessions past either timeout; run from the background sweeper.
pub async fn delete_expired<'e>(
    db: impl crate::store::Db<'e>,
    idle_before: i64,
    created_before: i64,
) -> StoreResult<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(db)
            .await?
            .rows_affected(),
    )
}
