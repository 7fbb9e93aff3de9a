//! Jobs that must run once run on one instance: the expiry scheduler (with
//! its auto-renewals) holds a lease in the database; another instance takes
//! over only when it lapses, and the fence keeps a stalled holder out.

use crate::helpers::{config_for, spawn_app};
use keyward::service::Keyward;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_holds_a_jobs_lease_until_it_lapses_and_the_next_holder_gets_a_higher_fence() {
    let app = spawn_app().await;
    let instances: Vec<Keyward> = four_instances(&app).await;

    // Eight asks at once from four instances: one gets the lease.
    let mut asks = Vec::new();
    for kw in instances.iter().chain(instances.iter()) {
        let kw = kw.clone();
        asks.push(tokio::spawn(async move {
            kw.leases().hold("test-job", TTL).await.unwrap().map(|l| l.fence)
        }));
    }
    let mut fences = Vec::new();
    for ask in asks {
        fences.push(ask.await.unwrap());
    }
    let held: Vec<usize> = (0..4)
        .filter(|i| fences[*i].is_some() || fences[i + 4].is_some())
        .collect();
    assert_eq!(held.len(), 1, "{fences:?}");
    let holder = &instances[held[0]];
    let other = &instances[(held[0] + 1) % 4];
    let first = holder.leases().hold("test-job", TTL).await.unwrap().unwrap();
    assert_eq!(first.fence, 1, "renewing keeps the fence");

    app.clock.advance_secs(60);
    assert!(
        holder.leases().hold("test-job", TTL).await.unwrap().is_some(),
        "renewed"
    );
    app.clock.advance_secs(60);
    assert!(
        other.leases().hold("test-job", TTL).await.unwrap().is_none(),
        "the renewal moved the end on"
    );
    app.clock.advance_secs(TTL.as_secs() as i64);
    let second = other.leases().hold("test-job", TTL).await.unwrap().unwrap();
    assert_eq!(second.fence, 2, "a new holder, a new fence");
    assert!(holder.leases().hold("test-job", TTL).await.unwrap().is_none());
    for kw in &instances {
        kw.store().close().await;
    }
}

/// Three more `Keyward`s on the app's database and clock.
async fn four_instances(app: &crate::helpers::TestApp) -> Vec<Keyward> {
    let mut all = vec![app.kw()];
    for _ in 0..3 {
        all.push(
            Keyward::open(config_for(&app.dir), Arc::new(app.clock.clone()))
                .await
                .unwrap(),
        );
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_scheduler_writes_only_on_the_instance_holding_its_lease() {
    let mut app = spawn_app().await;
    let api = app.management_key().await;
    api.create(json!({ "name": "soon", "expires": "custom:8" })).await;
    let second = Keyward::open(config_for(&app.dir), Arc::new(app.clock.clone()))
        .await
        .unwrap();
    // A day later the 7-day notice is due. The server's instance holds the
    // scheduler's lease (renewed here at once, as its next pass would).
    app.clock.advance_secs(86_400 + 60);
    assert!(app.kw().leases().hold("expiry", TTL).await.unwrap().is_some());
    assert_eq!(
        second.notifications().scan_expiry().await.unwrap(),
        0,
        "not the holder: the due 7-day notice is left to the server"
    );
    assert!(second.leases().hold("expiry", TTL).await.unwrap().is_none());

    // The server stops; its lease lapses; the second instance takes over and
    // writes what is due, once.
    app.stop().await;
    app.clock.advance_secs(TTL.as_secs() as i64 + 1);
    second.notifications().scan_expiry().await.unwrap();
    assert!(second.leases().hold("expiry", TTL).await.unwrap().is_some());
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE type = 'key.expiring'")
        .fetch_one(second.store().pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
    second.store().close().await;
}
