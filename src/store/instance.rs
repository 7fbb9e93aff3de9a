//! Queries on `instance_settings`: values chosen once for the install.

use super::StoreResult;

/// The stored value of `name`.
pub async fn get<'e>(db: impl crate::store::Db<'e>, name: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = $1")
            .bind(name)
            .fetch_optional(db)
            .await?,
    )
}

/// Stores `value` under `name` unless one is there, and answers the value
/// that is kept (two instances starting at once agree on the first).
pub async fn get_or_insert<'e>(db: impl crate::store::Db<'e>, name: &str, value: &str) -> StoreResult<String> {
    Ok(sqlx::query_scalar(
        "INSERT INTO instance_settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = instance_settings.value
         RETURNING value",
    )
    .bind(name)
    .bind(value)
    .fetch_one(db)
    .await?)
}

/// Stores `value` under `name`, replacing what was there.
pub async fn set<'e>(db: impl crate::store::Db<'e>, name: &str, value: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO instance_settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(db)
    .await?;
    Ok(())
}
