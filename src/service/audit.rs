//! Reading and writing the audit trail.

use super::{Actor, Caller, Keyward, ServiceResult};
use crate::authz::{Access, Action, Area, Target};
use crate::domain::{AccountId, AuditFilter, AuditPage};
use crate::store::{self, audit::NewEntry, audit::Visibility};

/// Largest page the audit list serves.
const MAX_PAGE: u32 = 200;

/// Appends one audit entry through `db`, normally the change's own transaction.
pub(crate) async fn record<'e>(
    db: impl crate::store::Db<'e>,
    now: i64,
    actor: &Actor,
    action: &str,
    target: Option<String>,
    account_id: Option<AccountId>,
    details: serde_json::Value,
) -> ServiceResult<()> {
    store::audit::insert(
        db,
        &NewEntry {
            at: now,
            actor_kind: actor.kind,
            actor_id: actor.id,
            actor: &actor.label,
            action,
            target,
            account_id,
            ip: actor.ip.as_deref(),
            details,
        },
    )
    .await?;
    Ok(())
}
/// The audit trail, as each caller may read it.
#[derive(Clone, Copy)]
pub struct Audit<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Audit<'_> {
    /// A newest-first page of the audit trail that the caller may see:
    /// everything for the global roles, only their accounts' entries otherwise.
    pub async fn list(&self, caller: &Caller, filter: &AuditFilter) -> ServiceResult<AuditPage> {
        let visibility = if caller.allows(Action::Use(Area::Admin, Access::Read), Target::Install) {
            Visibility::All
        } else {
            Visibility::Accounts(self.kw.accounts().list(caller).await?.iter().map(|a| a.id).collect())
        };
        let limit = filter.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let mut entries = store::audit::list(self.kw.store.pool(), filter, &visibility, limit + 1).await?;
        let next_cursor = if entries.len() > limit as usize {
            entries.truncate(limit as usize);
            entries.last().map(|e| e.id)
        } else {
            None
        };
        Ok(AuditPage { entries, next_cursor })
    }
}
