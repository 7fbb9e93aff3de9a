//! Queries on `user_second_factors`, `recovery_codes` and `pending_sign_ins`.
//! The policy itself is an `instance_settings` row (see [`POLICY_SETTING`]).

use super::StoreResult;
use crate::crypto::Digest;
use crate::domain::UserId;

/// The `instance_settings` name under which the two-factor policy is kept.
pub const POLICY_SETTING: &str = "two_factor_policy";

/// A user's TOTP key as stored: sealed, and whether its enrolment is confirmed.
#[derive(Debug, sqlx::FromRow)]
pub struct SecondFactorRow {
    pub secret_sealed: Vec<u8>,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
}

/// The user's key, confirmed or waiting for its first code.
pub async fn find<'e>(db: impl crate::store::Db<'e>, user_id: UserId) -> StoreResult<Option<SecondFactorRow>> {
    Ok(
        sqlx::query_as("SELECT secret_sealed, confirmed_at, last_step FROM user_second_factors WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?,
    )
}

/// The users with a confirmed second factor, for the Users page.
pub async fn enrolled_users<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<UserId>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM user_second_factors WHERE confirmed_at IS NOT NULL ORDER BY user_id")
            .fetch_all(db)
            .await?,
    )
}

/// Starts an enrolment: stores a new unconfirmed key, replacing an earlier
/// unconfirmed one. A confirmed key is left alone; answers whether it stored.
pub async fn begin<'e>(db: impl crate::store::Db<'e>, user_id: UserId, sealed: &[u8], now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO user_second_factors (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, created_at = excluded.created_at
          WHERE user_second_factors.confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Records `step` as the last accepted one (and confirms a pending
/// enrolment), only if it is later than the last: two requests racing with
/// one code cannot both succeed. Answers whether it did.
pub async fn accept_step<'e>(db: impl crate::store::Db<'e>, user_id: UserId, step: i64, now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE user_second_factors
            SET last_step = $1, confirmed_at = COALESCE(confirmed_at, $2)
          WHERE user_id = $3 AND (last_step IS NULL OR last_step < $1)",
    )
    .bind(step)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Removes the user's key and recovery codes (disable or reset).
pub async fn delete(conn: &mut sqlx::AnyConnection, user_id: UserId) -> StoreResult<bool> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query("DELETE FROM user_second_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// Replaces the user's recovery codes with these digests.
pub async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    user_id: UserId,
    hashes: &[Digest],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(h.as_bytes())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks the recovery code used if it is the user's and unused; answers
/// whether it did, so a code works once even when sent twice at once.
pub async fn use_recovery_code<'e>(
    db: impl crate::store::Db<'e>,
    user_id: UserId,
    hash: &Digest,
    now: i64,
) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now)
            .bind(user_id)
            .bind(hash.as_bytes())
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// How many of the user's recovery codes are unused.
pub async fn recovery_codes_left<'e>(db: impl crate::store::Db<'e>, user_id: UserId) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(db)
            .await?,
    )
}

/// Stores a pending sign-in under the digest of its token.
pub async fn insert_pending<'e>(
    db: impl crate::store::Db<'e>,
    token_hash: &Digest,
    user_id: UserId,
    expires_at: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO pending_sign_ins (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash.as_bytes())
        .bind(user_id)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// The user of a pending sign-in that has not expired.
pub async fn find_pending<'e>(
    db: impl crate::store::Db<'e>,
    token_hash: &Digest,
    now: i64,
) -> StoreResult<Option<UserId>> {
    Ok(
        sqlx::query_scalar("SELECT user_id FROM pending_sign_ins WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash.as_bytes())
            .bind(now)
            .fetch_optional(db)
            .await?,
    )
}

/// Ends a pending sign-in; answers whether it was there, so it completes once.
pub async fn delete_pending<'e>(db: impl crate::store::Db<'e>, token_hash: &Digest) -> StoreResult<bool> {
    Ok(sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
        .bind(token_hash.as_bytes())
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Ends every pending sign-in of a user (on reset).
pub async fn delete_pending_for_user<'e>(db: impl crate::store::Db<'e>, user_id: UserId) -> StoreResult<()> {
    sqlx::query("DELETE FROM pending_sign_ins WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes expired pending sign-ins; run from the session sweeper.
pub async fn delete_expired_pending<'e>(db: impl crate::store::Db<'e>, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;
    use crate::store::Store;

    async fn store_with_user() -> (tempfile::TempDir, Store, UserId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).await.unwrap();
        store.migrate().await.unwrap();
        let id = crate::store::users::insert(store.pool(), "a@example.com", "x", Role::GlobalAdmin, true, 1)
            .await
            .unwrap();
        (dir, store, id)
    }

    #[tokio::test]
    async fn a_recovery_code_is_used_once() {
        let (_dir, store, id) = store_with_user().await;
        let (a, b) = (Digest([1; 32]), Digest([2; 32]));
        let mut conn = store.pool().acquire().await.unwrap();
        replace_recovery_codes(&mut conn, id, &[a, b]).await.unwrap();
        assert!(use_recovery_code(store.pool(), id, &a, 10).await.unwrap());
        assert!(
            !use_recovery_code(store.pool(), id, &a, 11).await.unwrap(),
            "second use"
        );
        assert!(
            !use_recovery_code(store.pool(), id + 1, &b, 11).await.unwrap(),
            "another user's"
        );
        assert!(!use_recovery_code(store.pool(), id, &Digest([3; 32]), 11).await.unwrap());
        assert_eq!(recovery_codes_left(store.pool(), id).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_time_step_is_accepted_once_and_never_an_earlier_one() {
        let (_dir, store, id) = store_with_user().await;
        assert!(begin(store.pool(), id, b"sealed", 1).await.unwrap());
        assert!(find(store.pool(), id).await.unwrap().unwrap().confirmed_at.is_none());
        assert!(accept_step(store.pool(), id, 100, 5).await.unwrap());
        assert!(find(store.pool(), id).await.unwrap().unwrap().confirmed_at == Some(5));
        assert!(!accept_step(store.pool(), id, 100, 6).await.unwrap(), "same step");
        assert!(!accept_step(store.pool(), id, 99, 6).await.unwrap(), "earlier step");
        assert!(accept_step(store.pool(), id, 101, 7).await.unwrap());
        assert!(
            !begin(store.pool(), id, b"other", 8).await.unwrap(),
            "a confirmed key stays"
        );
        assert_eq!(enrolled_users(store.pool()).await.unwrap(), vec![id]);
    }
}
