//! Three instances on one PostgreSQL database send each webhook event and
//! each expiry notice once, and rotate each credential that is due once: the
//! schedulers run on the lease holder, and deliveries are claimed with
//! `FOR UPDATE SKIP LOCKED`.

use crate::binary::Binary;
use crate::cluster::{admin_key, on};
use crate::helpers::Api;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_deliver_each_notice_once() {
    use crate::peers::Receiver;
    use std::collections::HashMap;
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = admin_key(&data, &url).await;
    let receiver = Receiver::start().await;

    // Before the cluster, on a clock 29½ days back: an endpoint, and 30-day
    // keys, which are then half a day from expiry (due their 1-day notice).
    let mut config = crate::helpers::config_for(&dir);
    config.database_url = Some(keyward::store::DatabaseUrl(url.clone()));
    let past = keyward::clock::ManualClock::starting_now();
    past.advance_secs(-(29 * 86_400 + 43_200));
    let first = keyward_server::start(config, "127.0.0.1:0".parse().unwrap(), std::sync::Arc::new(past))
        .await
        .unwrap();
    let api = Api {
        client: reqwest::Client::new(),
        base: first.base_url(),
        secret: admin.clone(),
    };
    let res = api
        .post(
            "/v1/webhooks",
            json!({ "account": "default", "url": receiver.url, "events": ["key.created", "key.revoked", "key.expiring", "key.rotated"] }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    receiver.set_secret(res.json::<Value>().await.unwrap()["secret"].as_str().unwrap());
    const EXPIRING: usize = 12;
    for i in 0..EXPIRING {
        api.create(json!({ "name": format!("soon{i}"), "expires": "custom:30" }))
            .await;
    }
    // And keys rotating daily by themselves, long overdue when the cluster starts.
    const ROTATING: usize = 8;
    let holder = crate::jwe_peer::Holder::generate("P-256", None);
    let policy = json!({ "every": "1d", "delivery": "encrypted", "grace_seconds": 600, "holder_key": serde_json::to_value(&holder.public).unwrap() });
    for i in 0..ROTATING {
        api.create(json!({ "name": format!("rotating{i}"), "expires": "1y", "rotation": policy }))
            .await;
    }
    first.shutdown().await;

    // Three instances start together: each would scan at once, one holds the
    // scheduler's lease; all three claim deliveries while keys are created
    // and revoked through each.
    let servers = join_all((0..3).map(|_| Binary::start_on(&data, Some(&url)))).await;
    let apis: Vec<Api> = servers.iter().map(|s| on(s, &admin)).collect();
    const CHURN: usize = 30;
    join_all((0..CHURN).map(|i| {
        let api = &apis[i % 3];
        async move {
            let k = api.create(json!({ "name": format!("churn{i}") })).await;
            if i % 2 == 0 {
                assert!(
                    api.delete(&format!("/v1/keys/{}", k["id"].as_str().unwrap()))
                        .await
                        .status()
                        .is_success()
                );
            }
        }
    }))
    .await;

    let expected = EXPIRING + ROTATING + CHURN + CHURN / 2 + EXPIRING + ROTATING;
    receiver.wait_for(expected).await;
    // Anything sent twice would arrive within the next attempts.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = receiver.received();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for r in &got {
        assert!(r.signature_ok);
        *by_id.entry(r.event_id.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    let count = |t: &str| got.iter().filter(|r| r.event_type == t).count();
    assert_eq!(count("key.created"), EXPIRING + ROTATING + CHURN);
    let mut rotated: Vec<&str> = got
        .iter()
        .filter(|r| r.event_type == "key.rotated")
        .map(|r| r.body["data"]["credential"]["name"].as_str().unwrap())
        .collect();
    rotated.sort_unstable();
    rotated.dedup();
    assert_eq!(rotated.len(), ROTATING, "each due key rotated once, by one instance");
    assert_eq!(count("key.rotated"), ROTATING);
    assert_eq!(count("key.revoked"), CHURN / 2);
    assert_eq!(count("key.expiring"), EXPIRING, "one notice per key, from one instance");
    eprintln!("3 instances delivered {} events, each once", got.len());
    for s in servers {
        s.terminate(Duration::from_secs(10)).await;
    }
}
