//! SQLite storage. Every query Keyward runs lives in a module here, in plain SQL.
//!
//! Connection settings are chosen, not inherited (sqlx leaves SQLite's defaults):
//! WAL so readers never wait for the writer, foreign keys on, a busy timeout so a
//! second writer waits instead of failing, and `synchronous = FULL` so a change
//! that was answered is on disk even after a power cut (see the README).

pub mod accounts;
pub mod audit;
pub mod changes;
pub mod credentials;
pub mod events;
pub mod instance;
pub mod leases;
pub mod sessions;
pub mod setup;
pub mod signing_keys;
pub mod smtp;
pub mod usage;
pub mod users;
pub mod webhooks;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; carries the constraint's columns.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A stored value no longer parses, which means the file was edited by hand.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.message().to_owned());
        }
        StoreError::Db(e)
    }
}

/// The result type of every store function.
pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database file with Keyward's pragmas.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// Applies the migrations embedded from `migrations/` that have not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations").run(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction with `BEGIN IMMEDIATE`: it takes SQLite's
    /// write lock at once, so concurrent writers queue on the busy timeout
    /// instead of failing when a read-then-write transaction would deadlock.
    pub async fn write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The pool, for store functions and transactions.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Writes an online, consistent copy of the database to `dest` while the
    /// server keeps running (`VACUUM INTO` reads one snapshot).
    pub async fn backup(&self, dest: &Path) -> StoreResult<()> {
        sqlx::query("VACUUM INTO ?")
            .bind(dest.to_string_lossy().into_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Answers whether the database responds, for `/readyz`.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Reads a connection setting (`journal_mode`, `synchronous`, …) as text,
    /// so the settings page and the tests show what SQLite really uses.
    pub async fn pragma(&self, name: Pragma) -> StoreResult<String> {
        use sqlx::Row;
        let row = sqlx::query(name.query()).fetch_one(&self.pool).await?;
        Ok(row
            .try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))?)
    }

    /// Closes every connection, checkpointing the WAL; used on graceful shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The connection settings that can be read back.
#[derive(Debug, Clone, Copy)]
pub enum Pragma {
    JournalMode,
    Synchronous,
    ForeignKeys,
    BusyTimeout,
}

impl Pragma {
    fn query(self) -> &'static str {
        match self {
            Pragma::JournalMode => "PRAGMA journal_mode",
            Pragma::Synchronous => "PRAGMA synchronous",
            Pragma::ForeignKeys => "PRAGMA foreign_keys",
            Pragma::BusyTimeout => "PRAGMA busy_timeout",
        }
    }
}
