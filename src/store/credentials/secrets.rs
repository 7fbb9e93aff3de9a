//! The secrets' keyed digests, current and in grace.

use crate::crypto::Digest;
use crate::store::StoreResult;

/// A stored secret digest and when it stops working.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecretRow {
    pub digest: Vec<u8>,
    pub credential_id: i64,
    pub retires_at: Option<i64>,
}

/// The secrets of one credential (current and in grace).
pub async fn secrets_of<'e>(db: impl crate::store::Db<'e>, credential_id: i64) -> StoreResult<Vec<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets WHERE credential_id = $1")
            .bind(credential_id)
            .fetch_all(db)
            .await?,
    )
}

/// Every secret, for filling the verification index at start.
pub async fn all_secrets<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets")
            .fetch_all(db)
            .await?,
    )
}

/// One secret by digest: the one indexed look-up a cache miss costs.
pub async fn find_secret<'e>(db: impl crate::store::Db<'e>, digest: &Digest) -> StoreResult<Option<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets WHERE digest = $1")
            .bind(digest.as_bytes())
            .fetch_optional(db)
            .await?,
    )
}
