//! The grant rule and reach, tried the way an attacker holding a weak
//! credential would, through the real server: every door refuses what the
//! caller does not hold itself.

use crate::helpers::{Api, TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A key of `default` holding only `scopes`, under the plan's limit, that
/// never expires (so only its scopes limit what it may issue).
async fn weak_key(app: &TestApp, name: &str, scopes: &[&str]) -> (String, Api) {
    let (id, secret) = app
        .key(json!({ "name": name, "scopes": scopes, "expires": "never" }))
        .await;
    (id, app.api(&secret))
}

async fn problem(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_keys_write_key_cannot_mint_a_credential_stronger_than_itself() {
    let app = spawn_app().await;
    let (_, writer) = weak_key(&app, "writer", &["keys:write"]).await;
    for (body, what) in [
        (
            json!({ "name": "root", "scopes": ["keys:write"], "roles": ["global_admin"] }),
            "a Global Admin",
        ),
        (
            json!({ "name": "viewer", "roles": ["global_viewer"] }),
            "a Global Viewer",
        ),
        (json!({ "name": "star", "scopes": ["*:admin"] }), "*:admin"),
        (json!({ "name": "adm", "scopes": ["admin:write"] }), "admin:write"),
        (
            json!({ "name": "ro", "roles": [{ "role": "account_viewer", "accounts": ["acme"] }] }),
            "another account",
        ),
        (
            json!({ "name": "free", "scopes": ["keys:write"], "rate_limit": "unlimited" }),
            "no rate limit",
        ),
    ] {
        let (status, body) = problem(writer.post("/v1/keys", body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
        assert_eq!(body["code"], "EXCEEDS_CALLER", "{what}");
    }
    // Its equal, or less, is fine.
    writer.create(json!({ "name": "peer", "scopes": ["keys:write"] })).await;
    writer
        .create(json!({ "name": "reader", "scopes": ["keys:read"] }))
        .await;

    // A minted admin would have created accounts; nothing was minted.
    let list: Value = app
        .management_key()
        .await
        .get("/v1/keys?q=root")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_keys_write_key_cannot_raise_its_own_roles_or_scopes() {
    let app = spawn_app().await;
    let (id, writer) = weak_key(&app, "writer", &["keys:write", "keys:read"]).await;
    for patch in [
        json!({ "roles": ["global_admin"] }),
        json!({ "scopes": ["keys:admin"] }),
        json!({ "scopes": ["*:*"] }),
        json!({ "rate_limit": "unlimited" }),
        json!({ "allowed_cidrs": ["0.0.0.0/0"], "scopes": ["admin:write"] }),
    ] {
        let (status, body) = problem(writer.patch(&format!("/v1/keys/{id}"), patch.clone()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{patch}: {body}");
    }
    let me: Value = writer.get(&format!("/v1/keys/{id}")).await.json().await.unwrap();
    assert_eq!(me["roles"], json!([]));
    assert_eq!(me["scopes"], json!(["keys:write", "keys:read"]));
    // Narrowing itself is allowed, and so is revoking itself.
    let res = writer
        .patch(&format!("/v1/keys/{id}"), json!({ "scopes": ["keys:write"] }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        writer.delete(&format!("/v1/keys/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_keys_write_key_cannot_rotate_or_revoke_a_stronger_credential() {
    let app = spawn_app().await;
    let (root_id, root) = app
        .key(json!({ "name": "bootstrap", "scopes": ["*:*"], "roles": ["global_admin"] }))
        .await;
    let (_, writer) = weak_key(&app, "writer", &["keys:write", "keys:read"]).await;
    let (status, body) = problem(writer.post(&format!("/v1/keys/{root_id}/rotate"), json!({})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.get("secret").is_none(), "no secret leaks: {body}");
    assert_eq!(
        writer.delete(&format!("/v1/keys/{root_id}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        writer
            .patch(&format!("/v1/keys/{root_id}"), json!({ "description": "mine now" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // The Global Admin key still works with its old secret.
    let res = app.api(&root).get("/v1/accounts").await;
    assert_eq!(res.status(), StatusCode::OK);
    // It may still read the stronger key (it holds keys:read in its account).
    assert_eq!(
        writer.get(&format!("/v1/keys/{root_id}")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn restricted_keys_cannot_issue_keys_usable_from_anywhere_or_for_any_path() {
    let app = spawn_app().await;
    let (_, secret) = app
        .key(json!({
            "name": "ci",
            "expires": "never",
            "scopes": ["keys:write", "compute:read"],
            "allowed_cidrs": ["127.0.0.0/8"],
            "rights": [{ "methods": ["GET"], "path": "/compute/*" }, { "methods": ["POST"], "path": "/v1/keys" }]
        }))
        .await;
    let ci = app.api(&secret);
    let cases = [
        json!({ "name": "a", "scopes": ["compute:read"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }),
        json!({ "name": "b", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"] }),
        json!({ "name": "c", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"], "rights": [{ "methods": ["GET", "POST"], "path": "/compute/*" }] }),
        json!({ "name": "d", "scopes": ["compute:read"], "allowed_cidrs": ["10.0.0.0/8"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }),
    ];
    for body in cases {
        let (status, p) = problem(ci.post("/v1/keys", body.clone()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {p}");
    }
    ci.create(json!({
        "name": "narrower",
        "scopes": ["compute:read"],
        "allowed_cidrs": ["127.0.0.1"],
        "rights": [{ "methods": ["GET"], "path": "/compute/instances/*" }]
    }))
    .await;
}

#[tokio::test]
async fn an_access_token_grants_no_more_than_its_own_scopes() {
    let app = spawn_app().await;
    let root = app.global_admin_key().await;
    let client = root
        .create(json!({ "name": "automation", "kind": "oauth_client", "scopes": ["*:*"], "roles": ["global_admin"] }))
        .await;
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(client["client_id"].as_str().unwrap(), client["secret"].as_str())
        .form(&[("grant_type", "client_credentials"), ("scope", "keys:write")])
        .send()
        .await
        .unwrap();
    let token: Value = res.json().await.unwrap();
    let narrow = app.api(token["access_token"].as_str().unwrap());
    let (status, body) = problem(
        narrow
            .post("/v1/keys", json!({ "name": "escalated", "roles": ["global_admin"] }))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    narrow
        .create(json!({ "name": "within", "scopes": ["keys:write"], "expires": "5m" }))
        .await;
    // Nor may it outlive the token.
    let (status, body) = problem(
        narrow
            .post(
                "/v1/keys",
                json!({ "name": "forever", "scopes": ["keys:write"], "expires": "never" }),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn tenants_cannot_lift_their_own_limits() {
    let app = spawn_app().await;
    let (_, secret) = app
        .key(json!({ "name": "tenant-admin", "scopes": ["admin:write", "admin:read", "keys:write"] }))
        .await;
    let tenant = app.api(&secret);
    for patch in [
        json!({ "plan": "enterprise" }),
        json!({ "plan": "professional" }),
        json!({ "rate_limit": "unlimited" }),
        json!({ "rate_limit": { "limited": { "limit": 6000, "window_seconds": 60, "burst": 6000 } } }),
    ] {
        let (status, body) = problem(tenant.patch("/v1/accounts/default", patch.clone()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{patch}: {body}");
    }
    // Lowering, and the other switches, are the tenant's to change.
    let res = tenant
        .patch(
            "/v1/accounts/default",
            json!({ "rate_limit": { "limited": { "limit": 30, "window_seconds": 60, "burst": 30 } }, "allow_query_key": false }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    // Per credential too: above the account's limit needs a Global Admin.
    let (id, _) = app.key(json!({ "name": "worker", "scopes": [] })).await;
    let res = tenant
        .patch(&format!("/v1/keys/{id}"), json!({ "rate_limit": "unlimited" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let above = json!({ "rate_limit": { "limited": { "limit": 31, "window_seconds": 60, "burst": 30 } } });
    assert_eq!(
        tenant.patch(&format!("/v1/keys/{id}"), above.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let root = app.global_admin_key().await;
    assert_eq!(
        root.patch(&format!("/v1/keys/{id}"), above).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        root.patch("/v1/accounts/default", json!({ "plan": "enterprise" }))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_account_viewer_credential_gets_nothing_when_no_account_is_named() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({ "name": "acme-viewer", "roles": [{ "role": "account_viewer", "accounts": ["acme"] }] }))
        .await;
    let api = app.api(&key);
    let unnamed = api.verify(json!({ "key": key, "scopes": ["billing:read"] })).await;
    assert_eq!(unnamed["code"], "INSUFFICIENT_SCOPE", "{unnamed}");
    assert_eq!(unnamed["scopes"], json!([]));
    let own = api
        .verify(json!({ "key": key, "scopes": ["billing:read"], "account": "default" }))
        .await;
    assert_eq!(own["code"], "INSUFFICIENT_SCOPE");
    let acme = api
        .verify(json!({ "key": key, "scopes": ["billing:read"], "account": "acme" }))
        .await;
    assert_eq!(acme["code"], "VALID");

    let auth = |account: Option<&'static str>| {
        let mut req = reqwest::Client::new()
            .get(format!("{}/v1/auth", app.base))
            .bearer_auth(&key)
            .header("x-required-scopes", "billing:read");
        if let Some(a) = account {
            req = req.header("x-keyward-account", a);
        }
        req.send()
    };
    assert_eq!(auth(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(auth(Some("acme")).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn an_account_viewer_of_every_account_reads_no_install_wide_audit() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json(
            "/api/users/create",
            json!({ "email": "ops@example.com", "password": crate::helpers::ADMIN_PASSWORD, "role": "global_viewer", "all_accounts": true, "accounts": [] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, key) = app
        .key(json!({ "name": "everyone", "scopes": ["admin:read", "keys:read"], "roles": ["account_viewer"] }))
        .await;
    let page: Value = app.api(&key).get("/v1/audit").await.json().await.unwrap();
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"key.created"), "{actions:?}");
    assert!(
        !actions.contains(&"user.created") && !actions.contains(&"setup.completed"),
        "install-wide entries are for the global roles: {actions:?}"
    );
    let (_, global) = app
        .key(json!({ "name": "global", "scopes": ["admin:read"], "roles": ["global_viewer"] }))
        .await;
    let page: Value = app.api(&global).get("/v1/audit").await.json().await.unwrap();
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.created")
    );
}

#[tokio::test]
async fn a_credential_cannot_outlive_itself_or_run_faster_through_what_it_issues() {
    let app = spawn_app().await;
    let (id, secret) = app
        .key(json!({ "name": "day-pass", "scopes": ["keys:write"], "expires": "24h" }))
        .await;
    let day = app.api(&secret);
    for body in [
        json!({ "name": "forever", "scopes": ["keys:write"], "expires": "never" }),
        json!({ "name": "longer", "scopes": ["keys:write"], "expires": "7d" }),
        json!({ "name": "renewing", "scopes": ["keys:write"], "expires": "7d", "auto_renew": true }),
    ] {
        let (status, p) = problem(day.post("/v1/keys", body.clone()).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {p}");
        assert_eq!(p["code"], "EXCEEDS_CALLER");
    }
    day.create(json!({ "name": "shorter", "scopes": ["keys:write"], "expires": "5m" }))
        .await;
    // Without an expiry named, the default (90 days) is cut to the issuer's
    // own end instead of refused, however much later the call comes.
    let own_end = day.get(&format!("/v1/keys/{id}")).await.json::<Value>().await.unwrap()["expires_at"].clone();
    app.clock.advance_secs(3_600);
    let defaulted = day
        .create(json!({ "name": "defaulted", "scopes": ["keys:write"] }))
        .await;
    assert_eq!(defaulted["expires_at"], own_end, "{defaulted}");
    // Nor can it stretch itself.
    let res = day
        .patch(&format!("/v1/keys/{id}"), json!({ "expires": "never" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A key held to one request a minute cannot issue a faster one, even in
    // an account whose plan has no limit.
    let root = app.global_admin_key().await;
    root.patch("/v1/accounts/default", json!({ "plan": "enterprise" }))
        .await;
    let (_, slow) = app
        .key(json!({ "name": "slow", "scopes": ["keys:write"], "expires": "never", "rate_limit": { "limited": { "limit": 1, "window_seconds": 60, "burst": 1 } } }))
        .await;
    let slow = app.api(&slow);
    let (status, p) = problem(
        slow.post(
            "/v1/keys",
            json!({ "name": "fast", "rate_limit": { "limited": { "limit": 1000, "window_seconds": 60, "burst": 1000 } } }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
}

#[tokio::test]
async fn a_dearer_plan_needs_a_global_admin_even_at_the_same_limit() {
    let app = spawn_app().await;
    let (_, secret) = app
        .key(json!({ "name": "tenant", "scopes": ["admin:write", "admin:read"] }))
        .await;
    let tenant = app.api(&secret);
    let same_limit = json!({ "plan": "enterprise", "rate_limit": { "limited": { "limit": 60, "window_seconds": 60, "burst": 100 } } });
    assert_eq!(
        tenant.patch("/v1/accounts/default", same_limit).await.status(),
        StatusCode::FORBIDDEN
    );
    // A Global Admin client's token narrowed to admin:write may create
    // accounts, but not dear ones.
    let root = app.global_admin_key().await;
    let client = root
        .create(json!({ "name": "provisioner", "kind": "oauth_client", "scopes": ["*:*"], "roles": ["global_admin"] }))
        .await;
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(client["client_id"].as_str().unwrap(), client["secret"].as_str())
        .form(&[("grant_type", "client_credentials"), ("scope", "admin:write")])
        .send()
        .await
        .unwrap();
    let token: Value = res.json().await.unwrap();
    let narrow = app.api(token["access_token"].as_str().unwrap());
    let res = narrow
        .post("/v1/accounts", json!({ "name": "dear", "plan": "enterprise" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = narrow.post("/v1/accounts", json!({ "name": "cheap" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn rights_bind_a_key_on_keywards_own_api_too() {
    let app = spawn_app().await;
    let (_, secret) = app
        .key(json!({ "name": "lister", "scopes": ["keys:read", "keys:write"], "expires": "never", "rights": [{ "methods": ["GET"], "path": "/v1/keys*" }] }))
        .await;
    let lister = app.api(&secret);
    assert_eq!(lister.get("/v1/keys").await.status(), StatusCode::OK);
    let (status, body) = problem(lister.post("/v1/keys", json!({ "name": "x" })).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_request_queued_behind_its_credentials_revocation_changes_nothing() {
    let app = spawn_app().await;
    let kw = app.kw();
    let (id, secret) = app
        .key(json!({ "name": "doomed", "scopes": ["keys:write"], "expires": "never" }))
        .await;
    // The caller as the API resolved it when its request arrived...
    let verdict = kw
        .verification()
        .verify(
            keyward::verify::Presented::Key {
                key: &secret,
                from_query: false,
            },
            &keyward::policy::RequestFacts::default(),
        )
        .await
        .unwrap();
    let caller = keyward::service::Caller::Key(
        kw.credentials()
            .key_caller(&verdict, None, keyward::authz::Via::Secret)
            .expect("valid"),
    );
    // ...then revoked before its write ran.
    kw.credentials()
        .revoke(&keyward::service::Caller::System("t"), &id, None)
        .await
        .unwrap();
    let input = serde_json::from_value(json!({ "name": "late", "scopes": ["keys:write"] })).unwrap();
    let err = kw.credentials().create(&caller, input).await.unwrap_err();
    assert_eq!(err.code(), "UNAUTHENTICATED");
    let page = kw
        .credentials()
        .list(
            &keyward::service::Caller::System("t"),
            &keyward::domain::credential::CredentialQuery {
                q: Some("late".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(page.items.is_empty());
}
