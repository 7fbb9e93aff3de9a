//! The cluster benchmark: `make bench-cluster`, against the throwaway
//! PostgreSQL cluster whose URL the target exports as `KEYWARD_BENCH_PG_URL`.
//!
//! What moving an install onto PostgreSQL costs, in one run:
//! 1. Start-up with `KEYWARD_BENCH_CREDENTIALS` (default 1,000,000)
//!    credentials, from SQLite and from PostgreSQL: every instance loads
//!    every credential into memory before it listens, so this is what a
//!    restart or a new instance behind the load balancer waits for. Also the
//!    RSS that leaves, and how long `keyward migrate-data` takes to copy them.
//! 2. The hot path (`/healthz` as the baseline, `POST /v1/keys/verify`,
//!    `GET /v1/auth`) on each engine, as `make bench` drives it. It is served
//!    from memory, so the ratio to the baseline should not move; on
//!    PostgreSQL the rate limiter also leases slices of each key's shared
//!    budget (`rate_limit_budgets`) from the database, which this measures
//!    (the account's limit is one no run reaches, so every request pays for
//!    the limiter and none is refused).
//! 3. Change propagation across three instances on one database: a key
//!    revoked on one, timed until the other two refuse it.
//!
//! One server runs at a time in 1 and 2 (the machines have two cores). Figures,
//! not assertions: these machines are noisy. Durations per wrk run from
//! `KEYWARD_BENCH_DURATION` (default 10s), rounds from `KEYWARD_BENCH_ROUNDS`.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{CONNECTIONS, Figures, LOAD_KEYS, Server};
use futures::future::join_all;
use keyward::clock::SystemClock;
use keyward::config::Config;
use keyward::service::Keyward;
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

/// Rows per write transaction while seeding: one transaction for a million
/// rows would hold the whole batch in SQLite's WAL at once.
const SEED_BATCH: usize = 10_000;
/// How long a change may take to reach another instance before the bench
/// gives up on it (the promise is one second).
const GIVE_UP: Duration = Duration::from_secs(10);

/// A count from the environment; `1_000_000` and `1,000,000` read as `1000000`.
fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a count")),
        Err(_) => default,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Seeds `count` keys into a new SQLite install in `data`, with the hot
/// path's account limit, and answers the sample the load cycles through.
async fn seed(data: &Path, count: usize) -> Vec<String> {
    let kw = Keyward::open(Config::new(data), Arc::new(SystemClock))
        .await
        .expect("open");
    let keys = common::seed_keys(&kw, count, LOAD_KEYS, SEED_BATCH).await;
    common::unreachable_rate_limit(&kw).await;
    kw.store().close().await;
    keys
}

/// A new, empty database in the cluster at `admin_url`; answers its URL.
/// The cluster is thrown away afterwards, so nothing drops it.
async fn create_database(admin_url: &str) -> String {
    let name: String = keyward::crypto::random::token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect::<String>()
        .to_lowercase();
    let name = format!("kwbench_{name}");
    let mut conn = PgConnection::connect(admin_url)
        .await
        .expect("KEYWARD_BENCH_PG_URL answers");
    conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .expect("create database");
    conn.close().await.expect("close");
    let base = admin_url.rsplit_once('/').expect("a URL with a database").0;
    format!("{base}/{name}")
}

/// Runs `keyward ARGS` with the master key in `data` (and the database at
/// `url`, when given); answers its stdout, panicking with stderr on failure.
fn cli(bin: &Path, data: &Path, url: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("KEYWARD_DATA_DIR", data)
        .env_remove("KEYWARD_DATABASE_URL");
    if let Some(url) = url {
        cmd.env("KEYWARD_DATABASE_URL", url);
    }
    let out = cmd.output().expect("the release binary runs");
    assert!(
        out.status.success(),
        "keyward {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How a server started: spawn to "listening on", and its RSS then.
struct Startup {
    took: Duration,
    rss_mib: f64,
}

fn startup(server: &Server) -> Startup {
    Startup {
        took: server.startup,
        rss_mib: server.memory_mib("VmRSS:"),
    }
}

/// The baseline, verify and auth, as `make bench` measures them.
struct HotPath {
    baseline: Figures,
    verify: Figures,
    auth: Figures,
}

fn hot_path(base: &str, verify_lua: &Path, auth_lua: &Path, duration: &str) -> HotPath {
    common::warm_up(base, auth_lua);
    let run =
        |path: &str, script: Option<&Path>| common::wrk(&format!("{base}{path}"), script, CONNECTIONS, duration, &[]);
    HotPath {
        baseline: run("/healthz", None),
        verify: run("/v1/keys/verify", Some(verify_lua)),
        auth: run("/v1/auth", Some(auth_lua)),
    }
}

/// One instance's management API, as the admin.
struct Api {
    client: reqwest::Client,
    base: String,
    admin: String,
}

impl Api {
    async fn create(&self, name: &str) -> (String, String) {
        let res: Value = self
            .client
            .post(format!("{}/v1/keys", self.base))
            .bearer_auth(&self.admin)
            .json(&json!({ "name": name }))
            .send()
            .await
            .expect("create")
            .error_for_status()
            .expect("a created key")
            .json()
            .await
            .expect("JSON");
        let field = |f: &str| res[f].as_str().unwrap_or_else(|| panic!("no {f} in {res}")).to_owned();
        (field("id"), field("secret"))
    }

    async fn revoke(&self, id: &str) {
        self.client
            .delete(format!("{}/v1/keys/{id}", self.base))
            .bearer_auth(&self.admin)
            .send()
            .await
            .expect("revoke")
            .error_for_status()
            .expect("a revoked key");
    }

    async fn valid(&self, secret: &str) -> bool {
        let res: Value = self
            .client
            .post(format!("{}/v1/keys/verify", self.base))
            .json(&json!({ "key": secret }))
            .send()
            .await
            .expect("verify")
            .json()
            .await
            .expect("JSON");
        res["valid"] == json!(true)
    }
}

/// Polls `apis` every millisecond until each answers `want` for `secret`;
/// answers how long the slowest took. Validity only changes once here (a key
/// is created, later revoked), so an instance that has answered is done.
async fn until_all(apis: &[&Api], secret: &str, want: bool) -> Duration {
    let start = Instant::now();
    let mut pending: Vec<&Api> = apis.to_vec();
    loop {
        let answers = join_all(pending.iter().map(|a| a.valid(secret))).await;
        pending = pending
            .into_iter()
            .zip(answers)
            .filter(|(_, v)| *v != want)
            .map(|(a, _)| a)
            .collect();
        if pending.is_empty() {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < GIVE_UP,
            "a change did not reach every instance in {GIVE_UP:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Creates a key on instance i % 3, then revokes it there, `rounds` times;
/// answers the revocations' times to reach both others (from the DELETE's
/// answer) and how many created keys the others did not know at once.
async fn propagation(apis: &[Api], rounds: usize) -> (Vec<Duration>, usize) {
    let mut took = Vec::with_capacity(rounds);
    let mut late = 0;
    for i in 0..rounds {
        let made_on = &apis[i % apis.len()];
        let others: Vec<&Api> = apis.iter().filter(|a| !std::ptr::eq(*a, made_on)).collect();
        let (id, secret) = made_on.create(&format!("propagation-{i}")).await;
        // Another instance's index misses and reads the database, so a new
        // key should verify everywhere at once.
        for other in &others {
            if !other.valid(&secret).await {
                late += 1;
                until_all(&[other], &secret, true).await;
            }
        }
        made_on.revoke(&id).await;
        took.push(until_all(&others, &secret, false).await);
    }
    took.sort();
    (took, late)
}

/// The nearest-rank percentile of sorted, non-empty `v`.
fn percentile(v: &[Duration], p: f64) -> Duration {
    let rank = (p / 100.0 * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

fn main() {
    let pg_admin = std::env::var("KEYWARD_BENCH_PG_URL")
        .expect("KEYWARD_BENCH_PG_URL is not set: run `make bench-cluster`, which starts a PostgreSQL cluster");
    let count = env_count("KEYWARD_BENCH_CREDENTIALS", 1_000_000);
    let duration = std::env::var("KEYWARD_BENCH_DURATION").unwrap_or_else(|_| "10s".to_owned());
    let rounds = env_count("KEYWARD_BENCH_ROUNDS", 200);
    assert!(count > 0 && rounds > 0, "nothing to measure");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bin = common::binary();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    eprintln!("seeding {count} credentials into SQLite…");
    let started = Instant::now();
    let keys = runtime.block_on(seed(&data, count));
    let seeded = started.elapsed();
    eprintln!("seeded in {:.1} s", secs(seeded));

    // 1. Start-up from each engine, and the copy between them.
    eprintln!("starting on SQLite…");
    let server = Server::start(&bin, &data, None);
    let sqlite_start = startup(&server);
    server.stop();
    let db = runtime.block_on(create_database(&pg_admin));
    eprintln!("migrate-data…");
    let started = Instant::now();
    let from = data.join("keyward.db").to_string_lossy().into_owned();
    cli(&bin, &data, None, &["migrate-data", "--from", &from, "--to", &db]);
    let migrated = started.elapsed();
    eprintln!("starting on PostgreSQL…");
    let server = Server::start(&bin, &data, Some(&db));
    let pg_start = startup(&server);

    // 2. The hot path on the PostgreSQL instance just started, then on SQLite.
    let scripts = tempfile::tempdir().unwrap();
    let (verify_lua, auth_lua) = common::write_scripts(scripts.path(), &keys);
    let pg_hot = hot_path(&server.base, &verify_lua, &auth_lua, &duration);
    server.stop();
    let server = Server::start(&bin, &data, None);
    let sqlite_restart = server.startup;
    let sqlite_hot = hot_path(&server.base, &verify_lua, &auth_lua, &duration);
    server.stop();
    // A second start on each engine, for a figure that is not one sample.
    let server = Server::start(&bin, &data, Some(&db));
    let pg_restart = server.startup;
    server.stop();

    // 3. Propagation on a small database of its own, same master key.
    eprintln!("propagation: three instances, {rounds} revocations…");
    let db = runtime.block_on(create_database(&pg_admin));
    // The CLI migrates the new database. Unlimited: the rounds' calls are never throttled.
    let create_admin = "keys create --name admin --scopes keys:read,keys:write,admin:read,admin:write \
                        --roles global_admin --rate-limit unlimited --expires never --json";
    let created = cli(
        &bin,
        &data,
        Some(&db),
        &create_admin.split_whitespace().collect::<Vec<_>>(),
    );
    let admin = serde_json::from_str::<Value>(&created).expect("keys create --json")["secret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    let servers: Vec<Server> = (0..3).map(|_| Server::start(&bin, &data, Some(&db))).collect();
    let apis: Vec<Api> = servers
        .iter()
        .map(|s| Api {
            client: reqwest::Client::new(),
            base: s.base.clone(),
            admin: admin.clone(),
        })
        .collect();
    let (took, late) = runtime.block_on(propagation(&apis, rounds));
    servers.into_iter().for_each(Server::stop);

    println!();
    println!(
        "Keyward on PostgreSQL vs SQLite: {count} credentials (seeded into SQLite in {:.1} s), one server at a time, loopback",
        secs(seeded)
    );
    println!();
    println!("{:<34} {:>12} {:>12}", "start-up", "SQLite", "PostgreSQL");
    println!(
        "{:<34} {:>12.2} {:>12.2}",
        "spawn to listening (s)",
        secs(sqlite_start.took),
        secs(pg_start.took)
    );
    println!(
        "{:<34} {:>12.2} {:>12.2}",
        "  again, after the hot path (s)",
        secs(sqlite_restart),
        secs(pg_restart)
    );
    println!(
        "{:<34} {:>12.1} {:>12.1}",
        "RSS after start-up (MiB)", sqlite_start.rss_mib, pg_start.rss_mib
    );
    println!(
        "{:<34} {:>12} {:>12.2}",
        "migrate-data SQLite → PG (s)",
        "",
        secs(migrated)
    );
    println!();
    println!("hot path: wrk -c {CONNECTIONS} -d {duration}, ratio = req/s over the same engine's /healthz");
    let groups = format!("{:<24} | {:^34} | {:^34}", "", "SQLite", "PostgreSQL");
    println!("{}", groups.trim_end());
    println!(
        "{:<24} | {:>9} {:>8} {:>8} {:>6} | {:>9} {:>8} {:>8} {:>6}",
        "route", "req/s", "p50 ms", "p99 ms", "ratio", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    for (name, s, p) in [
        ("GET /healthz (baseline)", &sqlite_hot.baseline, &pg_hot.baseline),
        ("POST /v1/keys/verify", &sqlite_hot.verify, &pg_hot.verify),
        ("GET /v1/auth", &sqlite_hot.auth, &pg_hot.auth),
    ] {
        println!(
            "{:<24} | {:>9.0} {:>8.3} {:>8.3} {:>6.2} | {:>9.0} {:>8.3} {:>8.3} {:>6.2}",
            name,
            s.rps,
            s.p50_ms,
            s.p99_ms,
            s.ratio(&sqlite_hot.baseline),
            p.rps,
            p.p50_ms,
            p.p99_ms,
            p.ratio(&pg_hot.baseline)
        );
    }
    println!();
    println!(
        "propagation, 3 instances on PostgreSQL, {rounds} revocations (from the DELETE's answer until both others refuse, polled every 1 ms):"
    );
    println!(
        "  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; new keys unknown elsewhere at first: {late} of {}",
        ms(percentile(&took, 50.0)),
        ms(percentile(&took, 99.0)),
        ms(took[took.len() - 1]),
        2 * rounds
    );
}
