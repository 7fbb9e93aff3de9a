//! `POST /v1/keys/self/rotate` through the real server: a credential rotates
//! itself with nothing but its own secret; the previous secret works through
//! the grace period and not after; an access token cannot rotate its client,
//! and a revoked key cannot rotate at all.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn rotate_self(app: &TestApp, auth: (&str, &str), body: Value) -> reqwest::Response {
    let req = reqwest::Client::new().post(format!("{}/v1/keys/self/rotate", app.base));
    let req = match auth {
        ("bearer", key) => req.bearer_auth(key),
        (id, secret) => req.basic_auth(id, Some(secret)),
    };
    req.json(&body).send().await.unwrap()
}

async fn valid(app: &TestApp, body: Value) -> bool {
    app.api("").verify(body).await["valid"] == json!(true)
}

async fn read(admin: &crate::helpers::Api, id: &str) -> Value {
    admin.get(&format!("/v1/keys/{id}")).await.json().await.unwrap()
}

async fn token(app: &TestApp, id: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_with_no_management_scope_rotates_itself_and_the_old_secret_ends_with_its_grace() {
    let app = spawn_app().await;
    let (id, old) = app
        .key(json!({ "name": "cron", "scopes": ["compute:read"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let res = rotate_self(&app, ("bearer", &old), json!({ "grace_period_seconds": 3600 })).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let rotated: Value = res.json().await.unwrap();
    assert_eq!(rotated["id"], id.as_str());
    assert_eq!(
        rotated["scopes"],
        json!(["compute:read"]),
        "the same grant, nothing more"
    );
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(valid(&app, json!({ "key": new })).await);
    assert!(valid(&app, json!({ "key": old })).await, "in its grace period");
    app.clock.advance_secs(3601);
    assert!(!valid(&app, json!({ "key": old })).await, "after its grace period");
    assert!(valid(&app, json!({ "key": new })).await);

    // With no grace, the previous secret ends at once, and it cannot rotate again.
    let res = rotate_self(&app, ("bearer", &new), json!({ "grace_period_seconds": 0 })).await;
    let newest = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!valid(&app, json!({ "key": new })).await);
    assert_eq!(
        rotate_self(&app, ("bearer", &new), json!({})).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The audit trail says the key did it itself.
    let admin = app.management_key_for_admin().await;
    let page: Value = admin.get("/v1/audit?action=key.rotated").await.json().await.unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for e in entries {
        assert_eq!(e["actor_kind"], "credential");
        assert!(e["details"].as_str().unwrap().contains("\"by_itself\":true"), "{e}");
    }

    // A revoked key rotates nothing.
    assert_eq!(
        admin.delete(&format!("/v1/keys/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        rotate_self(&app, ("bearer", &newest), json!({})).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        rotate_self(&app, ("bearer", "kw_prod_nonsense"), json!({}))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_client_rotates_its_secret_with_basic_but_its_access_token_cannot() {
    let app = spawn_app().await;
    let api = app.management_key_for_admin().await;
    let created = api
        .create(json!({ "name": "worker", "kind": "oauth_client", "scopes": ["compute:read"] }))
        .await;
    let id = created["client_id"].as_str().unwrap().to_owned();
    let old = created["secret"].as_str().unwrap().to_owned();

    let issued: Value = token(&app, &id, &old).await.json().await.unwrap();
    let access = issued["access_token"].as_str().unwrap();
    let res = rotate_self(&app, ("bearer", access), json!({})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "a token never rotates its client");

    let res = rotate_self(&app, (&id, "kws_prod_wrong"), json!({})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = rotate_self(&app, (&id, &old), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let new = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token(&app, &id, &new).await.status(), StatusCode::OK);
    assert_eq!(
        token(&app, &id, &old).await.status(),
        StatusCode::OK,
        "24 h of grace by default"
    );
    app.clock.advance_secs(86_401);
    assert_eq!(token(&app, &id, &old).await.status(), StatusCode::UNAUTHORIZED);

    // Nothing at all, or a scheme Keyward does not read, is a 401.
    let res = reqwest::Client::new()
        .post(format!("{}/v1/keys/self/rotate", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_previous_secret_can_be_ended_now_by_whoever_may_revoke_the_key() {
    let app = spawn_app().await;
    let (id, old) = app.key(json!({ "name": "svc", "scopes": ["compute:read"] })).await;
    let res = rotate_self(&app, ("bearer", &old), json!({})).await;
    let new = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(valid(&app, json!({ "key": old })).await, "in its 24 h of grace");

    // Which secret is still used: the previous one's last use, per secret.
    let admin = app.management_key_for_admin().await;
    let before = read(&admin, &id).await;
    assert!(before["previous_secret"]["retires_at"].as_i64().is_some(), "{before}");
    assert_eq!(
        before["previous_secret"]["last_used_at"],
        Value::Null,
        "not used since the rotation"
    );
    assert!(valid(&app, json!({ "key": old, "ip": "203.0.113.7" })).await);
    app.kw().usage().flush().await.unwrap();
    let after = read(&admin, &id).await;
    assert_eq!(after["previous_secret"]["last_used_ip"], "203.0.113.7", "{after}");
    assert!(valid(&app, json!({ "key": new, "ip": "198.51.100.1" })).await);
    app.kw().usage().flush().await.unwrap();
    let after = read(&admin, &id).await;
    assert_eq!(
        after["previous_secret"]["last_used_ip"], "203.0.113.7",
        "the new secret's use is not the old one's"
    );
    assert_eq!(after["last_used_ip"], "198.51.100.1");

    let path = format!("/v1/keys/{id}/previous-secret");
    let reader = app.management_key_for_reading().await;
    assert_eq!(reader.delete(&path).await.status(), StatusCode::FORBIDDEN);
    assert!(valid(&app, json!({ "key": old })).await);
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert!(!valid(&app, json!({ "key": old })).await, "ended now");
    assert_eq!(read(&admin, &id).await["previous_secret"], Value::Null);
    assert!(valid(&app, json!({ "key": new })).await, "the current secret goes on");
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT, "idempotent");
    assert_eq!(
        admin.delete("/v1/keys/key_nope/previous-secret").await.status(),
        StatusCode::NOT_FOUND
    );
    // Ending a grace is management: a key with no keys scope cannot, not even its own.
    let res = rotate_self(&app, ("bearer", &new), json!({})).await;
    let newest = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(valid(&app, json!({ "key": new })).await);
    let own = app.api(&newest);
    assert_eq!(
        own.delete(&path).await.status(),
        StatusCode::NOT_FOUND,
        "no keys scope: out of sight"
    );
    assert!(valid(&app, json!({ "key": new })).await);
}

#[tokio::test]
async fn a_leaked_previous_secret_cannot_rotate_or_change_its_credential_away_from_its_holder() {
    let app = spawn_app().await;
    // A management key, rotated (say, after a leak): the old secret keeps
    // working for its grace period, but only as what it was.
    let (id, old) = app
        .key(json!({ "name": "ops", "scopes": ["*:*"], "rate_limit": "unlimited", "expires": "never" }))
        .await;
    let res = rotate_self(&app, ("bearer", &old), json!({ "grace_period_seconds": 3600 })).await;
    let new = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let leaked = app.api(&old);
    assert_eq!(
        leaked.get("/v1/keys").await.status(),
        StatusCode::OK,
        "still works in its grace"
    );

    let res = rotate_self(&app, ("bearer", &old), json!({ "grace_period_seconds": 0 })).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", res.text().await.unwrap());
    let res = leaked
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "grace_period_seconds": 0 }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = leaked
        .patch(&format!("/v1/keys/{id}"), json!({ "description": "mine now" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        valid(&app, json!({ "key": new })).await,
        "the holder's secret is untouched"
    );
    // The current secret may, and a previous secret still manages others.
    let (other, _) = app.key(json!({ "name": "other", "scopes": ["compute:read"] })).await;
    let res = leaked.post(&format!("/v1/keys/{other}/rotate"), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = rotate_self(&app, ("bearer", &new), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
}
