//! TLS to PostgreSQL (sqlx's rustls on AWS-LC). Each test starts its own
//! throwaway cluster with `KEYWARD_PG_TLS=1 server/tests/pg/cluster.sh start`,
//! which makes a CA (`ca.crt`) and a certificate for 127.0.0.1 signed by it,
//! so these tests need PostgreSQL and `openssl`, not `KEYWARD_TEST_PG_URL`.

use crate::binary::{Binary, cli_on};
use keyward::store::{Database, Store};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pg/cluster.sh");

/// A cluster that speaks TLS, stopped (and its directory removed) on drop,
/// a failed assertion included.
struct TlsCluster {
    dir: tempfile::TempDir,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`, without TLS parameters.
    url: String,
}

impl TlsCluster {
    fn start() -> TlsCluster {
        let mut cluster = TlsCluster {
            dir: tempfile::tempdir().unwrap(),
            url: String::new(),
        };
        // The guard exists before `start` runs: a start that fails half-way
        // is cleaned up too.
        let out = Command::new(SCRIPT)
            .arg("start")
            .arg(cluster.dir.path())
            .env("KEYWARD_PG_TLS", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cluster.sh start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(
            cluster.url.starts_with("postgres://postgres@127.0.0.1:"),
            "{}",
            cluster.url
        );
        cluster
    }

    /// The CA that signed the server's certificate.
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The URL with `sslmode` and, when given, `sslrootcert`.
    fn url_with(&self, sslmode: &str, root: Option<&Path>) -> String {
        let mut url = format!("{}?sslmode={sslmode}", self.url);
        if let Some(root) = root {
            url.push_str(&format!("&sslrootcert={}", root.display()));
        }
        url
    }

    /// What a managed database is reached with: the server's certificate
    /// checked against our CA, and its name (the IP SAN) against the URL.
    fn verify_full_url(&self) -> String {
        self.url_with("verify-full", Some(&self.ca()))
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        match Command::new(SCRIPT).arg("stop").arg(self.dir.path()).output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!("cluster.sh stop: {}", String::from_utf8_lossy(&out.stderr)),
            Err(e) => eprintln!("cluster.sh stop: {e}"),
        }
    }
}

/// A CA that signed nothing the server has.
fn unrelated_ca(dir: &Path) -> PathBuf {
    let (cert, key) = (dir.join("other-ca.crt"), dir.join("other-ca.key"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-days", "1", "-subj", "/CN=Keyward test CA"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    cert
}

/// The connection refused: an error, never a panic, and one that says why.
async fn refused(url: &str) -> String {
    match Store::connect(&Database::Postgres(url.to_owned())).await {
        Ok(_) => panic!("{url}: connected"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn verify_full_with_the_clusters_ca_migrates_and_every_connection_is_encrypted() {
    let cluster = TlsCluster::start();
    // No process-wide rustls provider is installed: sqlx picks AWS-LC itself.
    let store = Store::connect(&Database::Postgres(cluster.verify_full_url()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let accounts = keyward::store::accounts::list(store.pool()).await.unwrap();
    assert_eq!(accounts.len(), 1, "the seed account");

    let (ssl, version): (bool, String) =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(ssl, "PostgreSQL reports the connection as SSL");
    assert!(version.starts_with("TLSv1."), "{version}");
    // Nobody else uses this cluster: every client connection is ours, and
    // none of them (the pool's, migrate's) went in the clear.
    let plain: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
          WHERE backend_type = 'client backend' AND NOT ssl",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(plain, 0);
}

#[tokio::test]
async fn verify_full_without_the_ca_or_with_another_one_is_refused_with_an_error() {
    let cluster = TlsCluster::start();
    let elsewhere = tempfile::tempdir().unwrap();

    // No sslrootcert: the public roots, which never signed a throwaway CA.
    let err = refused(&cluster.url_with("verify-full", None)).await;
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // A CA that signed something else (with the same name, even).
    let err = refused(&cluster.url_with("verify-full", Some(&unrelated_ca(elsewhere.path())))).await;
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // A root certificate file that is not there.
    let err = refused(&cluster.url_with("verify-full", Some(&elsewhere.path().join("missing.crt")))).await;
    assert!(!err.is_empty());

    // The same CA succeeds, so the refusals above were the certificate's.
    Store::connect(&Database::Postgres(cluster.verify_full_url()))
        .await
        .unwrap();
}

#[tokio::test]
async fn sslmode_require_encrypts_without_checking_who_answers() {
    let cluster = TlsCluster::start();
    let store = Store::connect(&Database::Postgres(cluster.url_with("require", None)))
        .await
        .unwrap();
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(ssl);
}

#[tokio::test]
async fn the_binary_migrates_and_serves_over_verify_full() {
    let cluster = TlsCluster::start();
    let url = cluster.verify_full_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_on(&data, Some(&url), &["migrate"]).await;

    // `serve`: its pool and the change feed's LISTEN connection both over TLS.
    let server = Binary::start_on(&data, Some(&url)).await;
    let ready: serde_json::Value = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let (clients, encrypted): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE ssl) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(clients >= 2, "the server's pool and its listener: {clients}");
    assert_eq!(encrypted, clients);
    server.terminate(Duration::from_secs(10)).await;

    // The binary refuses a server its CA did not sign, with a clear error.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("migrate")
        .env("KEYWARD_DATA_DIR", &data)
        .env("KEYWARD_DATABASE_URL", cluster.url_with("verify-full", None))
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
