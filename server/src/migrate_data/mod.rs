//! `keyward migrate-data`: moves a SQLite install onto PostgreSQL in one
//! pass, so an install that outgrows one machine keeps every credential,
//! token, user and setting, and nobody reissues a key.
//!
//! The source is opened read-only and read in one transaction: the copy is
//! one consistent snapshot even if a server still writes to the file (what it
//! writes later is not copied, so stop it first). The target is migrated with
//! this binary's PostgreSQL schema, must hold nothing but the seeded `default`
//! account, and is written in one transaction that compares every table's
//! count with the source before it commits: a failed run changes nothing.
//! Secrets stay what SQLite holds, keyed digests and sealed blobs, so the
//! master key has to go with the data.
//!
//! Nothing here names a column: the tables, their order (each after the
//! tables it references) and their columns are read from the source's schema,
//! which the migration check proves is this binary's, and PostgreSQL's schema
//! must match it column for column.

use keyward::config::Config;
use keyward::store::{Database, Store, redact};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;
use std::str::FromStr;

mod rows;
use rows::{copy, plan};

/// The SQLite migrations this binary knows; the source must stand at the newest.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");

/// Tables about running processes, not data, which are not copied (and must
/// be empty in the target too): `change_log` tells instances what changed
/// since they loaded, and instances on the new database load everything;
/// `job_leases` says which instance runs a job; `rate_limit_budgets` holds
/// the current minute's shared rate-limit state. Nor is `_sqlx_migrations`:
/// the target has its own.
const SKIPPED: &[&str] = &["change_log", "job_leases", "rate_limit_budgets"];

/// Rows left behind: how far the SQLite change log was pruned means nothing
/// to PostgreSQL's empty one, and would make every instance reload forever.
fn copied_rows(table: &str) -> Option<&'static str> {
    (table == "instance_settings").then_some("name <> 'change_log_pruned_through'")
}

/// Copies the SQLite database `from` into the empty PostgreSQL database `to`.
pub async fn run(from: &Path, to: &str) -> Result<(), String> {
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        return Err("--to takes a PostgreSQL URL: postgres://user:password@host:5432/database".into());
    }
    if !from.is_file() {
        return Err(format!("no SQLite database at {}", from.display()));
    }
    // Shown without the password, and without the query, where sqlx takes one too.
    let target = redact(to.split('?').next().unwrap_or(to));
    let options = SqliteConnectOptions::new().filename(from).read_only(true);
    let mut source = SqliteConnection::connect_with(&options.disable_statement_logging())
        .await
        .map_err(|e| format!("cannot open {}: {e}", from.display()))?;
    let mut snapshot = source.begin().await.map_err(|e| format!("reading the source: {e}"))?;
    let tables = tables(&mut snapshot, from).await?;

    let options = PgConnectOptions::from_str(to).map_err(|e| format!("--to: {e}"))?;
    let mut pg = PgConnection::connect_with(&options.disable_statement_logging())
        .await
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    // Migrating creates Keyward's tables: never in another application's database.
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut pg)
    .await
    .map_err(pg_err)?;
    if !present.is_empty() && !present.iter().any(|t| t == "_sqlx_migrations") {
        return Err(format!(
            "the target database is not empty: it holds tables ({}) but no Keyward schema",
            present.join(", ")
        ));
    }
    let store = Store::connect(&Database::Postgres(to.to_owned()))
        .await
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    let migrated = store.migrate().await;
    store.close().await;
    migrated.map_err(|e| format!("cannot migrate {target}: {e}"))?;

    let mut tx = pg.begin().await.map_err(pg_err)?;
    claim_target(&mut tx, &tables).await?;
    let mut copied = Vec::with_capacity(tables.len());
    for table in &tables {
        let plan = plan(&mut snapshot, &mut tx, table).await?;
        copied.push(copy(&mut snapshot, &mut tx, &plan).await?);
    }
    reset_sequences(&mut tx).await?;
    for (table, &read) in tables.iter().zip(&copied) {
        let filter = copied_rows(table).map(|f| format!(" WHERE {f}")).unwrap_or_default();
        let count = format!("SELECT COUNT(*) FROM {}", ident(table));
        let have: i64 = sqlx::query_scalar(&format!("{count}{filter}"))
            .fetch_one(&mut *snapshot)
            .await
            .map_err(|e| format!("counting {table} in the source: {e}"))?;
        let wrote: i64 = sqlx::query_scalar(&count).fetch_one(&mut *tx).await.map_err(pg_err)?;
        if have != wrote || u64::try_from(have) != Ok(read) {
            return Err(format!(
                "{table}: the source holds {have} rows, {read} were read and the target holds {wrote}; nothing was committed"
            ));
        }
    }
    tx.commit().await.map_err(|e| format!("committing the copy: {e}"))?;
    // It only read: nothing to lose if these fail.
    let _ = snapshot.rollback().await;
    let _ = source.close().await;

    println!("Copied {} into {target}:", from.display());
    for (table, n) in tables.iter().zip(&copied) {
        println!("{table} {n}");
    }
    let analyze = tables.iter().map(|t| ident(t)).collect::<Vec<_>>().join(", ");
    if let Err(e) = execute(&mut pg, &format!("ANALYZE {analyze}")).await {
        eprintln!("warning: ANALYZE failed ({e}); autovacuum will gather the statistics later.");
    }
    let _ = pg.close().await;
    println!(
        "Every instance must use this install's master key: {} (or the file KEYWARD_MASTER_KEY_FILE names); without it no stored credential can be checked. Start each with KEYWARD_DATABASE_URL set to the --to URL.",
        Config::new(from.parent().unwrap_or(Path::new(".")))
            .master_key_path()
            .display()
    );
    Ok(())
}

/// The tables to copy, each after every table it references, once the
/// source proves to stand at this binary's newest SQLite migration.
async fn tables(src: &mut SqliteConnection, from: &Path) -> Result<Vec<String>, String> {
    let read = |e: sqlx::Error| format!("cannot read {}: {e}", from.display());
    let all: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    )
    .fetch_all(&mut *src)
    .await
    .map_err(read)?;
    if !all.iter().any(|t| t == "_sqlx_migrations") {
        return Err(format!(
            "{} is not a Keyward database: it has no migrations",
            from.display()
        ));
    }
    let (newest, failed): (Option<i64>, i64) =
        sqlx::query_as("SELECT MAX(version), COALESCE(SUM(NOT success), 0) FROM _sqlx_migrations")
            .fetch_one(&mut *src)
            .await
            .map_err(read)?;
    let known = SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or_default();
    if newest != Some(known) || failed > 0 {
        let at = newest.map_or("no migration".into(), |v| format!("migration {v}"));
        return Err(format!(
            "{} stands at {at} and this keyward copies from migration {known} only: run `keyward migrate` with this binary on it first (or, if it is newer, migrate-data with the keyward that wrote it)",
            from.display()
        ));
    }
    let mut pending = Vec::new();
    for table in all
        .into_iter()
        .filter(|t| t != "_sqlx_migrations" && !SKIPPED.contains(&t.as_str()))
    {
        let parents: Vec<String> = sqlx::query_scalar(r#"SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)"#)
            .bind(&table)
            .fetch_all(&mut *src)
            .await
            .map_err(read)?;
        pending.push((table, parents));
    }
    let mut order: Vec<String> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = |(t, parents): &(String, Vec<String>)| parents.iter().all(|p| p == t || order.contains(p));
        let Some(i) = pending.iter().position(ready) else {
            return Err(format!("the foreign keys of {} go round in a circle", pending[0].0));
        };
        order.push(pending.remove(i).0);
    }
    Ok(order)
}

/// Locks every Keyward table against an instance starting on the target,
/// refuses a target holding anything but the seeded `default` account, and
/// deletes that seed (the source has its own `default`).
async fn claim_target(pg: &mut PgConnection, tables: &[String]) -> Result<(), String> {
    let all: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .chain(SKIPPED.iter().copied())
        .collect();
    let list = all.iter().map(|t| ident(t)).collect::<Vec<_>>().join(", ");
    execute(pg, "SET LOCAL lock_timeout = '10s'").await?;
    execute(pg, &format!("LOCK TABLE {list} IN ACCESS EXCLUSIVE MODE"))
        .await
        .map_err(|e| format!("cannot lock the target's tables (is a Keyward instance using it?): {e}"))?;
    for table in all {
        let seed = (table == "accounts").then_some(" WHERE NOT (id = 1 AND name = 'default')");
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}{}", ident(table), seed.unwrap_or("")))
            .fetch_one(&mut *pg)
            .await
            .map_err(pg_err)?;
        if rows > 0 {
            return Err(format!(
                "the target database is not empty ({table} has rows): migrate-data only fills a new database, so nothing was copied"
            ));
        }
    }
    execute(pg, "DELETE FROM accounts").await
}

/// Moves every identity sequence (ids, and `change_log.seq`) past the copied
/// rows, so the next row PostgreSQL numbers collides with none of them.
async fn reset_sequences(pg: &mut PgConnection) -> Result<(), String> {
    execute(
        pg,
        "DO $$ DECLARE c record; BEGIN
           FOR c IN SELECT table_name::text AS t, column_name::text AS col FROM information_schema.columns
                    WHERE table_schema = current_schema() AND is_identity = 'YES' LOOP
             EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), (SELECT COALESCE(MAX(%I), 0) + 1 FROM %I), false)',
                            quote_ident(c.t), c.col, c.col, c.t);
           END LOOP;
         END $$",
    )
    .await
    .map_err(|e| format!("resetting the id sequences: {e}"))
}

/// Runs a statement that answers nothing.
async fn execute(pg: &mut PgConnection, sql: &str) -> Result<(), String> {
    sqlx::raw_sql(sql).execute(&mut *pg).await.map_err(pg_err)?;
    Ok(())
}

/// A quoted SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A PostgreSQL error, as the message to show.
fn pg_err(e: sqlx::Error) -> String {
    format!("PostgreSQL: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a database this binary's migrations built, every table but the
    /// skipped ones is copied, each after the tables it references.
    #[tokio::test]
    async fn migrate_data_copies_every_table_after_the_tables_it_references() {
        let mut db = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        SQLITE_MIGRATIONS.run(&mut db).await.unwrap();
        let order = tables(&mut db, Path::new("memory")).await.unwrap();
        for skipped in SKIPPED.iter().chain(&["_sqlx_migrations"]) {
            assert!(!order.iter().any(|t| t == skipped), "{skipped} is copied: {order:?}");
        }
        for (i, table) in order.iter().enumerate() {
            let parents: Vec<String> = sqlx::query_scalar(r#"SELECT "table" FROM pragma_foreign_key_list(?)"#)
                .bind(table)
                .fetch_all(&mut db)
                .await
                .unwrap();
            for p in parents.iter().filter(|p| *p != table) {
                assert!(order[..i].contains(p), "{table} is copied before {p}: {order:?}");
            }
        }
        let known = [
            "accounts",
            "credentials",
            "credential_secrets",
            "events",
            "deliveries",
            "instance_settings",
        ];
        assert!(known.iter().all(|t| order.iter().any(|o| o == t)), "{order:?}");
    }
}
