//! Notifications: a durable outbox delivered to a real webhook receiver and a
//! real SMTP server (aiosmtpd) on loopback, with the clock under our control.

use crate::helpers::{Api, TestApp, spawn_app};
use crate::peers::{Answer, Receiver, SmtpSink};
use keyward::domain::webhook::{SmtpInput, SmtpSecurity};
use keyward::service::Caller;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An endpoint for `events` on the default account, pointed at `receiver`,
/// and the admin key that created it (made first, so its own `key.created`
/// is not sent).
pub(crate) async fn endpoint(app: &TestApp, receiver: &Receiver, events: &[&str]) -> (String, Api) {
    let api = app.management_key_for_admin().await;
    let res = api
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": receiver.url, "events": events }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    receiver.set_secret(secret);
    (created["id"].as_str().unwrap().to_owned(), api)
}

async fn deliveries(api: &Api, webhook: &str) -> Vec<Value> {
    let res = api.get(&format!("/v1/webhooks/{webhook}/deliveries")).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Points Keyward at the sink.
pub(crate) async fn use_smtp(app: &TestApp, sink: &SmtpSink) {
    app.kw()
        .notifications()
        .set_smtp(
            &Caller::System("test"),
            SmtpInput {
                host: "127.0.0.1".into(),
                port: sink.port,
                security: SmtpSecurity::None,
                username: None,
                password: None,
                from: "Keyward <keyward@example.com>".into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn lifecycle_events_reach_the_endpoint_signed_and_without_secrets() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (webhook, api) = endpoint(&app, &receiver, &["key.created", "key.rotated", "key.revoked"]).await;
    let created = api.create(json!({ "name": "announced" })).await;
    let id = created["id"].as_str().unwrap();
    let rotated: Value = api
        .post(&format!("/v1/keys/{id}/rotate"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        api.delete(&format!("/v1/keys/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );

    let got = receiver.wait_for(3).await;
    let mut types: Vec<&str> = got.iter().map(|r| r.event_type.as_str()).collect();
    types.sort();
    assert_eq!(types, ["key.created", "key.revoked", "key.rotated"]);
    for r in &got {
        assert!(r.signature_ok, "bad signature on {r:?}");
        assert_eq!(r.body["id"], r.event_id.as_str(), "the event id is the idempotency key");
        assert!(r.event_id.starts_with("evt_"));
        assert_eq!(r.body["account"], "default");
        assert_eq!(r.body["data"]["credential"]["id"], id);
        for secret in [created["secret"].as_str().unwrap(), rotated["secret"].as_str().unwrap()] {
            assert!(!r.raw.contains(secret), "an event carried a secret");
        }
    }
    // The management key's own creation came before the endpoint: not sent.
    assert_eq!(receiver.received().len(), 3);
    let mut log = deliveries(&api, &webhook).await;
    for _ in 0..50 {
        if log.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        log = deliveries(&api, &webhook).await;
    }
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|d| d["status"] == "delivered" && d["last_status"] == 200),
        "{log:?}"
    );

    // The secret is shown once: never listed, never stored in clear.
    let listed = api.get("/v1/webhooks").await.text().await.unwrap();
    assert!(listed.contains(&webhook) && !listed.contains("whsec_"), "{listed}");
    let mut app = app;
    app.stop().await;
    for file in std::fs::read_dir(app.dir.path().join("data")).unwrap() {
        // SQLite may remove its -shm file as the last connection closes.
        let Ok(bytes) = std::fs::read(file.unwrap().path()) else {
            continue;
        };
        assert!(
            !bytes.windows(6).any(|w| w == b"whsec_"),
            "a webhook secret is stored in clear"
        );
    }
}

#[tokio::test]
async fn failures_and_timeouts_are_retried_with_backoff_and_a_replay_keeps_the_event_id() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (webhook, api) = endpoint(&app, &receiver, &["key.created"]).await;
    receiver.script(&[Answer::Status(500), Answer::Hang]);
    let res = api.post(&format!("/v1/webhooks/{webhook}/test"), json!({})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);

    let first = receiver.wait_for(1).await;
    assert_eq!(first[0].event_type, "webhook.test");
    let event_id = first[0].event_id.clone();
    let log = wait_for_attempts(&api, &webhook, 1).await;
    assert_eq!(
        (log["status"].as_str(), log["last_status"].as_i64()),
        (Some("pending"), Some(500))
    );
    let retry_at = log["next_attempt_at"].as_i64().unwrap();
    let now = app.kw().now();
    assert!(
        (now + 7..=now + 13).contains(&retry_at),
        "first retry after ~10 s: {}",
        retry_at - now
    );

    // Not before its time…
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert_eq!(receiver.received().len(), 1);
    // …then the receiver hangs: a timeout, retried again.
    app.clock.advance_secs(15);
    receiver.wait_for(2).await;
    let log = wait_for_attempts(&api, &webhook, 2).await;
    assert_eq!(log["status"], "pending");
    assert!(log["last_error"].as_str().unwrap().contains("timeout"), "{log}");
    app.clock.advance_secs(30);
    let got = receiver.wait_for(3).await;
    let log = wait_for_status(&api, &webhook, "delivered").await;
    assert_eq!(log["attempts"], 3);
    assert!(got.iter().all(|r| r.event_id == event_id && r.signature_ok));

    // A replay is a new delivery of the same event.
    let delivery = log["id"].as_i64().unwrap();
    let res = api
        .post(
            &format!("/v1/webhooks/{webhook}/deliveries/{delivery}/replay"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let got = receiver.wait_for(4).await;
    assert_eq!(got[3].event_id, event_id);
    assert_eq!(got[3].body, got[0].body);
    assert_eq!(deliveries(&api, &webhook).await.len(), 2);
    assert_eq!(
        api.post(&format!("/v1/webhooks/{webhook}/deliveries/999999/replay"), json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// Waits (up to 15 s) until nothing is left to deliver, so counting what
/// arrived afterwards proves nothing more was sent.
pub(crate) async fn settle(app: &TestApp) {
    for _ in 0..150 {
        if app.kw().notifications().outbox_pending().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("deliveries are still pending");
}

async fn wait_for_attempts(api: &Api, webhook: &str, attempts: i64) -> Value {
    for _ in 0..100 {
        let log = deliveries(api, webhook).await;
        if log.first().is_some_and(|d| d["attempts"] == attempts) {
            return log[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "no delivery reached {attempts} attempts: {:?}",
        deliveries(api, webhook).await
    );
}

async fn wait_for_status(api: &Api, webhook: &str, status: &str) -> Value {
    for _ in 0..100 {
        let log = deliveries(api, webhook).await;
        if log.first().is_some_and(|d| d["status"] == status) {
            return log[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no delivery is {status}: {:?}", deliveries(api, webhook).await);
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_given_up_marked_failing_and_the_admins_are_told() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    use_smtp(&app, &sink).await;
    app.admin().await;
    let receiver = Receiver::start().await;
    let (webhook, api) = endpoint(&app, &receiver, &["key.created"]).await;
    receiver.script(&[Answer::Status(503); 6]);
    for name in ["unlucky", "unluckier", "unluckiest"] {
        app.key(json!({ "name": name })).await;
    }
    receiver.wait_for(3).await;
    for _ in 0..100 {
        if deliveries(&api, &webhook).await.iter().all(|d| d["attempts"] == 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A day later all three give up in the same pass: one alarm between them.
    app.clock.advance_secs(25 * 3600);
    receiver.wait_for(6).await;
    settle(&app).await;
    let log = deliveries(&api, &webhook).await;
    assert!(
        log.iter().all(|d| d["status"] == "failed" && d["last_status"] == 503),
        "{log:?}"
    );
    let listed: Value = api.get("/v1/webhooks").await.json().await.unwrap();
    assert!(listed[0]["failing_since"].is_i64(), "{listed}");
    let mail = sink.mail();
    assert_eq!(mail.len(), 1, "{mail:#?}");
    // Settings → E-mail lists it, delivered (a new session: a day has passed).
    let admin = app.session();
    admin
        .sign_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let log: Value = admin
        .json("/api/settings/email_log", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["destination"], crate::helpers::ADMIN_EMAIL);
    assert_eq!(log[0]["event_type"], "webhook.failing");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(mail[0].to, [crate::helpers::ADMIN_EMAIL]);
    assert_eq!(mail[0].subject, "[Keyward] A webhook endpoint is failing");
    assert!(mail[0].text.as_deref().unwrap().contains(&receiver.url));
}

#[tokio::test]
async fn a_key_expiring_in_8_days_gets_one_7_day_and_one_1_day_email_and_nothing_more_across_a_restart() {
    let mut app = spawn_app().await;
    let sink = SmtpSink::start().await;
    use_smtp(&app, &sink).await;
    let api = app.management_key().await;
    let res = api
        .patch(
            "/v1/accounts/default",
            json!({ "notification_emails": ["ops@example.com"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let created = api
        .create(json!({ "name": "nightly export", "expires": "custom:8", "metadata": { "owner": "dev@example.com" } }))
        .await;
    let prefix = created["prefix"].as_str().unwrap().to_owned();
    let kw = app.kw();
    assert_eq!(
        kw.notifications().scan_expiry().await.unwrap(),
        0,
        "8 days ahead: nothing yet"
    );

    app.clock.advance_secs(86_400 + 60);
    // The background scheduler may get there first: either writes it once.
    app.kw().notifications().scan_expiry().await.unwrap();
    assert_eq!(
        app.kw().notifications().scan_expiry().await.unwrap(),
        0,
        "the same notice is never written twice"
    );
    let mail = sink.wait_for(2).await;
    let mut to: Vec<&str> = mail.iter().flat_map(|m| m.to.iter().map(String::as_str)).collect();
    to.sort();
    assert_eq!(to, ["dev@example.com", "ops@example.com"]);
    for m in &mail {
        assert_eq!(m.subject, "[Keyward] nightly export expires in 7 days");
        let text = m.text.as_deref().unwrap();
        assert!(text.contains(&format!("{prefix}…")) && text.contains("UTC"), "{text}");
        assert!(m.html.as_deref().unwrap().contains("nightly export"));
    }

    app.restart().await;
    assert_eq!(
        app.kw().notifications().scan_expiry().await.unwrap(),
        0,
        "nor after a restart"
    );
    app.clock.advance_secs(6 * 86_400);
    // The background scheduler may get there first: either writes it once.
    app.kw().notifications().scan_expiry().await.unwrap();
    app.restart().await;
    assert_eq!(app.kw().notifications().scan_expiry().await.unwrap(), 0);
    let mail = sink.wait_for(4).await;
    let subjects: Vec<&str> = mail.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects.iter().filter(|s| s.ends_with("expires tomorrow")).count(),
        2,
        "{subjects:?}"
    );
    settle(&app).await;
    let mail = sink.mail();
    assert_eq!(
        mail.len(),
        4,
        "exactly one 7-day and one 1-day notice per recipient: {mail:#?}"
    );

    // Then the expiry itself, once.
    app.clock.advance_secs(86_400);
    app.kw().notifications().scan_expiry().await.unwrap();
    app.kw().notifications().scan_expiry().await.unwrap();
    let mail = sink.wait_for(6).await;
    assert!(
        mail[4..]
            .iter()
            .all(|m| m.subject == "[Keyward] nightly export has expired"),
        "{mail:#?}"
    );
    settle(&app).await;
    assert_eq!(sink.mail().len(), 6);
}

#[tokio::test]
async fn auto_renew_extends_by_the_original_lifetime_once_and_keeps_the_secret() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    let (_, api) = endpoint(&app, &receiver, &["key.renewed", "key.expiring"]).await;
    let created = api
        .create(json!({ "name": "self-renewing", "expires": "1mo", "auto_renew": true }))
        .await;
    let secret = created["secret"].as_str().unwrap();
    let first_expiry = created["expires_at"].as_i64().unwrap();
    let lifetime = first_expiry - app.kw().now();

    app.clock.advance_secs(lifetime - 86_400 + 60);
    // The background scheduler may get there first: either writes it once.
    app.kw().notifications().scan_expiry().await.unwrap();
    assert_eq!(app.kw().notifications().scan_expiry().await.unwrap(), 0);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type, "key.renewed");
    assert_eq!(got[0].body["data"]["previous_expires_at"], first_expiry);
    assert_eq!(got[0].body["data"]["credential"]["expires_at"], first_expiry + lifetime);
    let key: Value = api
        .get(&format!("/v1/keys/{}", created["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(key["expires_at"], first_expiry + lifetime);

    // Past the first expiry, the same secret still works.
    app.clock.advance_secs(2 * 86_400);
    let verdict = api.verify(json!({ "key": secret })).await;
    assert_eq!(verdict["code"], "VALID", "{verdict}");
    app.kw().notifications().scan_expiry().await.unwrap();
    settle(&app).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "one key.renewed, and no expiring notice for a renewing key"
    );
}

#[tokio::test]
async fn rate_limit_refusals_are_announced_at_most_once_per_credential_and_hour() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, &receiver, &["ratelimit.exceeded"]).await;
    let (id, key) = app
        .key(json!({ "name": "greedy", "rate_limit": { "limited": { "limit": 1, "window_seconds": 60, "burst": 1 } } }))
        .await;
    let verify = |app: &TestApp| {
        let api = app.api(&key);
        let key = key.clone();
        async move {
            api.verify(json!({ "key": key })).await["code"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(verify(&app).await, "VALID");
    for _ in 0..3 {
        assert_eq!(verify(&app).await, "RATE_LIMITED");
    }
    app.kw().usage().flush().await.unwrap();
    for _ in 0..3 {
        assert_eq!(verify(&app).await, "RATE_LIMITED");
    }
    app.kw().usage().flush().await.unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type, "ratelimit.exceeded");
    assert_eq!(got[0].body["data"]["credential"]["id"], id.as_str());
    settle(&app).await;
    assert_eq!(receiver.received().len(), 1, "once in the hour");

    app.clock.advance_secs(3_600);
    assert_eq!(verify(&app).await, "VALID");
    assert_eq!(verify(&app).await, "RATE_LIMITED");
    app.kw().usage().flush().await.unwrap();
    receiver.wait_for(2).await;
}

#[tokio::test]
async fn endpoints_are_validated_scoped_to_admins_and_deletable() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for (body, field) in [
        (
            json!({ "account": "default", "url": "ftp://x", "events": ["key.created"] }),
            "url",
        ),
        (
            json!({ "account": "default", "url": "https://x.example", "events": [] }),
            "events",
        ),
        (
            json!({ "account": "default", "url": "https://x.example", "events": ["key.exploded"] }),
            "events",
        ),
        (
            json!({ "account": "nope", "url": "https://x.example", "events": ["key.created"] }),
            "account",
        ),
    ] {
        let res = api.post("/v1/webhooks", body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
    }
    let reader = app.management_key_for_reading().await;
    let res = reader
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": "https://x.example", "events": ["key.created"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let receiver = Receiver::start().await;
    let (webhook, _) = endpoint(&app, &receiver, &["key.created"]).await;
    // Something is waiting for a retry when the endpoint goes.
    receiver.script(&[Answer::Status(500)]);
    app.key(json!({ "name": "queued" })).await;
    receiver.wait_for(1).await;
    assert_eq!(
        api.delete(&format!("/v1/webhooks/{webhook}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.delete(&format!("/v1/webhooks/{webhook}")).await.status(),
        StatusCode::NOT_FOUND
    );
    app.key(json!({ "name": "unheard" })).await;
    app.clock.advance_secs(60);
    settle(&app).await;
    assert_eq!(receiver.received().len(), 1, "a deleted endpoint gets nothing more");
}

#[tokio::test]
async fn a_signing_key_rotation_reaches_every_subscribed_endpoint() {
    let app = spawn_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, &receiver, &["signing_key.rotated"]).await;
    let rotated = app
        .kw()
        .oauth()
        .rotate_signing_key(&Caller::System("test"), keyward::crypto::jwt::JwtAlgorithm::EdDSA)
        .await
        .unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type, "signing_key.rotated");
    assert!(got[0].signature_ok);
    assert_eq!(got[0].body["data"]["kid"], rotated.kid.as_str());
    assert_eq!(got[0].body["account"], Value::Null, "an install-wide event");
}

#[tokio::test]
async fn the_smtp_password_is_sealed_at_rest_and_never_read_back() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    let input = json!({ "input": {
        "host": "smtp.example.com", "port": 587, "security": "starttls",
        "username": "keyward", "password": "smtp-Password-at-rest", "from": "Keyward <keyward@example.com>"
    }});
    let res = admin.json("/api/settings/save_smtp", input.clone()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved = res.text().await.unwrap();
    assert!(
        saved.contains(r#""password_set":true"#) && !saved.contains("smtp-Password"),
        "{saved}"
    );
    let read = admin.json("/api/settings/smtp", json!({})).await.text().await.unwrap();
    assert!(!read.contains("smtp-Password"), "{read}");

    // A bad sender is refused with the field named; a viewer cannot change it.
    let mut bad = input.clone();
    bad["input"]["from"] = json!("not an address");
    let res = admin.json("/api/settings/save_smtp", bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", true, vec![]).await;
    assert_eq!(
        viewer.json("/api/settings/save_smtp", input).await.status(),
        StatusCode::FORBIDDEN
    );

    app.stop().await;
    for file in std::fs::read_dir(app.dir.path().join("data")).unwrap() {
        // SQLite may remove its -shm file as the last connection closes.
        let Ok(bytes) = std::fs::read(file.unwrap().path()) else {
            continue;
        };
        assert!(
            !bytes.windows(13).any(|w| w == b"smtp-Password"),
            "the SMTP password is stored in clear"
        );
    }
}

#[tokio::test]
async fn endpoints_are_seen_only_within_reach_and_readers_get_the_url_without_its_path() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut ids = Vec::new();
    for name in ["acme", "globex"] {
        let res = admin
            .json("/api/accounts/create", json!({ "name": name, "plan": "starter" }))
            .await;
        ids.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let res = admin
        .json(
            "/api/webhooks/create",
            json!({ "input": { "account": "globex", "url": "https://hooks.example.com/services/T0/B0/s3cr3t", "events": ["key.created"] } }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let test: Value = admin
        .json("/api/webhooks/test", json!({ "id": id }))
        .await
        .json()
        .await
        .unwrap();
    let delivery = test["id"].as_i64().unwrap();

    // An Account Viewer of acme: globex's endpoint does not exist for them.
    let outsider = app
        .user(&admin, "av@example.com", "account_viewer", false, vec![ids[0]])
        .await;
    let list: Value = outsider
        .json("/api/webhooks/list", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    for (path, body) in [
        ("/api/webhooks/get", json!({ "id": id })),
        ("/api/webhooks/deliveries", json!({ "id": id })),
        ("/api/webhooks/test", json!({ "id": id })),
        ("/api/webhooks/replay", json!({ "id": id, "delivery": delivery })),
        ("/api/webhooks/delete", json!({ "id": id })),
    ] {
        assert_eq!(
            outsider.json(path, body).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    // A Global Viewer sees it, with the URL cut to its host, and changes nothing.
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", true, vec![]).await;
    let list = viewer.json("/api/webhooks/list", json!({})).await.text().await.unwrap();
    assert!(list.contains(r#""url":"https://hooks.example.com/…""#), "{list}");
    let log = viewer
        .json("/api/webhooks/deliveries", json!({ "id": id }))
        .await
        .text()
        .await
        .unwrap();
    assert!(!log.contains("s3cr3t"), "{log}");
    assert_eq!(
        viewer
            .json("/api/webhooks/replay", json!({ "id": id, "delivery": delivery }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let audit = viewer
        .json("/api/audit/list", json!({ "filter": {} }))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("webhook.created") && !audit.contains("s3cr3t"),
        "{audit}"
    );
    // The admin sees the whole URL.
    let full = admin.json("/api/webhooks/list", json!({})).await.text().await.unwrap();
    assert!(full.contains("s3cr3t"));
}

#[tokio::test]
async fn a_new_smtp_server_needs_the_password_again() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let settings = |host: &str, password: Option<&str>| {
        json!({ "input": {
            "host": host, "port": 587, "security": "starttls",
            "username": "keyward", "password": password, "from": "keyward@example.com"
        }})
    };
    let save = |body| admin.json("/api/settings/save_smtp", body);
    assert_eq!(
        save(settings("smtp.example.com", Some("pw-1"))).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        save(settings("smtp.example.com", None)).await.status(),
        StatusCode::OK,
        "same server: kept"
    );
    let res = save(settings("smtp.attacker.example", None)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "password");
    assert_eq!(
        save(settings("smtp.other.example", Some("pw-2"))).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_test_email_reaches_a_real_smtp_server() {
    let app = spawn_app().await;
    let sink = SmtpSink::start().await;
    let admin = app.admin().await;
    let res = admin
        .json("/api/settings/test_email", json!({ "to": "ops@example.com" }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing configured yet");
    use_smtp(&app, &sink).await;
    let res = admin
        .json("/api/settings/test_email", json!({ "to": "ops@example.com" }))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0].to, ["ops@example.com"]);
    assert_eq!(mail[0].subject, "[Keyward] Test e-mail");
    assert!(mail[0].html.is_some() && mail[0].text.is_some(), "plain text and HTML");
    let res = admin
        .json("/api/settings/test_email", json!({ "to": "not-an-address" }))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_claimed_delivery_is_sent_by_one_process_only() {
    let mut app = spawn_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, &receiver, &["key.created"]).await;
    // A second process on the same data directory, without its own worker.
    let other = keyward::service::Keyward::open(
        crate::helpers::config_for(&app.dir),
        std::sync::Arc::new(app.clock.clone()),
    )
    .await
    .unwrap();
    receiver.script(&[Answer::Hang]);
    app.key(json!({ "name": "contested" })).await;
    receiver.wait_for(1).await;
    assert!(
        other.notifications().claim_due(32).await.unwrap().is_empty(),
        "in flight at the server: not due for anyone else"
    );

    // Once the server is gone and the retry is due, one claim takes it.
    app.stop().await;
    app.clock.advance_secs(60);
    let mut claimed = other.notifications().claim_due(32).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        other.notifications().claim_due(32).await.unwrap().is_empty(),
        "leased to the first claim"
    );
    assert!(other.notifications().deliver(claimed.remove(0)).await.unwrap());
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].event_id, got[0].event_id);
    assert_eq!(other.notifications().outbox_pending().await.unwrap(), 0);
}
