//! The hot-path benchmark: `make bench`.
//!
//! Seeds 100,000 credentials, starts the release binary on loopback, and
//! drives it with `wrk` (50 connections, 20 s per target) against three routes
//! in the same run: `GET /healthz` (a bare handler behind the same middleware:
//! the baseline), `POST /v1/keys/verify` and `GET /v1/auth`. Then it signs in
//! and measures a server-rendered console page (`/credentials`, listing from
//! the 100,000) with 10 connections, token issuance (`POST /oauth/token`, ES256
//! signatures) and `/v1/auth` with a JWT access token. Prints req/s, p50/p99 latency, the ratio
//! to the baseline, and the server's peak RSS.
//! Rate limiting is on (a limit no run can reach), as in production.
//! Figures, not assertions: these machines are noisy, the ratio is what counts.

mod common;

use std::sync::Arc;

use common::{CONNECTIONS, Figures, LOAD_KEYS, Server};
use keyward::clock::SystemClock;
use keyward::config::Config;
use keyward::service::Keyward;

const CREDENTIALS: usize = 100_000;
const DURATION: &str = "20s";

/// What the seeding leaves for the load: API keys, and one OAuth client's id and secret.
struct Seeded {
    keys: Vec<String>,
    client_id: String,
    client_secret: String,
}

async fn seed(dir: &std::path::Path) -> Seeded {
    let kw = Keyward::open(Config::new(dir), Arc::new(SystemClock))
        .await
        .expect("open");
    let load = common::seed_keys(&kw, CREDENTIALS, LOAD_KEYS, CREDENTIALS).await;
    kw.users()
        .create(
            &keyward::service::Caller::System("bench"),
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
            keyward::domain::Role::GlobalAdmin,
            keyward::service::UserAccessInput::All,
        )
        .await
        .expect("admin");
    common::unreachable_rate_limit(&kw).await;
    let client = kw
        .credentials()
        .create(
            &keyward::service::Caller::System("bench"),
            serde_json::from_value(serde_json::json!({
                "name": "bench-oauth-client", "kind": "oauth_client", "scopes": ["compute:read"]
            }))
            .expect("a valid input"),
        )
        .await
        .expect("oauth client");
    kw.store().close().await;
    Seeded {
        keys: load,
        client_id: client.credential.client_id.expect("a client id"),
        client_secret: client.secret,
    }
}

/// One access token from the running server, for the `/v1/auth` load.
async fn access_token(base: &str, seeded: &Seeded) -> String {
    let res: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(&seeded.client_id, Some(&seeded.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    res["access_token"].as_str().expect("an access token").to_owned()
}

const ADMIN_EMAIL: &str = "bench@example.com";
const ADMIN_PASSWORD: &str = "bench password 123";

async fn sign_in(base: &str) -> String {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/api/session/sign_in"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .expect("sign in");
    let cookie = res
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

fn wrk(url: &str, script: Option<&std::path::Path>) -> Figures {
    wrk_with(url, script, CONNECTIONS, &[])
}

fn wrk_with(url: &str, script: Option<&std::path::Path>, connections: &str, headers: &[String]) -> Figures {
    common::wrk(url, script, connections, DURATION, headers)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    eprintln!("seeding {CREDENTIALS} credentials…");
    let started = std::time::Instant::now();
    let seeded = runtime.block_on(seed(&data));
    let keys = seeded.keys.clone();
    eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());

    let server = Server::start(&common::binary(), &data, None);
    let base = server.base.clone();
    let idle_rss = server.memory_mib("VmRSS:");

    let scripts = tempfile::tempdir().unwrap();
    let (verify_lua, auth_lua) = common::write_scripts(scripts.path(), &keys);
    common::warm_up(&base, &auth_lua);

    let baseline = wrk(&format!("{base}/healthz"), None);
    let verify = wrk(&format!("{base}/v1/keys/verify"), Some(&verify_lua));
    let auth = wrk(&format!("{base}/v1/auth"), Some(&auth_lua));
    let token_lua = scripts.path().join("token.lua");
    std::fs::write(
        &token_lua,
        "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\nwrk.body = \"grant_type=client_credentials\"\n",
    )
    .unwrap();
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", seeded.client_id, seeded.client_secret))
    };
    let grants = wrk_with(
        &format!("{base}/oauth/token"),
        Some(&token_lua),
        CONNECTIONS,
        &[format!("Authorization: Basic {basic}")],
    );
    let jwt = runtime.block_on(access_token(&base, &seeded));
    let token_auth = wrk_with(
        &format!("{base}/v1/auth"),
        None,
        CONNECTIONS,
        &[
            format!("Authorization: Bearer {jwt}"),
            "X-Required-Scopes: compute:read".to_owned(),
        ],
    );
    let cookie = runtime.block_on(sign_in(&base));
    let page = wrk_with(
        &format!("{base}/credentials"),
        None,
        "10",
        &[format!("Cookie: {cookie}"), "Accept: text/html".to_owned()],
    );
    let peak_rss = server.memory_mib("VmHWM:");
    server.stop();

    println!();
    println!("Keyward hot path: {CREDENTIALS} credentials, wrk -c {CONNECTIONS} -d {DURATION}, loopback, same server");
    println!(
        "{:<24} {:>12} {:>10} {:>10} {:>10}",
        "route", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    for (name, f) in [
        ("GET /healthz (baseline)", &baseline),
        ("POST /v1/keys/verify", &verify),
        ("GET /v1/auth", &auth),
        ("POST /oauth/token", &grants),
        ("GET /v1/auth (JWT)", &token_auth),
    ] {
        println!(
            "{:<24} {:>12.0} {:>10.3} {:>10.3} {:>10.2}",
            name,
            f.rps,
            f.p50_ms,
            f.p99_ms,
            f.ratio(&baseline)
        );
    }
    println!(
        "{:<24} {:>12.0} {:>10.3} {:>10.3}   (server-rendered, signed in, 10 connections)",
        "GET /credentials", page.rps, page.p50_ms, page.p99_ms
    );
    println!("server RSS: {idle_rss:.1} MiB after start-up, {peak_rss:.1} MiB peak");
}
