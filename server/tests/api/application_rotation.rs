//! An application rotates its own secret with a signed request to
//! `POST /v1/keys/self/rotate`: the new secret comes back once, the previous
//! one still signs through the grace period and not after (or not after
//! "end it now"), the consumer keys stay, and a replayed, re-aimed or
//! tampered signature rotates nothing.

use keyward::crypto::request_signature::{SignedParts, sign};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::applications::{App, application};
use crate::helpers::TestApp;

/// Signs a POST of `body` to `url` with `secret` (the application's, or a
/// previous one) and `a`'s consumer key, at the test clock's now.
fn signed(app: &TestApp, a: &App, secret: &str, url: &str, body: &str) -> Vec<(&'static str, String)> {
    let ts = keyward::clock::Clock::now(&app.clock).to_string();
    let signature = sign(
        secret,
        &a.ck,
        &SignedParts {
            method: "POST",
            url,
            body: body.as_bytes(),
            timestamp: &ts,
        },
    );
    vec![
        ("x-ovh-application", a.ak.clone()),
        ("x-ovh-consumer", a.ck.clone()),
        ("x-ovh-timestamp", ts),
        ("x-ovh-signature", signature),
    ]
}

async fn send(app: &TestApp, headers: &[(&'static str, String)], body: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{}/v1/keys/self/rotate", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.unwrap()
}

/// Whether a signed GET of `/1.0/me` made with `secret` verifies (a second
/// later than the last call, so it is never a replay of it).
async fn signs(app: &TestApp, a: &App, secret: &str) -> bool {
    app.clock.advance_secs(1);
    let url = "https://api.example.com/1.0/me";
    let ts = keyward::clock::Clock::now(&app.clock).to_string();
    let signature = sign(
        secret,
        &a.ck,
        &SignedParts {
            method: "GET",
            url,
            body: b"",
            timestamp: &ts,
        },
    );
    let answer = app
        .api("")
        .verify(json!({
            "method": "GET", "url": url,
            "headers": { "X-Ovh-Application": a.ak, "X-Ovh-Consumer": a.ck, "X-Ovh-Timestamp": ts, "X-Ovh-Signature": signature },
        }))
        .await;
    answer["valid"] == json!(true)
}

#[tokio::test]
async fn an_application_rotates_its_secret_with_a_signed_request_and_the_old_one_signs_through_its_grace() {
    let app = crate::helpers::spawn_app().await;
    let a = application(&app, "signer", json!([{ "methods": ["GET"], "path": "/me" }])).await;
    let url = format!("{}/v1/keys/self/rotate", app.base);
    let body = r#"{"grace_period_seconds": 600}"#;

    // Signed for another URL, or over another body: nothing rotates.
    let elsewhere = signed(&app, &a, &a.secret, "https://api.example.com/1.0/me", body);
    assert_eq!(send(&app, &elsewhere, body).await.status(), StatusCode::UNAUTHORIZED);
    let headers = signed(&app, &a, &a.secret, &url, body);
    let res = send(&app, &headers, r#"{"grace_period_seconds": 0}"#).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a body other than the signed one"
    );
    let forged = signed(&app, &a, "kws_prod_not_the_secret", &url, body);
    assert_eq!(send(&app, &forged, body).await.status(), StatusCode::UNAUTHORIZED);
    assert!(signs(&app, &a, &a.secret).await, "still the only secret");

    let res = send(&app, &headers, body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let rotated_at = keyward::clock::Clock::now(&app.clock);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("kws_prod_") && new != a.secret);
    assert_eq!(rotated["client_id"], a.ak.as_str(), "the application key stays");
    assert!(
        signs(&app, &a, &new).await,
        "the consumer key signs with the new secret"
    );
    assert!(
        signs(&app, &a, &a.secret).await,
        "and with the old one through its grace"
    );

    // The same signed request again is a replay.
    assert_eq!(send(&app, &headers, body).await.status(), StatusCode::UNAUTHORIZED);
    // The previous secret still signs calls, but cannot rotate the
    // application away from its holder.
    app.clock.advance_secs(1);
    let by_old = signed(&app, &a, &a.secret, &url, r#"{"grace_period_seconds": 0}"#);
    let res = send(&app, &by_old, r#"{"grace_period_seconds": 0}"#).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let admin = app.management_key_for_admin().await;
    let read: Value = admin.get(&format!("/v1/keys/{}", a.id)).await.json().await.unwrap();
    assert_eq!(
        read["previous_secret"]["retires_at"].as_i64(),
        Some(rotated_at + 600),
        "{read}"
    );
    app.clock
        .advance_secs(rotated_at + 600 - keyward::clock::Clock::now(&app.clock));
    assert!(!signs(&app, &a, &a.secret).await, "after its grace period");
    assert!(signs(&app, &a, &new).await);

    // Again, and the grace ended by an admin: the old secret stops at once.
    let headers = signed(&app, &a, &new, &url, body);
    let newest: Value = send(&app, &headers, body).await.json().await.unwrap();
    let newest = newest["secret"].as_str().unwrap().to_owned();
    assert!(signs(&app, &a, &new).await);
    let path = format!("/v1/keys/{}/previous-secret", a.id);
    assert_eq!(admin.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert!(!signs(&app, &a, &new).await, "ended now");
    assert!(signs(&app, &a, &newest).await);

    // The stored row never holds a secret in clear.
    let mut app = app;
    app.stop().await;
    for file in std::fs::read_dir(app.dir.path().join("data")).unwrap() {
        // SQLite may remove its -shm file as the last connection closes.
        let Ok(bytes) = std::fs::read(file.unwrap().path()) else {
            continue;
        };
        for secret in [&a.secret, &new, &newest] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
        }
    }
}
