//! Queries on `consumer_keys`: an application's consumer keys, found by the
//! keyed hash of the key (verification) or of the validation token (the
//! console's approval page), never by the key itself.

use super::credentials::json;
use crate::crypto::Digest;
use crate::domain::application::{ConsumerKey, ConsumerKeyState, ConsumerKeyStatus};
use crate::domain::{AccountId, Cidr, Right};
use crate::store::{StoreError, StoreResult};

const SELECT: &str = "SELECT k.id, k.public_id, k.credential_id, c.public_id AS application, k.account_id,
        a.name AS account, k.digest, k.display_prefix, k.rights, k.allowed_cidrs, k.state,
        k.redirection, k.expires_at, k.created_at, k.decided_at, k.decided_by, k.revoked_at,
        k.last_used_at, k.last_used_ip
   FROM consumer_keys k
   JOIN credentials c ON c.id = k.credential_id
   JOIN accounts a ON a.id = k.account_id";

/// A `consumer_keys` row with its application's id and its account's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsumerKeyRow {
    pub id: i64,
    pub public_id: String,
    pub credential_id: i64,
    pub application: String,
    pub account_id: AccountId,
    pub account: String,
    pub digest: Vec<u8>,
    pub display_prefix: String,
    pub rights: String,
    pub allowed_cidrs: String,
    pub state: String,
    pub redirection: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

impl ConsumerKeyRow {
    /// The decision state; anything else means a hand-edited file.
    pub fn state(&self) -> StoreResult<ConsumerKeyState> {
        ConsumerKeyState::parse(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("consumer_keys.state = {}", self.state)))
    }

    /// The rights it was granted.
    pub fn rights(&self) -> StoreResult<Vec<Right>> {
        serde_json::from_str(&self.rights).map_err(|e| StoreError::Corrupt(format!("consumer_keys.rights: {e}")))
    }

    /// The ranges it may be used from.
    pub fn allowed_cidrs(&self) -> StoreResult<Vec<Cidr>> {
        serde_json::from_str(&self.allowed_cidrs)
            .map_err(|e| StoreError::Corrupt(format!("consumer_keys.allowed_cidrs: {e}")))
    }

    /// The public view at `now`.
    pub fn into_view(self, now: i64) -> StoreResult<ConsumerKey> {
        Ok(ConsumerKey {
            rights: self.rights()?,
            allowed_cidrs: self.allowed_cidrs()?,
            status: ConsumerKeyStatus::at(self.state()?, self.revoked_at, self.expires_at, now),
            id: self.public_id,
            application: self.application,
            account: self.account,
            prefix: self.display_prefix,
            expires_at: self.expires_at,
            created_at: self.created_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            revoked_at: self.revoked_at,
            last_used_at: self.last_used_at,
            last_used_ip: self.last_used_ip,
        })
    }
}

/// A consumer key to insert.
#[derive(Debug, Clone)]
pub struct NewConsumerKey<'a> {
    pub public_id: &'a str,
    pub credential_id: i64,
    pub account_id: AccountId,
    pub digest: &'a Digest,
    pub display_prefix: &'a str,
    pub rights: &'a [Right],
    pub allowed_cidrs: &'a [Cidr],
    pub state: ConsumerKeyState,
    pub validation_digest: Option<&'a Digest>,
    pub redirection: Option<&'a str>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub decided_by: Option<&'a str>,
}

/// Inserts a consumer key.
pub async fn insert(conn: &mut sqlx::AnyConnection, k: &NewConsumerKey<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO consumer_keys (public_id, credential_id, account_id, digest, display_prefix, rights,
             allowed_cidrs, state, validation_digest, redirection, expires_at, created_at, decided_at, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id",
    )
    .bind(k.public_id)
    .bind(k.credential_id)
    .bind(k.account_id)
    .bind(k.digest.as_bytes())
    .bind(k.display_prefix)
    .bind(json(k.rights))
    .bind(json(k.allowed_cidrs))
    .bind(k.state.as_str())
    .bind(k.validation_digest.map(|d| d.as_bytes().to_vec()))
    .bind(k.redirection)
    .bind(k.expires_at)
    .bind(k.created_at)
    .bind(k.decided_by.map(|_| k.created_at))
    .bind(k.decided_by)
    .fetch_one(conn)
    .await?)
}

/// An application's consumer keys, newest first.
pub async fn of_credential<'e>(db: impl crate::store::Db<'e>, credential_id: i64) -> StoreResult<Vec<ConsumerKeyRow>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE k.credential_id = $1 ORDER BY k.id DESC"))
            .bind(credential_id)
            .fetch_all(db)
            .await?,
    )
}

/// Every consumer key that may still be presented (not refused), for the
/// verification index at start.
pub async fn all_live<'e>(db: impl crate::store::Db<'e>) -> StoreResult<Vec<ConsumerKeyRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE k.state <> 'refused'"))
        .fetch_all(db)
        .await?)
}

/// The application behind a consumer key's digest: the indexed look-up a
/// verification miss costs.
pub async fn credential_of_digest<'e>(db: impl crate::store::Db<'e>, digest: &Digest) -> StoreResult<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT credential_id FROM consumer_keys WHERE digest = $1")
            .bind(digest.as_bytes())
            .fetch_optional(db)
            .await?,
    )
}

/// A pending consumer key by the digest of its validation token.
pub async fn find_pending<'e>(db: impl crate::store::Db<'e>, token: &Digest) -> StoreResult<Option<ConsumerKeyRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE k.validation_digest = $1 AND k.state = 'pending'"
    ))
    .bind(token.as_bytes())
    .fetch_optional(db)
    .await?)
}

/// One consumer key of an application by its public id.
pub async fn find_public<'e>(
    db: impl crate::store::Db<'e>,
    credential_id: i64,
    public_id: &str,
) -> StoreResult<Option<ConsumerKeyRow>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE k.credential_id = $1 AND k.public_id = $2"))
            .bind(credential_id)
            .bind(public_id)
            .fetch_optional(db)
            .await?,
    )
}

/// How many of an application's requests wait for a decision at `now`.
pub async fn count_pending<'e>(db: impl crate::store::Db<'e>, credential_id: i64, now: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM consumer_keys WHERE credential_id = $1 AND state = 'pending' AND expires_at > $2",
    )
    .bind(credential_id)
    .bind(now)
    .fetch_one(db)
    .await?)
}

/// Approves or refuses a pending key (only while it is pending and in time);
/// the validation token stops working either way.
pub async fn decide<'e>(db: impl crate::store::Db<'e>, id: i64, d: &Decision<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE consumer_keys
            SET state = $1, account_id = $2, expires_at = $3, decided_at = $4, decided_by = $5,
                validation_digest = NULL
          WHERE id = $6 AND state = 'pending' AND expires_at > $4",
    )
    .bind(d.state.as_str())
    .bind(d.account_id)
    .bind(d.expires_at)
    .bind(d.now)
    .bind(d.by)
    .bind(id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A decision on a pending key.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub state: ConsumerKeyState,
    pub account_id: AccountId,
    pub expires_at: Option<i64>,
    pub now: i64,
    pub by: &'a str,
}

/// Revokes one consumer key; false when it already was.
pub async fn revoke<'e>(db: impl crate::store::Db<'e>, id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE consumer_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every consumer key of an application (the application was revoked).
pub async fn revoke_all<'e>(db: impl crate::store::Db<'e>, credential_id: i64, now: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE consumer_keys SET revoked_at = $1, validation_digest = NULL
          WHERE credential_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(credential_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// One consumer key's use, batched like credentials' last-used times.
#[derive(Debug, Clone)]
pub struct ConsumerUse {
    pub id: i64,
    pub at: i64,
    pub ip: Option<String>,
}

/// Writes last-used times; never moves one back.
pub async fn record_usage(conn: &mut sqlx::AnyConnection, batch: &[ConsumerUse]) -> StoreResult<()> {
    for u in batch {
        sqlx::query(
            "UPDATE consumer_keys SET last_used_at = $1, last_used_ip = $2
              WHERE id = $3 AND (last_used_at IS NULL OR last_used_at <= $1)",
        )
        .bind(u.at)
        .bind(u.ip.as_deref())
        .bind(u.id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
