//! Several instances on one PostgreSQL database, as a platform team runs
//! them behind a load balancer: what one instance does, the others honour
//! within a second; a rate limit holds across them; one can die under load
//! without losing an acknowledged write; and notices go out once.

use crate::binary::{Binary, cli_key_on};
use crate::helpers::Api;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the issue promises for a change made anywhere.
const WITHIN: Duration = Duration::from_secs(1);

/// An unlimited Global Admin key made by the CLI on the PostgreSQL database.
pub async fn admin_key(data: &Path, url: &str) -> String {
    let scopes = "keys:read,keys:write,admin:read,admin:write,compute:read";
    cli_key_on(data, Some(url), "admin", scopes, &["--roles", "global_admin"]).await
}

pub fn on(server: &Binary, secret: &str) -> Api {
    Api {
        client: reqwest::Client::new(),
        base: server.base.clone(),
        secret: secret.to_owned(),
    }
}

async fn valid_on(api: &Api, key: &str) -> bool {
    api.verify(json!({ "key": key })).await["valid"] == json!(true)
}

/// Polls until `key` has the validity `want` on every one of `apis`;
/// answers how long that took, failing past the promise.
async fn until_everywhere(what: &str, apis: &[&Api], key: &str, want: bool) -> Duration {
    let start = Instant::now();
    loop {
        let mut all = true;
        for api in apis {
            all &= valid_on(api, key).await == want;
        }
        if all {
            let took = start.elapsed();
            assert!(took < WITHIN, "{what} took {took:?}");
            return took;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{what} never happened");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_keys_changes_and_one_rate_limit() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = admin_key(&data, &url).await;
    let servers = join_all((0..3).map(|_| Binary::start_on(&data, Some(&url)))).await;
    let apis: Vec<Api> = servers.iter().map(|s| on(s, &admin)).collect();
    let (a, others) = (&apis[0], [&apis[1], &apis[2]]);
    // The tenant whose switch is thrown (the admin key lives in `default`).
    assert_eq!(
        a.post("/v1/accounts", json!({ "name": "tenant" })).await.status(),
        StatusCode::CREATED
    );

    // A key created on one instance verifies on the others at once (their
    // index misses and reads the database).
    let created = a
        .create(json!({ "name": "svc", "account": "tenant", "scopes": ["compute:read"] }))
        .await;
    let secret = created["secret"].as_str().unwrap();
    for api in others {
        assert!(valid_on(api, secret).await, "another instance finds a key A created");
    }

    // Revocations, rotations and the account switch, each made on one
    // instance and timed until every other one honours it.
    let mut took = Vec::new();
    for round in 0..10 {
        let made_on = &apis[round % 3];
        let watchers: Vec<&Api> = apis.iter().filter(|x| !std::ptr::eq(*x, made_on)).collect();
        let key = made_on
            .create(json!({ "name": format!("r{round}"), "scopes": ["compute:read"] }))
            .await;
        let (id, old) = (
            key["id"].as_str().unwrap().to_owned(),
            key["secret"].as_str().unwrap().to_owned(),
        );
        for w in &watchers {
            assert!(valid_on(w, &old).await);
        }
        let rotated: Value = made_on
            .post(&format!("/v1/keys/{id}/rotate"), json!({ "grace_period_seconds": 0 }))
            .await
            .json()
            .await
            .unwrap();
        took.push(until_everywhere("a rotation ended the old secret", &watchers, &old, false).await);
        let new = rotated["secret"].as_str().unwrap();
        assert!(valid_on(watchers[0], new).await, "the new secret works at once");
        assert!(made_on.delete(&format!("/v1/keys/{id}")).await.status().is_success());
        took.push(until_everywhere("a revocation", &watchers, new, false).await);
    }
    let switch = |on: bool| json!({ "api_enabled": on });
    assert!(
        apis[2]
            .patch("/v1/accounts/tenant", switch(false))
            .await
            .status()
            .is_success()
    );
    took.push(until_everywhere("the account switched off", &[&apis[0], &apis[1]], secret, false).await);
    assert!(
        apis[1]
            .patch("/v1/accounts/tenant", switch(true))
            .await
            .status()
            .is_success()
    );
    took.push(until_everywhere("the account switched on", &[&apis[0], &apis[2]], secret, true).await);
    took.sort();
    let pct = |p: f64| ms(took[((took.len() - 1) as f64 * p).round() as usize]);
    eprintln!(
        "change propagation across 3 instances on PostgreSQL: {} changes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        took.len(),
        pct(0.5),
        pct(0.99),
        ms(*took.last().unwrap())
    );

    // One limit of 100 per minute (burst 100) across the three: 300 calls at
    // once, a hundred on each instance.
    let limited = a
        .create(json!({ "name": "metered", "rate_limit": { "limited": { "limit": 100, "window_seconds": 60, "burst": 100 } } }))
        .await;
    let metered = limited["secret"].as_str().unwrap();
    let calls = (0..300).map(|i| {
        let api = &apis[i % 3];
        async move { valid_on(api, metered).await }
    });
    let admitted = join_all(calls).await.into_iter().filter(|ok| *ok).count();
    eprintln!("rate limit 100/min across 3 instances: {admitted} of 300 parallel calls admitted");
    assert!((90..=120).contains(&admitted), "{admitted} admitted");
    // And the budget stays spent for a fourth wave on any instance.
    let again = join_all((0..30).map(|i| valid_on(&apis[i % 3], metered))).await;
    assert!(again.iter().filter(|ok| **ok).count() <= 3, "{again:?}");

    for s in servers {
        s.terminate(Duration::from_secs(10)).await;
    }
}

/// What a client knows after one create and a follow-up that the kill may
/// have cut off.
enum Known {
    /// The key was acknowledged, and its current secret is this one.
    Live(String),
    /// Its revocation was acknowledged.
    Revoked(String),
    /// The create was acknowledged but the follow-up got no answer: it may or
    /// may not have happened, so only the key's existence is certain.
    InDoubt(String),
}

/// One client's creates, each followed by nothing, a rotation or a
/// revocation in turn, until the instance stops answering.
async fn churn(api: Api, worker: usize, created: Arc<AtomicUsize>) -> Vec<Known> {
    let mut known = Vec::new();
    for i in 0.. {
        let Ok(res) = api
            .client
            .post(format!("{}/v1/keys", api.base))
            .bearer_auth(&api.secret)
            .json(&json!({ "name": format!("w{worker}-{i}"), "scopes": ["compute:read"] }))
            .send()
            .await
        else {
            break;
        };
        if res.status() != StatusCode::CREATED {
            break;
        }
        let Ok(key) = res.json::<Value>().await else { break };
        created.fetch_add(1, Ordering::Relaxed);
        let id = key["id"].as_str().unwrap().to_owned();
        let secret = key["secret"].as_str().unwrap().to_owned();
        let follow_up = match i % 3 {
            1 => api
                .client
                .post(format!("{}/v1/keys/{id}/rotate", api.base))
                .bearer_auth(&api.secret)
                .json(&json!({ "grace_period_seconds": 0 })),
            2 => api
                .client
                .delete(format!("{}/v1/keys/{id}", api.base))
                .bearer_auth(&api.secret),
            _ => {
                known.push(Known::Live(secret));
                continue;
            }
        };
        let answered = match follow_up.send().await {
            Ok(r) if r.status().is_success() => r.bytes().await.ok(),
            _ => None,
        };
        match (i % 3, answered) {
            (1, Some(body)) => {
                let body: Value = serde_json::from_slice(&body).unwrap();
                known.push(Known::Live(body["secret"].as_str().unwrap().to_owned()));
            }
            (_, Some(_)) => known.push(Known::Revoked(secret)),
            (_, None) => {
                known.push(Known::InDoubt(id));
                break;
            }
        }
    }
    known
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_under_load_loses_no_acknowledged_write() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = admin_key(&data, &url).await;
    let mut servers = join_all((0..3).map(|_| Binary::start_on(&data, Some(&url)))).await;
    let victim = servers.remove(0);
    let survivors: Vec<Api> = servers.iter().map(|s| on(s, &admin)).collect();

    // Six clients write through the victim while a seventh keeps asking the
    // survivors; the victim is killed mid-load.
    let created = Arc::new(AtomicUsize::new(0));
    let load = tokio::spawn(join_all((0..6).map({
        let (api, created) = (on(&victim, &admin), created.clone());
        move |w| churn(api.clone(), w, created.clone())
    })));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = tokio::spawn({
        let (survivors, stop, admin) = (survivors.clone(), stop.clone(), admin.clone());
        async move {
            let (mut asked, mut failed) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                for api in &survivors {
                    asked += 1;
                    let ok = api
                        .client
                        .post(format!("{}/v1/keys/verify", api.base))
                        .json(&json!({ "key": admin }))
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == StatusCode::OK);
                    failed += usize::from(!ok);
                }
            }
            (asked, failed)
        }
    });
    // Mid-load: once a few dozen writes are acknowledged (a busy machine
    // takes longer to get there), at most 20 s in.
    let start = Instant::now();
    while created.load(Ordering::Relaxed) < 40 && start.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    victim.kill_9().await;
    let known: Vec<Known> = load.await.unwrap().into_iter().flatten().collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let (asked, failed) = probe.await.unwrap();
    assert!(known.len() > 20, "the load ran: {} writes", known.len());
    assert_eq!(
        failed, 0,
        "the survivors failed {failed} of {asked} requests during the kill"
    );

    // Every acknowledged write holds on both survivors.
    tokio::time::sleep(WITHIN).await;
    let (mut live, mut revoked, mut in_doubt) = (0, 0, 0);
    for k in &known {
        for api in &survivors {
            match k {
                Known::Live(secret) => assert!(valid_on(api, secret).await, "an acknowledged key was lost"),
                Known::Revoked(secret) => assert!(!valid_on(api, secret).await, "an acknowledged revocation was lost"),
                Known::InDoubt(id) => {
                    assert_eq!(
                        api.get(&format!("/v1/keys/{id}")).await.status(),
                        StatusCode::OK,
                        "an acknowledged key was lost"
                    );
                }
            }
        }
        match k {
            Known::Live(_) => live += 1,
            Known::Revoked(_) => revoked += 1,
            Known::InDoubt(_) => in_doubt += 1,
        }
    }
    eprintln!(
        "kill -9 under load: {} acknowledged writes ({live} live, {revoked} revoked, {in_doubt} cut off mid-change) hold on both survivors, which answered {asked} requests without a failure",
        known.len()
    );
    for s in servers {
        s.terminate(Duration::from_secs(10)).await;
    }
}
