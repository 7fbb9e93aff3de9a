//! Storage on SQLite (the embedded default) or PostgreSQL (several instances).
//! Every query Keyward runs lives in a module here, in plain SQL. Statements go
//! through sqlx's `Any` driver with `$N` placeholders, which both engines read,
//! so most SQL is written once; where the dialects differ, a function holds
//! both texts side by side and picks one by [`Engine`].
//!
//! SQLite's connection settings are chosen, not inherited:
//! WAL so readers never wait for the writer, foreign keys on, a busy timeout so a
//! second writer waits instead of failing, and `synchronous = FULL` so a change
//! that was answered is on disk even after a power cut (see the README).

pub mod accounts;
pub mod audit;
pub mod builder;
pub mod changes;
pub mod consumer_keys;
pub mod credentials;
mod engine;
pub mod events;
pub mod feed;
mod flag;
pub mod instance;
pub mod leases;
pub mod rate_budgets;
pub mod seen_signatures;
pub mod sessions;
pub mod setup;
pub mod signing_keys;
pub mod smtp;
pub mod two_factor;
pub mod usage;
pub mod users;
pub mod webhooks;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use engine::sqlite_url;
pub use engine::{Database, DatabaseUrl, Engine, redact};
pub use flag::Flag;

/// What a store function runs its statement on: the pool, a pooled
/// connection or an open transaction, on either engine.
pub trait Db<'c>: Executor<'c, Database = sqlx::Any> {}
impl<'c, T: Executor<'c, Database = sqlx::Any>> Db<'c> for T {}

/// A write transaction (see [`Store::write`]).
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The advisory lock every PostgreSQL write transaction takes: one writer at a
/// time, as SQLite's `BEGIN IMMEDIATE` gives, so read-then-write checks hold and
/// `change_log.seq` is handed out in commit order (a poller never skips a row
/// whose transaction commits late). The number is "keyward" in ASCII.
const PG_WRITER_LOCK: i64 = 0x006b_6579_7761_7264;

/// SQLite's connection settings, run on every new connection.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;";

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
    /// The engine cannot do this; the text says what to do instead.
    #[error("{0}")]
    Unsupported(&'static str),
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
    pool: AnyPool,
    engine: Engine,
    url: String,
}

impl Store {
    /// Opens (creating if needed) a SQLite database file with Keyward's pragmas.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn open(path: &Path) -> StoreResult<Self> {
        Self::connect(&Database::SqliteFile(path.to_owned())).await
    }

    /// Connects to either engine. Does not migrate: call [`Store::migrate`].
    pub async fn connect(db: &Database) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let (url, engine, max) = match db {
            Database::SqliteFile(path) => (sqlite_url(path), Engine::Sqlite, 8),
            Database::Postgres(url) => (url.clone(), Engine::Postgres, 16),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        // One direct connection first: a wrong host or password then says so,
        // where the pool would only report that it timed out.
        AnyConnection::connect_with(&options).await?.close().await?;
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match engine {
                        Engine::Sqlite => conn.execute(SQLITE_PRAGMAS).await?,
                        Engine::Postgres => {
                            conn.execute("SET lock_timeout = '5s'; SET application_name = 'keyward'")
                                .await?
                        }
                    };
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self { pool, engine, url })
    }

    /// The URL the store connected with (the change feed opens its own connection).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Whether several instances may serve this database at once (PostgreSQL);
    /// on SQLite one server process does, and what it holds in memory is exact.
    pub fn is_shared(&self) -> bool {
        self.engine == Engine::Postgres
    }

    /// Which engine this store talks to.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies the engine's embedded migrations that have not run yet. On
    /// PostgreSQL the migrator holds an advisory lock, so instances starting
    /// together apply each migration once; it runs on a connection of its own
    /// that is closed afterwards, so a failed run cannot leave that lock held
    /// on a pooled connection.
    ///
    /// SQLite migrations run with foreign keys off, as its procedure for
    /// changing a table's constraints (a rebuild) requires; every reference
    /// is checked before the connection closes.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.engine {
            Engine::Sqlite => {
                use sqlx::ConnectOptions;
                let mut conn = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&self.url)?
                    .foreign_keys(false)
                    .connect()
                    .await?;
                let done = sqlx::migrate!("./migrations/sqlite").run(&mut conn).await;
                let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                    .fetch_all(&mut conn)
                    .await?;
                conn.close().await?;
                done?;
                match dangling.first() {
                    Some((table,)) => Err(StoreError::Corrupt(format!(
                        "{table} references rows that do not exist after migrating"
                    ))),
                    None => Ok(()),
                }
            }
            Engine::Postgres => {
                let mut conn = AnyConnection::connect(&self.url).await?;
                let done = sqlx::migrate!("./migrations/postgres").run(&mut conn).await;
                conn.close().await?;
                Ok(done?)
            }
        }
    }

    /// Starts a write transaction that holds the database's single writer lock
    /// at once: SQLite's `BEGIN IMMEDIATE`, or PostgreSQL's transaction-scoped
    /// advisory lock. Concurrent writers queue (5 s) instead of failing when a
    /// read-then-write transaction would deadlock.
    pub async fn write(&self) -> StoreResult<Tx> {
        Ok(match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(PG_WRITER_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// Starts a read-only transaction that sees one snapshot of the database.
    pub async fn snapshot(&self) -> StoreResult<Tx> {
        Ok(match self.engine {
            Engine::Sqlite => self.pool.begin().await?,
            Engine::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
        })
    }

    /// The pool, for store functions and transactions.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Writes an online, consistent copy of the database to `dest` while the
    /// server keeps running (`VACUUM INTO` reads one snapshot). PostgreSQL has
    /// its own tools for this, and the error says which.
    pub async fn backup(&self, dest: &Path) -> StoreResult<()> {
        if self.engine == Engine::Postgres {
            return Err(StoreError::Unsupported(
                "on PostgreSQL, back up with pg_dump (for example `pg_dump --format=custom`), and keep the master key with it",
            ));
        }
        sqlx::query("VACUUM INTO $1")
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
    /// so the settings page and the tests show what the engine really uses.
    pub async fn pragma(&self, name: Pragma) -> StoreResult<String> {
        use sqlx::Row;
        let sql = match self.engine {
            Engine::Sqlite => name.sqlite(),
            Engine::Postgres => name.postgres(),
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
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
    fn sqlite(self) -> &'static str {
        match self {
            Pragma::JournalMode => "PRAGMA journal_mode",
            Pragma::Synchronous => "PRAGMA synchronous",
            Pragma::ForeignKeys => "PRAGMA foreign_keys",
            Pragma::BusyTimeout => "PRAGMA busy_timeout",
        }
    }

    /// The nearest PostgreSQL setting: it always writes ahead, always checks
    /// foreign keys, and waits `lock_timeout` for the writer lock.
    fn postgres(self) -> &'static str {
        match self {
            Pragma::JournalMode => "SELECT 'wal'",
            Pragma::Synchronous => "SHOW synchronous_commit",
            Pragma::ForeignKeys => "SELECT CAST(1 AS BIGINT)",
            Pragma::BusyTimeout => "SHOW lock_timeout",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_escape_what_sqlx_would_split_or_decode() {
        assert_eq!(
            sqlite_url(Path::new("/tmp/a b/k.db")),
            "sqlite:///tmp/a b/k.db?mode=rwc"
        );
        assert_eq!(
            sqlite_url(Path::new("/x/50%?#/k.db")),
            "sqlite:///x/50%25%3F%23/k.db?mode=rwc"
        );
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(
            redact("postgres://kw:s3cret@db:5432/keyward"),
            "postgres://kw:…@db:5432/keyward"
        );
        assert_eq!(redact("postgres://kw@db/keyward"), "postgres://kw@db/keyward");
        assert_eq!(
            redact("postgres://kw:a@db/k?sslmode=require&password=s3cret"),
            "postgres://kw:…@db/k?sslmode=require&password=…"
        );
        assert_eq!(
            format!("{:?}", DatabaseUrl("postgres://a:b@h/d".into())),
            "postgres://a:…@h/d"
        );
    }

    #[tokio::test]
    async fn a_new_sqlite_file_is_created_with_its_settings_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("k.db")).await.unwrap();
        store.migrate().await.unwrap();
        assert_eq!(store.pragma(Pragma::JournalMode).await.unwrap(), "wal");
        assert_eq!(store.pragma(Pragma::Synchronous).await.unwrap(), "2");
        assert_eq!(store.pragma(Pragma::ForeignKeys).await.unwrap(), "1");
        assert_eq!(accounts::list(store.pool()).await.unwrap().len(), 1);
    }
}
