//! What notifications may reach: webhooks stay out of loopback, private,
//! link-local and metadata addresses unless the operator allows them, and the
//! SMTP password never follows a switch to a plain connection.

use crate::helpers::{Api, Session, spawn_app, spawn_app_with};
use crate::peers::{Receiver, SmtpSink};
use keyward::domain::Cidr;
use reqwest::StatusCode;
use serde_json::{Value, json};

const NOT_ALLOWED: &str = "destination address is not allowed";

/// Creates an endpoint for `key.revoked`, which these tests never cause, so
/// it gets only the test events they send; returns its id.
async fn create(api: &Api, url: &str) -> String {
    let res = api
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": url, "events": ["key.revoked"] }),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{url}: {}",
        res.text().await.unwrap()
    );
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// Sends a test event to `webhook` and waits for its first attempt.
async fn test_event(api: &Api, webhook: &str) -> Value {
    let res = api.post(&format!("/v1/webhooks/{webhook}/test"), json!({})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let id = res.json::<Value>().await.unwrap()["id"].clone();
    for _ in 0..100 {
        let log: Vec<Value> = api
            .get(&format!("/v1/webhooks/{webhook}/deliveries"))
            .await
            .json()
            .await
            .unwrap();
        if let Some(d) = log.into_iter().find(|d| d["id"] == id && d["attempts"] != 0) {
            return d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the test event to {webhook} was never attempted");
}

/// An address on loopback where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn webhooks_to_link_local_and_metadata_addresses_are_refused_at_creation() {
    let app = spawn_app_with(|c| c.webhook_allowed_cidrs.clear()).await;
    let api = app.management_key().await;
    let admin = app.admin().await;
    for url in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::169.254.169.254]/",
        "http://2852039166/",
        "http://100.100.100.200/latest/meta-data/",
        "http://10.0.0.1/hooks",
        "http://192.168.1.1/",
        "http://127.0.0.1:3000/v1/keys",
        "http://127.1:6379/",
        "http://0.0.0.0:22/",
        "http://[::1]:6379/",
        "http://[fe80::1]/",
        "http://localhost:9200/",
    ] {
        let res = api
            .post(
                "/v1/webhooks",
                json!({ "account": "default", "url": url, "events": ["key.created"] }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(
            (&problem["code"], &problem["field"]),
            (&json!("VALIDATION_FAILED"), &json!("url")),
            "{url}: {problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains("--webhook-allowed-cidrs"),
            "{problem}"
        );
        // The console's server function is the same door.
        let res = admin
            .json(
                "/api/webhooks/create",
                json!({ "input": { "account": "default", "url": url, "events": ["key.created"] } }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(res.json::<Value>().await.unwrap()["Invalid"]["field"], "url", "{url}");
    }
    assert_eq!(api.get("/v1/webhooks").await.json::<Value>().await.unwrap(), json!([]));
    // A public name is checked when it is resolved, at delivery.
    create(&api, "https://hooks.example.com/keyward").await;

    // The operator's allow-list opens its own network, and nothing else.
    let app = spawn_app_with(|c| c.webhook_allowed_cidrs = vec![Cidr::parse("10.0.0.0/8").unwrap()]).await;
    let api = app.management_key().await;
    create(&api, "http://10.0.0.1/hooks").await;
    for url in [
        "http://169.254.169.254/",
        "http://127.0.0.1:9000/",
        "http://[fd00:ec2::254]/",
    ] {
        let res = api
            .post(
                "/v1/webhooks",
                json!({ "account": "default", "url": url, "events": ["key.created"] }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
    }
}

#[tokio::test]
async fn a_hostname_resolving_to_loopback_is_refused_at_delivery_unless_allowed() {
    // Created while loopback was allowed; then the operator removes that.
    let mut app = spawn_app().await;
    let receiver = Receiver::start().await;
    let url = receiver.url.replace("127.0.0.1", "localhost");
    assert!(url.starts_with("http://localhost:"), "{url}");
    let key = app.management_key().await.secret;
    let webhook = create(&app.api(&key), &url).await;

    app.restart_with(|c| c.webhook_allowed_cidrs.clear()).await;
    let attempt = test_event(&app.api(&key), &webhook).await;
    assert_eq!(attempt["status"], "pending", "{attempt}");
    assert_eq!(attempt["last_status"], Value::Null, "{attempt}");
    assert_eq!(attempt["last_error"], NOT_ALLOWED, "{attempt}");
    assert!(receiver.received().is_empty(), "the receiver got a request");

    // Allowed again, the retry of the same delivery goes through.
    app.restart().await;
    app.clock.advance_secs(60);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].event_type, "webhook.test");
    let api = app.api(&key);
    for _ in 0..100 {
        let log: Vec<Value> = api
            .get(&format!("/v1/webhooks/{webhook}/deliveries"))
            .await
            .json()
            .await
            .unwrap();
        if log[0]["status"] == "delivered" {
            assert_eq!((log.len(), &log[0]["attempts"]), (1, &json!(2)), "{log:?}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the retry was not delivered");
}

#[tokio::test]
async fn send_test_event_does_not_reveal_whether_an_internal_port_is_open() {
    // Endpoints made while the operator allowed these networks; then not.
    let mut app = spawn_app_with(|c| c.webhook_allowed_cidrs.push(Cidr::parse("10.0.0.0/8").unwrap())).await;
    let receiver = Receiver::start().await;
    let key = app.management_key().await.secret;
    let api = app.api(&key);
    let open = create(&api, &receiver.url).await;
    let closed = create(&api, &format!("http://127.0.0.1:{}/hooks", closed_port())).await;
    // Nothing answers there: a connection would hang until the timeout.
    let silent = create(&api, "http://10.255.255.1:8080/hooks").await;
    app.restart_with(|c| c.webhook_allowed_cidrs.clear()).await;

    let api = app.api(&key);
    let mut seen = Vec::new();
    for webhook in [&open, &closed, &silent] {
        let d = test_event(&api, webhook).await;
        seen.push((d["status"].clone(), d["last_status"].clone(), d["last_error"].clone()));
    }
    let expected = (json!("pending"), Value::Null, json!(NOT_ALLOWED));
    assert!(seen.iter().all(|s| *s == expected), "{seen:?}");
    assert!(receiver.received().is_empty(), "the open port got a request");
}

/// Saves SMTP settings for the sink through the console, as an admin does.
async fn save_smtp(admin: &Session, port: u16, security: &str, password: Option<&str>) {
    let res = admin
        .json(
            "/api/settings/save_smtp",
            json!({ "input": {
                "host": "127.0.0.1", "port": port, "security": security,
                "username": "keyward", "password": password, "from": "keyward@example.com"
            }}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
}

/// Whether the console says a password is stored.
async fn password_set(admin: &Session) -> bool {
    let settings: Value = admin.json("/api/settings/smtp", json!({})).await.json().await.unwrap();
    settings["password_set"].as_bool().unwrap()
}

/// "Send test e-mail", which must succeed.
async fn send_test_email(admin: &Session) {
    let res = admin
        .json("/api/settings/test_email", json!({ "to": "ops@example.com" }))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn switching_smtp_to_no_encryption_drops_the_stored_password() {
    let app = spawn_app().await;
    // A server that offers AUTH on a plain connection and records what it gets.
    let sink = SmtpSink::start().await;
    let admin = app.admin().await;
    save_smtp(&admin, sink.port, "starttls", Some("Stored-for-TLS-only")).await;
    assert!(password_set(&admin).await);

    // Same host, port and user, encryption off, no password typed: dropped.
    save_smtp(&admin, sink.port, "none", None).await;
    send_test_email(&admin).await;
    sink.wait_for(1).await;
    assert_eq!(sink.logins(), [], "the stored password was sent in clear");
    assert!(
        !password_set(&admin).await,
        "the stored password survived the downgrade"
    );

    // Typed again with the change: the admin's explicit choice, and it works.
    save_smtp(&admin, sink.port, "none", Some("typed-for-plain")).await;
    assert!(password_set(&admin).await);
    // Saved again without a password: no downgrade this time, so it is kept.
    save_smtp(&admin, sink.port, "none", None).await;
    send_test_email(&admin).await;
    sink.wait_for(2).await;
    let logins = sink.logins();
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(
        (logins[0].user.as_str(), logins[0].password.as_str()),
        ("keyward", "typed-for-plain")
    );
    assert!(logins.iter().all(|l| l.password != "Stored-for-TLS-only"));
}
