//! Console users: create, change role, disable, with the last-admin rule.

mod second_step;
mod sessions;
mod setup;
mod two_factor;

pub use second_step::{PendingSignIn, SignInStep};
pub use sessions::{NewSession, Sessions};
pub use two_factor::TwoFactor;

use serde_json::json;

use crate::authz::{Access, Action, Area, Target};
use crate::domain::{AccountId, Email, Password, Role, User, UserId};
use crate::service::change::Change;
use crate::service::{Caller, Keyward, ServiceError, ServiceResult};
use crate::store::{self, StoreError};

/// Which accounts an Account Viewer gets, as a form or the CLI states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAccessInput {
    All,
    Only(Vec<AccountId>),
}

impl UserAccessInput {
    fn all_accounts(&self) -> bool {
        matches!(self, UserAccessInput::All)
    }

    fn granted(&self) -> &[AccountId] {
        match self {
            UserAccessInput::All => &[],
            UserAccessInput::Only(ids) => ids,
        }
    }
}

fn last_admin() -> ServiceError {
    ServiceError::rule(
        "LAST_ADMIN",
        "This is the last active Global Admin. Make another user a Global Admin first.",
    )
}
/// Console users: the first admin's setup, invitations, roles and disabling.
#[derive(Clone, Copy)]
pub struct Users<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Users<'_> {
    /// Every user; for the global roles only.
    pub async fn list(&self, caller: &Caller) -> ServiceResult<Vec<User>> {
        caller.authorize(Action::Use(Area::Admin, Access::Read), Target::Install, "user")?;
        let rows = store::users::list(self.kw.store.pool()).await?;
        let grants = store::users::all_grants(self.kw.store.pool()).await?;
        rows.into_iter()
            .map(|row| {
                let granted = grants.iter().filter(|(u, _)| *u == row.id).map(|(_, a)| *a).collect();
                Ok(row.into_user(granted)?)
            })
            .collect()
    }

    /// Creates a console user: Global Admins, and the CLI's `admin create`.
    pub async fn create(
        &self,
        caller: &Caller,
        email: &str,
        password_text: &str,
        role: Role,
        access: UserAccessInput,
    ) -> ServiceResult<User> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "user")?;
        let email = Email::parse(email)?;
        let password = Password::parse(password_text)?;
        self.check_accounts_exist(&access).await?;
        let hash = self.kw.passwords.hash(&password).await?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        let id = match store::users::insert(&mut *tx, email.as_str(), &hash, role, access.all_accounts(), now).await {
            Err(StoreError::Conflict(_)) => {
                return Err(ServiceError::Conflict(format!(
                    "A user with the e-mail {email} already exists."
                )));
            }
            other => other?,
        };
        if role == Role::AccountViewer {
            store::users::set_accounts(&mut tx, id, access.granted()).await?;
        }
        tx.audit("user.created",
            Some(format!("user:{id}")),
            None,
            json!({ "email": email.as_str(), "role": role, "accounts": access.granted(), "all_accounts": access.all_accounts() }),
        )
        .await?;
        let user = self.load_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes a user's role and account grants. A demotion that would leave no
    /// active Global Admin is refused.
    pub async fn update_role(
        &self,
        caller: &Caller,
        id: UserId,
        role: Role,
        access: UserAccessInput,
    ) -> ServiceResult<User> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "user")?;
        self.check_accounts_exist(&access).await?;
        let mut tx = Change::begin(self.kw, caller).await?;
        // Writing first takes SQLite's write lock, so two admins demoting each
        // other at once are serialised and the count below sees the other's change.
        store::users::update_role(&mut *tx, id, role, access.all_accounts()).await?;
        let before = store::users::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        if store::users::count_active_admins(&mut *tx).await? == 0 {
            return Err(last_admin());
        }
        store::users::set_accounts(
            &mut tx,
            id,
            if role == Role::AccountViewer {
                access.granted()
            } else {
                &[]
            },
        )
        .await?;
        tx.audit("user.updated",
            Some(format!("user:{id}")),
            None,
            json!({ "email": before.email, "role": role, "accounts": access.granted(), "all_accounts": access.all_accounts() }),
        )
        .await?;
        let user = self.load_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Disables or re-enables a user. Disabling ends their sessions; the last
    /// active Global Admin cannot be disabled.
    pub async fn set_disabled(&self, caller: &Caller, id: UserId, disabled: bool) -> ServiceResult<User> {
        caller.authorize(Action::Use(Area::Admin, Access::Write), Target::Install, "user")?;
        let now = self.kw.now();
        let mut tx = Change::begin(self.kw, caller).await?;
        store::users::set_disabled(&mut *tx, id, disabled.then_some(now)).await?;
        let user = store::users::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        if store::users::count_active_admins(&mut *tx).await? == 0 {
            return Err(last_admin());
        }
        if disabled {
            store::sessions::delete_for_user(&mut *tx, id).await?;
        }
        let action = if disabled { "user.disabled" } else { "user.enabled" };
        tx.audit(action, Some(format!("user:{id}")), None, json!({ "email": user.email }))
            .await?;
        let user = self.load_user(&mut tx, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn load_user(&self, tx: &mut sqlx::AnyConnection, id: UserId) -> ServiceResult<User> {
        let row = store::users::find(&mut *tx, id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let granted = store::users::granted_accounts(&mut *tx, id).await?;
        Ok(row.into_user(granted)?)
    }

    async fn check_accounts_exist(&self, access: &UserAccessInput) -> ServiceResult<()> {
        let ids = access.granted();
        if ids.is_empty() {
            return Ok(());
        }
        let mut unique = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        if store::accounts::count_existing(self.kw.store.pool(), &unique).await? != unique.len() as i64 {
            return Err(crate::domain::ValidationError::new("accounts", "names an account that does not exist").into());
        }
        Ok(())
    }
}
