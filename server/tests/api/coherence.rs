//! Several processes on one database: a change made through one server
//! instance, or through the CLI, holds on every other instance within a
//! second (revocations, account switches, revoked tokens, signing keys).

use crate::binary::{Binary, cli, cli_key};
use crate::helpers::{Api, auth, config_for, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::future::Future;
use std::time::{Duration, Instant};

/// What the issue promises.
const WITHIN: Duration = Duration::from_secs(1);

/// Polls `check` until it holds; answers how long that took.
async fn time_until<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            let took = start.elapsed();
            eprintln!("{what}: {} ms", took.as_millis());
            assert!(took < WITHIN, "{what} took {took:?}");
            return took;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{what} never happened");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn valid_on(api: &Api, key: &str) -> bool {
    api.verify(json!({ "key": key })).await["valid"] == json!(true)
}

async fn auth_status(api: &Api, token: &str) -> StatusCode {
    let bearer = format!("Bearer {token}");
    auth(
        &api.base,
        &[("authorization", &bearer), ("x-required-scopes", "compute:read")],
    )
    .await
    .status()
}

fn on(server: &Binary, secret: &str) -> Api {
    Api {
        client: reqwest::Client::new(),
        base: server.base.clone(),
        secret: secret.to_owned(),
    }
}

async fn jwks_has(base: &str, kid: &str) -> bool {
    let jwks: Value = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_instance_or_the_cli_holds_on_every_instance_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = cli_key(
        &data,
        "admin",
        "keys:read,keys:write,admin:read,admin:write,compute:read",
    )
    .await;
    let a = Binary::start(&data).await;
    let b = Binary::start(&data).await;
    let (on_a, on_b) = (on(&a, &admin), on(&b, &admin));

    // A revocation through A.
    let svc = on_a.create(json!({ "name": "svc", "scopes": ["compute:read"] })).await;
    let secret = svc["secret"].as_str().unwrap();
    assert!(valid_on(&on_b, secret).await, "B finds a key A created");
    let res = on_a.delete(&format!("/v1/keys/{}", svc["id"].as_str().unwrap())).await;
    assert!(res.status().is_success());
    time_until("revoked through A, refused by B", || async {
        !valid_on(&on_b, secret).await
    })
    .await;

    // A revocation through the CLI, in a third process.
    let ci = on_b.create(json!({ "name": "ci", "scopes": ["compute:read"] })).await;
    let ci_secret = ci["secret"].as_str().unwrap();
    assert!(valid_on(&on_a, ci_secret).await && valid_on(&on_b, ci_secret).await);
    cli(&data, &["keys", "revoke", ci["id"].as_str().unwrap()]).await;
    time_until("revoked by the CLI, refused by A and B", || async {
        !valid_on(&on_a, ci_secret).await && !valid_on(&on_b, ci_secret).await
    })
    .await;

    // An access token revoked through A.
    let client = on_a
        .create(json!({ "name": "worker", "kind": "oauth_client", "scopes": ["compute:read"] }))
        .await;
    let (client_id, client_secret) = (
        client["client_id"].as_str().unwrap(),
        client["secret"].as_str().unwrap(),
    );
    let token: Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", b.base))
        .basic_auth(client_id, Some(client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwt = token["access_token"].as_str().unwrap();
    assert_eq!(auth_status(&on_b, jwt).await, StatusCode::OK);
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/revoke", a.base))
        .basic_auth(client_id, Some(client_secret))
        .form(&[("token", jwt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    time_until("token revoked through A, refused by B", || async {
        auth_status(&on_b, jwt).await == StatusCode::UNAUTHORIZED
    })
    .await;

    // A signing-key rotation by the CLI.
    let rotated: Value = serde_json::from_str(&cli(&data, &["signing-keys", "rotate", "--json"]).await).unwrap();
    let kid = rotated["current"]["kid"].as_str().unwrap();
    time_until("signing key rotated by the CLI, published by A and B", || async {
        jwks_has(&a.base, kid).await && jwks_has(&b.base, kid).await
    })
    .await;

    // The account's Enable API switch, through B.
    let last = on_a.create(json!({ "name": "last", "scopes": ["compute:read"] })).await;
    let last_secret = last["secret"].as_str().unwrap();
    assert!(valid_on(&on_a, last_secret).await);
    let res = on_b
        .patch("/v1/accounts/default", json!({ "api_enabled": false }))
        .await;
    assert!(res.status().is_success());
    time_until("API switched off through B, refused by A", || async {
        !valid_on(&on_a, last_secret).await
    })
    .await;

    let mut schedulers = 0;
    for server in [a, b] {
        let log = server.terminate(Duration::from_secs(10)).await;
        assert!(!log.contains("panicked"), "{log}");
        assert!(!log.contains("fell behind"), "{log}");
        schedulers += usize::from(log.contains("runs the expiry job now"));
    }
    assert_eq!(schedulers, 1, "one instance runs the expiry scheduler");
}

/// A process that slept through more than the change log keeps (an hour)
/// cannot catch up row by row: it reloads everything instead.
#[tokio::test]
async fn a_process_behind_the_pruned_change_log_reloads_everything() {
    use keyward::policy::{RequestFacts, VerifyCode};
    use keyward::service::Keyward;
    use keyward::verify::Presented;

    let app = spawn_app().await;
    let api = app.management_key().await;
    let svc = api.create(json!({ "name": "svc", "scopes": ["keys:read"] })).await;
    let secret = svc["secret"].as_str().unwrap();
    let asleep = Keyward::open(config_for(&app.dir), std::sync::Arc::new(app.clock.clone()))
        .await
        .unwrap();
    let code = || async {
        let presented = Presented::Key {
            key: secret,
            from_query: false,
        };
        let facts = RequestFacts {
            ip: None,
            method: None,
            path: None,
            required_scopes: &[],
            account: None,
        };
        asleep.verification().verify(presented, &facts).await.unwrap().code
    };
    assert_eq!(code().await, VerifyCode::Valid);

    let res = api.delete(&format!("/v1/keys/{}", svc["id"].as_str().unwrap())).await;
    assert!(res.status().is_success());
    let pool = app.kw().store().pool().clone();
    let revocation = keyward::store::changes::latest(&pool).await.unwrap();
    app.clock.advance_secs(2 * 3_600);
    // The server's own pruning job may get there first; either way the log
    // ends up pruned through the revocation.
    app.kw().coherence().prune_log().await.unwrap();
    assert!(
        keyward::store::changes::pruned_through(&pool).await.unwrap() >= revocation,
        "the revocation is pruned"
    );
    assert_eq!(code().await, VerifyCode::Valid, "the sleeper has not looked yet");

    asleep.coherence().catch_up().await.unwrap();
    assert_eq!(code().await, VerifyCode::Revoked);
    asleep.store().close().await;

    // A process that starts after the log was pruned empty starts after the
    // pruning, not before it (else it would reload everything on every pass).
    let pruned = keyward::store::changes::pruned_through(&pool).await.unwrap();
    let latest = keyward::store::changes::latest(&pool).await.unwrap();
    assert!(
        pruned > 0 && latest >= pruned,
        "latest {latest}, pruned through {pruned}"
    );
}

/// Every process on one database needs the same master key: another key is
/// refused with a clear error (not garbage answers), and the key may live
/// outside the data dir.
#[tokio::test]
async fn a_process_with_another_master_key_is_refused_and_the_key_may_live_elsewhere() {
    use base64::Engine;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    cli_key(&data, "svc", "keys:read").await;
    let other = dir.path().join("other.key");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&other)
        .unwrap();
    std::io::Write::write_all(
        &mut file,
        base64::engine::general_purpose::STANDARD.encode([7u8; 32]).as_bytes(),
    )
    .unwrap();
    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["signing-keys", "list", "--master-key-file"])
        .arg(&other)
        .env("KEYWARD_DATA_DIR", &data)
        .envs(crate::pg::db_env(&data))
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is not the key this database was created with"),
        "{stderr}"
    );

    let moved = dir.path().join("secrets");
    std::fs::create_dir(&moved).unwrap();
    std::fs::set_permissions(&moved, std::fs::Permissions::from_mode(0o700)).unwrap();
    let moved = moved.join("master.key");
    std::fs::rename(data.join("master.key"), &moved).unwrap();
    let listed = cli(
        &data,
        &[
            "signing-keys",
            "list",
            "--json",
            "--master-key-file",
            moved.to_str().unwrap(),
        ],
    )
    .await;
    assert!(listed.contains("\"kid\""), "{listed}");
    assert!(
        !data.join("master.key").exists(),
        "no second key is made in the data dir"
    );
}
