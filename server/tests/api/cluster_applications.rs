//! Applications across instances on one PostgreSQL database: a signed
//! request verifies on an instance that never saw the application, a replay
//! sent to another instance is still refused, and a consumer key revoked on
//! one instance is refused by the other within a second.

use crate::binary::Binary;
use crate::cluster::{admin_key, on};
use futures::future::join_all;
use keyward::crypto::request_signature::{SignedParts, sign};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn signed(ak: &str, secret: &str, ck: &str, path: &str) -> Value {
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let url = format!("https://api.example.com/1.0{path}");
    let signature = sign(
        secret,
        ck,
        &SignedParts {
            method: "GET",
            url: &url,
            body: b"",
            timestamp: &ts,
        },
    );
    json!({
        "method": "GET", "url": url, "body": "",
        "headers": { "X-Ovh-Application": ak, "X-Ovh-Consumer": ck, "X-Ovh-Timestamp": ts, "X-Ovh-Signature": signature },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signatures_consumer_keys_and_replays_hold_across_instances() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = admin_key(&data, &url).await;
    let servers = join_all((0..2).map(|_| Binary::start_on(&data, Some(&url)))).await;
    let (a, b) = (on(&servers[0], &admin), on(&servers[1], &admin));

    let created = a
        .create(json!({ "name": "partner", "kind": "application", "expires": "never",
                        "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let field = |k: &str| created[k].as_str().unwrap().to_owned();
    let (id, ak, secret, ck) = (field("id"), field("client_id"), field("secret"), field("consumer_key"));

    let first = signed(&ak, &secret, &ck, "/compute/vm-1");
    assert_eq!(b.verify(first.clone()).await["code"], "VALID", "B finds what A created");
    assert_eq!(
        a.verify(first).await["code"],
        "STALE_SIGNATURE",
        "a replay to the other instance is refused"
    );

    let keys: Value = b
        .get(&format!("/v1/keys/{id}/consumer-keys"))
        .await
        .json()
        .await
        .unwrap();
    let ck_id = keys[0]["id"].as_str().unwrap().to_owned();
    let res = a.delete(&format!("/v1/keys/{id}/consumer-keys/{ck_id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let start = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let answer = b.verify(signed(&ak, &secret, &ck, &format!("/compute/vm-{n}"))).await;
        if answer["code"] == "REVOKED" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "B still accepts: {answer}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
