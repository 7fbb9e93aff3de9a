//! Signing keys on a schedule, through the real server and its injected
//! clock: the next key is in the JWKS a lead time before it signs, a retired
//! key stays while its tokens live, nothing rotates twice, and PyJWT's JWKS
//! client, caching the keys it fetched before the switch, verifies tokens
//! signed after it without fetching again.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, config_for, spawn_app_with};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyward::config::Config;
use keyward::crypto::jwt::JwtAlgorithm;
use keyward::domain::SigningKeyInfo;
use keyward::domain::signing_key::SigningKeyState;
use keyward::service::{Caller, Keyward};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// A rotation every 7 days, the next key published a day ahead.
fn weekly(config: &mut Config) {
    config.signing_key_rotation_days = Some(7);
    config.signing_key_lead_hours = 24;
}

/// An OAuth client whose tokens live a day (the longest a token may).
async fn oauth_client(app: &TestApp) -> (String, String) {
    let b = app
        .global_admin_key()
        .await
        .create(
            json!({ "name": "resource-client", "kind": "oauth_client", "scopes": ["keys:read"],
            "rate_limit": "unlimited", "expires": "never", "token_ttl_seconds": DAY }),
        )
        .await;
    (
        b["client_id"].as_str().unwrap().into(),
        b["secret"].as_str().unwrap().into(),
    )
}

/// A token from the client-credentials grant.
async fn mint(app: &TestApp, (id, secret): &(String, String)) -> String {
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", app.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, path: &str) -> String {
    reqwest::get(format!("{}{path}", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn jwks_kids(app: &TestApp) -> Vec<String> {
    let jwks: Value = serde_json::from_str(&get(app, "/.well-known/jwks.json").await).unwrap();
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn auth_status(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/v1/auth", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// How many times the server answered its JWKS, from `/metrics`.
async fn jwks_served(app: &TestApp) -> u64 {
    get(app, "/metrics")
        .await
        .lines()
        .filter(|l| l.starts_with("keyward_http_requests_total{route=\"/.well-known/jwks.json\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

/// The listed keys, and the one published ahead, as the database holds them
/// (another instance may have changed them a moment ago). The server's own
/// job runs the schedule too, so a test reads what happened rather than
/// which pass did it.
async fn listed(app: &TestApp) -> (Vec<SigningKeyInfo>, Option<SigningKeyInfo>) {
    app.kw().oauth().reload_keyring().await.unwrap();
    let keys = app.kw().oauth().signing_keys(&Caller::System("test")).unwrap();
    let next = keys.iter().find(|k| k.state == SigningKeyState::Next).cloned();
    (keys, next)
}

/// Audit entries of `action` made by the schedule.
async fn by_schedule(app: &TestApp, action: &str) -> usize {
    let page: Value = app
        .global_admin_key()
        .await
        .get(&format!("/v1/audit?action={action}"))
        .await
        .json()
        .await
        .unwrap();
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["details"].as_str().unwrap().contains("\"by\":\"schedule\""))
        .count()
}

#[tokio::test]
async fn each_next_key_is_published_a_day_before_it_signs_and_a_retired_one_stays_while_its_tokens_live() {
    let app = spawn_app_with(weekly).await;
    let client = oauth_client(&app).await;
    let start = app.kw().now();
    let mut published_at: HashMap<String, i64> = HashMap::new();
    let mut signs_from: Vec<(String, i64)> = Vec::new();
    let mut tokens: Vec<(String, String, i64)> = Vec::new();
    // 23 days in 6-hour steps, each step as a resource server sees it.
    for _ in 0..23 * 4 {
        let now = app.kw().now();
        app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
        app.kw().oauth().refresh_keyring_if_changed().await.unwrap();
        let jwks = jwks_kids(&app).await;
        assert!(jwks.len() <= 2, "current and next, or current and retiring: {jwks:?}");
        for kid in &jwks {
            published_at.entry(kid.clone()).or_insert(now);
        }
        let token = mint(&app, &client).await;
        let kid = kid_of(&token);
        if signs_from.last().is_none_or(|(k, _)| *k != kid) {
            signs_from.push((kid.clone(), now));
        }
        tokens.push((token, kid, now + DAY));
        for (token, kid, _) in tokens.iter().filter(|(.., exp)| *exp > now) {
            assert!(
                jwks.contains(kid),
                "a live token's key is published: {kid} not in {jwks:?}"
            );
            assert_eq!(auth_status(&app, token).await, StatusCode::OK);
        }
        app.clock.advance_secs(6 * HOUR);
    }
    let switches: Vec<i64> = signs_from.iter().map(|(_, t)| t - start).collect();
    assert_eq!(switches, [0, 7 * DAY, 14 * DAY, 21 * DAY], "a switch every 7 days");
    for (kid, from) in &signs_from[1..] {
        assert!(
            from - published_at[kid] >= DAY,
            "{kid} was published {} s before it signed",
            from - published_at[kid]
        );
    }
    let last = &signs_from[3].0;
    assert_eq!(
        jwks_kids(&app).await,
        std::slice::from_ref(last),
        "retired keys left once their tokens expired"
    );
    assert_eq!(by_schedule(&app, "signing_key.rotated").await, 3);
    assert_eq!(by_schedule(&app, "signing_key.published").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_at_once_on_two_instances_and_a_restart_never_rotate_twice() {
    let mut app = spawn_app_with(weekly).await;
    let mut config = config_for(&app.dir);
    weekly(&mut config);
    let second = Keyward::open(config, Arc::new(app.clock.clone())).await.unwrap();
    let passes = |kws: [Keyward; 4]| async move {
        let runs = kws.map(|kw| tokio::spawn(async move { kw.oauth().rotate_signing_keys_on_schedule().await }));
        let mut done = Vec::new();
        for run in runs {
            done.push(run.await.unwrap().unwrap());
        }
        done
    };
    let first = listed(&app).await.0[0].kid.clone();

    app.clock.advance_secs(6 * DAY);
    let done = passes([app.kw(), app.kw(), second.clone(), second.clone()]).await;
    assert!(done.iter().filter(|p| p.published.is_some()).count() <= 1, "{done:?}");
    let (keys, next) = listed(&app).await;
    assert_eq!(keys.len(), 2, "one next key: {keys:?}");
    let next = next.unwrap();
    app.restart_with(weekly).await;
    assert_eq!(
        app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap(),
        Default::default()
    );
    assert_eq!(
        listed(&app).await.1,
        Some(next.clone()),
        "the same next key after the restart"
    );

    app.clock.advance_secs(DAY);
    let done = passes([app.kw(), app.kw(), second.clone(), second.clone()]).await;
    assert!(done.iter().filter(|p| p.activated.is_some()).count() <= 1, "{done:?}");
    assert!(
        done.iter().all(|p| p.published.is_none()),
        "the next one is due in 7 days"
    );
    app.restart_with(weekly).await;
    assert_eq!(
        app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap(),
        Default::default()
    );
    let (keys, _) = listed(&app).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(
        (keys[0].kid.as_str(), keys[0].state),
        (next.kid.as_str(), SigningKeyState::Current)
    );
    assert_eq!(
        (keys[1].kid.as_str(), keys[1].state),
        (first.as_str(), SigningKeyState::Retiring)
    );
    assert_eq!(
        keys[1].retired_at,
        Some(next.activates_at),
        "retired when the next key took over"
    );
    assert_eq!(by_schedule(&app, "signing_key.rotated").await, 1);
    assert_eq!(by_schedule(&app, "signing_key.published").await, 1);
    second.store().close().await;
}

/// PyJWT's JWKS client with its caches on, fed tokens on standard input.
struct CachingResourceServer {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl CachingResourceServer {
    /// Starts it; it fetches the JWKS once and answers with the kids it holds.
    async fn start(app: &TestApp) -> (Self, Value) {
        let mut child = tokio::process::Command::new(crate::peers::python())
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jwt/cached_jwks.py"))
            .arg(format!("{}/.well-known/jwks.json", app.base))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines.next_line().await.unwrap().expect("the keys were fetched");
        (Self { child, lines }, serde_json::from_str(&ready).unwrap())
    }

    async fn verify(&mut self, token: &str) -> Value {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{token}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
        serde_json::from_str(&self.lines.next_line().await.unwrap().unwrap()).unwrap()
    }
}

#[tokio::test]
async fn pyjwt_caching_the_jwks_from_before_the_switch_verifies_tokens_signed_after_it_without_refetching() {
    let app = spawn_app_with(weekly).await;
    let client = oauth_client(&app).await;
    app.clock.advance_secs(6 * DAY + HOUR);
    let before = mint(&app, &client).await;
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let next = listed(&app).await.1.expect("the next key is published a day ahead");
    let (next, activates_at) = (next.kid, next.activates_at);

    let (mut resource, ready) = CachingResourceServer::start(&app).await;
    assert_eq!(ready["fetches"], 1);
    assert!(ready["kids"].as_array().unwrap().contains(&json!(next)), "{ready}");
    let served = jwks_served(&app).await;

    app.clock.advance_secs(activates_at - app.kw().now() + 1);
    let after = mint(&app, &client).await;
    assert_eq!(kid_of(&after), next, "the next key signs once its time came");
    assert_ne!(kid_of(&before), next);
    for token in [&after, &before] {
        let v = resource.verify(token).await;
        assert_eq!(v["kid"], kid_of(token).as_str(), "{v}");
        assert_eq!(v["fetches"], 1, "verified from the cache: {v}");
    }
    assert_eq!(jwks_served(&app).await, served, "the server saw no second JWKS request");
}

#[tokio::test]
async fn without_a_key_published_ahead_the_same_caching_client_has_to_fetch_again_after_a_rotation() {
    let app = spawn_app_with(|_| {}).await;
    let client = oauth_client(&app).await;
    let (mut resource, ready) = CachingResourceServer::start(&app).await;
    assert_eq!(ready["fetches"], 1);
    let rotated = app
        .kw()
        .oauth()
        .rotate_signing_key(&Caller::System("test"), JwtAlgorithm::ES256)
        .await
        .unwrap();
    let token = mint(&app, &client).await;
    assert_eq!(kid_of(&token), rotated.kid);
    let v = resource.verify(&token).await;
    assert_eq!(v["kid"], rotated.kid.as_str(), "{v}");
    assert_eq!(v["fetches"], 2, "the key it lacked cost a fetch: {v}");
}

#[tokio::test]
async fn a_manual_rotation_withdraws_the_next_key_and_the_schedule_counts_from_the_new_one() {
    let app = spawn_app_with(weekly).await;
    app.clock.advance_secs(6 * DAY);
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let next = listed(&app).await.1.unwrap().kid;
    let manual = app
        .kw()
        .oauth()
        .rotate_signing_key(&Caller::System("test"), JwtAlgorithm::EdDSA)
        .await
        .unwrap();
    let jwks = jwks_kids(&app).await;
    assert!(!jwks.contains(&next), "the next key never signed: withdrawn");
    assert_eq!(jwks.len(), 2, "the new key and the retiring one: {jwks:?}");

    app.clock.advance_secs(DAY + HOUR);
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let (keys, next) = listed(&app).await;
    assert!(next.is_none(), "nothing takes over from the manual key: {keys:?}");
    assert_eq!(keys[0].kid, manual.kid);
    app.clock.advance_secs(5 * DAY - HOUR);
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let next = listed(&app)
        .await
        .1
        .expect("published 6 days after the manual rotation");
    assert_eq!(next.activates_at, manual.activates_at + 7 * DAY);
    assert_eq!(next.algorithm, "EdDSA", "the schedule keeps the algorithm chosen");
}

#[tokio::test]
async fn settings_and_the_cli_list_the_current_next_and_retiring_keys_with_their_dates() {
    let app = spawn_app_with(weekly).await;
    app.admin().await;
    // Signed in afresh each time: a console session ends within 12 hours.
    let list = || async {
        let admin = app.session();
        admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let res = admin.json("/api/settings/signing_keys", json!({})).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()
    };
    app.clock.advance_secs(6 * DAY);
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let keys = list().await;
    assert_eq!(keys[0]["state"], "next", "{keys}");
    assert_eq!(keys[0]["activates_at"], keys[0]["created_at"].as_i64().unwrap() + DAY);
    assert_eq!(keys[1]["state"], "current", "{keys}");

    let data = app.dir.path().join("data");
    let cli = |args: &'static [&'static str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.args(["signing-keys", "list"])
            .args(args)
            .arg("--data-dir")
            .arg(&data);
        cmd.envs(crate::pg::db_env(&data)).output()
    };
    let listed: Value = serde_json::from_slice(&cli(&["--json"]).await.unwrap().stdout).unwrap();
    assert_eq!(listed[0]["state"], "next", "{listed}");
    let text = String::from_utf8(cli(&[]).await.unwrap().stdout).unwrap();
    assert!(
        text.contains("SIGNS FROM") && text.contains("next: published ahead"),
        "{text}"
    );

    app.clock.advance_secs(DAY);
    app.kw().oauth().rotate_signing_keys_on_schedule().await.unwrap();
    let keys = list().await;
    assert_eq!(keys[0]["state"], "current", "{keys}");
    assert_eq!(keys[1]["state"], "retiring", "{keys}");
    assert_eq!(keys[1]["retired_at"], keys[0]["activates_at"]);
    assert_eq!(keys[1]["publish_until"], app.kw().now() + DAY);
}
