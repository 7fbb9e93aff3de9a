//! Queries on `credentials` and `credential_secrets`, by what they serve:
//! the row itself, reads, writes, secrets, and activity.

mod activity;
mod rotation;
mod row;
mod secrets;
mod write;

pub use activity::*;
pub use rotation::*;
pub use row::*;
pub use secrets::*;
pub use write::*;

use crate::domain::credential::EXPIRING_WITHIN_SECS;
use crate::domain::key::Environment;
use crate::domain::{AccountId, CredentialKind, CredentialStatus};
use crate::store::StoreResult;
use crate::store::builder::Builder;

pub(super) const SELECT: &str =
    "SELECT c.id, c.public_id, c.account_id, a.name AS account, c.name, c.description, c.kind,
        c.environment, c.display_prefix, c.client_id, c.scopes, c.roles, c.allowed_cidrs, c.rights,
        c.expires_at, c.lifetime_secs, c.auto_renew, c.metadata, c.created_at, c.created_by,
        c.last_used_at, c.last_used_ip, c.revoked_at, c.token_ttl_secs, c.format, c.signing_kid,
        c.rate_limit, c.version, c.app_secret, c.rotation,
        c.rotation_due_at, c.previous_app_secret, c.previous_app_secret_retires_at
   FROM credentials c JOIN accounts a ON a.id = c.account_id";

pub(super) fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values always serialise")
}

/// Every credential, for filling the verification index at start.
pub async fn all<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<CredentialRow>> {
    Ok(sqlx::query_as(SELECT).fetch_all(db).await?)
}

/// One credential by internal id.
pub async fn find<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<Option<CredentialRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
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
pub async fn standing<'e>(db: impl crate::store::Db<'e>, id: i64) -> StoreResult<Option<Standing>> {
    Ok(
        sqlx::query_as("SELECT revoked_at, expires_at, version FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// One credential by public id.
pub async fn find_public<'e>(db: impl crate::store::Db<'e>, public_id: &str) -> StoreResult<Option<CredentialRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE c.public_id = $1"))
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
pub async fn list<'e>(db: impl crate::store::Db<'e>, f: &ListFilter, now: i64) -> StoreResult<Vec<CredentialRow>> {
    let mut q = filtered(SELECT, f, now);
    q.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(f.limit));
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_as_with(&sql, args).fetch_all(db).await?)
}

/// How many credentials the filter matches in all (its cursor and limit
/// aside): the "select all N matching" of a bulk action.
pub async fn count<'e>(db: impl crate::store::Db<'e>, f: &ListFilter, now: i64) -> StoreResult<i64> {
    let unpaged = ListFilter {
        before: None,
        ..f.clone()
    };
    let q = filtered(
        "SELECT COUNT(*) FROM credentials c JOIN accounts a ON a.id = c.account_id",
        &unpaged,
        now,
    );
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_scalar_with(&sql, args).fetch_one(db).await?)
}

/// `select` narrowed by the filter's conditions (not its limit), so a list
/// and its count cannot disagree on what matches.
fn filtered<'a>(select: &str, f: &'a ListFilter, now: i64) -> Builder<'a> {
    let mut q = Builder::new(select);
    q.push(" WHERE 1 = 1");
    if let Some(ids) = &f.accounts {
        q.push(" AND ").push_in("c.account_id", ids);
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
        // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        q.push(" AND (lower(c.name) LIKE lower(")
            .push_bind(format!("%{escaped}%"))
            .push(") ESCAPE '\\' OR lower(c.display_prefix) LIKE lower(")
            .push_bind(format!("{escaped}%"))
            .push(") ESCAPE '\\' OR c.public_id = ")
            .push_bind(text.to_owned())
            .push(")");
    }
    if let Some(before) = f.before {
        q.push(" AND c.id < ").push_bind(before);
    }
    q
}
