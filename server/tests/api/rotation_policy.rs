//! Rotation on a schedule through the real server, driven by the injected
//! clock: `notify` tells the holder once per due date (webhook and e-mail to
//! aiosmtpd) and `enforce_after_days` expires a key nobody rotated;
//! `encrypted` rotates by itself and sends the new secret as a JWE that only
//! the holder's private key opens (jwcrypto plays the holder); "rotate now by
//! policy" does the same at once; a previous secret still used at the end of
//! its grace period is announced.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, spawn_app};
use crate::jwe_peer::Holder;
use crate::notifications::{endpoint, settle, use_smtp};
use crate::peers::{Receiver, SmtpSink};

const DAY: i64 = 86_400;

pub(crate) async fn valid(app: &TestApp, key: &str) -> bool {
    app.api("").verify(json!({ "key": key })).await["valid"] == json!(true)
}

pub(crate) async fn read(api: &Api, id: &str) -> Value {
    api.get(&format!("/v1/keys/{id}")).await.json().await.unwrap()
}

/// Runs the scheduler's pass twice (the background job may run it too:
/// whichever gets there writes it once).
async fn scan(app: &TestApp) {
    for _ in 0..2 {
        app.kw().credentials().scan_rotation().await.unwrap();
    }
}

async fn rotate_self(app: &TestApp, secret: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{}/v1/keys/self/rotate", app.base))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["secret"].as_str().unwrap().to_owned()
}

fn of_type(receiver: &Receiver, event_type: &str) -> Vec<crate::peers::Received> {
    receiver
        .received()
        .into_iter()
        .filter(|r| r.event_type == event_type)
        .collect()
}

#[tokio::test]
async fn a_notify_policy_tells_the_holder_once_per_due_date_through_90_days_and_self_rotation_moves_it() {
    let mut app = spawn_app().await;
    let sink = SmtpSink::start().await;
    use_smtp(&app, &sink).await;
    let receiver = Receiver::start().await;
    let (_, mut api) = endpoint(&app, &receiver, &["key.rotation_due"]).await;
    api.patch(
        "/v1/accounts/default",
        json!({ "notification_emails": ["ops@example.com"] }),
    )
    .await;
    let created = api
        .create(json!({
            "name": "billing export",
            "expires": "1y",
            "rotation": { "every": "30d", "delivery": "notify", "grace_seconds": 3600 },
        }))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let mut secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        created["rotation"],
        json!({ "every": "30d", "grace_seconds": 3600, "delivery": "notify" })
    );
    let mut due = created["rotation_due_at"].as_i64().unwrap();
    assert_eq!(due, created["created_at"].as_i64().unwrap() + 30 * DAY);

    scan(&app).await;
    assert!(of_type(&receiver, "key.rotation_due").is_empty(), "not due yet");
    for cycle in 1..=3 {
        app.clock.advance_secs(due - app.kw().now() + 60);
        scan(&app).await;
        app.restart().await;
        api = app.api(&api.secret);
        scan(&app).await;
        let notices = receiver.wait_for(cycle).await;
        assert_eq!(notices.len(), cycle, "one notice per due date: {notices:?}");
        let last = &notices[cycle - 1];
        assert_eq!(last.event_type, "key.rotation_due");
        assert_eq!(last.body["data"]["due_at"], due);
        assert_eq!(last.body["data"]["credential"]["id"], id.as_str());
        let mail = sink.wait_for(cycle).await;
        assert_eq!(mail[cycle - 1].subject, "[Keyward] Rotate billing export");
        assert!(
            mail[cycle - 1]
                .text
                .as_deref()
                .unwrap()
                .contains("/v1/keys/self/rotate")
        );

        // The holder rotates itself: the old secret works through its grace,
        // and the next due date counts from now.
        let rotated = rotate_self(&app, &secret).await;
        assert!(valid(&app, &rotated).await && valid(&app, &secret).await);
        secret = rotated;
        let after = read(&api, &id).await;
        due = after["rotation_due_at"].as_i64().unwrap();
        assert_eq!(due, app.kw().now() + 30 * DAY);
    }
    settle(&app).await;
    assert_eq!(of_type(&receiver, "key.rotation_due").len(), 3);
    assert_eq!(sink.mail().len(), 3, "{:#?}", sink.mail());
}

#[tokio::test]
async fn enforce_after_days_expires_a_key_nobody_rotated_and_auto_renew_does_not_bring_it_back() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let created = api
        .create(json!({
            "name": "forgotten",
            "expires": "1y",
            "auto_renew": true,
            "rotation": { "every": "1d", "delivery": "notify", "grace_seconds": 600, "enforce_after_days": 2 },
        }))
        .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    app.clock.advance_secs(DAY + 60);
    scan(&app).await;
    assert!(valid(&app, secret).await, "due, told, still working");
    app.clock.advance_secs(DAY);
    scan(&app).await;
    assert!(
        valid(&app, secret).await,
        "one day after the due date: still within the two"
    );
    app.clock.advance_secs(DAY);
    scan(&app).await;
    assert!(!valid(&app, secret).await, "expired two days after the due date");
    let answer = app.api("").verify(json!({ "key": secret })).await;
    assert_eq!(answer["code"], "EXPIRED", "{answer}");
    // The expiry scheduler would renew an auto-renew key within a day of
    // its expiry: enforcement switched that off.
    app.kw().notifications().scan_expiry().await.unwrap();
    let after = read(&api, id).await;
    assert_eq!(after["status"], "expired", "{after}");
    assert_eq!(after["auto_renew"], false);
    let audit: Value = api
        .get(&format!("/v1/audit?target=key:{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(audit.to_string().contains("key.rotation_enforced"), "{audit}");
    // Brought back by an edit, the policy counts again from now.
    let res = api.patch(&format!("/v1/keys/{id}"), json!({ "expires": "1y" })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let back = read(&api, id).await;
    assert_eq!(back["rotation_due_at"].as_i64(), Some(app.kw().now() + DAY), "{back}");
    assert!(valid(&app, secret).await);
}

#[tokio::test]
async fn an_encrypted_policy_rotates_on_schedule_once_and_only_the_holder_reads_the_new_secret() {
    let mut app = spawn_app().await;
    let holder = Holder::generate("P-256", Some("deploy-bot"));
    let receiver = Receiver::start().await;
    let (_, api) = endpoint(&app, &receiver, &["key.rotated"]).await;
    let created = api
        .create(json!({
            "name": "deploy bot",
            "rotation": {
                "every": "7d", "delivery": "encrypted", "grace_seconds": 3600,
                "holder_key": serde_json::to_value(&holder.public).unwrap(),
            },
        }))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let old = created["secret"].as_str().unwrap().to_owned();
    assert!(created["rotation"]["holder_key"].get("d").is_none());

    app.clock.advance_secs(7 * DAY + 30);
    scan(&app).await;
    app.restart().await;
    let api = app.api(&api.secret);
    scan(&app).await;
    let got = receiver.wait_for(1).await;
    let event = &got[0];
    assert_eq!(event.event_type, "key.rotated");
    assert_eq!(event.body["data"]["by"], "schedule");
    let jwe = event.body["data"]["secret_jwe"].as_str().unwrap();
    let new = String::from_utf8(holder.opens_to(jwe)).unwrap();
    assert_ne!(new, old);
    assert!(!event.raw.contains(&new), "the secret travels only encrypted");
    assert!(valid(&app, &new).await, "the delivered secret verifies");
    assert!(valid(&app, &old).await, "the previous one works through its grace");
    let stranger = Holder::generate("P-256", None);
    stranger.refuses(jwe, "another key's holder");

    // Rotate now by policy: the same delivery, at once, no secret in the answer.
    let res = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["delivery"], "encrypted");
    assert!(answer.get("secret").is_none(), "{answer}");
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].body["data"]["by"], "policy");
    let newer = String::from_utf8(holder.opens_to(got[1].body["data"]["secret_jwe"].as_str().unwrap())).unwrap();
    assert!(valid(&app, &newer).await && valid(&app, &new).await);
    assert!(!valid(&app, &old).await, "a second rotation ends the first one's grace");
    app.clock.advance_secs(3601);
    assert!(!valid(&app, &new).await, "after its grace period");

    settle(&app).await;
    assert_eq!(of_type(&receiver, "key.rotated").len(), 2, "no double rotation");
    app.stop().await;
    for file in std::fs::read_dir(app.dir.path().join("data")).unwrap() {
        // SQLite may remove its -shm file as the last connection closes.
        let Ok(bytes) = std::fs::read(file.unwrap().path()) else {
            continue;
        };
        for secret in [&new, &newer] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a delivered secret is stored in clear"
            );
        }
    }
}

#[tokio::test]
async fn an_x25519_holder_gets_the_secret_when_an_admin_rotates_now_by_policy() {
    let app = spawn_app().await;
    let holder = Holder::generate("X25519", None);
    let receiver = Receiver::start().await;
    let (_, api) = endpoint(&app, &receiver, &["key.rotated"]).await;
    let created = api
        .create(json!({
            "name": "edge proxy",
            "rotation": { "every": "90d", "delivery": "encrypted", "holder_key": serde_json::to_value(&holder.public).unwrap() },
        }))
        .await;
    let id = created["id"].as_str().unwrap();
    let res = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let got = receiver.wait_for(1).await;
    let secret = String::from_utf8(holder.opens_to(got[0].body["data"]["secret_jwe"].as_str().unwrap())).unwrap();
    assert!(valid(&app, &secret).await);
    let after = read(&api, id).await;
    assert_eq!(
        after["rotation_due_at"].as_i64().unwrap(),
        app.kw().now() + 90 * DAY,
        "the next scheduled rotation counts from this one"
    );
}

#[tokio::test]
async fn an_encrypted_policy_with_no_endpoint_does_not_rotate_and_says_why() {
    let app = spawn_app().await;
    let holder = Holder::generate("P-256", None);
    let receiver = Receiver::start().await;
    let (_, api) = endpoint(&app, &receiver, &["key.rotation_due"]).await;
    let created = api
        .create(json!({
            "name": "nowhere to go",
            "rotation": { "every": "1d", "delivery": "encrypted", "grace_seconds": 60, "holder_key": serde_json::to_value(&holder.public).unwrap() },
        }))
        .await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    let res = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "NO_DELIVERY_ENDPOINT", "{problem}");
    // An endpoint for key.rotated that is failing counts as none.
    let res = api
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": "http://127.0.0.1:9/down", "events": ["key.rotated"] }),
        )
        .await;
    let hook: Value = res.json().await.unwrap();
    let pool = app.kw().store().pool().clone();
    let row = keyward::store::webhooks::find_public(&pool, hook["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    keyward::store::webhooks::mark_failing(&pool, row.id, app.kw().now())
        .await
        .unwrap();
    let res = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    app.clock.advance_secs(DAY + 60);
    scan(&app).await;
    let got = receiver.wait_for(1).await;
    assert!(got[0].body["data"]["reason"].as_str().unwrap().contains("key.rotated"));
    assert!(
        valid(&app, secret).await,
        "not rotated: the holder could not have received it"
    );
    assert!(read(&api, id).await.get("previous_secret").is_none());
    scan(&app).await;
    settle(&app).await;
    assert_eq!(receiver.received().len(), 1, "told once for that due date");
}

#[tokio::test]
async fn a_stalled_rotation_is_announced_only_when_the_old_secret_was_used_in_its_last_hour() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    use_smtp(&app, &sink).await;
    let receiver = Receiver::start().await;
    let (_, api) = endpoint(&app, &receiver, &["key.rotation_stalled"]).await;
    let mut olds = Vec::new();
    for name in ["stuck deploy", "clean deploy"] {
        let created = api
            .create(json!({ "name": name, "metadata": { "owner": "dev@example.com" } }))
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let res = api
            .post(
                &format!("/v1/keys/{id}/rotate"),
                json!({ "grace_period_seconds": 7200 }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        olds.push((id, created["secret"].as_str().unwrap().to_owned()));
    }
    // The clean deploy's old secret was last used early in the grace period…
    app.clock.advance_secs(600);
    assert!(valid(&app, &olds[1].1).await);
    // …the stuck one's in its last hour.
    app.clock.advance_secs(5400);
    assert!(valid(&app, &olds[0].1).await);
    app.kw().usage().flush().await.unwrap();
    app.clock.advance_secs(1200 + 30);
    assert!(!valid(&app, &olds[0].1).await, "the grace period is over");
    scan(&app).await;
    scan(&app).await;
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].body["data"]["credential"]["id"], olds[0].0.as_str());
    assert!(got[0].body["data"]["previous_secret_last_used_ip"].is_string());
    let mail = sink.wait_for(1).await;
    assert_eq!(
        mail[0].subject,
        "[Keyward] stuck deploy: the old secret was still in use"
    );
    assert_eq!(mail[0].to, ["dev@example.com"]);
    settle(&app).await;
    assert_eq!(receiver.received().len(), 1, "only the stalled one, once");
}
