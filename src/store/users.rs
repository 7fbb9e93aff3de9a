//! Queries on `users` and `user_accounts`.

use super::{StoreError, StoreResult};
use crate::domain::{AccountAccess, AccountId, Role, User, UserId};
use crate::store::Flag;

/// A `users` row with its account grants, before it becomes a [`User`].
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    #[sqlx(try_from = "Flag")]
    pub all_accounts: bool,
    pub disabled_at: Option<i64>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
}

impl UserRow {
    /// The parsed role; a value outside the CHECK list means a hand-edited file.
    pub fn role(&self) -> StoreResult<Role> {
        self.role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("users.role = {}", self.role)))
    }

    /// Builds the public view, given the accounts granted to this user.
    pub fn into_user(self, granted: Vec<AccountId>) -> StoreResult<User> {
        let role = self.role()?;
        Ok(User {
            id: self.id,
            access: access(role, self.all_accounts, granted),
            role,
            email: self.email,
            disabled: self.disabled_at.is_some(),
            created_at: self.created_at,
            last_sign_in_at: self.last_sign_in_at,
        })
    }
}

/// What a role plus its grants may read.
pub fn access(role: Role, all_accounts: bool, granted: Vec<AccountId>) -> AccountAccess {
    match role {
        Role::AccountViewer if !all_accounts => AccountAccess::Only(granted),
        _ => AccountAccess::All,
    }
}

const COLUMNS: &str = "id, email, password_hash, role, all_accounts, disabled_at, created_at, last_sign_in_at";

/// How many users exist, disabled ones included.
pub async fn count<'e>(db: impl crate::store::Db<'e>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db).await?)
}

/// How many Global Admins can still sign in.
pub async fn count_active_admins<'e>(db: impl crate::store::Db<'e>) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'global_admin' AND disabled_at IS NULL")
            .fetch_one(db)
            .await?,
    )
}

/// Inserts a user and returns its id. A taken e-mail is a [`StoreError::Conflict`].
/// The addresses of the enabled Global Admins, who hear about failing webhooks.
pub async fn admin_emails<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT email FROM users WHERE role = 'global_admin' AND disabled_at IS NULL ORDER BY id")
            .fetch_all(db)
            .await?,
    )
}

pub async fn insert<'e>(
    db: impl crate::store::Db<'e>,
    email: &str,
    password_hash: &str,
    role: Role,
    all_accounts: bool,
    now: i64,
) -> StoreResult<UserId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, role, all_accounts, created_at)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(Flag(all_accounts))
    .bind(now)
    .fetch_one(db)
    .await?)
}

/// Replaces the accounts granted to a user.
pub async fn set_accounts(conn: &mut sqlx::AnyConnection, user_id: UserId, accounts: &[AccountId]) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_accounts WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for account_id in accounts {
        sqlx::query("INSERT INTO user_accounts (user_id, account_id) VALUES ($1, $2)")
            .bind(user_id)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The accounts granted to one user.
pub async fn granted_accounts<'e>(db: impl crate::store::Db<'e>, user_id: UserId) -> StoreResult<Vec<AccountId>> {
    Ok(
        sqlx::query_scalar("SELECT account_id FROM user_accounts WHERE user_id = $1 ORDER BY account_id")
            .bind(user_id)
            .fetch_all(db)
            .await?,
    )
}

/// Every (user, account) grant, for listing users in one query.
pub async fn all_grants<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<(UserId, AccountId)>> {
    Ok(
        sqlx::query_as("SELECT user_id, account_id FROM user_accounts ORDER BY account_id")
            .fetch_all(db)
            .await?,
    )
}

/// Finds a user by (lower-cased) e-mail.
pub async fn find_by_email<'e>(db: impl crate::store::Db<'e>, email: &str) -> StoreResult<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
        .bind(email)
        .fetch_optional(db)
        .await?)
}

/// Finds a user by id.
pub async fn find<'e>(db: impl crate::store::Db<'e>, id: UserId) -> StoreResult<Option<UserRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Every user, by e-mail.
pub async fn list<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<UserRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM users ORDER BY email"))
        .fetch_all(db)
        .await?)
}

/// Changes a user's role and whether they see every account.
pub async fn update_role<'e>(
    db: impl crate::store::Db<'e>,
    id: UserId,
    role: Role,
    all_accounts: bool,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET role = $1, all_accounts = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(Flag(all_accounts))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Disables (with the time) or re-enables (with `None`) a user.
pub async fn set_disabled<'e>(db: impl crate::store::Db<'e>, id: UserId, disabled_at: Option<i64>) -> StoreResult<()> {
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(disabled_at)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Replaces a user's password hash.
pub async fn set_password_hash<'e>(db: impl crate::store::Db<'e>, id: UserId, password_hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a successful sign-in.
pub async fn touch_sign_in<'e>(db: impl crate::store::Db<'e>, id: UserId, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}
