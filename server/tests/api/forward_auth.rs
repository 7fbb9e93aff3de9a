//! `/v1/auth`, called directly the way a gateway would call it.

use crate::helpers::{auth, spawn_app};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn bearer_x_api_key_and_query_keys_are_accepted() {
    let app = spawn_app().await;
    let (id, key) = app.key(json!({ "name": "gw", "scopes": ["compute:read"] })).await;
    let bearer = format!("Bearer {key}");
    let res = auth(
        &app.base,
        &[("authorization", &bearer), ("x-required-scopes", "compute:read")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-keyward-key-id"], id.as_str());
    assert_eq!(res.headers()["x-keyward-account"], "default");
    assert_eq!(res.headers()["x-keyward-scopes"], "compute:read");
    assert_eq!(auth(&app.base, &[("x-api-key", &key)]).await.status(), StatusCode::OK);
    let res = reqwest::get(format!("{}/v1/auth?api_key={key}", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let uri = format!("/v1/instances?api_key={key}");
    assert_eq!(
        auth(&app.base, &[("x-forwarded-uri", &uri)]).await.status(),
        StatusCode::OK
    );

    // The account can turn query-string keys off.
    app.kw()
        .accounts()
        .update(
            &keyward::service::Caller::System("t"),
            "default",
            keyward::service::AccountPatch {
                allow_query_key: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let res = reqwest::get(format!("{}/v1/auth?api_key={key}", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(auth(&app.base, &[("x-api-key", &key)]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_and_bad_credentials_get_401_with_a_challenge() {
    let app = spawn_app().await;
    let res = auth(&app.base, &[]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"keyward\"");
    let never = keyward::crypto::keygen::secret(
        "kw",
        keyward::domain::key::SecretRole::ApiKey,
        keyward::domain::Environment::Prod,
    );
    let res = auth(&app.base, &[("authorization", &format!("Bearer {never}"))]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    assert_eq!(res.headers()["x-keyward-code"], "NOT_FOUND");
}

#[tokio::test]
async fn forwarded_call_details_drive_ip_rights_and_scope_checks() {
    let app = spawn_app().await;
    let (_, key) = app
        .key(json!({
            "name": "gw",
            "scopes": ["compute:read"],
            "allowed_cidrs": ["203.0.113.0/24"],
            "rights": [{ "methods": ["GET"], "path": "/v1/instances/*" }]
        }))
        .await;
    let bearer = format!("Bearer {key}");
    let ok = [
        ("authorization", bearer.as_str()),
        ("x-forwarded-for", "198.51.100.1, 203.0.113.9"),
        ("x-forwarded-method", "GET"),
        ("x-forwarded-uri", "/v1/instances/3?verbose=1"),
        ("x-required-scopes", "compute:read"),
    ];
    assert_eq!(auth(&app.base, &ok).await.status(), StatusCode::OK);
    let mut bad_ip = ok;
    bad_ip[1] = ("x-forwarded-for", "203.0.113.9, 198.51.100.1");
    let res = auth(&app.base, &bad_ip).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.headers()["x-keyward-code"], "IP_NOT_ALLOWED");
    // Only the configured header counts (X-Forwarded-For by default): a
    // client's own X-Real-IP is not believed.
    let mut real_ip = ok;
    real_ip[1] = ("x-real-ip", "203.0.113.200");
    assert_eq!(auth(&app.base, &real_ip).await.status(), StatusCode::FORBIDDEN);
    let mut bad_method = ok;
    bad_method[2] = ("x-forwarded-method", "DELETE");
    assert_eq!(
        auth(&app.base, &bad_method).await.headers()["x-keyward-code"],
        "FORBIDDEN_RIGHT"
    );
    let mut bad_scope = ok;
    bad_scope[4] = ("x-required-scopes", "compute:read, compute:write");
    let res = auth(&app.base, &bad_scope).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
}

#[tokio::test]
async fn basic_credentials_work_with_http_basic() {
    let app = spawn_app().await;
    let created = app
        .kw()
        .credentials()
        .create(
            &keyward::service::Caller::System("t"),
            serde_json::from_value(
                json!({ "name": "b", "kind": "basic", "allowed_cidrs": ["127.0.0.0/8"], "expires": "7d" }),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let id = created.credential.client_id.unwrap();
    let good = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{}", created.secret));
    let res = auth(&app.base, &[("authorization", &format!("Basic {good}"))]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let other_id = keyward::crypto::keygen::secret(
        "kw",
        keyward::domain::key::SecretRole::ClientId,
        keyward::domain::Environment::Prod,
    );
    let wrong = base64::engine::general_purpose::STANDARD.encode(format!("{other_id}:{}", created.secret));
    let res = auth(&app.base, &[("authorization", &format!("Basic {wrong}"))]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Basic realm=\"keyward\"");
    let res = auth(&app.base, &[("authorization", "Basic !!!")]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_revoked_and_disabled_keys_are_refused() {
    let app = spawn_app().await;
    let (id, key) = app.key(json!({ "name": "gw", "expires": "24h" })).await;
    let bearer = format!("Bearer {key}");
    let h = [("authorization", bearer.as_str())];
    assert_eq!(auth(&app.base, &h).await.status(), StatusCode::OK);
    let caller = keyward::service::Caller::System("t");
    app.kw()
        .accounts()
        .update(
            &caller,
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let res = auth(&app.base, &h).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.headers()["x-keyward-code"], "API_DISABLED");
    app.kw()
        .accounts()
        .update(
            &caller,
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.clock.advance_secs(86_400);
    assert_eq!(auth(&app.base, &h).await.headers()["x-keyward-code"], "EXPIRED");
    app.kw().credentials().revoke(&caller, &id, None).await.unwrap();
    assert_eq!(auth(&app.base, &h).await.headers()["x-keyward-code"], "REVOKED");
}
