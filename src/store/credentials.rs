//! Queries on `credentials` and `credential_secrets`.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::{StoreError, StoreResult};
use crate::crypto::Digest;
use crate::domain::RateLimitSetting;
use crate::domain::credential::EXPIRING_WITHIN_SECS;
use crate::domain::key::Environment;
use crate::domain::{
    AccountId, Cidr, Credential, CredentialKind, CredentialRole, CredentialStatus, KeyFormat, Right, Scope,
};

/// A `credentials` row joined with its account's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CredentialRow {
    pub id: i64,
    pub public_id: String,
    pub account_id: AccountId,
    pub account: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub environment: String,
    pub display_prefix: String,
    pub client_id: Option<String>,
    pub scopes: String,
    pub roles: String,
    pub allowed_cidrs: String,
    pub rights: String,
    pub expires_at: Option<i64>,
    pub lifetime_secs: Option<i64>,
    pub auto_renew: bool,
    pub metadata: String,
    pub created_at: i64,
    pub created_by: String,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
    pub token_ttl_secs: Option<i64>,
    pub format: String,
    pub signing_kid: Option<String>,
    pub rate_limit: Option<String>,
    /// Bumped by every management change (never by last-used times).
    pub version: i64,
}

/// The parsed JSON columns of a row.
#[derive(Debug, Clone)]
pub struct Grants {
    pub scopes: Vec<Scope>,
    pub roles: Vec<CredentialRole>,
    pub allowed_cidrs: Vec<Cidr>,
    pub rights: Vec<Right>,
}

fn corrupt(col: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("credentials.{col}: {e}"))
}

impl CredentialRow {
    /// The kind; anything else means a hand-edited file.
    pub fn kind(&self) -> StoreResult<CredentialKind> {
        self.kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("credentials.kind = {}", self.kind)))
    }

    /// The secret's format.
    pub fn format(&self) -> StoreResult<KeyFormat> {
        match self.format.as_str() {
            "opaque" => Ok(KeyFormat::Opaque),
            "jwt" => Ok(KeyFormat::Jwt),
            other => Err(StoreError::Corrupt(format!("credentials.format = {other}"))),
        }
    }

    /// The environment label.
    pub fn environment(&self) -> StoreResult<Environment> {
        self.environment
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("credentials.environment = {}", self.environment)))
    }

    /// The scopes, roles, CIDRs and rights.
    pub fn grants(&self) -> StoreResult<Grants> {
        Ok(Grants {
            scopes: serde_json::from_str(&self.scopes).map_err(corrupt("scopes"))?,
            roles: serde_json::from_str(&self.roles).map_err(corrupt("roles"))?,
            allowed_cidrs: serde_json::from_str(&self.allowed_cidrs).map_err(corrupt("allowed_cidrs"))?,
            rights: serde_json::from_str(&self.rights).map_err(corrupt("rights"))?,
        })
    }

    /// The credential's own rate-limit override.
    pub fn rate_limit(&self) -> StoreResult<Option<RateLimitSetting>> {
        self.rate_limit
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt("rate_limit"))
    }

    /// The public view at `now`.
    pub fn into_credential(self, now: i64) -> StoreResult<Credential> {
        let g = self.grants()?;
        let format = self.format()?;
        let rate_limit = self.rate_limit()?;
        Ok(Credential {
            kind: self.kind()?,
            environment: self.environment()?,
            metadata: serde_json::from_str(&self.metadata).map_err(corrupt("metadata"))?,
            status: CredentialStatus::at(self.revoked_at, self.expires_at, now),
            id: self.public_id,
            account: self.account,
            name: self.name,
            description: self.description,
            prefix: self.display_prefix,
            client_id: self.client_id,
            scopes: g.scopes,
            roles: g.roles,
            allowed_cidrs: g.allowed_cidrs,
            rights: g.rights,
            expires_at: self.expires_at,
            auto_renew: self.auto_renew,
            created_at: self.created_at,
            created_by: self.created_by,
            last_used_at: self.last_used_at,
            last_used_ip: self.last_used_ip,
            revoked_at: self.revoked_at,
            format,
            token_ttl_seconds: self.token_ttl_secs,
            rate_limit,
            version: self.version,
        })
    }
}

const SELECT: &str = "SELECT c.id, c.public_id, c.account_id, a.name AS account, c.name, c.description, c.kind,
        c.environment, c.display_prefix, c.client_id, c.scopes, c.roles, c.allowed_cidrs, c.rights,
        c.expires_at, c.lifetime_secs, c.auto_renew, c.metadata, c.created_at, c.created_by,
        c.last_used_at, c.last_used_ip, c.revoked_at, c.token_ttl_secs, c.format, c.signing_kid,
        c.rate_limit, c.version
   FROM credentials c JOIN accounts a ON a.id = c.account_id";

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
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values always serialise")
}

/// Inserts a credential; a name taken in the account is a [`StoreError::Conflict`].
pub async fn insert(conn: &mut SqliteConnection, r: &NewRow<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO credentials (public_id, account_id, name, description, kind, environment, display_prefix,
             client_id, scopes, roles, allowed_cidrs, rights, expires_at, lifetime_secs, auto_renew, metadata,
             created_at, created_by, format, token_ttl_secs, signing_kid, rate_limit)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
    .bind(r.auto_renew)
    .bind(r.metadata.to_string())
    .bind(r.created_at)
    .bind(r.created_by)
    .bind(r.format.as_str())
    .bind(r.token_ttl_secs)
    .bind(r.signing_kid)
    .bind(r.rate_limit.as_ref().map(json))
    .fetch_one(conn)
    .await?)
}

/// Stores a secret's digest as the credential's current secret.
pub async fn insert_secret(
    conn: &mut SqliteConnection,
    digest: &Digest,
    credential_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO credential_secrets (digest, credential_id, created_at) VALUES (?, ?, ?)")
        .bind(digest.as_bytes())
        .bind(credential_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `digest` the current secret: any secret already in its grace period
/// dies now, and the current one retires at `grace_end` (or now, with no grace).
pub async fn rotate(
    conn: &mut SqliteConnection,
    credential_id: i64,
    digest: &Digest,
    now: i64,
    grace_end: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM credential_secrets WHERE credential_id = ? AND retires_at IS NOT NULL")
        .bind(credential_id)
        .execute(&mut *conn)
        .await?;
    if grace_end > now {
        sqlx::query("UPDATE credential_secrets SET retires_at = ? WHERE credential_id = ? AND retires_at IS NULL")
            .bind(grace_end)
            .bind(credential_id)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("DELETE FROM credential_secrets WHERE credential_id = ?")
            .bind(credential_id)
            .execute(&mut *conn)
            .await?;
    }
    insert_secret(conn, digest, credential_id, now).await
}

/// A stored secret digest and when it stops working.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecretRow {
    pub digest: Vec<u8>,
    pub credential_id: i64,
    pub retires_at: Option<i64>,
}

/// The secrets of one credential (current and in grace).
pub async fn secrets_of<'e>(db: impl SqliteExecutor<'e>, credential_id: i64) -> StoreResult<Vec<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets WHERE credential_id = ?")
            .bind(credential_id)
            .fetch_all(db)
            .await?,
    )
}

/// Every secret, for filling the verification index at start.
pub async fn all_secrets<'e>(db: impl SqliteExecutor<'e>) -> StoreResult<Vec<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets")
            .fetch_all(db)
            .await?,
    )
}

/// One secret by digest: the one indexed look-up a cache miss costs.
pub async fn find_secret<'e>(db: impl SqliteExecutor<'e>, digest: &Digest) -> StoreResult<Option<SecretRow>> {
    Ok(
        sqlx::query_as("SELECT digest, credential_id, retires_at FROM credential_secrets WHERE digest = ?")
            .bind(digest.as_bytes())
            .fetch_optional(db)
            .await?,
    )
}

/// Every credential, for filling the verification index at start.
pub async fn all<'e>(db: impl SqliteExecutor<'e>) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(SELECT).fetch_all(db).await?)
}

/// One credential by internal id.
pub async fn find<'e>(db: impl SqliteExecutor<'e>, id: i64) -> StoreResult<Option<CredentialRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Whether a credential still stands, and at which version.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Standing {
    pub revoked_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub version: i64,
}

/// A credential's standing, read inside a write transaction.
pub async fn standing<'e>(db: impl SqliteExecutor<'e>, id: i64) -> StoreResult<Option<Standing>> {
    Ok(
        sqlx::query_as("SELECT revoked_at, expires_at, version FROM credentials WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// One credential by public id.
pub async fn find_public<'e>(db: impl SqliteExecutor<'e>, public_id: &str) -> StoreResult<Option<CredentialRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE c.public_id = ?"))
        .bind(public_id)
        .fetch_optional(db)
        .await?)
}

/// Narrows a credential list. `before` is the keyset cursor (an internal id).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only these accounts; `None` for every account.
    pub accounts: Option<Vec<AccountId>>,
    pub status: Option<CredentialStatus>,
    pub kind: Option<CredentialKind>,
    pub environment: Option<Environment>,
    /// Matches the name (anywhere) or the display prefix (from its start).
    pub query: Option<String>,
    pub before: Option<i64>,
    pub limit: u32,
}

/// A newest-first page. Keyset pagination on the primary key keeps every page
/// as fast as the first, however many credentials there are.
pub async fn list<'e>(db: impl SqliteExecutor<'e>, f: &ListFilter, now: i64) -> StoreResult<Vec<CredentialRow>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(SELECT);
    q.push(" WHERE 1 = 1");
    if let Some(ids) = &f.accounts {
        q.push(" AND c.account_id IN (SELECT value FROM json_each(")
            .push_bind(json(ids))
            .push("))");
    }
    if let Some(status) = f.status {
        let soon = now + EXPIRING_WITHIN_SECS;
        match status {
            CredentialStatus::Revoked => {
                q.push(" AND c.revoked_at IS NOT NULL");
            }
            CredentialStatus::Expired => {
                q.push(" AND c.revoked_at IS NULL AND c.expires_at <= ").push_bind(now);
            }
            CredentialStatus::Expiring => {
                q.push(" AND c.revoked_at IS NULL AND c.expires_at > ")
                    .push_bind(now)
                    .push(" AND c.expires_at <= ")
                    .push_bind(soon);
            }
            CredentialStatus::Active => {
                q.push(" AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ")
                    .push_bind(soon)
                    .push(")");
            }
        }
    }
    if let Some(kind) = f.kind {
        q.push(" AND c.kind = ").push_bind(kind.as_str());
    }
    if let Some(env) = f.environment {
        q.push(" AND c.environment = ").push_bind(env.as_str());
    }
    if let Some(text) = f.query.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q.push(" AND (c.name LIKE ")
            .push_bind(format!("%{escaped}%"))
            .push(" ESCAPE '\\' OR c.display_prefix LIKE ")
            .push_bind(format!("{escaped}%"))
            .push(" ESCAPE '\\' OR c.public_id = ")
            .push_bind(text.to_owned())
            .push(")");
    }
    if let Some(before) = f.before {
        q.push(" AND c.id < ").push_bind(before);
    }
    q.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(f.limit));
    Ok(q.build_query_as().fetch_all(db).await?)
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
pub async fn update<'e>(db: impl SqliteExecutor<'e>, id: i64, version: i64, c: &Changes<'_>) -> StoreResult<bool> {
    let (expiry_set, expires_at, lifetime) = match c.expiry {
        Some((at, life)) => (true, at, life),
        None => (false, None, None),
    };
    let done = sqlx::query(
        "UPDATE credentials
            SET description    = CASE WHEN ?3 THEN ?4 ELSE description END,
                scopes         = coalesce(?5, scopes),
                roles          = coalesce(?6, roles),
                allowed_cidrs  = coalesce(?7, allowed_cidrs),
                rights         = coalesce(?8, rights),
                expires_at     = CASE WHEN ?9 THEN ?10 ELSE expires_at END,
                lifetime_secs  = CASE WHEN ?9 THEN ?11 ELSE lifetime_secs END,
                auto_renew     = coalesce(?12, auto_renew),
                metadata       = coalesce(?13, metadata),
                token_ttl_secs = coalesce(?14, token_ttl_secs),
                rate_limit     = CASE WHEN ?15 THEN ?16 ELSE rate_limit END,
                version        = version + 1
          WHERE id = ?1 AND version = ?2",
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
    .bind(c.auto_renew)
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
    db: impl SqliteExecutor<'e>,
    id: i64,
    display_prefix: Option<&str>,
    signing_kid: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE credentials
            SET display_prefix = coalesce(?, display_prefix), signing_kid = coalesce(?, signing_kid),
                version = version + 1
          WHERE id = ?",
    )
    .bind(display_prefix)
    .bind(signing_kid)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks a credential revoked, once. Answers whether it was active until now.
pub async fn revoke<'e>(db: impl SqliteExecutor<'e>, id: i64, now: i64) -> StoreResult<bool> {
    Ok(
        sqlx::query("UPDATE credentials SET revoked_at = ?, version = version + 1 WHERE id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// One credential's last use, as batched in memory.
#[derive(Debug, Clone)]
pub struct Usage {
    pub credential_id: i64,
    pub at: i64,
    pub ip: Option<String>,
}

/// Writes a batch of last-used times in one transaction; an older time never
/// overwrites a newer one.
pub async fn record_usage(conn: &mut SqliteConnection, batch: &[Usage]) -> StoreResult<()> {
    for u in batch {
        sqlx::query(
            "UPDATE credentials SET last_used_at = ?, last_used_ip = ?
              WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
        )
        .bind(u.at)
        .bind(u.ip.as_deref())
        .bind(u.credential_id)
        .bind(u.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The most recently used credentials (never-used ones excluded), newest use first.
pub async fn recently_used<'e>(
    db: impl SqliteExecutor<'e>,
    accounts: &[AccountId],
    limit: u32,
) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.last_used_at IS NOT NULL AND c.account_id IN (SELECT value FROM json_each(?))
          ORDER BY c.last_used_at DESC LIMIT ?"
    ))
    .bind(json(&accounts))
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?)
}

/// Unrevoked credentials expiring in `(from, to]`, soonest first: what the
/// expiry scheduler looks at, through `credentials_by_expiry`.
pub async fn expiring_between<'e>(db: impl SqliteExecutor<'e>, from: i64, to: i64) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE c.revoked_at IS NULL AND c.expires_at > ? AND c.expires_at <= ? ORDER BY c.expires_at, c.id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?)
}

/// Moves an expiry from `from` to `to`; false if it was changed meanwhile
/// (an edit, another renewal), so a renewal never overwrites a newer expiry.
pub async fn renew<'e>(db: impl SqliteExecutor<'e>, id: i64, from: i64, to: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE credentials SET expires_at = ?, version = version + 1
              WHERE id = ? AND expires_at = ? AND revoked_at IS NULL",
    )
    .bind(to)
    .bind(id)
    .bind(from)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Working credentials (neither revoked nor expired) not used since `before`
/// (never-used ones count from their creation), least recently used first,
/// with how many there are in all.
pub async fn unused_since(
    conn: &mut SqliteConnection,
    accounts: &[AccountId],
    before: i64,
    now: i64,
    limit: u32,
) -> StoreResult<(Vec<CredentialRow>, i64)> {
    const WHERE: &str = "c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?2)
          AND coalesce(c.last_used_at, c.created_at) < ?3
          AND c.account_id IN (SELECT value FROM json_each(?1))";
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE {WHERE} ORDER BY coalesce(c.last_used_at, c.created_at), c.id LIMIT ?4"
    ))
    .bind(json(&accounts))
    .bind(now)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM credentials c WHERE {WHERE}"))
        .bind(json(&accounts))
        .bind(now)
        .bind(before)
        .fetch_one(&mut *conn)
        .await?;
    Ok((rows, count))
}

/// How many credentials of each status exist in the given accounts (all when `None`).
pub async fn count_by_status<'e>(
    db: impl SqliteExecutor<'e>,
    accounts: Option<&[AccountId]>,
    now: i64,
) -> StoreResult<[i64; 4]> {
    let soon = now + EXPIRING_WITHIN_SECS;
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
    q.push("coalesce(sum(revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ")
        .push_bind(soon)
        .push(")), 0), ");
    q.push("coalesce(sum(revoked_at IS NULL AND expires_at > ")
        .push_bind(now)
        .push(" AND expires_at <= ")
        .push_bind(soon)
        .push("), 0), ");
    q.push("coalesce(sum(revoked_at IS NULL AND expires_at <= ")
        .push_bind(now)
        .push("), 0), ");
    q.push("coalesce(sum(revoked_at IS NOT NULL), 0) FROM credentials");
    if let Some(ids) = accounts {
        q.push(" WHERE account_id IN (SELECT value FROM json_each(")
            .push_bind(json(&ids))
            .push("))");
    }
    let row: (i64, i64, i64, i64) = q.build_query_as().fetch_one(db).await?;
    Ok([row.0, row.1, row.2, row.3])
}
