//! Queries on `accounts`.

use super::{StoreError, StoreResult};
use crate::domain::{Account, AccountId, Plan};
use crate::store::Flag;
use crate::store::builder::Builder;

#[derive(Debug, sqlx::FromRow)]
struct AccountRow {
    id: AccountId,
    name: String,
    plan: String,
    #[sqlx(try_from = "Flag")]
    api_enabled: bool,
    #[sqlx(try_from = "Flag")]
    allow_query_key: bool,
    notification_emails: String,
    rate_limit: Option<String>,
    created_at: i64,
    version: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> StoreResult<Self> {
        let plan: Plan = r
            .plan
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("accounts.plan = {}", r.plan)))?;
        let notification_emails = serde_json::from_str(&r.notification_emails)
            .map_err(|_| StoreError::Corrupt("accounts.notification_emails".into()))?;
        let rate_limit = r
            .rate_limit
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| StoreError::Corrupt("accounts.rate_limit".into()))?;
        Ok(Account {
            id: r.id,
            name: r.name,
            plan,
            api_enabled: r.api_enabled,
            allow_query_key: r.allow_query_key,
            notification_emails,
            rate_limit,
            created_at: r.created_at,
            version: r.version,
        })
    }
}

const COLUMNS: &str =
    "id, name, plan, api_enabled, allow_query_key, notification_emails, rate_limit, created_at, version";

/// Every account, by name.
pub async fn list<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<Account>> {
    let rows: Vec<AccountRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts ORDER BY name"))
        .fetch_all(db)
        .await?;
    rows.into_iter().map(Account::try_from).collect()
}

/// One account by name.
pub async fn find_by_name<'e>(db: impl crate::store::Db<'e>, name: &str) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE name = $1"))
        .bind(name)
        .fetch_optional(db)
        .await?;
    row.map(Account::try_from).transpose()
}

/// One account by id.
pub async fn find<'e>(db: impl crate::store::Db<'e>, id: AccountId) -> StoreResult<Option<Account>> {
    let row: Option<AccountRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(Account::try_from).transpose()
}

/// Which of `ids` exist; used to check grants before writing them.
pub async fn count_existing<'e>(db: impl crate::store::Db<'e>, ids: &[AccountId]) -> StoreResult<i64> {
    let mut q = Builder::new("SELECT count(*) FROM accounts WHERE ");
    q.push_in("id", ids);
    let (sql, args) = q.finish()?;
    Ok(sqlx::query_scalar_with(&sql, args).fetch_one(db).await?)
}

/// Creates an account; a taken name is a [`StoreError::Conflict`].
pub async fn insert<'e>(db: impl crate::store::Db<'e>, name: &str, plan: Plan, now: i64) -> StoreResult<AccountId> {
    Ok(
        sqlx::query_scalar("INSERT INTO accounts (name, plan, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(plan.as_str())
            .bind(now)
            .fetch_one(db)
            .await?,
    )
}

/// Writes every mutable field of an account back and bumps its version (the
/// caller read the row in the same write transaction).
pub async fn update<'e>(db: impl crate::store::Db<'e>, account: &Account) -> StoreResult<()> {
    let emails = serde_json::to_string(&account.notification_emails).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rate_limit = account
        .rate_limit
        .map(|r| serde_json::to_string(&r))
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "UPDATE accounts
            SET plan = $1, api_enabled = $2, allow_query_key = $3, notification_emails = $4, rate_limit = $5,
                version = version + 1
          WHERE id = $6",
    )
    .bind(account.plan.as_str())
    .bind(Flag(account.api_enabled))
    .bind(Flag(account.allow_query_key))
    .bind(emails)
    .bind(rate_limit)
    .bind(account.id)
    .execute(db)
    .await?;
    Ok(())
}
