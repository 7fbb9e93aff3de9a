//! Users, roles, accounts, the last-admin rule, the audit trail and the CLI.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn account_id(admin: &crate::helpers::Session, name: &str) -> i64 {
    let res = admin
        .json("/api/accounts/create", json!({ "name": name, "plan": "starter" }))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_fresh_install_has_the_default_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let list: Value = admin.json("/api/accounts/list", json!({})).await.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default"]);
    assert_eq!(list[0]["api_enabled"], true);
    assert_eq!(list[0]["plan"], "starter");
}

#[tokio::test]
async fn viewers_get_403_from_every_changing_server_function() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let acme = account_id(&admin, "acme").await;
    let global_viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let account_viewer = app
        .user(&admin, "av@example.com", "account_viewer", false, vec![acme])
        .await;
    let calls = [
        ("/api/accounts/create", json!({ "name": "sneaky", "plan": "starter" })),
        ("/api/accounts/update", json!({ "name": "acme", "api_enabled": false })),
        (
            "/api/users/create",
            json!({ "email": "x@example.com", "password": ADMIN_PASSWORD, "role": "global_admin", "all_accounts": true, "accounts": [] }),
        ),
        (
            "/api/users/update",
            json!({ "id": 1, "role": "account_viewer", "all_accounts": true, "accounts": [] }),
        ),
        ("/api/users/set_disabled", json!({ "id": 1, "disabled": true })),
    ];
    for viewer in [&global_viewer, &account_viewer] {
        for (path, body) in &calls {
            let res = viewer.json(path, body.clone()).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
    let acme_now: Value = admin
        .form("/api/accounts/get", &[("name", "acme")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acme_now["api_enabled"], true, "nothing changed");
    let me: Value = admin.me().await;
    assert_eq!(me["role"], "global_admin");
}

#[tokio::test]
async fn signed_out_callers_get_401() {
    let app = spawn_app().await;
    app.admin().await;
    let res = app
        .session()
        .json("/api/accounts/create", json!({ "name": "x", "plan": "starter" }))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_account_viewer_sees_only_their_accounts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let acme = account_id(&admin, "acme").await;
    account_id(&admin, "globex").await;
    let viewer = app
        .user(&admin, "av@example.com", "account_viewer", false, vec![acme])
        .await;
    let list: Value = viewer.json("/api/accounts/list", json!({})).await.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme"]);
    assert_eq!(
        viewer.form("/api/accounts/get", &[("name", "globex")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        viewer.json("/api/users/list", json!({})).await.status(),
        StatusCode::FORBIDDEN
    );

    // Their audit view holds only their account's entries.
    let page: Value = viewer
        .json("/api/audit/list", json!({ "filter": {} }))
        .await
        .json()
        .await
        .unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["account"] == "acme"), "{entries:?}");
}

#[tokio::test]
async fn an_account_viewer_with_all_accounts_sees_new_ones_too() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.user(&admin, "av@example.com", "account_viewer", true, vec![]).await;
    account_id(&admin, "later").await;
    let list: Value = viewer.json("/api/accounts/list", json!({})).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn grants_to_accounts_that_do_not_exist_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json("/api/users/create", json!({ "email": "av@example.com", "password": ADMIN_PASSWORD, "role": "account_viewer", "all_accounts": false, "accounts": [999] }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn duplicate_emails_and_account_names_are_conflicts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json("/api/users/create", json!({ "email": ADMIN_EMAIL.to_uppercase(), "password": ADMIN_PASSWORD, "role": "global_viewer", "all_accounts": false, "accounts": [] }))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = admin
        .json("/api/accounts/create", json!({ "name": "default", "plan": "starter" }))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = admin
        .json(
            "/api/accounts/create",
            json!({ "name": "Not A Slug", "plan": "starter" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_disabled_or_demoted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me: Value = admin.me().await;
    let id = me["user_id"].as_i64().unwrap();
    let res = admin
        .json("/api/users/set_disabled", json!({ "id": id, "disabled": true }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["Rule"]["code"], "LAST_ADMIN");
    let res = admin
        .json(
            "/api/users/update",
            json!({ "id": id, "role": "global_viewer", "all_accounts": false, "accounts": [] }),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["Rule"]["code"], "LAST_ADMIN");
    assert_eq!(admin.me().await["role"], "global_admin");

    // With a second admin, the first may step down.
    app.user(&admin, "second@example.com", "global_admin", false, vec![])
        .await;
    let res = admin
        .json(
            "/api/users/update",
            json!({ "id": id, "role": "global_viewer", "all_accounts": false, "accounts": [] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(admin.me().await["role"], "global_viewer");
}

#[tokio::test]
async fn a_disabled_admin_does_not_count_as_the_last_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.user(&admin, "second@example.com", "global_admin", false, vec![])
        .await;
    let users: Value = admin.json("/api/users/list", json!({})).await.json().await.unwrap();
    let second = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "second@example.com")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        admin
            .json("/api/users/set_disabled", json!({ "id": second, "disabled": true }))
            .await
            .status(),
        StatusCode::OK
    );
    let me = admin.me().await["user_id"].as_i64().unwrap();
    let res = admin
        .json("/api/users/set_disabled", json!({ "id": me, "disabled": true }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn disabling_a_user_signs_them_out_and_blocks_sign_in() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let id = viewer.me().await["user_id"].as_i64().unwrap();
    admin
        .json("/api/users/set_disabled", json!({ "id": id, "disabled": true }))
        .await;
    assert_eq!(viewer.me().await, Value::Null);
    let res = app.session().sign_in("gv@example.com", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .json("/api/users/set_disabled", json!({ "id": id, "disabled": false }))
        .await;
    let res = app.session().sign_in("gv@example.com", ADMIN_PASSWORD).await;
    assert!(res.status().is_success() || res.status().is_redirection());
}

#[tokio::test]
async fn the_enable_api_switch_and_plan_are_changed_and_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json(
            "/api/accounts/update",
            json!({ "name": "default", "api_enabled": false, "plan": "professional" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["api_enabled"], false);
    assert_eq!(a["plan"], "professional");
    let page: Value = admin
        .json("/api/audit/list", json!({ "filter": { "action": "account.updated" } }))
        .await
        .json()
        .await
        .unwrap();
    let e = &page["entries"][0];
    assert_eq!(e["actor"], ADMIN_EMAIL);
    assert_eq!(e["account"], "default");
    assert_eq!(e["ip"], "127.0.0.1");
    let details: Value = serde_json::from_str(e["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["api_enabled"], json!([true, false]));
    assert_eq!(details["plan"], json!(["starter", "professional"]));
}

#[tokio::test]
async fn the_audit_trail_records_every_change_newest_first_and_pages() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for i in 0..5 {
        account_id(&admin, &format!("acct-{i}")).await;
    }
    let first: Value = admin
        .json("/api/audit/list", json!({ "filter": { "limit": 3 } }))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["account.created"; 3]);
    assert_eq!(first["entries"][0]["target"], "account:acct-4");
    let cursor = first["next_cursor"].as_i64().unwrap();
    let rest: Value = admin
        .json(
            "/api/audit/list",
            json!({ "filter": { "limit": 50, "before": cursor } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = rest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "account.created",
            "account.created",
            "setup.completed",
            "signing_key.rotated"
        ]
    );
    assert!(rest["next_cursor"].is_null());
    let filtered: Value = admin
        .json("/api/audit/list", json!({ "filter": { "target": "account:acct-2" } }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn user_changes_are_audited_with_the_actor() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let page: Value = admin
        .json("/api/audit/list", json!({ "filter": { "action": "user.created" } }))
        .await
        .json()
        .await
        .unwrap();
    let e = &page["entries"][0];
    assert_eq!(e["actor"], ADMIN_EMAIL);
    assert!(e["details"].as_str().unwrap().contains("gv@example.com"));
    assert!(!e["details"].as_str().unwrap().contains(ADMIN_PASSWORD));
}

/// The real `keyward` binary, run as a child process without blocking the server's runtime.
fn keyward_bin() -> tokio::process::Command {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
}

#[tokio::test]
async fn admin_create_reads_the_password_from_stdin() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = keyward_bin()
        .args([
            "admin",
            "create",
            "--email",
            "ops@example.com",
            "--role",
            "global-admin",
            "--password-stdin",
        ])
        .env("KEYWARD_DATA_DIR", &data)
        .envs(crate::pg::db_env(&data))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"a long enough password\n").await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let mut config = keyward::config::Config::new(&data);
    config.database_url = crate::pg::database_for(&data).map(keyward::store::DatabaseUrl);
    let server = keyward_server::start(
        config,
        "127.0.0.1:0".parse().unwrap(),
        std::sync::Arc::new(keyward::clock::SystemClock),
    )
    .await
    .unwrap();
    assert!(server.setup_token.is_none(), "a user exists, so no setup link");
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    client
        .post(format!("{}/api/session/sign_in", server.base_url()))
        .form(&[("email", "ops@example.com"), ("password", "a long enough password")])
        .send()
        .await
        .unwrap();
    let me: Value = client
        .post(format!("{}/api/session/me", server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "global_admin");
    server.shutdown().await;
}

#[tokio::test]
async fn admin_create_without_password_stdin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = keyward_bin()
        .args(["admin", "create", "--email", "ops@example.com"])
        .env("KEYWARD_DATA_DIR", dir.path().join("data"))
        .envs(crate::pg::db_env(&dir.path().join("data")))
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-stdin"));
}

#[tokio::test]
async fn backup_writes_a_database_that_opens_and_holds_the_same_users() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let data = app.dir.path().join("data");
    let copy = app.dir.path().join("backup.db");
    // Online: the server is still running while the copy is taken.
    let out = keyward_bin()
        .args(["backup", copy.to_str().unwrap(), "--data-dir", data.to_str().unwrap()])
        .envs(crate::pg::db_env(&data))
        .output()
        .await
        .unwrap();
    if crate::pg::suite_on_postgres() {
        // PostgreSQL has its own tools, and the command says so instead of
        // pretending to copy a file.
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        assert!(!copy.exists());
        return;
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    app.stop().await;

    let restored_dir = tempfile::tempdir().unwrap();
    let restored = restored_dir.path().join("data");
    std::fs::create_dir(&restored).unwrap();
    std::fs::copy(&copy, restored.join("keyward.db")).unwrap();
    std::fs::copy(data.join("master.key"), restored.join("master.key")).unwrap();
    let store = keyward::store::Store::open(&restored.join("keyward.db")).await.unwrap();
    let emails: Vec<String> = keyward::store::users::list(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(emails, [ADMIN_EMAIL, "gv@example.com"]);
    store.close().await;

    // And a server started on the restored data lets the same admin sign in.
    let server = keyward_server::start(
        keyward::config::Config::new(&restored),
        "127.0.0.1:0".parse().unwrap(),
        std::sync::Arc::new(keyward::clock::SystemClock),
    )
    .await
    .unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/api/session/sign_in", server.base_url()))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("set-cookie").is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn backup_refuses_to_overwrite_a_file() {
    let app = spawn_app().await;
    let data = app.dir.path().join("data");
    let existing = app.dir.path().join("exists.db");
    std::fs::write(&existing, b"precious").unwrap();
    let out = keyward_bin()
        .args([
            "backup",
            existing.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");
}

#[tokio::test]
async fn migrate_brings_a_new_data_dir_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = keyward_bin()
        .args(["migrate", "--data-dir", dir.path().join("d").to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("d/keyward.db").exists());
}
