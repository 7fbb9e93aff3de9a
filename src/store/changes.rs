//! Queries on `change_log`: the changes other processes must apply to what
//! they hold in memory.

use super::{StoreError, StoreResult};
use crate::domain::AccountId;

/// One change to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A credential (by row id): created, edited, rotated, renewed, revoked.
    Credential(i64),
    /// An account's gate: the Enable API switch, its plan or rate limit.
    Account(AccountId),
    /// The signing keys: a rotation or a retirement.
    SigningKeys,
    /// An access token revoked before its expiry.
    TokenRevoked { jti: String, expires_at: i64 },
}

/// Appends `change`, in the caller's transaction.
pub async fn record(db: &mut sqlx::AnyConnection, change: &Changed, at: i64) -> StoreResult<()> {
    let (kind, id, jti) = match change {
        Changed::Credential(id) => ("credential", Some(*id), None),
        Changed::Account(id) => ("account", Some(*id), None),
        Changed::SigningKeys => ("signing_keys", None, None),
        Changed::TokenRevoked { jti, .. } => ("token_revoked", None, Some(jti.as_str())),
    };
    sqlx::query("INSERT INTO change_log (kind, id, jti, at) VALUES ($1, $2, $3, $4)")
        .bind(kind)
        .bind(id)
        .bind(jti)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// The last sequence number written or pruned (0 for none): where a
/// process that loads everything now starts reading the log. A log pruned
/// empty still counts what it held, or a process starting then would seem
/// behind the pruning for ever.
pub async fn latest<'e>(db: impl crate::store::Db<'e>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(v), 0) FROM (
             SELECT MAX(seq) AS v FROM change_log
             UNION ALL
             SELECT CAST(value AS BIGINT) AS v FROM instance_settings WHERE name = $1
         ) AS latest",
    )
    .bind(PRUNED_THROUGH)
    .fetch_one(db)
    .await?)
}

/// `(seq, kind, id, jti, the revoked token's expiry)`.
type LogRow = (i64, String, Option<i64>, Option<String>, Option<i64>);

/// Up to `limit` changes after `seq`, oldest first. A revoked token comes
/// with its expiry, read from `revoked_tokens`.
pub async fn after<'e>(db: impl crate::store::Db<'e>, seq: i64, limit: u32) -> StoreResult<Vec<(i64, Changed)>> {
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT c.seq, c.kind, c.id, c.jti, r.expires_at
         FROM change_log c LEFT JOIN revoked_tokens r ON r.jti = c.jti
         WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
    )
    .bind(seq)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(seq, kind, id, jti, expires_at)| {
            let changed = match (kind.as_str(), id, jti) {
                ("credential", Some(id), _) => Changed::Credential(id),
                ("account", Some(id), _) => Changed::Account(id),
                ("signing_keys", _, _) => Changed::SigningKeys,
                // A token whose revocation was pruned has expired anyway.
                ("token_revoked", _, Some(jti)) => Changed::TokenRevoked {
                    jti,
                    expires_at: expires_at.unwrap_or(0),
                },
                _ => return Err(StoreError::Corrupt(format!("change_log row {seq}"))),
            };
            Ok((seq, changed))
        })
        .collect()
}

/// Deletes the changes made before `before`; answers the last sequence
/// number deleted (0 for none), which a process behind it cannot catch up
/// from.
pub async fn prune(db: &mut sqlx::AnyConnection, before: i64) -> StoreResult<i64> {
    let pruned: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log WHERE at < $1")
        .bind(before)
        .fetch_one(&mut *db)
        .await?;
    if pruned > 0 {
        sqlx::query("DELETE FROM change_log WHERE seq <= $1")
            .bind(pruned)
            .execute(&mut *db)
            .await?;
        super::instance::set(&mut *db, PRUNED_THROUGH, &pruned.to_string()).await?;
    }
    Ok(pruned)
}

/// The last sequence number pruned (0 for none).
pub async fn pruned_through<'e>(db: impl crate::store::Db<'e>) -> StoreResult<i64> {
    Ok(super::instance::get(db, PRUNED_THROUGH)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

const PRUNED_THROUGH: &str = "change_log_pruned_through";
