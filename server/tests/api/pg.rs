//! PostgreSQL for the tests. `make test-rust` starts a throwaway cluster
//! (`server/tests/pg/cluster.sh`) and exports its URL as
//! `KEYWARD_TEST_PG_URL`; each test gets a database of its own in it.
//! `KEYWARD_TEST_ENGINE=postgres` runs every `spawn_app` test on PostgreSQL.

use sqlx::{Connection, Executor, PgConnection};

/// The cluster's URL. The tests that need PostgreSQL fail without it rather
/// than pass without having run.
pub fn cluster_url() -> String {
    std::env::var("KEYWARD_TEST_PG_URL").expect(
        "KEYWARD_TEST_PG_URL is not set: run the tests through `make test-rust`, which starts a PostgreSQL cluster",
    )
}

/// Whether this run puts every test server on PostgreSQL.
pub fn suite_on_postgres() -> bool {
    std::env::var("KEYWARD_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// The URL of database `name` in the cluster, created empty if it is missing.
pub async fn database(name: &str) -> String {
    let admin = cluster_url();
    let mut conn = PgConnection::connect(&admin).await.expect("the test cluster answers");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    if exists.is_none() {
        conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    let base = admin.rsplit_once('/').expect("a URL with a database").0;
    format!("{base}/{name}")
}

/// A new, empty database.
pub async fn fresh_database() -> String {
    database(&format!("kw_{}", keyward::crypto::random::token().to_lowercase())).await
}

/// The same as [`database`], from synchronous code (the test configuration
/// is built outside the runtime's async context).
pub fn database_blocking(name: String) -> String {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(database(&name))
    })
    .join()
    .unwrap()
}

/// Under `KEYWARD_TEST_ENGINE=postgres`, the database that goes with a test's
/// data dir (one per dir, so a restart or a second process finds the same
/// data); `None` on SQLite.
pub fn database_for(data_dir: &std::path::Path) -> Option<String> {
    if !suite_on_postgres() {
        return None;
    }
    let tag: String = data_dir
        .to_string_lossy()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let tag = &tag[tag.len().saturating_sub(40)..];
    Some(database_blocking(format!("kw_{tag}")))
}

/// The environment a child `keyward` process on `data_dir` needs to reach
/// the same database as the test's servers (nothing on SQLite).
pub fn db_env(data_dir: &std::path::Path) -> Option<(&'static str, String)> {
    database_for(data_dir).map(|url| ("KEYWARD_DATABASE_URL", url))
}

/// The store a test's servers on `data_dir` use, opened from outside them.
pub async fn store_for(data_dir: &std::path::Path) -> keyward::store::Store {
    let db = match database_for(data_dir) {
        Some(url) => keyward::store::Database::Postgres(url),
        None => keyward::store::Database::SqliteFile(data_dir.join("keyward.db")),
    };
    keyward::store::Store::connect(&db).await.unwrap()
}
