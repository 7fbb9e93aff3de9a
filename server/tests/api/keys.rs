//! The credential lifecycle through the REST API: create, verify, list,
//! change, rotate, revoke, and the errors for bad input.

use crate::helpers::{headers, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_created_key_is_shown_once_and_verifies() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let body = api
        .create(json!({ "name": "Production Backend", "scopes": ["compute:read"] }))
        .await;
    let secret = body["secret"].as_str().unwrap();
    assert!(secret.starts_with("kw_prod_"), "{secret}");
    assert_eq!(body["prefix"], &secret[..12]);
    assert_eq!(body["status"], "active");
    assert_eq!(body["kind"], "api_key");
    let id = body["id"].as_str().unwrap();

    let fetched: Value = api.get(&format!("/v1/keys/{id}")).await.json().await.unwrap();
    assert!(fetched.get("secret").is_none());
    assert!(!fetched.to_string().contains(secret));
    let list = api.get("/v1/keys").await.text().await.unwrap();
    assert!(!list.contains(secret));

    let v = api.verify(json!({ "key": secret, "scopes": ["compute:read"] })).await;
    assert_eq!(v["valid"], true);
    assert_eq!(v["code"], "VALID");
    assert_eq!(v["key_id"], id);
    assert_eq!(v["account"], "default");
    assert_eq!(v["name"], "Production Backend");
}

#[tokio::test]
async fn the_database_never_holds_a_secret() {
    let mut app = spawn_app().await;
    let api = app.management_key().await;
    let mut secrets = vec![api.secret.clone()];
    for kind in ["api_key", "oauth_client"] {
        let b = api.create(json!({ "name": format!("k-{kind}"), "kind": kind })).await;
        secrets.push(b["secret"].as_str().unwrap().to_owned());
    }
    let b = api
        .create(json!({ "name": "basic", "kind": "basic", "allowed_cidrs": ["10.0.0.0/8"] }))
        .await;
    secrets.push(b["secret"].as_str().unwrap().to_owned());
    let rotated: Value = api
        .post(&format!("/v1/keys/{}/rotate", b["id"].as_str().unwrap()), json!({}))
        .await
        .json()
        .await
        .unwrap();
    secrets.push(rotated["secret"].as_str().unwrap().to_owned());
    app.stop().await;

    let data = app.dir.path().join("data");
    let mut bytes = Vec::new();
    for f in ["keyward.db", "keyward.db-wal", "keyward.db-shm"] {
        if let Ok(b) = std::fs::read(data.join(f)) {
            bytes.extend(b);
        }
    }
    for s in &secrets {
        let random = &s[s.rfind('_').unwrap() + 1..];
        for needle in [s.as_str(), random, &random[..20], &random[10..30]] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} found in the database files"
            );
        }
    }
}

#[tokio::test]
async fn unknown_keys_and_wrong_secrets_look_alike_and_typos_are_malformed() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, secret) = app.key(json!({ "name": "real" })).await;
    // A well-formed key that was never issued: a fresh random body, valid checksum.
    let never = keyward::crypto::keygen::secret(
        "kw",
        keyward::domain::key::SecretRole::ApiKey,
        keyward::domain::Environment::Prod,
    );
    // The right prefix and environment, the wrong random part.
    let wrong = keyward::domain::key::format::assemble("kw", keyward::domain::Environment::Prod, &"A".repeat(30));
    let a = api.verify(json!({ "key": never })).await;
    let b = api.verify(json!({ "key": wrong })).await;
    assert_eq!(a, json!({ "valid": false, "code": "NOT_FOUND" }));
    assert_eq!(a, b);
    let mut typo = secret.clone().into_bytes();
    typo[15] = if typo[15] == b'a' { b'b' } else { b'a' };
    let t = api.verify(json!({ "key": String::from_utf8(typo).unwrap() })).await;
    assert_eq!(t, json!({ "valid": false, "code": "MALFORMED" }));
    assert_eq!(api.verify(json!({ "key": "hello" })).await["code"], "MALFORMED");
}

#[tokio::test]
async fn verify_reports_each_refusal_with_its_code() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, secret) = app
        .key(json!({
            "name": "scoped",
            "scopes": ["compute:write"],
            "allowed_cidrs": ["10.0.0.0/8", "2001:db8::/32"],
            "rights": [{ "methods": ["GET", "POST"], "path": "/v1/instances/*" }],
            "expires": "7d"
        }))
        .await;
    let call = |extra: Value| {
        let mut body = json!({ "key": secret, "ip": "10.1.2.3", "method": "GET", "path": "/v1/instances/9", "scopes": ["compute:read"] });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    assert_eq!(api.verify(call(json!({}))).await["code"], "VALID");
    assert_eq!(
        api.verify(call(json!({ "ip": "::ffff:10.9.9.9" }))).await["code"],
        "VALID"
    );
    assert_eq!(api.verify(call(json!({ "ip": "2001:db8::7" }))).await["code"], "VALID");
    assert_eq!(
        api.verify(call(json!({ "ip": "192.0.2.1" }))).await["code"],
        "IP_NOT_ALLOWED"
    );
    assert_eq!(
        api.verify(call(json!({ "method": "DELETE" }))).await["code"],
        "FORBIDDEN_RIGHT"
    );
    assert_eq!(
        api.verify(call(json!({ "path": "/v1/networks/1" }))).await["code"],
        "FORBIDDEN_RIGHT"
    );
    assert_eq!(
        api.verify(call(json!({ "scopes": ["compute:admin"] }))).await["code"],
        "INSUFFICIENT_SCOPE"
    );
    assert_eq!(
        api.verify(call(json!({ "scopes": ["storage:read"] }))).await["code"],
        "INSUFFICIENT_SCOPE"
    );

    api.patch("/v1/accounts/default", json!({ "api_enabled": false })).await;
    // The management key belongs to `default` too, so it is refused now: use the verify endpoint alone.
    let v = api.verify(call(json!({}))).await;
    assert_eq!(v["code"], "API_DISABLED");
    assert_eq!(v["valid"], false);
    app.kw()
        .accounts()
        .update(
            &keyward::service::Caller::System("test"),
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(api.verify(call(json!({}))).await["code"], "VALID");

    app.clock.advance_secs(7 * 86_400);
    let v = api.verify(call(json!({}))).await;
    assert_eq!(v["code"], "EXPIRED");
    assert!(v["key_id"].is_string(), "an expired key is still identified");
}

#[tokio::test]
async fn revocation_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let body = api.create(json!({ "name": "to revoke" })).await;
    let secret = body["secret"].as_str().unwrap();
    assert_eq!(api.verify(json!({ "key": secret })).await["code"], "VALID");
    let res = api.delete(&format!("/v1/keys/{}", body["id"].as_str().unwrap())).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.verify(json!({ "key": secret })).await["code"], "REVOKED");
    let fetched: Value = api
        .get(&format!("/v1/keys/{}", body["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["status"], "revoked");
    // Revoking twice is fine.
    assert_eq!(
        api.delete(&format!("/v1/keys/{}", body["id"].as_str().unwrap()))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn rotation_keeps_the_old_secret_for_the_grace_period_only() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let body = api.create(json!({ "name": "rotating" })).await;
    let id = body["id"].as_str().unwrap();
    let first = body["secret"].as_str().unwrap().to_owned();
    let res = api
        .post(
            &format!("/v1/keys/{id}/rotate"),
            json!({ "grace_period_seconds": 3600 }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let second = res.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(api.verify(json!({ "key": first })).await["code"], "VALID");
    assert_eq!(api.verify(json!({ "key": second })).await["code"], "VALID");
    app.clock.advance_secs(3601);
    assert_eq!(api.verify(json!({ "key": first })).await["code"], "NOT_FOUND");
    assert_eq!(api.verify(json!({ "key": second })).await["code"], "VALID");
}

#[tokio::test]
async fn a_second_rotation_kills_the_first_secret_at_once_and_the_default_grace_is_a_day() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let body = api.create(json!({ "name": "rotating" })).await;
    let id = body["id"].as_str().unwrap();
    let first = body["secret"].as_str().unwrap().to_owned();
    let second: Value = api
        .send(reqwest::Method::POST, &format!("/v1/keys/{id}/rotate"), None)
        .await
        .json()
        .await
        .unwrap();
    let second = second["secret"].as_str().unwrap().to_owned();
    app.clock.advance_secs(86_399);
    assert_eq!(
        api.verify(json!({ "key": first })).await["code"],
        "VALID",
        "default grace is 24 h"
    );
    let third: Value = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let third = third["secret"].as_str().unwrap();
    assert_eq!(api.verify(json!({ "key": first })).await["code"], "NOT_FOUND");
    assert_eq!(api.verify(json!({ "key": second })).await["code"], "VALID");
    assert_eq!(api.verify(json!({ "key": third })).await["code"], "VALID");
    let now: Value = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "grace_period_seconds": 0 }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(api.verify(json!({ "key": third })).await["code"], "NOT_FOUND");
    assert_eq!(api.verify(json!({ "key": now["secret"] })).await["code"], "VALID");
    let res = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "grace_period_seconds": -5 }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn ten_concurrent_rotations_leave_one_current_and_one_grace_secret() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let body = api.create(json!({ "name": "contended" })).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = reqwest::Client::new();
        let url = format!("{}/v1/keys/{id}/rotate", app.base);
        let secret = api.secret.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(secret)
                .json(&json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let pool = app.kw().store().pool().clone();
    let rows: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT s.retires_at FROM credential_secrets s JOIN credentials c ON c.id = s.credential_id WHERE c.public_id = $1",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.iter().filter(|r| r.0.is_none()).count(), 1, "one current secret");
    assert_eq!(rows.iter().filter(|r| r.0.is_some()).count(), 1, "one grace secret");
}

#[tokio::test]
async fn basic_credentials_enforce_their_rules_with_a_clear_422() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let res = api.post("/v1/keys", json!({ "name": "b", "kind": "basic" })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "VALIDATION_FAILED");
    assert_eq!(p["field"], "allowed_cidrs");
    let res = api
        .post(
            "/v1/keys",
            json!({ "name": "b", "kind": "basic", "allowed_cidrs": ["10.0.0.0/8"], "expires": "1y" }),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "expires");
    let b = api
        .create(json!({ "name": "b", "kind": "basic", "allowed_cidrs": ["127.0.0.0/8"], "expires": "24h" }))
        .await;
    assert!(b["client_id"].as_str().unwrap().starts_with("kwc_prod_"));
    assert!(b["secret"].as_str().unwrap().starts_with("kws_prod_"));
    // A Basic secret is not an API key.
    assert_eq!(api.verify(json!({ "key": b["secret"] })).await["code"], "MALFORMED");
}

#[tokio::test]
async fn expiry_presets_set_the_expiry_and_never_means_none() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let now = app.kw().now();
    for (preset, secs) in [
        ("5m", 300),
        ("24h", 86_400),
        ("1mo", 30 * 86_400),
        ("custom:45", 45 * 86_400),
    ] {
        let b = api.create(json!({ "name": preset, "expires": preset })).await;
        assert_eq!(b["expires_at"].as_i64().unwrap() - now, secs, "{preset}");
    }
    let b = api.create(json!({ "name": "default" })).await;
    assert_eq!(b["expires_at"].as_i64().unwrap() - now, 180 * 86_400);
    let b = api
        .create(json!({ "name": "forever", "expires": "never", "metadata": { "team": "payments" } }))
        .await;
    assert!(b["expires_at"].is_null());
    assert_eq!(b["metadata"]["team"], "payments");
    let b = api
        .create(json!({ "name": "renewing", "expires": "1y", "auto_renew": true }))
        .await;
    assert_eq!(b["auto_renew"], true);
    // Auto-renew acts a day before the expiry: it needs one, and a longer lifetime.
    for expires in ["never", "24h", "5m"] {
        let res = api
            .post(
                "/v1/keys",
                json!({ "name": "renewing-too", "expires": expires, "auto_renew": true }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{expires}");
        assert_eq!(res.json::<Value>().await.unwrap()["field"], "auto_renew");
    }
    let id = b["id"].as_str().unwrap();
    let res = api.patch(&format!("/v1/keys/{id}"), json!({ "expires": "24h" })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api
        .post("/v1/keys", json!({ "name": "x", "expires": "custom:0" }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn names_are_unique_per_account_and_immutable() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let b = api.create(json!({ "name": "same" })).await;
    let res = api.post("/v1/keys", json!({ "name": "same" })).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let id = b["id"].as_str().unwrap();
    let res = api.patch(&format!("/v1/keys/{id}"), json!({ "name": "renamed" })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "NAME_IMMUTABLE");
}

#[tokio::test]
async fn patch_changes_scopes_and_cidrs_and_validates_them() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let b = api
        .create(json!({ "name": "editable", "scopes": ["compute:read"] }))
        .await;
    let id = b["id"].as_str().unwrap();
    let secret = b["secret"].as_str().unwrap();
    let res = api
        .patch(
            &format!("/v1/keys/{id}"),
            json!({ "scopes": ["storage:write"], "allowed_cidrs": ["10.0.0.0/8"], "description": "now restricted" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["scopes"], json!(["storage:write"]));
    assert_eq!(c["description"], "now restricted");
    assert_eq!(
        api.verify(json!({ "key": secret, "ip": "10.0.0.1", "scopes": ["storage:read"] }))
            .await["code"],
        "VALID"
    );
    assert_eq!(
        api.verify(json!({ "key": secret, "ip": "10.0.0.1", "scopes": ["compute:read"] }))
            .await["code"],
        "INSUFFICIENT_SCOPE"
    );
    assert_eq!(
        api.verify(json!({ "key": secret, "ip": "192.0.2.1" })).await["code"],
        "IP_NOT_ALLOWED"
    );
    let res = api
        .patch(&format!("/v1/keys/{id}"), json!({ "allowed_cidrs": ["10.0.0.300/8"] }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "allowed_cidrs");
    let res = api
        .patch(&format!("/v1/keys/{id}"), json!({ "scopes": ["printers:read"] }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn malformed_requests_get_clear_problems_never_a_500() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let url = format!("{}/v1/keys", app.base);
    let c = &api.client;
    let res = c
        .post(&url)
        .bearer_auth(&api.secret)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "MALFORMED_JSON");
    let res = c
        .post(&url)
        .bearer_auth(&api.secret)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = api.post("/v1/keys", json!({ "name": "x", "colour": "blue" })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json::<Value>().await.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("colour")
    );
    let res = api
        .post(
            "/v1/keys",
            json!({ "name": "x", "metadata": { "blob": "y".repeat(70_000) } }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = api.post("/v1/keys", json!({ "name": 5 })).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.get("/v1/keys?status=sleeping").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.get("/v1/keys?cursor=abc").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = api.get("/v1/nothing-here").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = c
        .post(format!("{}/v1/keys/verify", app.base))
        .json(&json!({ "key": "x", "scopes": ["bad scope"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn management_calls_need_a_bearer_key_with_the_right_scope() {
    let app = spawn_app().await;
    let res = reqwest::get(format!("{}/v1/keys", app.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let bogus = app.api("kw_prod_notarealkeyatall");
    assert_eq!(bogus.get("/v1/keys").await.status(), StatusCode::UNAUTHORIZED);

    let (_, read_only) = app.key(json!({ "name": "reader", "scopes": ["keys:read"] })).await;
    let reader = app.api(&read_only);
    assert_eq!(reader.get("/v1/keys").await.status(), StatusCode::OK);
    assert_eq!(
        reader.post("/v1/keys", json!({ "name": "nope" })).await.status(),
        StatusCode::FORBIDDEN
    );

    let (_, nothing) = app
        .key(json!({ "name": "compute only", "scopes": ["compute:admin"] }))
        .await;
    let res = app.api(&nothing).get("/v1/keys").await;
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["items"], json!([]), "keys:read is needed to see any key");

    let (id, expired) = app
        .key(json!({ "name": "short", "scopes": ["keys:read"], "expires": "5m" }))
        .await;
    app.clock.advance_secs(301);
    assert_eq!(
        app.api(&expired).get("/v1/keys").await.status(),
        StatusCode::UNAUTHORIZED,
        "{id}"
    );
}

#[tokio::test]
async fn keys_reach_only_their_account_unless_a_role_widens_it() {
    let app = spawn_app().await;
    let kw = app.kw();
    kw.accounts()
        .create(
            &keyward::service::Caller::System("test"),
            "acme",
            keyward::domain::Plan::Starter,
        )
        .await
        .unwrap();
    let (_, acme_key) = app
        .key(json!({ "account": "acme", "name": "acme admin", "scopes": ["keys:write"] }))
        .await;
    let (_, global) = app
        .key(json!({ "name": "global", "scopes": ["keys:read"], "roles": ["global_viewer"] }))
        .await;
    let acme = app.api(&acme_key);
    let in_default = acme
        .post("/v1/keys", json!({ "account": "default", "name": "x" }))
        .await;
    assert_eq!(
        in_default.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an account out of reach reads like one that does not exist"
    );
    let nowhere = acme
        .post("/v1/keys", json!({ "account": "no-such-account", "name": "x" }))
        .await;
    assert_eq!(nowhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let b = acme.create(json!({ "account": "acme", "name": "svc" })).await;
    assert_eq!(b["account"], "acme");
    let page: Value = acme.get("/v1/keys").await.json().await.unwrap();
    assert!(page["items"].as_array().unwrap().iter().all(|k| k["account"] == "acme"));

    let viewer = app.api(&global);
    let page: Value = viewer.get("/v1/keys?limit=200").await.json().await.unwrap();
    let accounts: std::collections::BTreeSet<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["account"].as_str().unwrap())
        .collect();
    assert_eq!(accounts.into_iter().collect::<Vec<_>>(), ["acme", "default"]);
    assert_eq!(
        viewer
            .post("/v1/keys", json!({ "account": "acme", "name": "y" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn lists_page_with_a_cursor_newest_first_and_filter() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for i in 0..120 {
        let kind = if i % 10 == 0 { "oauth_client" } else { "api_key" };
        app.key(json!({ "name": format!("svc-{i:03}"), "kind": kind, "environment": if i % 2 == 0 { "prod" } else { "dev" } })).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/keys?limit=50&cursor={c}"),
            None => "/v1/keys?limit=50".to_owned(),
        };
        let page: Value = api.get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 121, "120 plus the management key");
    assert_eq!(seen[0], "svc-119");
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 121);

    let oauth: Value = api
        .get("/v1/keys?kind=oauth_client&limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(oauth["items"].as_array().unwrap().len(), 12);
    let dev: Value = api
        .get("/v1/keys?environment=dev&limit=200")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dev["items"].as_array().unwrap().len(), 60);
    let q: Value = api.get("/v1/keys?q=svc-11").await.json().await.unwrap();
    assert_eq!(q["items"].as_array().unwrap().len(), 10);
    let by_prefix = seen[5].clone();
    let one: Value = api.get(&format!("/v1/keys?q={by_prefix}")).await.json().await.unwrap();
    let prefix = one["items"][0]["prefix"].as_str().unwrap().to_owned();
    let again: Value = api.get(&format!("/v1/keys?q={prefix}")).await.json().await.unwrap();
    assert!(
        again["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["name"] == by_prefix.as_str())
    );
}

#[tokio::test]
async fn status_filters_follow_the_clock() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    app.key(json!({ "name": "soon", "expires": "24h" })).await;
    app.key(json!({ "name": "gone", "expires": "5m" })).await;
    let (id, _) = app.key(json!({ "name": "dead" })).await;
    api.delete(&format!("/v1/keys/{id}")).await;
    app.clock.advance_secs(600);
    let names = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(api.get("/v1/keys?status=expiring").await.json().await.unwrap()),
        ["soon"]
    );
    assert_eq!(
        names(api.get("/v1/keys?status=expired").await.json().await.unwrap()),
        ["gone"]
    );
    assert_eq!(
        names(api.get("/v1/keys?status=revoked").await.json().await.unwrap()),
        ["dead"]
    );
    assert_eq!(
        names(api.get("/v1/keys?status=active").await.json().await.unwrap()),
        ["management"]
    );
}

#[tokio::test]
async fn last_used_is_batched_in_memory_and_flushed() {
    let mut app = spawn_app().await;
    let api = app.management_key().await;
    let b = api.create(json!({ "name": "used" })).await;
    let id = b["id"].as_str().unwrap().to_owned();
    api.verify(json!({ "key": b["secret"], "ip": "192.0.2.44" })).await;
    let pool = app.kw().store().pool().clone();
    let stored: (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM credentials WHERE public_id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored.0, None, "verification did not write to SQLite");
    app.kw().usage().flush().await.unwrap();
    let k: Value = api.get(&format!("/v1/keys/{id}")).await.json().await.unwrap();
    assert_eq!(k["last_used_at"], app.kw().now());
    assert_eq!(k["last_used_ip"], "192.0.2.44");

    // And on graceful shutdown, nothing pending is lost.
    api.verify(json!({ "key": b["secret"], "ip": "192.0.2.45" })).await;
    let dir = app.dir.path().join("data");
    app.stop().await;
    let store = crate::pg::store_for(&dir).await;
    let ip: (Option<String>,) = sqlx::query_as("SELECT last_used_ip FROM credentials WHERE public_id = $1")
        .bind(&id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(ip.0.as_deref(), Some("192.0.2.45"));
}

#[tokio::test]
async fn changes_are_audited_with_the_acting_credential() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let b = api.create(json!({ "name": "audited" })).await;
    let id = b["id"].as_str().unwrap();
    api.patch(&format!("/v1/keys/{id}"), json!({ "description": "x" }))
        .await;
    api.post(&format!("/v1/keys/{id}/rotate"), json!({})).await;
    api.delete(&format!("/v1/keys/{id}")).await;
    let page: Value = api
        .get(&format!("/v1/audit?target=key:{id}"))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["key.revoked", "key.rotated", "key.updated", "key.created"]);
    let e = &page["entries"][0];
    assert_eq!(e["actor_kind"], "credential");
    assert_eq!(e["actor"], &api.secret[..12]);
    assert_eq!(e["account"], "default");
    assert_eq!(e["ip"], "127.0.0.1");
    assert!(!page.to_string().contains(b["secret"].as_str().unwrap()));
}

#[tokio::test]
async fn accounts_are_managed_through_the_api() {
    let app = spawn_app().await;
    let (_, admin) = app
        .key(json!({ "name": "root", "scopes": ["admin:write", "keys:write"], "roles": ["global_admin"] }))
        .await;
    let api = app.api(&admin);
    let res = api
        .post("/v1/accounts", json!({ "name": "acme", "plan": "professional" }))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = api.post("/v1/accounts", json!({ "name": "acme" })).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = api
        .patch(
            "/v1/accounts/acme",
            json!({ "allow_query_key": false, "notification_emails": ["ops@acme.test"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = api.get("/v1/accounts").await.json().await.unwrap();
    let acme = list.as_array().unwrap().iter().find(|a| a["name"] == "acme").unwrap();
    assert_eq!(acme["plan"], "professional");
    assert_eq!(acme["allow_query_key"], false);
    assert_eq!(acme["notification_emails"], json!(["ops@acme.test"]));
    assert_eq!(
        api.patch("/v1/accounts/nope", json!({ "plan": "starter" }))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.patch("/v1/accounts/acme", json!({ "plan": "gold" })).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (_, plain) = app.key(json!({ "name": "plain", "scopes": ["admin:write"] })).await;
    assert_eq!(
        app.api(&plain)
            .post("/v1/accounts", json!({ "name": "x" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let _ = headers(&[]);
}

#[tokio::test]
async fn the_cli_prints_a_new_key_once_and_a_running_server_accepts_it() {
    let app = spawn_app().await;
    let data = app.dir.path().join("data");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args([
            "keys",
            "create",
            "--account",
            "default",
            "--name",
            "ci",
            "--scopes",
            "keys:read,keys:write",
            "--expires",
            "24h",
            "--json",
        ])
        .env("KEYWARD_DATA_DIR", &data)
        .envs(crate::pg::db_env(&data))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = printed["secret"].as_str().unwrap();
    assert_eq!(printed["name"], "ci");
    // Created by another process: the server finds it with one indexed look-up.
    let api = app.api(secret);
    assert_eq!(api.get("/v1/keys").await.status(), StatusCode::OK);
    assert_eq!(api.verify(json!({ "key": secret })).await["code"], "VALID");
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(format!("{}/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, methods) in [
        ("/v1/keys", &["get", "post"][..]),
        ("/v1/keys/{id}", &["get", "patch", "delete"][..]),
        ("/v1/keys/{id}/rotate", &["post"][..]),
        ("/v1/keys/verify", &["post"][..]),
        ("/v1/auth", &["get"][..]),
        ("/v1/accounts", &["get", "post"][..]),
        ("/v1/accounts/{name}", &["patch"][..]),
        ("/v1/audit", &["get"][..]),
    ] {
        for m in methods {
            assert!(doc["paths"][path][m].is_object(), "{m} {path}");
        }
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["Credential"]["properties"]["allowed_cidrs"].is_object());
}
