//! OAuth 2.0 client credentials through the real server, driven by
//! independent implementations: the `oauth2` crate as the client, and PyJWT
//! (pyca/cryptography) fetching the JWKS over HTTP as the resource server.

use crate::helpers::{Api, TestApp, spawn_app};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RequestTokenError, Scope, StandardRevocableToken, TokenResponse, TokenUrl,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;

/// An OAuth client created through the management API: (id, client_id, secret).
async fn oauth_client(api: &Api, name: &str, extra: Value) -> (String, String, String) {
    let mut body =
        json!({ "name": name, "kind": "oauth_client", "scopes": ["keys:read", "keys:write", "compute:read"] });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let b = api.create(body).await;
    (
        b["id"].as_str().unwrap().to_owned(),
        b["client_id"].as_str().unwrap().to_owned(),
        b["secret"].as_str().unwrap().to_owned(),
    )
}

fn http() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `oauth2` crate's client with a token URL set.
type OAuth2Client = oauth2::Client<
    oauth2::StandardErrorResponse<BasicErrorResponseType>,
    oauth2::StandardTokenResponse<oauth2::EmptyExtraTokenFields, oauth2::basic::BasicTokenType>,
    oauth2::StandardTokenIntrospectionResponse<oauth2::EmptyExtraTokenFields, oauth2::basic::BasicTokenType>,
    StandardRevocableToken,
    oauth2::StandardErrorResponse<oauth2::RevocationErrorResponseType>,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth2_client(base: &str, id: &str, secret: &str, auth: AuthType) -> OAuth2Client {
    BasicClient::new(ClientId::new(id.to_owned()))
        .set_client_secret(ClientSecret::new(secret.to_owned()))
        .set_auth_type(auth)
        .set_token_uri(TokenUrl::new(format!("{base}/oauth/token")).unwrap())
}

/// Verifies `token` with PyJWT against the JWKS fetched from the server
/// (`-` skips the issuer or audience check).
async fn py_verify(app: &TestApp, issuer: &str, audience: &str, token: &str) -> Value {
    let out = tokio::process::Command::new(crate::peers::python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jwt/verify.py"))
        .arg(format!("{}/.well-known/jwks.json", app.base))
        .arg(issuer)
        .arg(audience)
        .arg(token)
        .output()
        .await
        .expect("python runs");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("verify.py: {}", String::from_utf8_lossy(&out.stderr)))
}

/// A raw token request: `form` in the body, `query` appended, optional Basic.
async fn token_call(
    app: &TestApp,
    query: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth/token{query}", app.base))
        .form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

async fn error_of(res: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = res.status();
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert!(body["error_description"].is_string(), "{body}");
    (status, www, body["error"].as_str().unwrap().to_owned())
}

async fn auth_status(app: &TestApp, token: &str, scopes: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(token)
        .header("x-required-scopes", scopes)
        .send()
        .await
        .unwrap()
        .status()
}

async fn introspect(app: &TestApp, id: &str, secret: &str, token: &str) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/introspect", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn decode_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn the_oauth2_crate_gets_tokens_that_pyjwt_verifies_from_the_jwks() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "billing-svc", json!({})).await;

    for auth in [AuthType::BasicAuth, AuthType::RequestBody] {
        let token = oauth2_client(&app.base, &client_id, &secret, auth)
            .exchange_client_credentials()
            .request_async(&http())
            .await
            .expect("a token");
        assert_eq!(token.token_type(), &oauth2::basic::BasicTokenType::Bearer);
        let ttl = token.expires_in().unwrap().as_secs();
        assert!((43_199..=43_200).contains(&ttl), "{ttl}");
        let jwt = token.access_token().secret();

        let header = decode_part(jwt, 0);
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["alg"], "ES256");
        assert!(header["kid"].is_string());

        let verified = py_verify(&app, &app.base, "keyward", jwt).await;
        assert!(verified["error"].is_null(), "{verified}");
        let c = &verified["claims"];
        assert_eq!(c["iss"], app.base.as_str());
        assert_eq!(c["sub"], client_id.as_str());
        assert_eq!(c["client_id"], client_id.as_str());
        assert_eq!(c["aud"], "keyward");
        assert_eq!(c["account"], "default");
        assert_eq!(c["scope"], "compute:read keys:read keys:write");
        assert!(c["jti"].as_str().unwrap().len() >= 16);
        assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 43_200);

        assert_eq!(auth_status(&app, jwt, "compute:read").await, StatusCode::OK);
    }
    let wrong = py_verify(&app, &app.base, "another-api", &api.secret).await;
    assert!(wrong["error"].is_string(), "an opaque key is not a JWT: {wrong}");
}

#[tokio::test]
async fn the_cloudconnexa_query_string_call_works_and_the_account_can_turn_it_off() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "connexa", json!({})).await;
    let url = format!(
        "{}/api/v1/oauth/token?client_id={client_id}&client_secret={secret}&grant_type=client_credentials",
        app.base
    );
    let res = reqwest::Client::new().post(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "bearer");
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);

    let res = api
        .patch("/v1/accounts/default", json!({ "allow_query_key": false }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = reqwest::Client::new().post(&url).send().await.unwrap();
    let (status, _, error) = error_of(res).await;
    assert_eq!((status, error.as_str()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let res = token_call(
        &app,
        "",
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "Basic still works");
}

#[tokio::test]
async fn every_rfc6749_error_is_answered_as_section_5_2_says() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "errors", json!({})).await;
    let grant = [("grant_type", "client_credentials")];
    let basic = Some((client_id.as_str(), secret.as_str()));

    let (s, _, e) = error_of(token_call(&app, "", &[], basic).await).await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "no grant_type"
    );
    let (s, _, e) = error_of(
        token_call(
            &app,
            "",
            &[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials"),
            ],
            basic,
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "a repeated parameter"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(&client_id, Some(&secret))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap();
    let (s, _, e) = error_of(res).await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "JSON instead of a form"
    );
    let both = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (s, _, e) = error_of(token_call(&app, "", &both, basic).await).await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "two ways at once"
    );

    let (s, _, e) = error_of(token_call(&app, "", &[("grant_type", "password")], basic).await).await;
    assert_eq!((s, e.as_str()), (StatusCode::BAD_REQUEST, "unsupported_grant_type"));

    let (s, www, e) = error_of(token_call(&app, "", &grant, Some((&client_id, "kws_wrong"))).await).await;
    assert_eq!((s, e.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    assert_eq!(
        www.as_deref(),
        Some("Basic realm=\"keyward\""),
        "Basic failures say how to authenticate"
    );
    let body = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id.as_str()),
        ("client_secret", "kws_wrong"),
    ];
    let (s, www, e) = error_of(token_call(&app, "", &body, None).await).await;
    assert_eq!((s, e.as_str(), www), (StatusCode::UNAUTHORIZED, "invalid_client", None));
    let (s, _, e) = error_of(token_call(&app, "", &grant, None).await).await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client"),
        "no client authentication"
    );

    let b = api
        .create(json!({ "name": "gw-basic", "kind": "basic", "expires": "1mo", "allowed_cidrs": ["127.0.0.0/8"] }))
        .await;
    let (bid, bsecret) = (b["client_id"].as_str().unwrap(), b["secret"].as_str().unwrap());
    let (s, _, e) = error_of(token_call(&app, "", &grant, Some((bid, bsecret))).await).await;
    assert_eq!(
        (s, e.as_str()),
        (StatusCode::BAD_REQUEST, "unauthorized_client"),
        "a Basic credential is no OAuth client"
    );

    let narrow = oauth2_client(&app.base, &client_id, &secret, AuthType::BasicAuth);
    for bad in ["admin:write", "not-a-scope", "keys:read billing:read"] {
        let mut req = narrow.exchange_client_credentials();
        for s in bad.split(' ') {
            req = req.add_scope(Scope::new(s.to_owned()));
        }
        match req.request_async(&http()).await {
            Err(RequestTokenError::ServerResponse(r)) => {
                assert_eq!(r.error(), &BasicErrorResponseType::InvalidScope, "{bad}")
            }
            other => panic!("{bad}: expected invalid_scope, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn revoked_expired_and_api_disabled_clients_get_no_token() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let grant = [("grant_type", "client_credentials")];
    let (rid, r_client, r_secret) = oauth_client(&api, "to-revoke", json!({})).await;
    assert_eq!(
        api.delete(&format!("/v1/keys/{rid}")).await.status(),
        StatusCode::NO_CONTENT
    );
    let (s, _, e) = error_of(token_call(&app, "", &grant, Some((&r_client, &r_secret))).await).await;
    assert_eq!((s, e.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));

    let (_, e_client, e_secret) = oauth_client(&api, "short", json!({ "expires": "5m" })).await;
    let res = token_call(&app, "", &grant, Some((&e_client, &e_secret))).await;
    let body: Value = res.json().await.unwrap();
    assert!(
        body["expires_in"].as_i64().unwrap() <= 300,
        "a token never outlives its client: {body}"
    );
    app.clock.advance_secs(301);
    let (s, _, e) = error_of(token_call(&app, "", &grant, Some((&e_client, &e_secret))).await).await;
    assert_eq!((s, e.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));

    let (_, client_id, secret) = oauth_client(&api, "disabled", json!({})).await;
    api.patch("/v1/accounts/default", json!({ "api_enabled": false })).await;
    let (s, _, e) = error_of(token_call(&app, "", &grant, Some((&client_id, &secret))).await).await;
    assert_eq!((s, e.as_str()), (StatusCode::UNAUTHORIZED, "invalid_client"));
}

#[tokio::test]
async fn failed_client_authentication_is_throttled_per_client() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "guessed", json!({})).await;
    let grant = [("grant_type", "client_credentials")];
    let mut last = None;
    for _ in 0..12 {
        let res = token_call(&app, "", &grant, Some((&client_id, "kws_guess"))).await;
        last = Some((res.status(), res.headers().get("retry-after").cloned()));
    }
    let (status, retry_after) = last.unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: i64 = retry_after.unwrap().to_str().unwrap().parse().unwrap();
    assert!(wait >= 1);
    let res = token_call(&app, "", &grant, Some((&client_id, &secret))).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right secret"
    );
    app.clock.advance_secs(wait);
    let res = token_call(&app, "", &grant, Some((&client_id, &secret))).await;
    assert_eq!(res.status(), StatusCode::OK, "after Retry-After the right secret works");
}

#[tokio::test]
async fn narrowed_tokens_carry_only_their_scopes_to_auth_and_the_management_api() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "reader", json!({})).await;
    let token = oauth2_client(&app.base, &client_id, &secret, AuthType::RequestBody)
        .exchange_client_credentials()
        .add_scope(Scope::new("keys:read".into()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(
        token.scopes().unwrap().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["keys:read"]
    );
    let jwt = token.access_token().secret().clone();
    assert_eq!(auth_status(&app, &jwt, "keys:read").await, StatusCode::OK);
    assert_eq!(
        auth_status(&app, &jwt, "compute:read").await,
        StatusCode::FORBIDDEN,
        "narrowed away"
    );

    let as_token = app.api(&jwt);
    assert_eq!(as_token.get("/v1/keys").await.status(), StatusCode::OK);
    let res = as_token.post("/v1/keys", json!({ "name": "nope" })).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let v = as_token.verify(json!({ "key": jwt })).await;
    assert_eq!(v["code"], "VALID", "{v}");
    assert_eq!(v["scopes"], json!(["keys:read"]), "{v}");
}

#[tokio::test]
async fn tokens_expire_with_the_clients_lifetime() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "short-lived", json!({ "token_ttl_seconds": 120 })).await;
    let token = oauth2_client(&app.base, &client_id, &secret, AuthType::BasicAuth)
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(token.expires_in().unwrap().as_secs(), 120);
    let jwt = token.access_token().secret();
    assert_eq!(introspect(&app, &client_id, &secret, jwt).await["active"], true);
    app.clock.advance_secs(121);
    assert_eq!(auth_status(&app, jwt, "keys:read").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, &client_id, &secret, jwt).await,
        json!({ "active": false })
    );
}

#[tokio::test]
async fn a_token_lifetime_out_of_range_is_a_clear_422() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for ttl in [30, 90_000] {
        let res = api
            .post(
                "/v1/keys",
                json!({ "name": format!("ttl-{ttl}"), "kind": "oauth_client", "token_ttl_seconds": ttl }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = res.json().await.unwrap();
        assert!(body.to_string().contains("token_ttl_seconds"), "{body}");
    }
    let res = api
        .post("/v1/keys", json!({ "name": "key-ttl", "token_ttl_seconds": 600 }))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "only a client has a token lifetime"
    );
}

#[tokio::test]
async fn introspection_answers_claims_or_only_inactive_and_needs_authentication() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "introspected", json!({})).await;
    let body: Value = token_call(
        &app,
        "",
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await
    .json()
    .await
    .unwrap();
    let jwt = body["access_token"].as_str().unwrap();
    let i = introspect(&app, &client_id, &secret, jwt).await;
    assert_eq!(i["active"], true);
    assert_eq!(i["client_id"], client_id.as_str());
    assert_eq!(i["scope"], "compute:read keys:read keys:write");
    assert_eq!(i["token_type"], "Bearer");
    assert_eq!(i["iss"], app.base.as_str());
    for junk in ["nonsense", "a.b.c", &api.secret] {
        assert_eq!(
            introspect(&app, &client_id, &secret, junk).await,
            json!({ "active": false })
        );
    }
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/introspect", app.base))
        .bearer_auth(&api.secret)
        .form(&[("token", jwt)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["active"],
        true,
        "a management key may introspect"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/introspect", app.base))
        .form(&[("token", jwt)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoked_tokens_are_refused_everywhere_even_after_a_restart() {
    let mut app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "revoker", json!({})).await;
    let client = oauth2_client(&app.base, &client_id, &secret, AuthType::BasicAuth);
    let token = client
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let other = client
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let jwt = token.access_token().secret().clone();
    assert_eq!(auth_status(&app, &jwt, "keys:read").await, StatusCode::OK);

    // The oauth2 crate refuses to revoke over plain HTTP, so this is the RFC 7009 call by hand.
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/revoke", app.base))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("token", jwt.as_str()), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(auth_status(&app, &jwt, "keys:read").await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        introspect(&app, &client_id, &secret, &jwt).await,
        json!({ "active": false })
    );
    assert_eq!(app.api(&jwt).get("/v1/keys").await.status(), StatusCode::UNAUTHORIZED);
    let other_jwt = other.access_token().secret().clone();
    assert_eq!(
        auth_status(&app, &other_jwt, "keys:read").await,
        StatusCode::OK,
        "only that token"
    );

    let audit: Value = api.get("/v1/audit?action=token.revoked").await.json().await.unwrap();
    assert!(audit.to_string().contains("token.revoked"), "{audit}");

    app.restart().await;
    let api = app.api(&api.secret);
    assert_eq!(
        auth_status(&app, &jwt, "keys:read").await,
        StatusCode::UNAUTHORIZED,
        "persisted"
    );
    assert_eq!(auth_status(&app, &other_jwt, "keys:read").await, StatusCode::OK);

    let (_, thief_id, thief_secret) = oauth_client(&api, "thief", json!({})).await;
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/revoke", app.base))
        .basic_auth(&thief_id, Some(&thief_secret))
        .form(&[("token", other_jwt.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "RFC 7009: no hint either way");
    assert_eq!(
        auth_status(&app, &other_jwt, "keys:read").await,
        StatusCode::OK,
        "a client cannot revoke another client's token"
    );
}

#[tokio::test]
async fn revoking_the_client_stops_its_tokens_at_once() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (id, client_id, secret) = oauth_client(&api, "whole-client", json!({})).await;
    let body: Value = token_call(
        &app,
        "",
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await
    .json()
    .await
    .unwrap();
    let jwt = body["access_token"].as_str().unwrap();
    assert_eq!(auth_status(&app, jwt, "keys:read").await, StatusCode::OK);
    api.delete(&format!("/v1/keys/{id}")).await;
    assert_eq!(auth_status(&app, jwt, "keys:read").await, StatusCode::UNAUTHORIZED);
    let v = api.verify(json!({ "key": jwt })).await;
    assert_eq!(v["code"], "REVOKED", "{v}");
}

#[tokio::test]
async fn rotating_the_signing_key_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid() {
    let app = spawn_app().await;
    let api = app.global_admin_key().await;
    // It asks for a token every 100 ms until the server notices the rotation.
    let (_, client_id, secret) = oauth_client(&api, "rotation", json!({ "rate_limit": "unlimited" })).await;
    let get = || async {
        let body: Value = token_call(
            &app,
            "",
            &[("grant_type", "client_credentials")],
            Some((&client_id, &secret)),
        )
        .await
        .json()
        .await
        .unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    };
    let old = get().await;
    let old_kid = decode_part(&old, 0)["kid"].as_str().unwrap().to_owned();

    for (alg, expected) in [("RS256", "RS256"), ("EdDSA", "EdDSA")] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(["signing-keys", "rotate", "--algorithm", alg, "--json", "--data-dir"])
            .arg(app.dir.path().join("data"))
            .envs(crate::pg::db_env(&app.dir.path().join("data")))
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rotated: Value = serde_json::from_slice(&out.stdout).unwrap();
        let new_kid = rotated["current"]["kid"].as_str().unwrap().to_owned();
        assert_ne!(new_kid, old_kid);
        assert_eq!(rotated["current"]["algorithm"], expected);

        // The running server notices the CLI's rotation by itself.
        let mut new = get().await;
        for _ in 0..100 {
            if decode_part(&new, 0)["kid"] == new_kid.as_str() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            new = get().await;
        }
        assert_eq!(decode_part(&new, 0)["kid"], new_kid.as_str());
        assert_eq!(decode_part(&new, 0)["alg"], expected);

        for t in [&old, &new] {
            assert_eq!(auth_status(&app, t, "keys:read").await, StatusCode::OK);
            let v = py_verify(&app, &app.base, "keyward", t).await;
            assert!(v["error"].is_null(), "{alg}: {v}");
        }
    }
    let jwks: Value = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids.len(),
        3,
        "the retired keys stay published while their tokens live: {jwks}"
    );
    assert!(kids.contains(&old_kid.as_str()));

    app.clock.advance_secs(86_401);
    let res = reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(&old)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "old tokens have expired by now");
}

#[tokio::test]
async fn the_discovery_documents_have_every_required_field() {
    let app = spawn_app().await;
    let res = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/jwk-set+json");
    let jwks: Value = res.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["alg"], "ES256");
    assert_eq!(key["use"], "sig");
    assert!(key["kid"].is_string() && key["x"].is_string() && key["y"].is_string());
    assert!(key.get("d").is_none(), "never the private part");

    let meta: Value = reqwest::get(format!("{}/.well-known/oauth-authorization-server", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let base = app.base.as_str();
    assert_eq!(meta["issuer"], base);
    assert_eq!(meta["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(meta["jwks_uri"], format!("{base}/.well-known/jwks.json"));
    assert_eq!(meta["introspection_endpoint"], format!("{base}/oauth/introspect"));
    assert_eq!(meta["revocation_endpoint"], format!("{base}/oauth/revoke"));
    assert_eq!(meta["grant_types_supported"], json!(["client_credentials"]));
    assert!(meta["response_types_supported"].is_array());
    let methods = meta["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("client_secret_basic")) && methods.contains(&json!("client_secret_post")));
    assert!(
        meta["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("keys:read"))
    );
}

#[tokio::test]
async fn jwt_format_keys_verify_by_signature_and_stop_when_revoked() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let b = api
        .create(json!({ "name": "securecloud-style", "format": "jwt", "expires": "7d", "scopes": ["compute:read"] }))
        .await;
    assert_eq!(b["format"], "jwt");
    let secret = b["secret"].as_str().unwrap().to_owned();
    let header = decode_part(&secret, 0);
    assert!(header["kid"].is_string(), "{header}");
    let claims = decode_part(&secret, 1);
    assert!(claims["jti"].is_string(), "{claims}");
    assert_eq!(claims["exp"], b["expires_at"], "the credential's own expiry");
    let verified = py_verify(&app, "keyward", "-", &secret).await;
    assert!(verified["error"].is_null(), "PyJWT checks its signature: {verified}");

    let v = api.verify(json!({ "key": secret })).await;
    assert_eq!(v["code"], "VALID", "{v}");
    assert_eq!(auth_status(&app, &secret, "compute:read").await, StatusCode::OK);

    let mut forged = decode_part(&secret, 1);
    forged["scopes"] = json!(["*:admin"]);
    let parts: Vec<&str> = secret.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged.to_string()),
        parts[2]
    );
    assert_ne!(api.verify(json!({ "key": tampered })).await["code"], "VALID");

    let id = b["id"].as_str().unwrap();
    let rotated: Value = api
        .post(
            &format!("/v1/keys/{id}/rotate"),
            json!({ "grace_period_seconds": 3600 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert_eq!(api.verify(json!({ "key": new_secret })).await["code"], "VALID");
    assert_eq!(
        api.verify(json!({ "key": secret })).await["code"],
        "VALID",
        "in its grace period"
    );

    api.delete(&format!("/v1/keys/{id}")).await;
    assert_eq!(api.verify(json!({ "key": new_secret })).await["code"], "REVOKED");
    assert_eq!(
        auth_status(&app, new_secret, "compute:read").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unsigned_and_resigned_tokens_are_refused() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let (_, client_id, secret) = oauth_client(&api, "forger", json!({})).await;
    let body: Value = token_call(
        &app,
        "",
        &[("grant_type", "client_credentials")],
        Some((&client_id, &secret)),
    )
    .await
    .json()
    .await
    .unwrap();
    let jwt = body["access_token"].as_str().unwrap();
    let mut header = decode_part(jwt, 0);
    let payload = jwt.split('.').nth(1).unwrap();
    header["alg"] = json!("none");
    let none = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header.to_string()));
    header["alg"] = json!("HS256");
    let jwks = reqwest::get(format!("{}/.well-known/jwks.json", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signing_input = format!("{}.{payload}", URL_SAFE_NO_PAD.encode(header.to_string()));
    let mac = hmac_sha256(jwks.as_bytes(), signing_input.as_bytes());
    let confused = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac));
    for forged in [none, confused] {
        assert_eq!(auth_status(&app, &forged, "keys:read").await, StatusCode::UNAUTHORIZED);
        assert_eq!(
            introspect(&app, &client_id, &secret, &forged).await,
            json!({ "active": false })
        );
    }
}

/// HMAC-SHA256 as an attacker would compute it, keyed with public material.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test]
async fn signing_keys_and_jwt_secrets_are_not_in_the_database_in_clear() {
    let mut app = spawn_app().await;
    let api = app.management_key().await;
    let b = api.create(json!({ "name": "jwt-at-rest", "format": "jwt" })).await;
    let secret = b["secret"].as_str().unwrap().to_owned();
    app.kw()
        .oauth()
        .rotate_signing_key(
            &keyward::service::Caller::System("test"),
            keyward::crypto::jwt::JwtAlgorithm::EdDSA,
        )
        .await
        .unwrap();
    app.stop().await;
    let data = app.dir.path().join("data");
    let mut bytes = Vec::new();
    for f in ["keyward.db", "keyward.db-wal"] {
        if let Ok(b) = std::fs::read(data.join(f)) {
            bytes.extend(b);
        }
    }
    // The DER that opens every PKCS#8 P-256 and Ed25519 private key.
    let p256: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let ed25519: &[u8] = &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22];
    let signature = secret.rsplit('.').next().unwrap();
    for needle in [p256, ed25519, secret.as_bytes(), signature.as_bytes()] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{needle:x?} found in the database files"
        );
    }
}
