//! The PostgreSQL engine itself: migrations that several instances apply at
//! once, the change feed across a dropped connection, what `/readyz` and
//! `/metrics` say, and the commands that do not apply.

use crate::binary::Binary;
use crate::helpers::Api;
use keyward::store::{Database, Store};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_apply_each_migration_once() {
    let url = crate::pg::fresh_database().await;
    let db = Database::Postgres(url.clone());
    // Six at once, each on its own connections.
    let stores = futures::future::join_all((0..6).map(|_| async {
        let store = Store::connect(&db).await.unwrap();
        store.migrate().await.unwrap();
        store
    }))
    .await;
    let applied: Vec<(i64, bool)> = sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
        .fetch_all(stores[0].pool())
        .await
        .unwrap();
    let newest = sqlx::migrate!("../migrations/postgres")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap();
    assert_eq!(applied.last().unwrap().0, newest);
    let versions: Vec<i64> = applied.iter().map(|(v, _)| *v).collect();
    let mut unique = versions.clone();
    unique.dedup();
    assert_eq!(versions, unique, "each migration once");
    assert!(applied.iter().all(|(_, ok)| *ok));
    // The seed row too: one `default` account, not six.
    let accounts = keyward::store::accounts::list(stores[0].pool()).await.unwrap();
    assert_eq!(accounts.len(), 1);
}

#[test]
fn both_engines_have_the_same_migration_numbers_from_the_baseline_on() {
    let sqlite: Vec<i64> = sqlx::migrate!("../migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect();
    let postgres: Vec<i64> = sqlx::migrate!("../migrations/postgres")
        .iter()
        .map(|m| m.version)
        .collect();
    let baseline = postgres[0];
    assert_eq!(
        sqlite.iter().filter(|v| **v >= baseline).collect::<Vec<_>>(),
        postgres.iter().collect::<Vec<_>>(),
        "every schema change adds 00NN_name.sql to both folders"
    );
}

/// The listener's connection is cut (a failover, a proxy restart): the
/// instance reconnects, reads what it missed, and keeps honouring changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_change_feed_survives_a_dropped_connection_and_readyz_and_metrics_show_it() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = crate::cluster::admin_key(&data, &url).await;
    let (a, b) = (
        Binary::start_on(&data, Some(&url)).await,
        Binary::start_on(&data, Some(&url)).await,
    );
    let api = |s: &Binary| Api {
        client: reqwest::Client::new(),
        base: s.base.clone(),
        secret: admin.clone(),
    };
    let (on_a, on_b) = (api(&a), api(&b));

    let ready: Value = reqwest::get(format!("{}/readyz", b.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let metrics = reqwest::get(format!("{}/metrics", b.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("keyward_change_feed_behind 0\n"), "{metrics}");
    assert!(metrics.contains("keyward_change_feed_lag_seconds "), "{metrics}");

    // Cut every listening connection.
    let mut admin_conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin_conn)
    .await
    .unwrap();
    assert!(
        !cut.is_empty() && cut.iter().all(|c| *c),
        "the listeners were found and cut"
    );

    let key = on_a.create(json!({ "name": "after the cut" })).await;
    let secret = key["secret"].as_str().unwrap();
    assert_eq!(on_b.verify(json!({ "key": secret })).await["valid"], true);
    assert!(
        on_a.delete(&format!("/v1/keys/{}", key["id"].as_str().unwrap()))
            .await
            .status()
            .is_success()
    );
    let start = Instant::now();
    while on_b.verify(json!({ "key": secret })).await["valid"] == json!(true) {
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "a revocation after the cut reached B within a second"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The listener is back: a notification, not only the poll, wakes B.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let listening: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_one(&mut admin_conn)
    .await
    .unwrap();
    assert_eq!(listening, 2, "both instances listen again");

    let log = b.terminate(Duration::from_secs(10)).await;
    assert!(log.contains("the change feed reconnected"), "{log}");
    a.terminate(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn backup_on_postgresql_points_to_pg_dump_and_the_url_never_shows_its_password() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let with_password = url.replacen("postgres@", "postgres:hunter2@", 1);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["backup", dir.path().join("copy.db").to_str().unwrap()])
        .env("KEYWARD_DATA_DIR", &data)
        .env("KEYWARD_DATABASE_URL", &with_password)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!dir.path().join("copy.db").exists());
    // A wrong port: a clear error, without the password.
    let nowhere = "postgres://postgres:hunter2@127.0.0.1:9/none";
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["migrate"])
        .env("KEYWARD_DATA_DIR", &data)
        .env("KEYWARD_DATABASE_URL", nowhere)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("refused") || stderr.contains("connect"),
        "{stderr}"
    );
}
