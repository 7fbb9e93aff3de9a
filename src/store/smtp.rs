//! Queries on `smtp_settings` (one row).

use super::StoreResult;

/// The settings row; the password is still sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SmtpRow {
    pub host: String,
    pub port: i64,
    pub security: String,
    pub username: Option<String>,
    pub password_sealed: Option<Vec<u8>>,
    pub from_address: String,
}

pub async fn get<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Option<SmtpRow>> {
    Ok(sqlx::query_as(
        "SELECT host, port, security, username, password_sealed, from_address FROM smtp_settings WHERE id = 1",
    )
    .fetch_optional(db)
    .await?)
}

/// Replaces the settings.
pub async fn put<'e>(db: impl crate::store::Db<'e>, row: &SmtpRow, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO smtp_settings (id, host, port, security, username, password_sealed, from_address, updated_at)
         VALUES (1, $1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
            username = excluded.username, password_sealed = excluded.password_sealed,
            from_address = excluded.from_address, updated_at = excluded.updated_at",
    )
    .bind(&row.host)
    .bind(row.port)
    .bind(&row.security)
    .bind(row.username.as_deref())
    .bind(row.password_sealed.as_deref())
    .bind(&row.from_address)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
