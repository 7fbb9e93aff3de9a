//! Usage counts: every verify, auth and token call per credential, hour and
//! outcome, flushed in batches, exported by `/v1/usage`, kept across a
//! graceful restart, and rolled up into days after 90 days.

use crate::helpers::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn auth(app: &TestApp, key: &str, scopes: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(key)
        .header("x-required-scopes", scopes)
        .send()
        .await
        .unwrap()
        .status()
}

/// Totals by code over the buckets of `/v1/usage`.
async fn totals(app: &TestApp, query: &str) -> BTreeMap<String, i64> {
    let api = app.management_key_for_reading().await;
    let res = api.get(&format!("/v1/usage?{query}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let mut out = BTreeMap::new();
    for b in body["buckets"].as_array().unwrap() {
        *out.entry(b["code"].as_str().unwrap().to_owned()).or_default() += b["count"].as_i64().unwrap();
    }
    out
}

#[tokio::test]
async fn counts_match_the_calls_exactly_once_flushed_and_across_a_graceful_restart() {
    let mut app = spawn_app().await;
    let (id, key) = app
        .key(json!({ "name": "counted", "scopes": ["compute:read"], "rate_limit": { "limited": { "limit": 60, "window_seconds": 60, "burst": 5 } } }))
        .await;
    for _ in 0..7 {
        auth(&app, &key, "compute:read").await;
    }
    for _ in 0..2 {
        assert_eq!(auth(&app, &key, "billing:read").await, StatusCode::FORBIDDEN);
    }
    app.api(&key).verify(json!({ "key": key })).await;
    app.kw().flush_usage().await.unwrap();
    let expected: BTreeMap<String, i64> = [
        ("VALID".to_owned(), 5),
        ("RATE_LIMITED".to_owned(), 3),
        ("INSUFFICIENT_SCOPE".to_owned(), 2),
    ]
    .into();
    assert_eq!(totals(&app, &format!("key={id}")).await, expected);

    // Counted, not yet flushed, then a graceful stop: nothing is lost.
    app.clock.advance_secs(60);
    for _ in 0..4 {
        assert_eq!(auth(&app, &key, "compute:read").await, StatusCode::OK);
    }
    app.restart().await;
    let after = totals(&app, &format!("key={id}")).await;
    assert_eq!(after["VALID"], 9, "{after:?}");
    assert_eq!(totals(&app, &format!("key={id}&granularity=day")).await, after);
}

#[tokio::test]
async fn hours_older_than_90_days_are_rolled_up_into_days() {
    let app = spawn_app().await;
    let (id, key) = app.key(json!({ "name": "old", "rate_limit": "unlimited" })).await;
    let start = app.kw().now();
    for _ in 0..3 {
        auth(&app, &key, "").await;
    }
    app.clock.advance_secs(3 * 3600);
    auth(&app, &key, "").await;
    app.kw().flush_usage().await.unwrap();
    app.clock.advance_secs(92 * 86_400);
    assert!(app.kw().roll_up_usage().await.unwrap() >= 1);
    let range = format!("key={id}&from={}&to={}", start - 86_400, start + 2 * 86_400);
    assert!(
        totals(&app, &format!("{range}&granularity=hour")).await.is_empty(),
        "the hours are gone"
    );
    assert_eq!(
        totals(&app, &format!("{range}&granularity=day")).await["VALID"],
        4,
        "the days hold them"
    );
}

#[tokio::test]
async fn the_export_refuses_bad_ranges_and_unknown_keys() {
    let app = spawn_app().await;
    let (id, _) = app.key(json!({ "name": "ranged" })).await;
    let api = app.management_key_for_reading().await;
    assert_eq!(
        api.get(&format!("/v1/usage?key={id}&from=100&to=50")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        api.get(&format!("/v1/usage?key={id}&from=0&to=100000000"))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        api.get(&format!("/v1/usage?key={id}&granularity=minute"))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(api.get("/v1/usage?key=key_nope").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.get("/v1/usage").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
