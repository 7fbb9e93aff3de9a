//! First-run setup, sign-in, throttling, sessions and cross-site refusal,
//! through the console's server functions over HTTP.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, headers, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_and_signs_them_in() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = admin.me().await;
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "global_admin");
}

#[tokio::test]
async fn the_setup_link_cannot_be_used_twice() {
    let app = spawn_app().await;
    app.admin().await;
    let again = app
        .session()
        .form(
            "/api/setup/complete",
            &[
                ("token", &app.setup_token()),
                ("email", "second@example.com"),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["Rule"]["code"], "SETUP_CLOSED");
}

#[tokio::test]
async fn a_wrong_setup_token_is_refused() {
    let app = spawn_app().await;
    let res = app
        .session()
        .form(
            "/api/setup/complete",
            &[
                ("token", "not-the-token"),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let still_needs_setup: bool = app.session().form("/api/setup/status", &[]).await.json().await.unwrap();
    assert!(still_needs_setup);
}

#[tokio::test]
async fn setup_is_refused_once_any_user_exists_even_with_a_new_link() {
    let app = spawn_app().await;
    let kw = app.server.as_ref().unwrap().keyward.clone();
    let fresh = kw.users().issue_setup_token().await.unwrap().unwrap();
    kw.users()
        .create(
            &keyward::service::Caller::System("test"),
            "ops@example.com",
            ADMIN_PASSWORD,
            keyward::domain::Role::GlobalAdmin,
            keyward::service::UserAccessInput::All,
        )
        .await
        .unwrap();
    assert!(
        kw.users().issue_setup_token().await.unwrap().is_none(),
        "no link is issued once a user exists"
    );
    let res = app
        .session()
        .form(
            "/api/setup/complete",
            &[
                ("token", &fresh),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn setup_validates_its_fields() {
    let app = spawn_app().await;
    let s = app.session();
    let token = app.setup_token();
    let res = s
        .form(
            "/api/setup/complete",
            &[
                ("token", &token),
                ("email", "nope"),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "email");
    let res = s
        .form(
            "/api/setup/complete",
            &[
                ("token", &token),
                ("email", ADMIN_EMAIL),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "password");
    let res = s
        .form(
            "/api/setup/complete",
            &[
                ("token", &token),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
                ("confirm", "different password!"),
            ],
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "confirm");
    // The link was not used up by the failed attempts.
    app.admin().await;
}

#[tokio::test]
async fn sign_in_sets_an_httponly_strict_cookie_and_sign_out_ends_the_session() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    let res = s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("kw_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http on loopback: no Secure flag");
    assert_eq!(s.me().await["email"], ADMIN_EMAIL);

    let out = s.form("/api/session/sign_out", &[]).await;
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(s.me().await, Value::Null);
}

#[tokio::test]
async fn a_stolen_cookie_stops_working_after_sign_out() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    let res = s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    s.form("/api/session/sign_out", &[]).await;
    let thief = app.session();
    let res = thief
        .json_with("/api/users/list", json!({}), headers(&[("cookie", &cookie)]))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_fail_alike() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    let wrong = s.sign_in(ADMIN_EMAIL, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown = s.sign_in("ghost@example.com", "not the password at all").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown.json::<Value>().await.unwrap());
    assert_eq!(s.me().await, Value::Null);
}

#[tokio::test]
async fn sign_in_accepts_the_email_in_any_case() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    s.sign_in("ADMIN@Example.com", ADMIN_PASSWORD).await;
    assert_eq!(s.me().await["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_say_when_to_retry() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    for _ in 0..5 {
        assert_eq!(
            s.sign_in(ADMIN_EMAIL, "wrong password here").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = s.sign_in(ADMIN_EMAIL, "wrong password here").await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["Throttled"]["retry_after"], 30);

    // Even the right password is refused while locked.
    assert_eq!(
        s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_secs(31);
    let ok = s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        ok.status().is_success() || ok.status().is_redirection(),
        "{}",
        ok.status()
    );
}

#[tokio::test]
async fn failures_across_many_emails_lock_the_ip() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    for i in 0..20 {
        let res = s.sign_in(&format!("guess{i}@example.com"), "wrong password here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        s.sign_in("guess-last@example.com", "wrong password here")
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the IP is locked for every account"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_audited_without_the_password() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.session().sign_in(ADMIN_EMAIL, "a wrong password 123").await;
    let page: Value = admin
        .json(
            "/api/audit/list",
            json!({ "filter": { "action": "session.sign_in_failed" } }),
        )
        .await
        .json()
        .await
        .unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["ip"], "127.0.0.1");
    assert!(!entries[0]["details"].as_str().unwrap().contains("a wrong password 123"));
}

#[tokio::test]
async fn sessions_end_after_the_idle_timeout() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.clock.advance_secs(29 * 60);
    assert_eq!(admin.me().await["email"], ADMIN_EMAIL, "still within 30 minutes");
    app.clock.advance_secs(29 * 60);
    assert_eq!(
        admin.me().await["email"],
        ADMIN_EMAIL,
        "activity pushed the idle timeout back"
    );
    app.clock.advance_secs(31 * 60);
    assert_eq!(admin.me().await, Value::Null, "idle for more than 30 minutes");
}

#[tokio::test]
async fn sessions_end_after_the_absolute_timeout_however_active() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for _ in 0..(12 * 60 / 20) {
        app.clock.advance_secs(20 * 60);
        if admin.me().await == Value::Null {
            break;
        }
    }
    assert_eq!(admin.me().await, Value::Null);
    assert_eq!(
        admin.json("/api/users/list", json!({})).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cross_site_server_function_calls_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let body = json!({ "name": "evil", "plan": "starter" });
    let res = admin
        .json_with(
            "/api/accounts/create",
            body.clone(),
            headers(&[("origin", "https://evil.example")]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .json_with(
            "/api/accounts/create",
            body.clone(),
            headers(&[("sec-fetch-site", "cross-site")]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let same = app.base.clone();
    let res = admin
        .json_with(
            "/api/accounts/create",
            body,
            headers(&[("origin", &same), ("sec-fetch-site", "same-origin")]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_functions_refuse_get() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin.get("/api/users/list").await;
    assert!(res.status().is_client_error(), "{}", res.status());
}

#[tokio::test]
async fn malformed_server_function_input_is_a_400_not_a_500() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .client
        .post(format!("{}/api/accounts/create", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = admin.json("/api/users/create", json!({ "email": 5 })).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let res = admin
        .json(
            "/api/accounts/create",
            json!({ "name": "x".repeat(100_000), "plan": "starter" }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
