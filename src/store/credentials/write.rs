//! Changes to credentials: insert, the named-field update with its version,
//! rotation, revocation and renewal.

use super::json;
use super::row::Grants;
use crate::crypto::Digest;
use crate::domain::RateLimitSetting;
use crate::domain::key::Environment;
use crate::domain::{AccountId, Cidr, CredentialKind, CredentialRole, KeyFormat, Right, Scope};
use crate::store::Flag;
use crate::store::StoreResult;

/// A credential to insert; the JSON columns are already encoded.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    pub public_id: &'a str,
    pub account_id: AccountId,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub kind: CredentialKind,
    pub environment: Environment,
    pub display_prefix: &'a str,
    pub client_id: Option<&'a str>,
    pub grants: &'a Grants,
    pub expires_at: Option<i64>,
    pub lifetime_secs: Option<i64>,
    pub auto_renew: bool,
    pub metadata: &'a serde_json::Value,
    pub created_at: i64,
    pub created_by: &'a str,
    pub format: KeyFormat,
    pub token_ttl_secs: Option<i64>,
    pub signing_kid: Option<&'a str>,
    pub rate_limit: Option<RateLimitSetting>,
    /// An application's secret, sealed.
    pub app_secret: Option<&'a [u8]>,
}

/// Inserts a credential; a name taken in the account is a [`StoreError::Conflict`].
pub async fn insert(conn: &mut sqlx::AnyConnection, r: &NewRow<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credentials (public_id, account_id, name, description, kind, environment, display_prefix,
             client_id, scopes, roles, allowed_cidrs, rights, expires_at, lifetime_secs, auto_renew, metadata,
             created_at, created_by, format, token_ttl_secs, signing_kid, rate_limit, app_secret)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
                 $23)
         RETURNING id",
    )
    .bind(r.public_id)
    .bind(r.account_id)
    .bind(r.name)
    .bind(r.description)
    .bind(r.kind.as_str())
    .bind(r.environment.as_str())
    .bind(r.display_prefix)
    .bind(r.client_id)
    .bind(json(&r.grants.scopes))
    .bind(json(&r.grants.roles))
    .bind(json(&r.grants.allowed_cidrs))
    .bind(json(&r.grants.rights))
    .bind(r.expires_at)
    .bind(r.lifetime_secs)
    .bind(Flag(r.auto_renew))
    .bind(r.metadata.to_string())
    .bind(r.created_at)
    .bind(r.created_by)
    .bind(r.format.as_str())
    .bind(r.token_ttl_secs)
    .bind(r.signing_kid)
    .bind(r.rate_limit.as_ref().map(json))
    .bind(r.app_secret.map(<[u8]>::to_vec))
    .fetch_one(conn)
    .await?)
}

/// Stores a secret's digest as the credential's current secret.
pub async fn insert_secret(
    conn: &mut sqlx::AnyConnection,
    digest: &Digest,
    credential_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO credential_secrets (digest, credential_id, created_at) VALUES ($1, $2, $3)")
        .bind(digest.as_bytes())
        .bind(credential_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a credential's previous secret now (the grace period after a
/// rotation); false when none was in its grace period.
pub async fn end_grace<'e>(db: impl crate::store::Db<'e>, credential_id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM credential_secrets WHERE credential_id = $1 AND retires_at IS NOT NULL")
        .bind(credential_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Marks a credential changed without touching its columns (one of an
/// application's consumer keys changed), so every index reloads it.
pub async fn bump_version<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE credentials SET version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes `digest` the current secret: any secret already in its grace period
/// dies now, and the current one retires at `grace_end` (or now, with no grace).
pub async fn rotate(
    conn: &mut sqlx::AnyConnection,
    credential_id: i64,
    digest: &Digest,
    now: i64,
    grace_end: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM credential_secrets WHERE credential_id = $1 AND retires_at IS NOT NULL")
        .bind(credential_id)
        .execute(&mut *conn)
        .await?;
    if grace_end > now {
        sqlx::query("UPDATE credential_secrets SET retires_at = $1 WHERE credential_id = $2 AND retires_at IS NULL")
            .bind(grace_end)
            .bind(credential_id)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("DELETE FROM credential_secrets WHERE credential_id = $1")
            .bind(credential_id)
            .execute(&mut *conn)
            .await?;
    }
    insert_secret(conn, digest, credential_id, now).await
}

/// The fields a PATCH names, already validated; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes<'a> {
    pub description: Option<Option<&'a str>>,
    pub scopes: Option<&'a [Scope]>,
    pub roles: Option<&'a [CredentialRole]>,
    pub allowed_cidrs: Option<&'a [Cidr]>,
    pub rights: Option<&'a [Right]>,
    /// `(expires_at, lifetime_secs)`.
    pub expiry: Option<(Option<i64>, Option<i64>)>,
    pub auto_renew: Option<bool>,
    pub metadata: Option<&'a serde_json::Value>,
    pub token_ttl_secs: Option<i64>,
    pub rate_limit: Option<Option<RateLimitSetting>>,
}

/// Writes the named fields, if the row is still at `version`, and bumps it.
/// Answers whether it was (a column nobody named is never written back, so
/// concurrent changes of different fields both survive).
pub async fn update<'e>(db: impl crate::store::Db<'e>, id: i64, version: i64, c: &Changes<'_>) -> StoreResult<bool> {
    let (expiry_set, expires_at, lifetime) = match c.expiry {
        Some((at, life)) => (true, at, life),
        None => (false, None, None),
    };
    let done = sqlx::query(
        "UPDATE credentials
            SET description    = CASE WHEN $3 THEN $4 ELSE description END,
                scopes         = coalesce($5, scopes),
                roles          = coalesce($6, roles),
                allowed_cidrs  = coalesce($7, allowed_cidrs),
                rights         = coalesce($8, rights),
                expires_at     = CASE WHEN $9 THEN $10 ELSE expires_at END,
                lifetime_secs  = CASE WHEN $9 THEN $11 ELSE lifetime_secs END,
                auto_renew     = coalesce($12, auto_renew),
                metadata       = coalesce($13, metadata),
                token_ttl_secs = coalesce($14, token_ttl_secs),
                rate_limit     = CASE WHEN $15 THEN $16 ELSE rate_limit END,
                version        = version + 1
          WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(c.description.is_some())
    .bind(c.description.flatten())
    .bind(c.scopes.map(json))
    .bind(c.roles.map(json))
    .bind(c.allowed_cidrs.map(json))
    .bind(c.rights.map(json))
    .bind(expiry_set)
    .bind(expires_at)
    .bind(lifetime)
    .bind(c.auto_renew.map(Flag))
    .bind(c.metadata.map(serde_json::Value::to_string))
    .bind(c.token_ttl_secs)
    .bind(c.rate_limit.is_some())
    .bind(c.rate_limit.flatten().as_ref().map(json))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// After a rotation: the new secret's display prefix (opaque API keys) and
/// the signing key of its JWT (JWT-format keys); `None` keeps a column as it is.
pub async fn set_rotated<'e>(
    db: impl crate::store::Db<'e>,
    id: i64,
    display_prefix: Option<&str>,
    signing_kid: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE credentials
            SET display_prefix = coalesce($1, display_prefix), signing_kid = coalesce($2, signing_kid),
                version = version + 1
          WHERE id = $3",
    )
    .bind(display_prefix)
    .bind(signing_kid)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a credential revoked, once. Answers whether it was active until now.
pub async fn revoke<'e>(db: impl crate::store::Db<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE credentials SET revoked_at = $1, version = version + 1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Moves an expiry from `from` to `to`; false if it was changed meanwhile
/// (an edit, another renewal), so a renewal never overwrites a newer expiry.
pub async fn renew<'e>(db: impl crate::store::Db<'e>, id: i64, from: i64, to: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE credentials SET expires_at = $1, version = version + 1
              WHERE id = $2 AND expires_at = $3 AND revoked_at IS NULL",
    )
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
