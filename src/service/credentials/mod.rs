//! Credentials: create (the secret is shown once), list, read, change, rotate
//! with a grace period, and revoke. Every change is audited in its own
//! transaction and then applied to the in-memory verification index. No
//! caller issues or changes a credential that can do more than itself (the
//! grant rule in [`crate::authz::grant`]).

mod bulk;
mod create;
mod lifecycle;
mod schedule;
mod update;

pub use schedule::PolicyRotation;

use super::{Caller, KeyCaller, Keyward, ServiceError, ServiceResult};
use crate::authz::{Access, AccountRef, Action, Area, Grant, KeyHolder, Lifetime, Target, Via};
use crate::domain::credential::{CredentialPage, CredentialQuery, CredentialSummary, PreviousSecret};
use crate::domain::{Account, Credential, CredentialStatus, Plan, RateLimitSetting, ValidationError};
use crate::store::credentials::{CredentialRow, Grants, ListFilter};
use crate::store::{self};

const MAX_PAGE: u32 = 200;

/// What a change to an existing credential is, for the grant rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Intent {
    /// An edit or a rotation.
    Change,
    /// A revocation: a credential may always revoke itself.
    Revoke,
    /// A rotation asked for by the credential itself, with its own secret.
    RotateSelf,
}

/// What a credential can do, for the grant rule: its grants, its own rate
/// limit, what its account gives (the account's own limit, else its
/// plan's), and how long it works.
pub(crate) fn grant_of(
    account: &str,
    plan: Plan,
    account_rate: Option<RateLimitSetting>,
    grants: &Grants,
    own_limit: Option<RateLimitSetting>,
    lifetime: Lifetime,
) -> Grant {
    Grant {
        account: account.to_owned(),
        scopes: grants.scopes.clone(),
        roles: grants.roles.clone(),
        allowed_cidrs: grants.allowed_cidrs.clone(),
        rights: grants.rights.clone(),
        own_limit,
        account_limit: account_rate.unwrap_or_else(|| plan.rate_limit()),
        lifetime,
    }
}

/// A stored credential's grant.
fn grant_of_row(row: &CredentialRow, account: &Account) -> ServiceResult<Grant> {
    Ok(grant_of(
        &account.name,
        account.plan,
        account.rate_limit,
        &row.grants()?,
        row.rate_limit()?,
        Lifetime {
            expires_at: row.expires_at,
            auto_renew: row.auto_renew,
        },
    ))
}
/// Credentials: issuing, listing, reading, changing, rotating and revoking them.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Credentials<'_> {
    /// Loads an account for an action on its credentials. One out of sight
    /// reads exactly like one that does not exist: a validation error on the
    /// `account` field (it names no account you can see).
    pub(super) async fn account_for(&self, caller: &Caller, name: &str, access: Access) -> ServiceResult<Account> {
        let unknown = || ValidationError::new("account", format!("no account named {name:?} that you can see"));
        let account = store::accounts::find_by_name(self.kw.store().pool(), name)
            .await?
            .ok_or_else(unknown)?;
        match caller.authorize(
            Action::Use(Area::Keys, access),
            Target::Account((&account).into()),
            "account",
        ) {
            Err(ServiceError::NotFound(_)) => Err(unknown().into()),
            other => other.map(|()| account),
        }
    }

    /// Loads a credential the caller may see; one it may not see is "not found".
    pub(super) async fn credential_for(
        &self,
        caller: &Caller,
        public_id: &str,
        access: Access,
    ) -> ServiceResult<(CredentialRow, Account)> {
        let row = store::credentials::find_public(self.kw.store().pool(), public_id).await?;
        let account = match &row {
            Some(r) => store::accounts::find(self.kw.store().pool(), r.account_id).await?,
            None => None,
        };
        let (Some(row), Some(account)) = (row, account) else {
            return Err(ServiceError::NotFound("credential"));
        };
        caller.authorize(
            Action::Use(Area::Keys, access),
            Target::Account((&account).into()),
            "credential",
        )?;
        Ok((row, account))
    }

    /// Inside a write transaction: loads a credential the caller may revoke
    /// (so may also revoke one of its consumer keys).
    pub(super) async fn credential_to_revoke(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: &Caller,
        public_id: &str,
    ) -> ServiceResult<(CredentialRow, Account)> {
        self.credential_to_change(tx, caller, public_id, Intent::Revoke).await
    }

    /// Inside a write transaction: loads a credential the caller may change
    /// or revoke, as it is now (a concurrent change has either committed or
    /// waits), and checks that the caller could have issued it (the grant rule).
    pub(super) async fn credential_to_change(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: &Caller,
        public_id: &str,
        intent: Intent,
    ) -> ServiceResult<(CredentialRow, Account)> {
        let row = store::credentials::find_public(&mut *tx, public_id).await?;
        let account = match &row {
            Some(r) => store::accounts::find(&mut *tx, r.account_id).await?,
            None => None,
        };
        let (Some(row), Some(account)) = (row, account) else {
            return Err(ServiceError::NotFound("credential"));
        };
        let target = Target::Account(AccountRef::from(&account));
        if intent == Intent::RotateSelf {
            caller.authorize(Action::RotateSelf { credential: row.id }, target, "credential")?;
            return Ok((row, account));
        }
        caller.authorize(Action::Use(Area::Keys, Access::Write), target, "credential")?;
        let grant = grant_of_row(&row, &account)?;
        let action = match intent {
            Intent::Change | Intent::RotateSelf => Action::Change {
                credential: row.id,
                grant: &grant,
            },
            Intent::Revoke => Action::Revoke {
                credential: row.id,
                grant: &grant,
            },
        };
        caller.authorize(action, target, "credential")?;
        Ok((row, account))
    }

    /// The accounts whose credentials the caller may read.
    pub(super) async fn readable_accounts(&self, caller: &Caller) -> ServiceResult<Vec<Account>> {
        Ok(store::accounts::list(self.kw.store().pool())
            .await?
            .into_iter()
            .filter(|a| caller.allows(Action::Use(Area::Keys, Access::Read), Target::Account(a.into())))
            .collect())
    }

    /// The query's filters (not its page) narrowed to the accounts the
    /// caller may read: what a list, its count and a bulk action all match.
    pub(super) async fn visible_filter(&self, caller: &Caller, q: &CredentialQuery) -> ServiceResult<ListFilter> {
        let accounts = self
            .readable_accounts(caller)
            .await?
            .into_iter()
            .filter(|a| q.account.as_deref().is_none_or(|n| n == a.name))
            .map(|a| a.id)
            .collect();
        Ok(ListFilter {
            accounts: Some(accounts),
            status: q.status,
            kind: q.kind,
            environment: q.environment,
            query: q.q.clone(),
            ..ListFilter::default()
        })
    }

    /// A newest-first page of the credentials the caller may see.
    pub async fn list(&self, caller: &Caller, q: &CredentialQuery) -> ServiceResult<CredentialPage> {
        let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Some(
                c.parse::<i64>()
                    .map_err(|_| ValidationError::new("cursor", "is not a cursor from a previous page"))?,
            ),
            None => None,
        };
        let limit = q.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let now = self.kw.now();
        let filter = ListFilter {
            before,
            limit: limit + 1,
            ..self.visible_filter(caller, q).await?
        };
        let mut rows = store::credentials::list(self.kw.store().pool(), &filter, now).await?;
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(|r| r.id.to_string())
        } else {
            None
        };
        Ok(CredentialPage {
            items: rows
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
            next_cursor,
        })
    }

    /// The dashboard's view of the credentials the caller may see.
    pub async fn summary(&self, caller: &Caller) -> ServiceResult<CredentialSummary> {
        let pool = self.kw.store().pool();
        let visible: Vec<_> = self.readable_accounts(caller).await?.iter().map(|a| a.id).collect();
        let now = self.kw.now();
        let [active, expiring, expired, revoked] =
            store::credentials::count_by_status(pool, Some(&visible), now).await?;
        let mut soon = store::credentials::list(
            pool,
            &ListFilter {
                accounts: Some(visible.clone()),
                status: Some(CredentialStatus::Expiring),
                limit: 100,
                ..Default::default()
            },
            now,
        )
        .await?;
        soon.sort_by_key(|r| r.expires_at);
        soon.truncate(8);
        let recent = store::credentials::recently_used(pool, &visible, 8).await?;
        Ok(CredentialSummary {
            active,
            expiring,
            expired,
            revoked,
            expiring_soon: soon
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
            recently_used: recent
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
        })
    }

    /// One credential.
    pub async fn get(&self, caller: &Caller, public_id: &str) -> ServiceResult<Credential> {
        let (row, _) = self.credential_for(caller, public_id, Access::Read).await?;
        let now = self.kw.now();
        let previous = match row.previous_app_secret_retires_at {
            // An application's previous secret signs, it is not looked up:
            // its last use is the application's own.
            Some(retires_at) if retires_at > now => Some(PreviousSecret {
                retires_at,
                last_used_at: None,
                last_used_ip: None,
            }),
            _ => store::credentials::previous_secret(self.kw.store().pool(), row.id, now).await?,
        };
        Ok(Credential {
            previous_secret: previous,
            ..row.into_credential(now)?
        })
    }

    /// Resolves an API caller: the credential must verify (not revoked,
    /// expired, API-disabled or outside its CIDRs) before it counts. `via`
    /// says how it proved itself; an access token counts with its own scopes.
    pub fn key_caller(&self, verdict: &crate::verify::Verdict, ip: Option<String>, via: Via) -> Option<KeyCaller> {
        let (Some(c), Some(a)) = (&verdict.credential, &verdict.account) else {
            return None;
        };
        if !verdict.code.is_valid() {
            return None;
        }
        let lifetime = Lifetime {
            expires_at: match &verdict.token {
                Some(t) => Some(c.expires_at.map_or(t.exp, |e| e.min(t.exp))),
                None => c.expires_at,
            },
            auto_renew: verdict.token.is_none() && c.auto_renew,
        };
        let grant = grant_of(&a.name, a.plan, a.rate_limit, &c.grants, c.rate_limit, lifetime);
        let via = match (&verdict.token, via) {
            (Some(t), _) => Via::AccessToken(t.scopes.clone()),
            (None, Via::Secret) if verdict.previous_secret => Via::PreviousSecret,
            (None, via) => via,
        };
        Some(KeyCaller {
            version: c.version,
            public_id: c.public_id.clone(),
            label: match via {
                Via::ClientAuth => c.client_id.clone().unwrap_or_else(|| c.display_prefix.clone()),
                Via::Secret | Via::PreviousSecret | Via::AccessToken(_) => c.display_prefix.clone(),
            },
            ip,
            holder: KeyHolder {
                credential_id: c.id,
                grant,
                via,
            },
        })
    }
}
