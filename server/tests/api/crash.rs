//! Durability: `kill -9` in the middle of 1,000 concurrent creates loses no
//! answered credential and leaves no half-written row.

use crate::binary::{Binary, cli_key};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_concurrent_creates_loses_no_answered_credential() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = cli_key(&data, "loader", "keys:write").await;

    let server = Binary::start(&data).await;
    let base = server.base.clone();
    let answered: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (answered, next, base, admin) = (answered.clone(), next.clone(), base.clone(), admin.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= 1000 {
                    return;
                }
                let name = format!("crash-{i:04}");
                let res = http
                    .post(format!("{base}/v1/keys"))
                    .bearer_auth(&admin)
                    .json(&json!({ "name": name }))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == StatusCode::CREATED => {
                        if let Ok(body) = r.json::<Value>().await {
                            answered
                                .lock()
                                .unwrap()
                                .insert(name, body["secret"].as_str().unwrap().to_owned());
                        }
                    }
                    _ => return,
                }
            }
        }));
    }
    // Let a good share of the creates land, then pull the plug.
    while answered.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill_9().await;
    for c in clients {
        c.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 300 && answered.len() < 1000,
        "{} answered",
        answered.len()
    );

    // No half-written row: every credential has exactly one current secret,
    // every secret a credential, and the file is intact.
    let store = crate::pg::store_for(&data).await;
    let pool = store.pool();
    if store.engine() == keyward::store::Engine::Sqlite {
        let integrity: (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(pool).await.unwrap();
        assert_eq!(integrity.0, "ok");
    }
    let orphans: (i64,) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM credentials c WHERE (SELECT count(*) FROM credential_secrets s WHERE s.credential_id = c.id AND s.retires_at IS NULL) <> 1)
              + (SELECT count(*) FROM credential_secrets s WHERE NOT EXISTS (SELECT 1 FROM credentials c WHERE c.id = s.credential_id))
              + (SELECT count(*) FROM credentials c WHERE NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.target = 'key:' || c.public_id))",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(orphans.0, 0, "half-written rows");
    let stored: (i64,) = sqlx::query_as("SELECT count(*) FROM credentials WHERE name LIKE 'crash-%'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(stored.0 as usize >= answered.len());
    store.close().await;

    // After a restart, every answered credential verifies.
    let server = Binary::start(&data).await;
    let base = &server.base;
    let http = reqwest::Client::new();
    for (name, secret) in &answered {
        let v: Value = http
            .post(format!("{base}/v1/keys/verify"))
            .json(&json!({ "key": secret }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["code"], "VALID", "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_between_an_events_write_and_its_delivery_still_delivers_after_the_restart() {
    use crate::peers::{Answer, Receiver};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = cli_key(&data, "admin", "keys:read,keys:write,admin:read,admin:write").await;
    let receiver = Receiver::start().await;
    // The first request is held unanswered: Keyward dies mid-delivery.
    receiver.script(&[Answer::Hang]);

    let server = Binary::start(&data).await;
    let base = server.base.clone();
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{base}/v1/webhooks"))
        .bearer_auth(&admin)
        .json(&json!({ "account": "default", "url": receiver.url, "events": ["key.created"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    receiver.set_secret(created["secret"].as_str().unwrap());
    let webhook = created["id"].as_str().unwrap().to_owned();
    let res = http
        .post(format!("{base}/v1/keys"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "announced" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let first = receiver.wait_for(1).await;
    server.kill_9().await;

    let server = Binary::start(&data).await;
    let base = &server.base;
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].event_id, first[0].event_id, "the same event, redelivered");
    assert!(got[1].signature_ok);
    assert_eq!(got[1].body["data"]["credential"]["name"], "announced");
    let mut status = Value::Null;
    for _ in 0..50 {
        let log: Value = http
            .get(format!("{base}/v1/webhooks/{webhook}/deliveries"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status = log[0]["status"].clone();
        if status == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "delivered");
}
