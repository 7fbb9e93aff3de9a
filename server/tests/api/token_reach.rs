//! Access tokens after issuance: who may revoke or introspect one (only
//! within reach), the claims a resource server must check (`nbf`, `iss`),
//! and the account's switch against credentials in query strings.

use crate::helpers::{Api, TestApp, spawn_app};
use keyward::wire::jwt::{ACCESS_TOKEN_TYP, AccessClaims};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An OAuth client of `account` and a token for it: (client id, secret, token).
async fn client_and_token(app: &TestApp, account: &str, name: &str) -> (String, String, String) {
    let (_, secret) = app
        .key(json!({ "name": name, "account": account, "kind": "oauth_client", "scopes": ["compute:read"] }))
        .await;
    let kw = app.kw();
    let client_id = kw
        .credentials()
        .list(
            &keyward::service::Caller::System("t"),
            &keyward::domain::credential::CredentialQuery {
                q: Some(name.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .client_id
        .clone()
        .unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    (client_id, secret, body["access_token"].as_str().unwrap().to_owned())
}

async fn account(app: &TestApp, name: &str) {
    app.kw()
        .accounts()
        .create(
            &keyward::service::Caller::System("t"),
            name,
            keyward::domain::Plan::Enterprise,
        )
        .await
        .unwrap();
}

async fn auth(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(token)
        .header("x-required-scopes", "compute:read")
        .send()
        .await
        .unwrap()
        .status()
}

async fn post_form(
    app: &TestApp,
    path: &str,
    bearer: Option<&str>,
    basic: Option<(&str, &str)>,
    token: &str,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .form(&[("token", token)]);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_key_of_another_account_cannot_revoke_or_read_a_token() {
    let app = spawn_app().await;
    account(&app, "acme").await;
    let (client_id, secret, token) = client_and_token(&app, "acme", "acme-client").await;
    let (_, stranger) = app
        .key(json!({ "name": "stranger", "scopes": ["compute:read", "keys:read", "keys:write"] }))
        .await;

    let res = post_form(&app, "/oauth/revoke", Some(&stranger), None, &token).await;
    assert_eq!(res.status(), StatusCode::OK, "RFC 7009: always 200");
    assert_eq!(auth(&app, &token).await, StatusCode::OK, "but the token still works");

    let res = post_form(&app, "/oauth/introspect", Some(&stranger), None, &token).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "active": false }));

    // Another account's client cannot read it either; its own client can.
    let (other_id, other_secret, _) = client_and_token(&app, "default", "default-client").await;
    let res = post_form(
        &app,
        "/oauth/introspect",
        None,
        Some((&other_id, &other_secret)),
        &token,
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "active": false }));
    let res = post_form(&app, "/oauth/introspect", None, Some((&client_id, &secret)), &token).await;
    assert_eq!(res.json::<Value>().await.unwrap()["active"], true);
    let res = post_form(&app, "/oauth/revoke", None, Some((&other_id, &other_secret)), &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        auth(&app, &token).await,
        StatusCode::OK,
        "a client revokes only its own tokens"
    );

    // A key of the token's account with keys:write and the token's scopes may.
    let (_, owner) = app
        .key(json!({ "name": "acme-ops", "account": "acme", "scopes": ["keys:read", "keys:write", "compute:read"] }))
        .await;
    let res = post_form(&app, "/oauth/introspect", Some(&owner), None, &token).await;
    assert_eq!(res.json::<Value>().await.unwrap()["active"], true);
    post_form(&app, "/oauth/revoke", Some(&owner), None, &token).await;
    assert_eq!(auth(&app, &token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_key_cannot_revoke_a_token_that_grants_more_than_it_holds() {
    let app = spawn_app().await;
    let (_, _, token) = client_and_token(&app, "default", "wide").await;
    let (_, weak) = app.key(json!({ "name": "weak", "scopes": ["keys:write"] })).await;
    post_form(&app, "/oauth/revoke", Some(&weak), None, &token).await;
    assert_eq!(
        auth(&app, &token).await,
        StatusCode::OK,
        "the token grants compute:read, which the key lacks"
    );
}

/// Signs `claims` with the server's current key, as only the server can.
fn signed(app: &TestApp, claims: &AccessClaims) -> String {
    let ring = app.kw().keyring().current();
    ring.signer_at(app.kw().now())
        .expect("a signing key")
        .sign(ACCESS_TOKEN_TYP, claims)
}

#[tokio::test]
async fn tokens_not_yet_valid_or_from_another_issuer_are_refused() {
    let mut app = spawn_app().await;
    let (client_id, secret, token) = client_and_token(&app, "default", "clock").await;
    let real: AccessClaims = keyward::wire::jwt::peek_claims(&token).unwrap();
    assert_eq!(real.iss, app.base, "pinned at the first start");
    let now = app.kw().now();
    let mut early = real.clone();
    early.jti = "early".into();
    early.nbf = Some(now + 600);
    let early = signed(&app, &early);
    assert_eq!(auth(&app, &early).await, StatusCode::UNAUTHORIZED);
    let verdict = app.api("unused").verify(json!({ "key": early })).await;
    assert_eq!(verdict["valid"], false);
    let res = post_form(&app, "/oauth/introspect", None, Some((&client_id, &secret)), &early).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({ "active": false }));
    app.clock.advance_secs(601);
    assert_eq!(auth(&app, &early).await, StatusCode::OK, "valid once nbf has come");

    let mut foreign = real.clone();
    foreign.jti = "foreign".into();
    foreign.iss = "https://evil.example".into();
    assert_eq!(auth(&app, &signed(&app, &foreign)).await, StatusCode::UNAUTHORIZED);

    // A request naming another Host does not move the issuer.
    let res = reqwest::Client::new()
        .get(format!("{}/.well-known/oauth-authorization-server", app.base))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    let meta: Value = res.json().await.unwrap();
    assert_eq!(meta["issuer"], real.iss.as_str());

    // It survives a restart on another port: old tokens stay valid.
    let first = app.base.clone();
    app.restart().await;
    assert_ne!(app.base, first);
    assert_eq!(auth(&app, &token).await, StatusCode::OK);
    let meta: Value = reqwest::get(format!("{}/.well-known/oauth-authorization-server", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], first.as_str());
}

#[tokio::test]
async fn the_no_query_string_switch_covers_access_tokens() {
    let app = spawn_app().await;
    let (_, _, token) = client_and_token(&app, "default", "querier").await;
    let in_query = |t: &str| {
        reqwest::Client::new()
            .get(format!("{}/v1/auth?api_key={t}", app.base))
            .header("x-required-scopes", "compute:read")
            .send()
    };
    assert_eq!(in_query(&token).await.unwrap().status(), StatusCode::OK);
    let root: Api = app.global_admin_key().await;
    let res = root
        .patch("/v1/accounts/default", json!({ "allow_query_key": false }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(in_query(&token).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(auth(&app, &token).await, StatusCode::OK, "the header still works");
}
