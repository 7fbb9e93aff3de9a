//! Queries on `audit_log`.

use super::StoreResult;
use crate::domain::{AccountId, ActorKind, AuditEntry, AuditFilter};
use crate::store::builder::Builder;

/// One entry to append. Built by the services, which know who did what.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: i64,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: Option<String>,
    pub account_id: Option<AccountId>,
    pub ip: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Appends an entry; run it in the same transaction as the change it records.
pub async fn insert<'e>(db: impl crate::store::Db<'e>, e: &NewEntry<'_>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, actor, action, target, account_id, ip, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.at)
    .bind(e.actor_kind.as_str())
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.action)
    .bind(e.target.as_deref())
    .bind(e.account_id)
    .bind(e.ip)
    .bind(e.details.to_string())
    .execute(db)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    at: i64,
    actor_kind: String,
    actor: String,
    action: String,
    target: Option<String>,
    account: Option<String>,
    ip: Option<String>,
    details: String,
}

/// Which accounts' entries a reader may see. Install-wide entries (no account)
/// are visible only with [`Visibility::All`].
#[derive(Debug, Clone)]
pub enum Visibility {
    All,
    Accounts(Vec<AccountId>),
}

/// A newest-first page of entries matching `filter`, at most `limit` long.
pub async fn list<'e>(
    db: impl crate::store::Db<'e>,
    filter: &AuditFilter,
    visibility: &Visibility,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let mut q = Builder::new(
        "SELECT l.id, l.at, l.actor_kind, l.actor, l.action, l.target, a.name AS account, l.ip, l.details
           FROM audit_log l LEFT JOIN accounts a ON a.id = l.account_id
          WHERE 1 = 1",
    );
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.action = ").push_bind(action.to_owned());
    }
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.actor = ").push_bind(actor.to_owned());
    }
    if let Some(account) = filter.account.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND a.name = ").push_bind(account.to_owned());
    }
    if let Some(target) = filter.target.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND l.target = ").push_bind(target.to_owned());
    }
    if let Some(before) = filter.before {
        q.push(" AND l.id < ").push_bind(before);
    }
    if let Visibility::Accounts(ids) = visibility {
        q.push(" AND ").push_in("l.account_id", ids);
    }
    q.push(" ORDER BY l.id DESC LIMIT ").push_bind(i64::from(limit));
    let (sql, args) = q.finish()?;
    let rows: Vec<EntryRow> = sqlx::query_as_with(&sql, args).fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: r.at,
            actor_kind: ActorKind::from_db(&r.actor_kind),
            actor: r.actor,
            action: r.action,
            target: r.target,
            account: r.account,
            ip: r.ip,
            details: r.details,
        })
        .collect())
}
