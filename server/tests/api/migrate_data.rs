//! `keyward migrate-data`: a SQLite install filled through the real API,
//! copied into PostgreSQL by the real binary, then served from PostgreSQL
//! with the same data dir (so the same master key): nothing is reissued.

use crate::binary::Binary;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Session, TestApp, spawn_app_with};
use crate::peers::Receiver;
use keyward::domain::webhook::{SmtpInput, SmtpSecurity};
use keyward::service::Caller;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection};
use std::collections::BTreeMap;
use std::path::Path;

/// The tables migrate-data leaves behind (besides `_sqlx_migrations`).
const LEFT: [&str; 3] = ["change_log", "job_leases", "rate_limit_budgets"];
const PRUNED: &str = "change_log_pruned_through";

/// Rows per table, on either engine; `instance_settings` without the change
/// log's marker.
async fn counts(conn: &mut AnyConnection, tables: &[impl AsRef<str>]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in tables.iter().map(AsRef::as_ref) {
        let filter = if t == "instance_settings" {
            format!(" WHERE name <> '{PRUNED}'")
        } else {
            String::new()
        };
        let sql = format!("SELECT COUNT(*) FROM {t}{filter}");
        let n: i64 = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await.unwrap();
        out.insert(t.to_owned(), n);
    }
    out
}

async fn connect(url: &str) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url).await.unwrap()
}

async fn sqlite(db: &Path) -> AnyConnection {
    connect(&format!("sqlite://{}", db.display())).await
}

/// Runs `keyward migrate-data`; answers (success, stdout, stderr).
async fn migrate_data(from: &Path, to: &str) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("migrate-data")
        .arg("--from")
        .arg(from)
        .args(["--to", to])
        .env_remove("KEYWARD_DATABASE_URL")
        .output()
        .await
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// `url` with a password in it (the test cluster trusts loopback, so any
/// will do), and that password, to look for in the output.
fn with_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    match user.split_once(':') {
        Some((_, password)) => (url.to_owned(), password.to_owned()),
        None => (
            format!("{scheme}://{user}:pw-N0t-Sh0wn@{host}"),
            "pw-N0t-Sh0wn".to_owned(),
        ),
    }
}

/// A token from the client-credentials grant.
async fn token(base: &str, client_id: &str, secret: &str) -> reqwest::Response {
    Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

async fn verify(api: &Api, key: &str) -> String {
    api.verify(json!({ "key": key })).await["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Fills a SQLite install through the API; answers the secrets to check.
struct Filled {
    root: String,
    rotated_old: String,
    rotated_new: String,
    reporting: String,
    sleeper: String,
    client_id: String,
    client_secret: String,
    access_token: String,
    revoked_token: String,
}

async fn fill(app: &TestApp, receiver: &Receiver) -> Filled {
    let admin = app.admin().await;
    let root = app.global_admin_key().await;
    let mut ids = BTreeMap::new();
    for (name, plan) in [("acme", "professional"), ("globex", "starter"), ("dormant", "starter")] {
        let res = root.post("/v1/accounts", json!({ "name": name, "plan": plan })).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.insert(name, res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    app.user(&admin, "viewer@example.com", "account_viewer", false, vec![ids["acme"]])
        .await;
    let auditor = app
        .user(&admin, "auditor@example.com", "global_viewer", true, vec![])
        .await;
    // A second factor with its recovery codes, and a sign-in waiting for a code.
    crate::two_factor::enrol(app, &auditor).await;
    app.session().sign_in("auditor@example.com", ADMIN_PASSWORD).await;
    let res = root
        .post(
            "/v1/webhooks",
            json!({ "account": "acme", "url": receiver.url, "events": ["key.created", "key.rotated"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    receiver.set_secret(res.json::<Value>().await.unwrap()["secret"].as_str().unwrap());

    let backend = root.create(json!({ "account": "acme", "name": "backend" })).await;
    let rotated: Value = root
        .post(
            &format!("/v1/keys/{}/rotate", backend["id"].as_str().unwrap()),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let reporting = root.create(json!({ "account": "globex", "name": "reporting" })).await;
    let sleeper = root.create(json!({ "account": "dormant", "name": "sleeper" })).await;
    let res = root
        .patch("/v1/accounts/dormant", json!({ "api_enabled": false }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An application, so consumer_keys carries a row (and a sealed secret moves).
    root.create(json!({ "account": "acme", "name": "partner-app", "kind": "application", "expires": "never" }))
        .await;
    let client = root
        .create(json!({ "account": "acme", "name": "worker", "kind": "oauth_client", "scopes": ["compute:read"] }))
        .await;
    let (client_id, client_secret) = (
        client["client_id"].as_str().unwrap(),
        client["secret"].as_str().unwrap(),
    );
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let res = token(&app.base, client_id, client_secret).await;
        assert_eq!(res.status(), StatusCode::OK);
        tokens.push(
            res.json::<Value>().await.unwrap()["access_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let res = Client::new()
        .post(format!("{}/oauth/revoke", app.base))
        .basic_auth(client_id, Some(client_secret))
        .form(&[("token", tokens[1].as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.kw()
        .notifications()
        .set_smtp(
            &Caller::System("test"),
            SmtpInput {
                host: "smtp.example.com".into(),
                port: 587,
                security: SmtpSecurity::Starttls,
                username: Some("keyward".into()),
                password: Some("smtp password".into()),
                from: "Keyward <keyward@example.com>".into(),
            },
        )
        .await
        .unwrap();
    let filled = Filled {
        root: root.secret.clone(),
        rotated_old: backend["secret"].as_str().unwrap().to_owned(),
        rotated_new: rotated["secret"].as_str().unwrap().to_owned(),
        reporting: reporting["secret"].as_str().unwrap().to_owned(),
        sleeper: sleeper["secret"].as_str().unwrap().to_owned(),
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        access_token: tokens[0].clone(),
        revoked_token: tokens[1].clone(),
    };
    // Calls, so there is usage (written when the server stops).
    for key in [
        &filled.rotated_old,
        &filled.rotated_new,
        &filled.reporting,
        &filled.access_token,
    ] {
        assert_eq!(verify(&root, key).await, "VALID");
    }
    assert_eq!(verify(&root, &filled.sleeper).await, "API_DISABLED");
    assert_eq!(verify(&root, &filled.revoked_token).await, "REVOKED");
    // backend created, backend rotated, worker created.
    receiver.wait_for(3).await;
    filled
}

#[tokio::test]
async fn migrate_data_moves_a_sqlite_install_to_postgresql_and_no_key_is_reissued() {
    let receiver = Receiver::start().await;
    let mut app = spawn_app_with(|c| c.database_url = None).await;
    let keys = fill(&app, &receiver).await;
    app.stop().await;
    let data = app.dir.path().join("data");
    let db = data.join("keyward.db");
    // As a server that ran for a while leaves it: the change log pruned.
    let mut source = sqlite(&db).await;
    sqlx::query("INSERT INTO instance_settings (name, value) VALUES ($1, '12')")
        .bind(PRUNED)
        .execute(&mut source)
        .await
        .unwrap();
    // Every table but the migrations' and those left behind.
    let copied: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT IN ('_sqlx_migrations', 'change_log', 'job_leases', 'rate_limit_budgets')",
    )
    .fetch_all(&mut source)
    .await
    .unwrap();
    let before = counts(&mut source, &copied).await;
    // Hours roll up into days after 90 days; budgets are shared only by
    // several instances.
    for t in copied
        .iter()
        .filter(|t| !["usage_daily", "rate_limit_budgets"].contains(&t.as_str()))
    {
        assert!(before[t] > 0, "the source has no {t}: {before:?}");
    }
    assert_eq!(before["accounts"], 4);
    assert!(counts(&mut source, &LEFT).await["change_log"] > 0);
    let max_credential: i64 = sqlx::query_scalar("SELECT MAX(id) FROM credentials")
        .fetch_one(&mut source)
        .await
        .unwrap();
    // Two broken copies of the source: one a migration behind, one holding
    // a NUL that PostgreSQL cannot store.
    let work = tempfile::tempdir().unwrap();
    let (behind, nul) = (work.path().join("behind.db"), work.path().join("nul.db"));
    for copy in [&behind, &nul] {
        sqlx::query("VACUUM INTO $1")
            .bind(copy.to_str().unwrap())
            .execute(&mut source)
            .await
            .unwrap();
    }
    source.close().await.unwrap();
    let mut conn = sqlite(&behind).await;
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut conn = sqlite(&nul).await;
    sqlx::query("UPDATE credentials SET description = 'a' || char(0) || 'b' WHERE name = 'reporting'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let (url, password) = with_password(&crate::pg::fresh_database().await);
    let (ok, _, err) = migrate_data(&work.path().join("missing.db"), &url).await;
    assert!(!ok && err.contains("no SQLite database"), "{err}");
    let (ok, _, err) = migrate_data(&behind, &url).await;
    assert!(!ok && err.contains("keyward migrate"), "{err}");
    let (ok, _, err) = migrate_data(&nul, &url).await;
    assert!(!ok, "a NUL in text is refused");
    assert!(
        err.contains("credentials") && err.contains("row") && err.contains("NUL"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // The failed runs left the target empty, so the real one can use it.
    let (ok, out, err) = migrate_data(&db, &url).await;
    assert!(ok, "{err}");
    assert!(!out.contains(&password) && !err.contains(&password), "{out}{err}");
    for t in &copied {
        assert!(out.lines().any(|l| l == format!("{t} {}", before[t])), "{t}: {out}");
    }
    assert!(
        out.contains("master.key") && out.contains("KEYWARD_DATABASE_URL"),
        "{out}"
    );

    let mut pg = connect(&url).await;
    assert_eq!(counts(&mut pg, &copied).await, before);
    assert_eq!(counts(&mut pg, &LEFT).await.values().sum::<i64>(), 0);
    let marker: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM instance_settings WHERE name = $1")
        .bind(PRUNED)
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(marker, 0, "the SQLite change log's marker stays behind");

    // The same data dir, so the same master key, on PostgreSQL.
    let server = Binary::start_on(&data, Some(&url)).await;
    let base = server.base.clone();
    let api = Api {
        client: Client::new(),
        base: base.clone(),
        secret: keys.root.clone(),
    };
    for key in [
        &keys.rotated_old,
        &keys.rotated_new,
        &keys.reporting,
        &keys.root,
        &keys.access_token,
    ] {
        assert_eq!(verify(&api, key).await, "VALID");
    }
    assert_eq!(verify(&api, &keys.sleeper).await, "API_DISABLED");
    assert_eq!(verify(&api, &keys.revoked_token).await, "REVOKED");
    let res = token(&base, &keys.client_id, &keys.client_secret).await;
    assert_eq!(res.status(), StatusCode::OK);
    let fresh = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(verify(&api, &fresh).await, "VALID");
    let console = Session {
        client: Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: base.clone(),
    };
    let res = console.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    assert_eq!(console.me().await["email"], ADMIN_EMAIL);

    // A new credential takes the next id, and the webhook (its secret sealed
    // under the same master key) still signs what it sends.
    let created = api.create(json!({ "account": "acme", "name": "after-the-move" })).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM credentials WHERE public_id = $1")
        .bind(created["id"].as_str().unwrap())
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(id, max_credential + 1);
    assert_eq!(verify(&api, created["secret"].as_str().unwrap()).await, "VALID");
    let res = api.post("/v1/accounts", json!({ "name": "initech" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap() > 4);
    let sent = loop {
        let got = receiver.received();
        if let Some(r) = got.iter().find(|r| r.body["data"]["credential"]["id"] == created["id"]) {
            break r.clone();
        }
        receiver.wait_for(got.len() + 1).await;
    };
    assert_eq!(sent.event_type, "key.created");
    assert!(sent.signature_ok, "{sent:?}");
    server.kill_9().await;

    // A second run finds a database in use and changes nothing.
    let all: Vec<&str> = copied.iter().map(String::as_str).chain(LEFT).collect();
    let used = counts(&mut pg, &all).await;
    let (ok, out, err) = migrate_data(&db, &url).await;
    assert!(!ok);
    assert!(err.contains("the target database is not empty"), "{err}");
    assert!(!out.contains(&password) && !err.contains(&password), "{out}{err}");
    assert_eq!(counts(&mut pg, &all).await, used);
    pg.close().await.unwrap();
}
