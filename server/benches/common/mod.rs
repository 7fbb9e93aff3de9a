//! What the benches that drive the release binary share (`hot_path`,
//! `cluster`): seeding credentials straight through the store, the server as
//! a child process that cannot outlive the bench, and `wrk` with the same Lua
//! scripts, connection count and parsing, so their figures compare.

// Each bench compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use keyward::clock::{Clock, SystemClock};
use keyward::crypto::keygen;
use keyward::domain::key::{Environment, SecretRole, display_prefix};
use keyward::domain::{CredentialKind, Scope};
use keyward::service::Keyward;
use keyward::store::credentials::{Grants, NewRow, insert, insert_secret};

/// How many seeded secrets the load cycles through.
pub const LOAD_KEYS: usize = 1_000;
pub const CONNECTIONS: &str = "50";
/// One load-generator thread leaves the second core to the server, so the
/// latency figures measure Keyward rather than CPU contention with wrk.
pub const WRK_THREADS: &str = "1";

pub struct Figures {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Figures {
    /// This route's throughput as a share of the baseline's.
    pub fn ratio(&self, baseline: &Figures) -> f64 {
        if baseline.rps > 0.0 {
            self.rps / baseline.rps
        } else {
            0.0
        }
    }
}

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The release binary the `make` targets build (or `$KEYWARD_BIN`).
pub fn binary() -> PathBuf {
    std::env::var("KEYWARD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/release/keyward"))
}

/// Inserts `count` API keys (scope `compute:read`, 180 days) into the
/// default account, `batch` rows per write transaction, and answers an even
/// sample of `load` of their secrets for the load generator.
pub async fn seed_keys(kw: &Keyward, count: usize, load: usize, batch: usize) -> Vec<String> {
    let now = SystemClock.now();
    let grants = Grants {
        scopes: vec![Scope::parse_syntax("compute:read").unwrap()],
        roles: vec![],
        allowed_cidrs: vec![],
        rights: vec![],
    };
    let metadata = serde_json::json!({});
    let every = (count / load).max(1);
    let mut sample = Vec::with_capacity(load);
    let mut done = 0;
    while done < count {
        let end = count.min(done + batch);
        let mut tx = kw.store().write().await.expect("begin");
        for i in done..end {
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
                    app_secret: None,
                },
            )
            .await
            .expect("insert");
            insert_secret(&mut tx, &kw.verifier().digest(&secret), id, now)
                .await
                .expect("secret");
            if i % every == 0 {
                sample.push(secret);
            }
        }
        tx.commit().await.expect("commit");
        done = end;
    }
    sample
}

/// A limit far above what wrk can reach on the default account, so every
/// request pays for the limiter (and none is refused).
pub async fn unreachable_rate_limit(kw: &Keyward) {
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
}

/// A `keyward serve` on a loopback port. Dropping it kills the process, so a
/// panicking bench leaves no server behind; [`Server::stop`] is the graceful way.
pub struct Server {
    child: Child,
    pub base: String,
    /// From spawn to the "listening on" line: opening the database, migrating
    /// and loading every credential into memory.
    pub startup: Duration,
}

impl Server {
    /// Starts `bin` on the master key in `data` and its database at
    /// `database_url` (PostgreSQL), or in `data` (SQLite) when `None`, and
    /// waits until it listens.
    pub fn start(bin: &Path, data: &Path, database_url: Option<&str>) -> Server {
        let spawned = Instant::now();
        let mut command = Command::new(bin);
        command
            .env("KEYWARD_ADDR", "127.0.0.1:0")
            .env("KEYWARD_DATA_DIR", data)
            .env_remove("KEYWARD_DATABASE_URL")
            .stderr(Stdio::piped());
        if let Some(url) = database_url {
            command.env("KEYWARD_DATABASE_URL", url);
        }
        let mut child = command
            .spawn()
            .expect("the release binary exists (make bench builds it)");
        let stderr = child.stderr.take().unwrap();
        // Owned by the guard from here on, so a panic below kills it.
        let mut server = Server {
            child,
            base: String::new(),
            startup: Duration::ZERO,
        };
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = String::new();
        server.base = loop {
            let Some(Ok(line)) = lines.next() else {
                panic!("keyward exited before it listened:\n{seen}");
            };
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned();
            }
            seen.push_str(&line);
            seen.push('\n');
        };
        server.startup = spawned.elapsed();
        // Keeps reading, so the pipe never fills and blocks the server.
        std::thread::spawn(move || for _ in lines {});
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A memory figure of /proc/PID/status (`VmRSS:`, `VmHWM:`) in MiB.
    pub fn memory_mib(&self, field: &str) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
            .unwrap_or(0.0)
            / 1024.0
    }

    /// SIGTERM, then waits for the graceful shutdown to finish.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn lua_keys(keys: &[String]) -> String {
    let list = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(",");
    format!("keys = {{{list}}}\ni = 0\n")
}

/// The wrk scripts that cycle through `keys`: `verify.lua` (`POST
/// /v1/keys/verify`) and `auth.lua` (`GET /v1/auth`), both requiring
/// `compute:read`. Answers their paths in `dir`.
pub fn write_scripts(dir: &Path, keys: &[String]) -> (PathBuf, PathBuf) {
    let verify_lua = dir.join("verify.lua");
    let auth_lua = dir.join("auth.lua");
    std::fs::write(
        &verify_lua,
        format!(
            "{}wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nrequest = function()\n  i = i % #keys + 1\n  return wrk.format(nil, \"/v1/keys/verify\", nil, '{{\"key\":\"' .. keys[i] .. '\",\"scopes\":[\"compute:read\"]}}')\nend\n",
            lua_keys(keys)
        ),
    )
    .unwrap();
    std::fs::write(
        &auth_lua,
        format!(
            "{}request = function()\n  i = i % #keys + 1\n  return wrk.format(\"GET\", \"/v1/auth\", {{[\"Authorization\"] = \"Bearer \" .. keys[i], [\"X-Required-Scopes\"] = \"compute:read\"}})\nend\n",
            lua_keys(keys)
        ),
    )
    .unwrap();
    (verify_lua, auth_lua)
}

/// Three seconds of `/v1/auth` load before anything is measured.
pub fn warm_up(base: &str, auth_lua: &Path) {
    eprintln!("warming up…");
    let _ = Command::new("wrk")
        .args(["-t", "2", "-c", CONNECTIONS, "-d", "3s", "-s"])
        .arg(auth_lua)
        .arg(format!("{base}/v1/auth"))
        .output();
}

/// One wrk run; warns on stderr about any non-2xx answers.
pub fn wrk(url: &str, script: Option<&Path>, connections: &str, duration: &str, headers: &[String]) -> Figures {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t", WRK_THREADS, "-c", connections, "-d", duration, "--latency"]);
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
