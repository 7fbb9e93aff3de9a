//! Queries on `signing_keys` and `revoked_tokens`.

use super::StoreResult;

/// A signing key row; the private key is still sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub public_jwk: String,
    pub created_at: i64,
    /// When it signs from (its creation for keys made before the schedule).
    pub activates_at: i64,
    pub retired_at: Option<i64>,
    pub publish_until: Option<i64>,
}

/// Keys still in the JWKS at `now`: the next one published ahead, the active
/// one and the retiring ones, in that order (latest activation first; of two
/// activated in the same second, the one not retired).
pub async fn published<'e>(db: impl crate::store::Db<'e>, now: i64) -> StoreResult<Vec<SigningKeyRow>> {
    Ok(sqlx::query_as(
        "SELECT kid, algorithm, private_key, public_jwk, created_at,
                coalesce(activates_at, created_at) AS activates_at, retired_at, publish_until
           FROM signing_keys
          WHERE retired_at IS NULL OR publish_until IS NULL OR publish_until > $1
          ORDER BY coalesce(activates_at, created_at) DESC,
                   CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC, kid",
    )
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// A cheap fingerprint of the table, so a running server notices a rotation
/// made by the CLI in another process.
pub async fn fingerprint<'e>(db: impl crate::store::Db<'e>) -> StoreResult<(i64, i64)> {
    Ok(
        sqlx::query_as("SELECT count(*), coalesce(max(coalesce(retired_at, created_at)), 0) FROM signing_keys")
            .fetch_one(db)
            .await?,
    )
}

/// A key made now, published at once, that signs from `activates_at` on.
pub struct NewSigningKey<'a> {
    pub kid: &'a str,
    pub algorithm: &'a str,
    pub sealed_private_key: &'a [u8],
    pub public_jwk: &'a str,
    pub created_at: i64,
    pub activates_at: i64,
}

/// Adds a key: published from now on, signing from its activation.
pub async fn insert(conn: &mut sqlx::AnyConnection, key: &NewSigningKey<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_key, public_jwk, created_at, activates_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key.kid)
    .bind(key.algorithm)
    .bind(key.sealed_private_key)
    .bind(key.public_jwk)
    .bind(key.created_at)
    .bind(key.activates_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A key not retired yet: the one that signs, one that took over and awaits
/// its predecessor's retirement, or one published ahead.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveKey {
    pub kid: String,
    pub algorithm: String,
    pub created_at: i64,
    pub activates_at: i64,
}

impl From<LiveKey> for crate::domain::signing_key::SigningKey {
    fn from(k: LiveKey) -> Self {
        Self {
            kid: k.kid,
            algorithm: k.algorithm,
            created_at: k.created_at,
            activates_at: k.activates_at,
            retired_at: None,
            publish_until: None,
        }
    }
}

/// The keys not retired yet (normally the current one, and the next one
/// while it is published ahead).
pub async fn live<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<LiveKey>> {
    Ok(sqlx::query_as(
        "SELECT kid, algorithm, created_at, coalesce(activates_at, created_at) AS activates_at
           FROM signing_keys
          WHERE retired_at IS NULL
          ORDER BY created_at DESC, kid",
    )
    .fetch_all(db)
    .await?)
}

/// Retires `kid` as of `at`, publishing it until `until` (`None`: for ever,
/// because a never-expiring JWT-format key carries its signature).
pub async fn retire<'e>(db: impl crate::store::Db<'e>, kid: &str, at: i64, until: Option<i64>) -> StoreResult<()> {
    sqlx::query("UPDATE signing_keys SET retired_at = $1, publish_until = $2 WHERE kid = $3 AND retired_at IS NULL")
        .bind(at)
        .bind(until)
        .bind(kid)
        .execute(db)
        .await?;
    Ok(())
}

/// How long tokens signed by `kid` may live on: the latest expiry of the
/// JWT-format keys it signed. `Ok(None)`: none; `Ok(Some(None))`: one never expires.
pub async fn jwt_keys_signed_by<'e>(db: impl crate::store::Db<'e>, kid: &str) -> StoreResult<Option<Option<i64>>> {
    let (count, never, latest): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE expires_at IS NULL), max(expires_at)
           FROM credentials
          WHERE format = 'jwt' AND revoked_at IS NULL AND signing_kid = $1",
    )
    .bind(kid)
    .fetch_one(db)
    .await?;
    Ok(match (count, never) {
        (0, _) => None,
        (_, n) if n > 0 => Some(None),
        _ => Some(latest),
    })
}

/// Records a revoked token id until it would have expired.
pub async fn revoke_token<'e>(db: impl crate::store::Db<'e>, jti: &str, expires_at: i64) -> StoreResult<()> {
    sqlx::query("INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
        .bind(jti)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Revoked token ids that have not expired yet, for the in-memory denylist.
pub async fn revoked_tokens<'e>(db: impl crate::store::Db<'e>, now: i64) -> StoreResult<Vec<(String, i64)>> {
    Ok(
        sqlx::query_as("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > $1")
            .bind(now)
            .fetch_all(db)
            .await?,
    )
}

/// Deletes revoked token ids past their expiry.
pub async fn prune_revoked<'e>(db: impl crate::store::Db<'e>, now: i64) -> StoreResult<u64> {
    Ok(sqlx::query("DELETE FROM revoked_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}
