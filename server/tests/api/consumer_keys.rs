//! An application's consumer keys through the real server: listed without
//! the keys, revoked one by one or all with the application, and what a
//! caller holding less is refused.

use keyward::service::{Caller, ConsumerKeyDecision};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::applications::{App, application, forwarded, gateway};
use crate::helpers::{TestApp, spawn_app};

/// Requests a consumer key for `a` with `request` (OVH's body) and approves
/// it as a user would on the validation page; answers the key.
async fn approved_consumer_key(app: &TestApp, a: &App, request: Value) -> String {
    let res = reqwest::Client::new()
        .post(format!("{}/1.0/auth/credential", app.base))
        .header("x-ovh-application", &a.ak)
        .json(&request)
        .send()
        .await
        .unwrap();
    let grant: Value = res.json().await.unwrap();
    let token = grant["validationUrl"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let approve = ConsumerKeyDecision {
        approve: true,
        account: None,
        expires: Some("never".into()),
    };
    app.kw()
        .applications()
        .decide(&Caller::System("t"), &token, &approve)
        .await
        .unwrap();
    grant["consumerKey"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn consumer_keys_are_listed_and_revoked_one_by_one_or_all_with_the_application() {
    let app = spawn_app().await;
    let a = application(&app, "fleet", json!([{ "methods": ["GET"], "path": "/*" }])).await;
    let second = approved_consumer_key(
        &app,
        &a,
        json!({ "accessRules": [{ "method": "GET", "path": "/compute/*" }] }),
    )
    .await;

    let admin = app.management_key_for_admin().await;
    let keys: Value = admin
        .get(&format!("/v1/keys/{}/consumer-keys", a.id))
        .await
        .json()
        .await
        .unwrap();
    let keys = keys.as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let text = serde_json::to_string(keys).unwrap();
    assert!(
        !text.contains(&a.ck) && !text.contains(&second),
        "keys are never shown again"
    );
    let first_id = keys[1]["id"].as_str().unwrap().to_owned();
    assert_eq!(keys[1]["status"], "active");

    // A read-only key sees but cannot revoke; another account's key sees nothing.
    let reader = app.management_key_for_reading().await;
    assert_eq!(
        reader.get(&format!("/v1/keys/{}/consumer-keys", a.id)).await.status(),
        StatusCode::OK
    );
    let path = format!("/v1/keys/{}/consumer-keys/{first_id}", a.id);
    assert_eq!(reader.delete(&path).await.status(), StatusCode::FORBIDDEN);
    let now = keyward::clock::Clock::now(&app.clock);
    assert_eq!(
        gateway(&app, &forwarded(&a, &a.ck, "GET", "/1.0/x", now)).await.0,
        StatusCode::OK
    );

    let res = admin.delete(&path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "revoked");
    let revoked = gateway(&app, &forwarded(&a, &a.ck, "GET", "/1.0/y", now)).await;
    assert_eq!(revoked, (StatusCode::UNAUTHORIZED, "REVOKED".into()));
    assert_eq!(
        gateway(&app, &forwarded(&a, &second, "GET", "/1.0/compute/z", now))
            .await
            .0,
        StatusCode::OK,
        "the other consumer key goes on"
    );
    let missing = format!("/v1/keys/{}/consumer-keys/ck_nope", a.id);
    assert_eq!(admin.delete(&missing).await.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        admin.delete(&format!("/v1/keys/{}", a.id)).await.status(),
        StatusCode::NO_CONTENT
    );
    let gone = gateway(&app, &forwarded(&a, &second, "GET", "/1.0/compute/w", now)).await;
    assert_eq!(gone.1, "REVOKED");
    let keys: Value = admin
        .get(&format!("/v1/keys/{}/consumer-keys", a.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(keys.as_array().unwrap().iter().all(|k| k["status"] == "revoked"));

    // The application secret is stored sealed, never in clear.
    let db = std::fs::read(app.dir.path().join("data/keyward.db")).unwrap_or_default();
    assert!(!db.windows(a.secret.len()).any(|w| w == a.secret.as_bytes()));
    assert!(!db.windows(second.len()).any(|w| w == second.as_bytes()));
}

#[tokio::test]
async fn an_application_takes_no_roles_and_an_admin_rotation_keeps_its_consumer_keys() {
    let app = spawn_app().await;
    let api = app.management_key_for_admin().await;
    let res = api
        .post(
            "/v1/keys",
            json!({ "name": "x", "kind": "application", "roles": ["global_viewer"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let a = application(&app, "y", json!([])).await;
    let before: Value = api
        .get(&format!("/v1/keys/{}/consumer-keys", a.id))
        .await
        .json()
        .await
        .unwrap();
    let res = api.post(&format!("/v1/keys/{}/rotate", a.id), json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let secret = rotated["secret"].as_str().unwrap();
    assert!(secret.starts_with("kws_prod_") && secret != a.secret);
    let after: Value = api
        .get(&format!("/v1/keys/{}/consumer-keys", a.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before, after, "a new secret, the same consumer keys");
    // A narrower key cannot issue an application wider than itself.
    let narrow = app
        .key(json!({ "name": "narrow", "scopes": ["keys:write"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let res = app
        .api(&narrow.1)
        .post(
            "/v1/keys",
            json!({ "name": "wide", "kind": "application", "rights": [] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", res.text().await.unwrap());
}

/// The validation page's server functions: only a user who may manage the
/// account approves, and one who cannot see the application sees nothing.
#[tokio::test]
async fn only_a_user_who_may_manage_the_account_approves_a_request() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json("/api/accounts/create", json!({ "name": "globex", "plan": "starter" }))
        .await;
    let globex = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let a = application(&app, "partner", json!([{ "methods": ["GET"], "path": "/*" }])).await;
    let res = reqwest::Client::new()
        .post(format!("{}/1.0/auth/credential", app.base))
        .header("x-ovh-application", &a.ak)
        .json(&json!({ "accessRules": [{ "method": "GET", "path": "/compute/*" }], "redirection": "https://partner.example.com/back" }))
        .send()
        .await
        .unwrap();
    let grant: Value = res.json().await.unwrap();
    let ck = grant["consumerKey"].as_str().unwrap().to_owned();
    let token = grant["validationUrl"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();

    let viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let outsider = app
        .user(&admin, "av@example.com", "account_viewer", false, vec![globex])
        .await;
    let pending = json!({ "token": token });
    let res = viewer.json("/api/applications/pending", pending.clone()).await;
    assert_eq!(res.status(), StatusCode::OK, "a viewer may look");
    assert_eq!(res.json::<Value>().await.unwrap()["application"], "partner");
    let res = outsider.json("/api/applications/pending", pending.clone()).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "the application's account is out of sight"
    );
    let approve = json!({ "token": token, "approve": true, "account": "globex", "expires": "never" });
    assert_eq!(
        viewer.json("/api/applications/decide", approve.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        !outsider
            .json("/api/applications/decide", approve.clone())
            .await
            .status()
            .is_success()
    );
    let res = admin
        .json("/api/applications/pending", json!({ "token": "not-a-token" }))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let res = admin.json("/api/applications/decide", approve.clone()).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(res.json::<Value>().await.unwrap(), "https://partner.example.com/back");
    let now = keyward::clock::Clock::now(&app.clock);
    let headers = forwarded(&a, &ck, "GET", "/1.0/compute/vm-1", now);
    let pairs: Vec<(&'static str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = crate::helpers::auth(&app.base, &pairs).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["x-keyward-account"],
        "globex",
        "it acts on the account picked"
    );
    assert_eq!(
        admin.json("/api/applications/decide", approve).await.status(),
        StatusCode::NOT_FOUND,
        "decided once"
    );
}

/// A consumer key's own `allowedIPs` hold beside the application's, and its
/// last use is kept apart from the application's.
#[tokio::test]
async fn a_consumer_keys_allowed_ips_hold_and_its_last_use_is_its_own() {
    let app = spawn_app().await;
    let a = application(&app, "kiosk", json!([{ "methods": ["GET"], "path": "/*" }])).await;
    let ck = approved_consumer_key(
        &app,
        &a,
        json!({ "accessRules": [{ "method": "GET", "path": "/*" }], "allowedIPs": ["203.0.113.0/24"] }),
    )
    .await;

    let now = keyward::clock::Clock::now(&app.clock).to_string();
    let signed = |path: &str, ip: &str| {
        let url = format!("https://api.example.com/1.0{path}");
        let signature = keyward::crypto::request_signature::sign(
            &a.secret,
            &ck,
            &keyward::crypto::request_signature::SignedParts {
                method: "GET",
                url: &url,
                body: b"",
                timestamp: &now,
            },
        );
        json!({ "method": "GET", "url": url, "ip": ip,
                "headers": { "X-Ovh-Application": a.ak, "X-Ovh-Consumer": ck, "X-Ovh-Timestamp": now, "X-Ovh-Signature": signature } })
    };
    let api = app.api("");
    assert_eq!(api.verify(signed("/a", "198.51.100.1")).await["code"], "IP_NOT_ALLOWED");
    assert_eq!(api.verify(signed("/b", "203.0.113.9")).await["code"], "VALID");
    app.kw().usage().flush().await.unwrap();

    let admin = app.management_key_for_admin().await;
    let keys: Value = admin
        .get(&format!("/v1/keys/{}/consumer-keys", a.id))
        .await
        .json()
        .await
        .unwrap();
    let keys = keys.as_array().unwrap();
    assert_eq!(keys[0]["allowed_cidrs"], json!(["203.0.113.0/24"]));
    assert_eq!(keys[0]["last_used_ip"], "203.0.113.9");
    assert_eq!(
        keys[1]["last_used_at"],
        Value::Null,
        "the first consumer key was not used"
    );
}
