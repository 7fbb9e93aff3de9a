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

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use keyward::clock::{Clock, SystemClock};
use keyward::config::Config;
use keyward::crypto::keygen;
use keyward::domain::key::{Environment, SecretRole, display_prefix};
use keyward::domain::{CredentialKind, Scope};
use keyward::service::Keyward;
use keyward::store::credentials::{Grants, NewRow, insert, insert_secret};

const CREDENTIALS: usize = 100_000;
const LOAD_KEYS: usize = 1_000;
const CONNECTIONS: &str = "50";
const DURATION: &str = "20s";
/// One load-generator thread leaves the second core to the server, so the
/// latency figures measure Keyward rather than CPU contention with wrk.
const WRK_THREADS: &str = "1";

struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

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
    let now = SystemClock.now();
    let grants = Grants {
        scopes: vec![Scope::parse_syntax("compute:read").unwrap()],
        roles: vec![],
        allowed_cidrs: vec![],
        rights: vec![],
    };
    let metadata = serde_json::json!({});
    let mut tx = kw.store().write().await.expect("begin");
    let mut load = Vec::with_capacity(LOAD_KEYS);
    for i in 0..CREDENTIALS {
        let secret = keygen::secret("kw", SecretRole::ApiKey, Environment::Prod);
        let public_id = keygen::public_id();
        let name = format!("bench-{i:06}");
        let id = insert(
            &mut tx,
            &NewRow {
                public_id: &public_id,
                account_id: 1,
                name: &name,
                description: None,
                kind: CredentialKind::ApiKey,
                environment: Environment::Prod,
                display_prefix: &display_prefix(&secret),
                client_id: None,
                grants: &grants,
                expires_at: Some(now + 180 * 86_400),
                lifetime_secs: Some(180 * 86_400),
                auto_renew: false,
                metadata: &metadata,
                created_at: now,
                created_by: "bench",
                format: keyward::domain::KeyFormat::Opaque,
                token_ttl_secs: None,
                signing_kid: None,
                rate_limit: None,
            },
        )
        .await
        .expect("insert");
        insert_secret(&mut tx, &kw.verifier().digest(&secret), id, now)
            .await
            .expect("secret");
        if i % (CREDENTIALS / LOAD_KEYS) == 0 {
            load.push(secret);
        }
    }
    tx.commit().await.expect("commit");
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
    // A limit far above what wrk can reach, so every request pays for the
    // limiter (and none is refused).
    kw.accounts()
        .update(
            &keyward::service::Caller::System("bench"),
            "default",
            keyward::service::AccountPatch {
                rate_limit: Some(Some(keyward::domain::RateLimitSetting::Limited(
                    keyward::domain::RateLimit {
                        limit: 1_000_000,
                        window_seconds: 60,
                        burst: 10_000_000,
                    },
                ))),
                ..Default::default()
            },
        )
        .await
        .expect("bench account limit");
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

fn lua_keys(keys: &[String]) -> String {
    let list = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(",");
    format!("keys = {{{list}}}\ni = 0\n")
}

fn wrk(url: &str, script: Option<&std::path::Path>) -> Figures {
    wrk_with(url, script, CONNECTIONS, &[])
}

fn wrk_with(url: &str, script: Option<&std::path::Path>, connections: &str, headers: &[String]) -> Figures {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t", WRK_THREADS, "-c", connections, "-d", DURATION, "--latency"]);
    for h in headers {
        cmd.arg("-H").arg(h);
    }
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd.arg(url).output().expect("wrk runs (make bench installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let find = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_default()
    };
    let ms = |v: String| {
        if let Some(us) = v.strip_suffix("us") {
            us.parse::<f64>().unwrap_or(0.0) / 1000.0
        } else if let Some(ms) = v.strip_suffix("ms") {
            ms.parse().unwrap_or(0.0)
        } else if let Some(s) = v.strip_suffix('s') {
            s.parse::<f64>().unwrap_or(0.0) * 1000.0
        } else {
            0.0
        }
    };
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .map(str::trim)
        .unwrap_or("");
    if !non_2xx.is_empty() {
        eprintln!("warning: {url}: {non_2xx}");
    }
    Figures {
        rps: text
            .lines()
            .find(|l| l.starts_with("Requests/sec:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        p50_ms: ms(find("50%")),
        p99_ms: ms(find("99%")),
    }
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

    let bin = std::env::var("KEYWARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/release/keyward"));
    let mut server = Command::new(&bin)
        .env("KEYWARD_ADDR", "127.0.0.1:0")
        .env("KEYWARD_DATA_DIR", &data)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the release binary exists (make bench builds it)");
    let pid = server.id();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on ".len()..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let rss = |field: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
            .unwrap_or(0.0)
            / 1024.0
    };
    let idle_rss = rss("VmRSS:");

    let scripts = tempfile::tempdir().unwrap();
    let verify_lua = scripts.path().join("verify.lua");
    let auth_lua = scripts.path().join("auth.lua");
    std::fs::File::create(&verify_lua)
        .unwrap()
        .write_all(
            format!(
                "{}wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nrequest = function()\n  i = i % #keys + 1\n  return wrk.format(nil, \"/v1/keys/verify\", nil, '{{\"key\":\"' .. keys[i] .. '\",\"scopes\":[\"compute:read\"]}}')\nend\n",
                lua_keys(&keys)
            )
            .as_bytes(),
        )
        .unwrap();
    std::fs::File::create(&auth_lua)
        .unwrap()
        .write_all(
            format!(
                "{}request = function()\n  i = i % #keys + 1\n  return wrk.format(\"GET\", \"/v1/auth\", {{[\"Authorization\"] = \"Bearer \" .. keys[i], [\"X-Required-Scopes\"] = \"compute:read\"}})\nend\n",
                lua_keys(&keys)
            )
            .as_bytes(),
        )
        .unwrap();

    eprintln!("warming up…");
    let _ = Command::new("wrk")
        .args(["-t", "2", "-c", CONNECTIONS, "-d", "3s", "-s"])
        .arg(&auth_lua)
        .arg(format!("{base}/v1/auth"))
        .output();

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
    let peak_rss = rss("VmHWM:");
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = server.wait();

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
            if baseline.rps > 0.0 { f.rps / baseline.rps } else { 0.0 }
        );
    }
    println!(
        "{:<24} {:>12.0} {:>10.3} {:>10.3}   (server-rendered, signed in, 10 connections)",
        "GET /credentials", page.rps, page.p50_ms, page.p99_ms
    );
    println!("server RSS: {idle_rss:.1} MiB after start-up, {peak_rss:.1} MiB peak");
}
