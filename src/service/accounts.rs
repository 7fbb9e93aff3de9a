//! Accounts: list, create, and change plan, "Enable API" and query-key auth.

use serde_json::json;

use super::{Caller, Keyward, ServiceError, ServiceResult};
use crate::authz::{Access, AccountLimit, Action, Area, Target};
use crate::domain::{Account, AccountName, Email, Plan, RateLimitSetting, ValidationError};
use crate::service::change::Change;
use crate::store::{self, StoreError};

/// The fields of an account that may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    pub plan: Option<Plan>,
    pub api_enabled: Option<bool>,
    pub allow_query_key: Option<bool>,
    pub notification_emails: Option<Vec<String>>,
    /// `Some(None)` goes back to the plan's limit.
    pub rate_limit: Option<Option<RateLimitSetting>>,
}

/// What an account gives its credentials: its plan, and its own limit, else the plan's.
fn account_limit(a: &Account) -> AccountLimit {
    AccountLimit {
        plan: a.plan,
        limit: a.rate_limit.unwrap_or_else(|| a.plan.rate_limit()),
    }
}
/// Accounts: their plans, limits and switches.
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Accounts<'_> {
    /// Whether the caller sees an account at all (its credentials or its settings).
    fn sees(caller: &Caller, a: &Account) -> bool {
        [Area::Admin, Area::Keys]
            .into_iter()
            .any(|area| caller.allows(Action::Use(area, Access::Read), Target::Account(a.into())))
    }

    /// The accounts the caller sees at all (their credentials or their settings), by name.
    pub async fn list(&self, caller: &Caller) -> ServiceResult<Vec<Account>> {
        Ok(store::accounts::list(self.kw.store().pool())
            .await?
            .into_iter()
            .filter(|a| Self::sees(caller, a))
            .collect())
    }

    /// One account by name. An account the caller may not read is "not found",
    /// not "forbidden", so its existence is not revealed.
    pub async fn get(&self, caller: &Caller, name: &str) -> ServiceResult<Account> {
        match store::accounts::find_by_name(self.kw.store().pool(), name).await? {
            Some(a) if Self::sees(caller, &a) => Ok(a),
            _ => Err(ServiceError::NotFound("account")),
        }
    }

    /// Creates an account with API access on.
    pub async fn create(&self, caller: &Caller, name: &str, plan: Plan) -> ServiceResult<Account> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "account")?;
        let cheapest = Plan::ALL[0];
        let limits = Action::SetAccountLimit {
            from: AccountLimit {
                plan: cheapest,
                limit: cheapest.rate_limit(),
            },
            to: AccountLimit {
                plan,
                limit: plan.rate_limit(),
            },
        };
        caller.authorize(limits, Target::Install, "account")?;
        let name = AccountName::parse(name)?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let id = match store::accounts::insert(&mut *tx, name.as_str(), plan, now).await {
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::Conflict(format!(
                    "An account named {name} already exists."
                )));
            }
            other => other?,
        };
        tx.audit(
            "account.created",
            Some(format!("account:{name}")),
            Some(id),
            json!({ "plan": plan }),
        )
        .await?;
        let account = store::accounts::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("account"))?;
        tx.touches_account(&account);
        tx.commit().await?;
        Ok(account)
    }

    /// Applies `patch` to the account `name`. The audit entry lists each
    /// field's old and new value.
    pub async fn update(&self, caller: &Caller, name: &str, patch: AccountPatch) -> ServiceResult<Account> {
        let emails = patch
            .notification_emails
            .map(|list| {
                list.iter()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Email::parse(s).map(String::from))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| ValidationError::new("notification_emails", e.message))?;
        let mut tx = Change::begin(self.kw, caller).await?;
        let before = store::accounts::find_by_name(&mut *tx, name).await?;
        let before = before.ok_or(ServiceError::NotFound("account"))?;
        let target = Target::Account((&before).into());
        caller.authorize(Action::Use(Area::Admin, Access::Write), target, "account")?;
        let after = Account {
            plan: patch.plan.unwrap_or(before.plan),
            api_enabled: patch.api_enabled.unwrap_or(before.api_enabled),
            allow_query_key: patch.allow_query_key.unwrap_or(before.allow_query_key),
            notification_emails: emails.unwrap_or_else(|| before.notification_emails.clone()),
            rate_limit: match patch.rate_limit {
                Some(r) => r.map(|r| r.validate("rate_limit")).transpose()?,
                None => before.rate_limit,
            },
            ..before.clone()
        };
        if after == before {
            return Ok(after);
        }
        let after = Account {
            version: before.version + 1,
            ..after
        };
        caller.authorize(
            Action::SetAccountLimit {
                from: account_limit(&before),
                to: account_limit(&after),
            },
            target,
            "account",
        )?;
        store::accounts::update(&mut *tx, &after).await?;
        let mut changes = serde_json::Map::new();
        if after.plan != before.plan {
            changes.insert("plan".into(), json!([before.plan, after.plan]));
        }
        if after.api_enabled != before.api_enabled {
            changes.insert("api_enabled".into(), json!([before.api_enabled, after.api_enabled]));
        }
        if after.allow_query_key != before.allow_query_key {
            changes.insert(
                "allow_query_key".into(),
                json!([before.allow_query_key, after.allow_query_key]),
            );
        }
        if after.rate_limit != before.rate_limit {
            changes.insert("rate_limit".into(), json!([before.rate_limit, after.rate_limit]));
        }
        if after.notification_emails != before.notification_emails {
            changes.insert(
                "notification_emails".into(),
                json!([before.notification_emails, after.notification_emails]),
            );
        }
        tx.audit(
            "account.updated",
            Some(format!("account:{name}")),
            Some(after.id),
            serde_json::Value::Object(changes),
        )
        .await?;
        tx.touches_account(&after);
        tx.commit().await?;
        Ok(after)
    }
}
