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
    app.kw().usage().flush().await.unwrap();
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
    app.kw().usage().flush().await.unwrap();
    app.clock.advance_secs(92 * 86_400);
    assert!(app.kw().usage().roll_up().await.unwrap() >= 1);
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

/// The dashboard's traffic overview, as the console asks for it.
async fn traffic(session: &crate::helpers::Session, account: Option<&str>, days: i64) -> reqwest::Response {
    session
        .json("/api/usage/traffic", json!({ "account": account, "days": days }))
        .await
}

fn ids(list: &Value, path: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c.pointer(path).unwrap().as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_dashboard_ranks_credentials_and_refusals_and_names_stale_keys_per_visible_account() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut account_ids = Vec::new();
    for name in ["acme", "globex"] {
        let res = admin
            .json("/api/accounts/create", json!({ "name": name, "plan": "starter" }))
            .await;
        account_ids.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let (stale, _) = app
        .key(json!({ "name": "forgotten", "account": "acme", "expires": "never" }))
        .await;
    app.clock.advance_secs(31 * 86_400);
    // The first session has expired by now.
    let admin = app.session();
    admin
        .sign_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let (busy, busy_key) = app
        .key(json!({ "name": "busy", "account": "acme", "scopes": ["compute:read"], "rate_limit": "unlimited" }))
        .await;
    let (quiet, quiet_key) = app.key(json!({ "name": "quiet", "account": "globex" })).await;
    for _ in 0..5 {
        assert_eq!(auth(&app, &busy_key, "compute:read").await, StatusCode::OK);
    }
    for _ in 0..2 {
        assert_eq!(auth(&app, &busy_key, "billing:read").await, StatusCode::FORBIDDEN);
    }
    for _ in 0..2 {
        assert_eq!(auth(&app, &quiet_key, "").await, StatusCode::OK);
    }
    app.kw().usage().flush().await.unwrap();

    let res = traffic(&admin, None, 7).await;
    assert_eq!(res.status(), StatusCode::OK);
    let all: Value = res.json().await.unwrap();
    let sum = |o: &Value, code: &str| -> i64 {
        o["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["code"] == code)
            .map(|b| b["count"].as_i64().unwrap())
            .sum()
    };
    assert_eq!((sum(&all, "VALID"), sum(&all, "INSUFFICIENT_SCOPE")), (7, 2));
    assert_eq!(ids(&all["top"], "/credential/id"), [busy.clone(), quiet.clone()]);
    assert_eq!(
        (all["top"][0]["calls"].as_i64(), all["top"][0]["refused"].as_i64()),
        (Some(7), Some(2))
    );
    assert_eq!(all["refusals"], json!([{ "code": "INSUFFICIENT_SCOPE", "count": 2 }]));
    assert_eq!(ids(&all["unused"], "/id"), [stale]);
    assert_eq!(all["unused_count"], 1);

    let globex: Value = traffic(&admin, Some("globex"), 1).await.json().await.unwrap();
    assert_eq!(globex["granularity"], "hour");
    assert_eq!(ids(&globex["top"], "/credential/id"), [quiet.as_str()]);
    assert_eq!((sum(&globex, "VALID"), globex["unused_count"].as_i64()), (2, Some(0)));

    // An account viewer sees their accounts only, and nothing of the others.
    let viewer = app
        .user(&admin, "av@example.com", "account_viewer", false, vec![account_ids[0]])
        .await;
    let theirs: Value = traffic(&viewer, None, 30).await.json().await.unwrap();
    assert_eq!(ids(&theirs["top"], "/credential/id"), [busy.as_str()]);
    assert_eq!(sum(&theirs, "VALID"), 5);
    let res = traffic(&viewer, Some("globex"), 7).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(
        traffic(&admin, None, 0).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The server renders the section, chart included, before any WASM runs.
    let page = admin.get("/?account=acme&days=30").await.text().await.unwrap();
    assert!(page.contains("Requests · acme · 7 calls"), "{page}");
    assert!(page.contains(r#"data-testid="usage-chart""#));
    assert!(page.contains(&format!(r#"data-credential="{busy}""#)));
    assert!(page.contains("unused for 30 days. A key nobody uses"));
    assert!(!page.contains(&format!(r#"data-credential="{quiet}""#)));
}
