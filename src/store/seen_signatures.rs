//! Signatures seen within the replay window, shared by every instance on
//! PostgreSQL (one SQLite process keeps them in memory only).

use crate::store::StoreResult;

/// Records a signature until `until`; false when another instance (or this
/// one) already recorded it and its window has not closed: a replay.
pub async fn first_sighting<'e>(
    db: impl crate::store::Db<'e>,
    digest: &[u8],
    until: i64,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO seen_signatures (digest, expires_at) VALUES ($1, $2)
         ON CONFLICT (digest) DO UPDATE SET expires_at = EXCLUDED.expires_at
          WHERE seen_signatures.expires_at < $3",
    )
    .bind(digest)
    .bind(until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets signatures whose window has closed.
pub async fn prune<'e>(db: impl crate::store::Db<'e>, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM seen_signatures WHERE expires_at < $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}
