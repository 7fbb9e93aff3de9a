//! Per-credential rate limits through the real server, with the test's clock:
//! `/v1/auth` answers 429 with `Retry-After` and the RateLimit header fields,
//! `/v1/keys/verify` says `RATE_LIMITED`, and the management API and the token
//! endpoint are limited too.

use crate::helpers::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn auth(app: &TestApp, key: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} is missing"))
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn auth_answers_429_with_retry_after_and_passes_again_once_it_has_passed() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "tight", "rate_limit": { "limited": { "limit": 2, "window_seconds": 10, "burst": 3 } } }))
        .await;
    for expected_remaining in [2, 1, 0] {
        let res = auth(&app, &key).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "ratelimit-policy"), "\"key\";q=2;w=10");
        assert!(header(&res, "ratelimit").starts_with(&format!("\"key\";r={expected_remaining};t=")));
    }
    let res = auth(&app, &key).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&res, "x-keyward-code"), "RATE_LIMITED");
    let wait: i64 = header(&res, "retry-after").parse().unwrap();
    assert_eq!(wait, 5, "one request every 5 s");
    assert_eq!(header(&res, "ratelimit"), "\"key\";r=0;t=15");

    app.clock.advance_ms(wait * 1000 - 1);
    assert_eq!(
        auth(&app, &key).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "not yet"
    );
    app.clock.advance_ms(1);
    assert_eq!(
        auth(&app, &key).await.status(),
        StatusCode::OK,
        "exactly after Retry-After"
    );
}

#[tokio::test]
async fn the_plan_sets_the_limit_and_a_credential_override_wins() {
    let app = spawn_app().await;
    let (_, starter) = app.key(json!({ "name": "starter" })).await;
    let mut ok = 0;
    for _ in 0..101 {
        let res = auth(&app, &starter).await;
        if res.status() == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(header(&res, "ratelimit-policy"), "\"starter\";q=60;w=60");
            assert_eq!(header(&res, "retry-after"), "1");
        }
    }
    assert_eq!(ok, 100, "starter: a burst of 100");

    let (_, unlimited) = app.key(json!({ "name": "unlimited", "rate_limit": "unlimited" })).await;
    for _ in 0..150 {
        let res = auth(&app, &unlimited).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().get("ratelimit").is_none());
    }

    // An account's own admin key may not lift its limits; a Global Admin may.
    let tenant = app.management_key().await;
    let res = tenant
        .patch("/v1/accounts/default", json!({ "plan": "enterprise" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let api = app.global_admin_key().await;
    let res = api.patch("/v1/accounts/default", json!({ "plan": "enterprise" })).await;
    assert_eq!(res.status(), StatusCode::OK);
    for _ in 0..20 {
        assert_eq!(
            auth(&app, &starter).await.status(),
            StatusCode::OK,
            "enterprise: unlimited"
        );
    }
    let res = api
        .patch(
            "/v1/accounts/default",
            json!({ "rate_limit": { "limited": { "limit": 10, "window_seconds": 60, "burst": 10 } } }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    // A fresh key: the first one's bucket still remembers its earlier calls.
    let (_, fresh) = app.key(json!({ "name": "under-account-limit" })).await;
    let passed = {
        let mut n = 0;
        for _ in 0..15 {
            if auth(&app, &fresh).await.status() == StatusCode::OK {
                n += 1;
            }
        }
        n
    };
    assert_eq!(passed, 10, "the account's own limit");
}

#[tokio::test]
async fn a_thousand_parallel_requests_against_a_limit_of_100_pass_at_most_100() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "raced", "rate_limit": { "limited": { "limit": 100, "window_seconds": 60, "burst": 100 } } }))
        .await;
    let client = reqwest::Client::new();
    let calls = (0..1000).map(|_| {
        let (client, url, key) = (client.clone(), format!("{}/v1/auth", app.base), key.clone());
        tokio::spawn(async move { client.get(url).bearer_auth(key).send().await.unwrap().status() })
    });
    let mut ok = 0;
    let mut limited = 0;
    for c in calls {
        match c.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!((ok, limited), (100, 900));
}

#[tokio::test]
async fn verify_reports_the_bucket_and_rate_limited() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "verified", "rate_limit": { "limited": { "limit": 60, "window_seconds": 60, "burst": 2 } } }))
        .await;
    let api = app.api(&key);
    let v = api.verify(json!({ "key": key })).await;
    assert_eq!(v["code"], "VALID");
    assert_eq!(v["ratelimit"], json!({ "limit": 60, "remaining": 1, "reset": 1 }));
    api.verify(json!({ "key": key })).await;
    let v = api.verify(json!({ "key": key })).await;
    assert_eq!(v["code"], "RATE_LIMITED");
    assert_eq!(v["valid"], false);
    assert_eq!(v["ratelimit"]["remaining"], 0);
    let bad = api.verify(json!({ "key": "kw_prod_nonsense" })).await;
    assert!(bad.get("ratelimit").is_none(), "nothing for an unknown key: {bad}");
}

#[tokio::test]
async fn the_management_api_and_the_token_endpoint_are_limited_too() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "manager", "scopes": ["keys:read"], "rate_limit": { "limited": { "limit": 1, "window_seconds": 60, "burst": 1 } } }))
        .await;
    let api = app.api(&key);
    assert_eq!(api.get("/v1/keys").await.status(), StatusCode::OK);
    let res = api.get("/v1/keys").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    assert_eq!(header(&res, "retry-after"), "60");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "RATE_LIMITED");

    let admin = app.management_key().await;
    let client = admin
        .create(json!({ "name": "limited-client", "kind": "oauth_client", "rate_limit": { "limited": { "limit": 1, "window_seconds": 60, "burst": 1 } } }))
        .await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["secret"].as_str().unwrap(),
    );
    let token = |_: ()| {
        reqwest::Client::new()
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    assert_eq!(token(()).await.unwrap().status(), StatusCode::OK);
    let res = token(()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&res, "retry-after"), "60");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[tokio::test]
async fn bad_limits_are_refused_with_a_clear_422() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for bad in [
        json!({ "limited": { "limit": 0, "window_seconds": 60, "burst": 1 } }),
        json!({ "limited": { "limit": 10, "window_seconds": 60, "burst": 0 } }),
        json!({ "limited": { "limit": 10, "window_seconds": 0, "burst": 10 } }),
        json!("sometimes"),
    ] {
        let res = api
            .post("/v1/keys", json!({ "name": "bad-limit", "rate_limit": bad }))
            .await;
        assert!(
            res.status() == StatusCode::UNPROCESSABLE_ENTITY || res.status() == StatusCode::BAD_REQUEST,
            "{bad}: {}",
            res.status()
        );
        let body: Value = res.json().await.unwrap();
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
    }
}
