//! Slow checks under parallel requests: setup refuses before it hashes, the
//! sign-in and token throttles reserve attempts before the slow check, and
//! argon2 never runs more than its slots at once. `/metrics` counts the argon2
//! work, so these tests count work instead of timing it.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app};
use keyward::domain::Environment;
use keyward::domain::key::SecretRole;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// The value of an unlabelled metric, or of one line given with its labels.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not in /metrics:\n{text}"))
}

async fn hashes(app: &TestApp) -> u64 {
    metric(app, "keyward_password_hashes_total").await
}

/// Every answer of a parallel burst, as (status, JSON body).
async fn answers(mut set: JoinSet<Response>) -> Vec<(StatusCode, Value)> {
    let mut out = Vec::new();
    while let Some(res) = set.join_next().await {
        let res = res.unwrap();
        out.push((res.status(), res.json().await.unwrap_or(Value::Null)));
    }
    out
}

async fn complete_setup(app: &TestApp, token: &str) -> Response {
    app.session()
        .form(
            "/api/setup/complete",
            &[
                ("token", token),
                ("email", "second@example.com"),
                ("password", ADMIN_PASSWORD),
                ("confirm", ADMIN_PASSWORD),
            ],
        )
        .await
}

async fn assert_closed(res: Response) {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["Rule"]["code"], "SETUP_CLOSED");
}

#[tokio::test]
async fn setup_after_the_first_admin_answers_closed_without_hashing() {
    let app = spawn_app().await;
    assert_closed(complete_setup(&app, "not-the-token").await).await;
    assert_eq!(hashes(&app).await, 0, "a wrong link is refused before any hashing");

    app.admin().await;
    let after_setup = hashes(&app).await;
    assert_eq!(after_setup, 1, "the first admin's password was hashed once");
    assert_closed(complete_setup(&app, &app.setup_token()).await).await;
    assert_closed(complete_setup(&app, "not-the-token").await).await;
    assert_eq!(hashes(&app).await, after_setup, "setup is closed before any hashing");

    let page = app
        .session()
        .get(&format!("/setup?token={}", app.setup_token()))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-testid=\"setup-done\""), "{page}");
    assert!(!page.contains("name=\"password\""), "no form once set up: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_for_one_email_cannot_race_past_the_lock() {
    let app = spawn_app().await;
    app.admin().await;
    let before = hashes(&app).await;
    let mut set = JoinSet::new();
    for _ in 0..40 {
        let s = app.session();
        set.spawn(async move { s.sign_in(ADMIN_EMAIL, "wrong password here").await });
    }
    let answers = answers(set).await;
    let bad = answers.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count();
    let throttled = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::TOO_MANY_REQUESTS && b["Throttled"]["retry_after"].as_i64() >= Some(1))
        .count();
    assert!(bad <= 5, "{bad} wrong passwords were checked: {answers:?}");
    assert_eq!(bad + throttled, 40, "{answers:?}");
    assert!(
        hashes(&app).await - before <= 5,
        "no more than the five free failures ran argon2"
    );
    assert_eq!(
        app.session().sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the e-mail is locked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_hashing_never_runs_more_than_the_cap_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let slots = metric(&app, "keyward_password_hash_slots").await;
    assert!(slots >= 2);
    let (before, refused_before) = (
        hashes(&app).await,
        metric(&app, "keyward_password_hashes_refused_total").await,
    );
    // More hashing than the slots and the queue hold: new users (not throttled
    // per IP) and sign-ins of unknown e-mails (all from 127.0.0.1, so at most
    // twenty are tried).
    let mut creating = JoinSet::new();
    for i in 0..150 {
        let (client, base) = (admin.client.clone(), admin.base.clone());
        creating.spawn(async move {
            client
                .post(format!("{base}/api/users/create"))
                .json(&json!({ "email": format!("user{i}@example.com"), "password": ADMIN_PASSWORD, "role": "global_viewer", "all_accounts": true, "accounts": [] }))
                .send()
                .await
                .unwrap()
        });
    }
    let mut signing_in = JoinSet::new();
    for i in 0..40 {
        let s = app.session();
        signing_in.spawn(async move { s.sign_in(&format!("guess{i}@example.com"), "wrong password here").await });
    }
    let created = answers(creating).await;
    let signed_in = answers(signing_in).await;
    let peak = metric(&app, "keyward_password_hashes_peak_concurrency").await;
    assert!(
        (1..=slots).contains(&peak),
        "{peak} hashes ran at once with {slots} slots"
    );

    let is_throttled =
        |(s, b): &&(StatusCode, Value)| *s == StatusCode::TOO_MANY_REQUESTS && b["Throttled"]["retry_after"] == 1;
    let made = created.iter().filter(|(s, _)| *s == StatusCode::OK).count() as u64;
    let busy = created.iter().filter(is_throttled).count() as u64;
    assert_eq!(made + busy, 150, "each is created or told to retry: {created:?}");
    assert!(busy > 0, "the queue overflowed and said so");
    let checked = signed_in.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count() as u64;
    let refused = signed_in
        .iter()
        .filter(|(s, b)| *s == StatusCode::TOO_MANY_REQUESTS && b["Throttled"].is_object())
        .count() as u64;
    assert_eq!(checked + refused, 40, "{signed_in:?}");

    assert_eq!(
        hashes(&app).await - before,
        made + checked,
        "only answered work ran argon2"
    );
    assert!(metric(&app, "keyward_password_hashes_refused_total").await - refused_before >= busy);
}

#[tokio::test]
async fn a_correct_sign_in_after_failures_works_and_gives_its_place_back() {
    let app = spawn_app().await;
    app.admin().await;
    let s = app.session();
    for _ in 0..4 {
        assert_eq!(
            s.sign_in(ADMIN_EMAIL, "wrong password here").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let before = hashes(&app).await;
    let ok = s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        ok.status().is_redirection() || ok.status().is_success(),
        "{}",
        ok.status()
    );
    assert_eq!(hashes(&app).await, before + 1);

    // Successes take nothing from the IP (twenty free failures): fifteen more
    // here and four failures for other e-mails still leave it room.
    for _ in 0..15 {
        let ok = app.session().sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert!(
            ok.status().is_redirection() || ok.status().is_success(),
            "{}",
            ok.status()
        );
    }
    for i in 0..4 {
        let res = s.sign_in(&format!("other{i}@example.com"), "wrong password here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // The success forgot the e-mail's four failures: five more are checked,
    // and the fifth locks it.
    for i in 0..5 {
        let res = s.sign_in(ADMIN_EMAIL, "wrong password here").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "failure {i}");
    }
    assert_eq!(
        s.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "five failures since the success lock the e-mail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_client_secrets_cannot_race_past_the_client_lock() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let client = api
        .create(json!({ "name": "raced", "kind": "oauth_client", "scopes": ["keys:read"] }))
        .await;
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let not_found = "keyward_verifications_total{code=\"NOT_FOUND\"}";
    let before = metric(&app, not_found).await;
    let mut set = JoinSet::new();
    for _ in 0..40 {
        let (url, id) = (format!("{}/oauth/token", app.base), client_id.clone());
        // Well-formed, so each guess reaches the database look-up.
        let guess = keyward::crypto::keygen::secret("kw", SecretRole::ClientSecret, Environment::Prod);
        set.spawn(async move {
            reqwest::Client::new()
                .post(url)
                .basic_auth(id, Some(guess))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
        });
    }
    let answers = answers(set).await;
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::UNAUTHORIZED && b["error"] == "invalid_client")
        .count();
    let throttled = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::TOO_MANY_REQUESTS && b["error"] == "temporarily_unavailable")
        .count();
    assert!(refused <= 10, "{refused} wrong secrets were checked");
    assert_eq!(refused + throttled, 40, "{answers:?}");
    assert!(
        metric(&app, not_found).await - before <= 10,
        "no more than the ten free failures were looked up"
    );
}
