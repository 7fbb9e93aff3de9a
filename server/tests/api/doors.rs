//! The smaller doors: the client address and the path `/v1/auth` believes,
//! challenges that say what went wrong, secrets never cached, and console
//! pages that send a signed-out visitor to sign in from the server.

use crate::helpers::{auth, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn only_the_configured_header_tells_the_client_address() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "office", "scopes": ["compute:read"], "allowed_cidrs": ["192.0.2.0/24"] }))
        .await;
    let bearer = format!("Bearer {key}");
    let spoofed = auth(
        &app.base,
        &[
            ("authorization", &bearer),
            ("x-real-ip", "192.0.2.10"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(spoofed.status(), StatusCode::FORBIDDEN, "X-Real-IP is not believed");
    assert_eq!(spoofed.headers()["x-keyward-code"], "IP_NOT_ALLOWED");
    let res = auth(
        &app.base,
        &[("authorization", &bearer), ("x-forwarded-for", "192.0.2.10")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Only the last hop counts: the ones before it are the client's own claims.
    let res = auth(
        &app.base,
        &[
            ("authorization", &bearer),
            ("x-forwarded-for", "192.0.2.10, 203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rights_match_the_normalised_path_and_ambiguous_paths_are_refused() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "compute-only", "scopes": ["compute:read", "billing:read"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let bearer = format!("Bearer {key}");
    let call = async |uri: &'static str| {
        auth(
            &app.base,
            &[
                ("authorization", &bearer),
                ("x-forwarded-method", "GET"),
                ("x-forwarded-uri", uri),
            ],
        )
        .await
    };
    assert_eq!(call("/compute/instances?x=1").await.status(), StatusCode::OK);
    assert_eq!(call("/compute/a/../instances").await.status(), StatusCode::OK);
    for uri in [
        "/compute/../billing/x",
        "/compute/%2e%2e/billing/x",
        "/compute/%2E%2E/billing/x",
        "/compute/..%2fbilling/x",
        "/compute/..;/billing/x",
        "/compute/a//../../billing",
        "/compute\\..\\billing",
    ] {
        let res = call(uri).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(res.headers()["x-keyward-code"], "FORBIDDEN_RIGHT", "{uri}");
    }
    let api = app.api(&key);
    let v = api
        .verify(json!({ "key": key, "method": "GET", "path": "/compute/%2e%2e/billing/x" }))
        .await;
    assert_eq!(v["code"], "FORBIDDEN_RIGHT");
    // Rights themselves cannot be written to walk out.
    let root = app.global_admin_key().await;
    let res = root
        .post(
            "/v1/keys",
            json!({ "name": "bad-right", "rights": [{ "methods": ["GET"], "path": "/compute/../*" }] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn challenges_say_whether_a_token_was_sent_and_why_it_failed() {
    let app = spawn_app().await;
    let none = auth(&app.base, &[]).await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()["www-authenticate"], "Bearer realm=\"keyward\"");
    let malformed = auth(&app.base, &[("authorization", "Bearer not-a-key")]).await;
    assert_eq!(malformed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        malformed.headers()["www-authenticate"],
        "Bearer realm=\"keyward\", error=\"invalid_token\""
    );
    let unknown_scheme = auth(&app.base, &[("authorization", "Digest x")]).await;
    assert_eq!(unknown_scheme.headers()["www-authenticate"], "Bearer realm=\"keyward\"");
    let bad_basic = auth(&app.base, &[("authorization", "Basic !!!")]).await;
    assert_eq!(bad_basic.headers()["www-authenticate"], "Basic realm=\"keyward\"");
}

#[tokio::test]
async fn answers_that_carry_a_secret_are_never_cached() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let res = api.post("/v1/keys", json!({ "name": "cached?" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created: serde_json::Value = res.json().await.unwrap();
    let res = api
        .post(
            &format!("/v1/keys/{}/rotate", created["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = api
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": "https://hooks.example.com/x", "events": ["key.created"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.headers());
    assert_eq!(res.headers()["cache-control"], "no-store");
    let admin = app.admin().await;
    let res = admin
        .json(
            "/api/credentials/create",
            json!({ "input": { "name": "from-console" } }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get("cache-control").map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{:?}",
        res.headers()
    );
}

#[tokio::test]
async fn signed_out_console_pages_redirect_from_the_server() {
    let app = spawn_app().await;
    let visitor = app.session();
    let res = visitor.get("/credentials?status=active").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fcredentials%3Fstatus%3Dactive"
    );
    let res = visitor.get("/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for public in ["/login", "/docs"] {
        assert_eq!(visitor.get(public).await.status(), StatusCode::OK, "{public}");
    }
    let stale = app.session();
    let res = stale
        .client
        .get(format!("{}/settings", app.base))
        .header("cookie", "kw_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let admin = app.admin().await;
    assert_eq!(admin.get("/credentials").await.status(), StatusCode::OK);
}

/// `/v1/auth` with header values given as raw bytes (as nginx forwards them).
async fn auth_raw(base: &str, pairs: &[(&'static str, &[u8])]) -> reqwest::Response {
    let mut h = reqwest::header::HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, reqwest::header::HeaderValue::from_bytes(v).unwrap());
    }
    reqwest::Client::new()
        .get(format!("{base}/v1/auth"))
        .headers(h)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn bytes_that_are_not_ascii_never_make_a_check_disappear() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "compute-only", "scopes": ["compute:read", "billing:read"], "allowed_cidrs": ["127.0.0.0/8"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let bearer = format!("Bearer {key}");
    for uri in [
        &b"/billing/x?\xff"[..],
        b"/billing/\xc3\xa9",
        b"/compute/\xff/../../billing",
    ] {
        let res = auth_raw(
            &app.base,
            &[
                ("authorization", bearer.as_bytes()),
                ("x-forwarded-method", b"GET"),
                ("x-forwarded-uri", uri),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(uri));
    }
    // Without a forwarded call, the check is of this request itself.
    let res = auth(&app.base, &[("authorization", &bearer)]).await;
    assert_eq!(res.headers()["x-keyward-code"], "FORBIDDEN_RIGHT");
    // An unreadable client address is no address, never the proxy's own.
    let (_, local) = app
        .key(json!({ "name": "loopback-only", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"] }))
        .await;
    let res = auth_raw(
        &app.base,
        &[
            ("authorization", format!("Bearer {local}").as_bytes()),
            ("x-forwarded-for", b"\x80"),
        ],
    )
    .await;
    assert_eq!(res.headers()["x-keyward-code"], "IP_NOT_ALLOWED");
}

#[tokio::test]
async fn a_named_account_counts_only_what_the_credential_holds_there() {
    let app = spawn_app().await;
    for name in ["acme", "globex"] {
        app.kw()
            .accounts()
            .create(
                &keyward::service::Caller::System("t"),
                name,
                keyward::domain::Plan::Starter,
            )
            .await
            .unwrap();
    }
    let (_, globex) = app
        .key(json!({ "name": "globex-billing", "account": "globex", "scopes": ["billing:read"] }))
        .await;
    let call = async |key: &str, account: &'static str| {
        let bearer = format!("Bearer {key}");
        auth(
            &app.base,
            &[
                ("authorization", &bearer),
                ("x-required-scopes", "billing:read"),
                ("x-keyward-account", account),
            ],
        )
        .await
    };
    assert_eq!(call(&globex, "globex").await.status(), StatusCode::OK);
    assert_eq!(
        call(&globex, "acme").await.status(),
        StatusCode::FORBIDDEN,
        "its own scopes are for its own account"
    );
    let (_, viewer) = app
        .key(json!({ "name": "acme-viewer", "roles": [{ "role": "account_viewer", "accounts": ["acme"] }] }))
        .await;
    let res = call(&viewer, "acme").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["x-keyward-account"],
        "acme",
        "the answer names the account the scopes are for"
    );
}

#[tokio::test]
async fn a_token_loses_what_its_client_loses_after_issuance() {
    let app = spawn_app().await;
    let root = app.global_admin_key().await;
    let client = root
        .create(json!({ "name": "narrowed-later", "kind": "oauth_client", "scopes": ["keys:write", "compute:read"] }))
        .await;
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(client["client_id"].as_str().unwrap(), client["secret"].as_str())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = res.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let needs = async |scope: &'static str| {
        let bearer = format!("Bearer {token}");
        auth(&app.base, &[("authorization", &bearer), ("x-required-scopes", scope)])
            .await
            .status()
    };
    assert_eq!(needs("keys:write").await, StatusCode::OK);
    let id = client["id"].as_str().unwrap();
    let res = root
        .patch(&format!("/v1/keys/{id}"), json!({ "scopes": ["compute:read"] }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(needs("keys:write").await, StatusCode::FORBIDDEN);
    assert_eq!(needs("compute:read").await, StatusCode::OK);
    let res = app
        .api(&token)
        .post(
            "/v1/keys",
            json!({ "name": "minted", "scopes": ["keys:write"], "expires": "5m" }),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "with keys:write gone it no longer sees the account to mint in"
    );
}
