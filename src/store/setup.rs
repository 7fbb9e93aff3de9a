//! Queries on `setup_tokens`, the one-time first-run link.

use super::StoreResult;
use crate::crypto::Digest;

/// Replaces any earlier unused link with a new one: only the newest printed link works.
pub async fn replace(conn: &mut sqlx::AnyConnection, token_hash: &Digest, now: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM setup_tokens WHERE used_at IS NULL")
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
        .bind(token_hash.as_bytes())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether the link exists, is unused and was created after `not_before`: a
/// read-only look-up, so a bad link is refused before any slow work.
pub async fn is_open<'e>(db: impl crate::store::Db<'e>, token_hash: &Digest, not_before: i64) -> StoreResult<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM setup_tokens
          WHERE token_hash = $1 AND used_at IS NULL AND created_at >= $2",
    )
    .bind(token_hash.as_bytes())
    .bind(not_before)
    .fetch_one(db)
    .await?
        > 0)
}

/// Marks the link used if it exists, is unused and was created after
/// `not_before`. Answers whether it did: a second use finds nothing to mark.
pub async fn consume<'e>(
    db: impl crate::store::Db<'e>,
    token_hash: &Digest,
    not_before: i64,
    now: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE setup_tokens SET used_at = $1
          WHERE token_hash = $2 AND used_at IS NULL AND created_at >= $3",
    )
    .bind(now)
    .bind(token_hash.as_bytes())
    .bind(not_before)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
