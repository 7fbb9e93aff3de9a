//! Two-factor sign-in through the real server: enrolment, the code step of
//! signing in with its throttle and single use, recovery codes, the policy
//! and a Global Admin's reset.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, Session, TestApp, spawn_app};
use keyward::clock::Clock;
use keyward::crypto::totp::TotpKey;
use keyward::domain::AuditFilter;
use keyward::service::Caller;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

fn ok(res: &Response) -> bool {
    res.status().is_success() || res.status().is_redirection()
}

/// Enrols the session's user; answers their key and recovery codes.
pub(crate) async fn enrol(app: &TestApp, s: &Session) -> (TotpKey, Vec<String>) {
    let res = s.form("/api/two_factor/begin", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let enrolment: Value = res.json().await.unwrap();
    assert!(enrolment["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let key = TotpKey::from_base32(enrolment["secret"].as_str().unwrap()).unwrap();
    let res = s
        .form("/api/two_factor/confirm", &[("code", &key.code_at(app.clock.now()))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes: Vec<String> = res.json().await.unwrap();
    assert_eq!(codes.len(), 10);
    (key, codes)
}

/// Signs in with the password; asserts it asks for the second factor.
async fn password_step(s: &Session, email: &str) {
    let res = s.sign_in(email, ADMIN_PASSWORD).await;
    assert!(ok(&res), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login/two-factor"), "{location}");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("kw_pending=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(!cookie.starts_with("kw_session="));
}

async fn code_step(s: &Session, code: &str) -> Response {
    s.form("/api/session/second_factor", &[("code", code)]).await
}

async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    let page = app.kw().audit().list(&Caller::System("test"), &filter).await.unwrap();
    page.entries.iter().map(|e| serde_json::to_value(e).unwrap()).collect()
}

#[tokio::test]
async fn after_enrolling_sign_in_needs_a_code_and_the_password_alone_opens_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (key, _) = enrol(&app, &admin).await;
    assert_eq!(audited(&app, "two_factor.enrolled").await.len(), 1);

    let s = app.session();
    password_step(&s, ADMIN_EMAIL).await;
    assert_eq!(s.me().await, Value::Null, "no session yet");
    assert_eq!(
        s.json("/api/accounts/list", json!({})).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.clock.advance_secs(30);
    let res = code_step(&s, &key.code_at(app.clock.now())).await;
    assert!(ok(&res), "{}", res.status());
    assert_eq!(s.me().await["email"], ADMIN_EMAIL);
    let sign_ins = audited(&app, "session.sign_in").await;
    assert!(sign_ins[0]["details"].as_str().unwrap().contains("totp"));
}

#[tokio::test]
async fn wrong_codes_are_refused_audited_and_throttled_like_passwords() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (key, _) = enrol(&app, &admin).await;
    let s = app.session();
    password_step(&s, ADMIN_EMAIL).await;
    // Not a code of any step the server would accept now or 31 s later.
    let near: Vec<String> = (-2..=3).map(|i| key.code_at(app.clock.now() + i * 30)).collect();
    let wrong = ["000000", "111111", "222222"]
        .into_iter()
        .find(|w| !near.iter().any(|c| c == w))
        .unwrap();
    for _ in 0..4 {
        let res = code_step(&s, wrong).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "code");
    }
    // A right password does not clear the failures its e-mail gathered.
    password_step(&s, ADMIN_EMAIL).await;
    assert_eq!(code_step(&s, wrong).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let locked = code_step(&s, wrong).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.json::<Value>().await.unwrap()["Throttled"]["retry_after"], 30);
    assert_eq!(audited(&app, "two_factor.code_failed").await.len(), 5);

    // The lock holds the password step and a right code too, until it lapses.
    assert_eq!(
        s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance_secs(31);
    let code = key.code_at(app.clock.now());
    assert!(ok(&code_step(&s, &code).await));
    assert_eq!(s.me().await["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn a_code_is_accepted_once_within_its_window() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (key, _) = enrol(&app, &admin).await;
    app.clock.advance_secs(30);
    let code = key.code_at(app.clock.now());
    let first = app.session();
    password_step(&first, ADMIN_EMAIL).await;
    assert!(ok(&code_step(&first, &code).await));

    let second = app.session();
    password_step(&second, ADMIN_EMAIL).await;
    let again = code_step(&second, &code).await;
    assert_eq!(
        again.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "replayed in its window"
    );
    app.clock.advance_secs(30);
    assert!(ok(&code_step(&second, &key.code_at(app.clock.now())).await));
    assert_eq!(second.me().await["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, codes) = enrol(&app, &admin).await;
    let s = app.session();
    password_step(&s, ADMIN_EMAIL).await;
    assert!(ok(&code_step(&s, &codes[3].to_uppercase()).await));
    assert_eq!(s.me().await["email"], ADMIN_EMAIL);
    let used = audited(&app, "two_factor.recovery_code_used").await;
    assert!(used[0]["details"].as_str().unwrap().contains("\"left\":9"));

    let again = app.session();
    password_step(&again, ADMIN_EMAIL).await;
    assert_eq!(
        code_step(&again, &codes[3]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(ok(&code_step(&again, &codes[4]).await));
    let status: Value = again.form("/api/two_factor/status", &[]).await.json().await.unwrap();
    assert_eq!(status["recovery_codes_left"], 8);
}

#[tokio::test]
async fn the_policy_keeps_an_unenrolled_user_to_enrolment() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let res = admin
        .json("/api/settings/set_two_factor_policy", json!({ "policy": "everyone" }))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(audited(&app, "two_factor.policy_changed").await.len(), 1);

    // An existing session is held to enrolment at once.
    for (path, body) in [("/api/accounts/list", json!({})), ("/api/users/list", json!({}))] {
        let res = viewer.json(path, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["Rule"]["code"],
            "SECOND_FACTOR_REQUIRED"
        );
    }
    let page = viewer.get("/credentials").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/two-factor/setup");
    assert_eq!(viewer.get("/two-factor/setup").await.status(), StatusCode::OK);

    // A fresh sign-in is too, until the first code confirms the enrolment.
    let fresh = app.session();
    assert!(ok(&fresh.sign_in("gv@example.com", ADMIN_PASSWORD).await));
    assert_eq!(
        fresh.json("/api/accounts/list", json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    enrol(&app, &fresh).await;
    assert_eq!(
        fresh.json("/api/accounts/list", json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(fresh.get("/credentials").await.status(), StatusCode::OK);
    // Required, so it cannot be turned off.
    let off = fresh.form("/api/two_factor/remove", &[("code", "123456")]).await;
    assert_eq!(
        off.json::<Value>().await.unwrap()["Rule"]["code"],
        "SECOND_FACTOR_REQUIRED"
    );
}

#[tokio::test]
async fn an_admin_reset_ends_the_users_sessions_and_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    enrol(&app, &viewer).await;
    let id = viewer.me().await["user_id"].as_i64().unwrap();
    let enrolled: Value = admin
        .form("/api/users/two_factor_enrolled", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(enrolled, json!([id]));

    let res = admin.json("/api/users/reset_two_factor", json!({ "id": id })).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    assert_eq!(viewer.me().await, Value::Null, "signed out everywhere");
    let resets = audited(&app, "two_factor.reset").await;
    assert_eq!(resets[0]["target"], format!("user:{id}"));
    assert_eq!(resets[0]["actor"], ADMIN_EMAIL);
    // The password alone signs them in again, and they can enrol anew.
    let again = app.session();
    let res = again.sign_in("gv@example.com", ADMIN_PASSWORD).await;
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("kw_session="));
    let status: Value = again.form("/api/two_factor/status", &[]).await.json().await.unwrap();
    assert_eq!(status["enrolled"], false);
}

#[tokio::test]
async fn only_a_global_admin_resets_a_second_factor_or_sets_the_policy() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    enrol(&app, &admin).await;
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", false, vec![]).await;
    let admin_id = admin.me().await["user_id"].as_i64().unwrap();
    let res = viewer
        .json("/api/users/reset_two_factor", json!({ "id": admin_id }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = viewer
        .json("/api/settings/set_two_factor_policy", json!({ "policy": "nobody" }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(audited(&app, "two_factor.reset").await.is_empty());
    assert!(audited(&app, "two_factor.policy_changed").await.is_empty());
    let status: Value = admin.form("/api/two_factor/status", &[]).await.json().await.unwrap();
    assert_eq!(status["enrolled"], true);
}

#[tokio::test]
async fn a_user_may_turn_their_own_second_factor_off_with_a_current_code() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (key, _) = enrol(&app, &admin).await;
    let wrong = admin.form("/api/two_factor/remove", &[("code", "12345x")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.clock.advance_secs(30);
    let res = admin
        .form("/api/two_factor/remove", &[("code", &key.code_at(app.clock.now()))])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(audited(&app, "two_factor.removed").await.len(), 1);
    let s = app.session();
    let res = s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("kw_session="));
}
