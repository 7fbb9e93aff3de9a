//! What `/metrics` costs a request: `cargo bench -p keyward-server --bench metrics_record`.
//!
//! Issue 13 asked to measure the hand-written Prometheus counters against
//! `prometheus-client` and `metrics` + `metrics-exporter-prometheus` on what
//! `/v1/auth` records per request: one verification outcome and one request
//! (counter and latency histogram, labelled route="/v1/auth", method="GET",
//! code="200"), with 20 routes already known. `prometheus-client` kept pace
//! with the hand-written counters and `metrics` took five to six times as long
//! (the README has the figures; the first version of this file measured all
//! three), so `/metrics` now uses `prometheus-client`, and this compares what
//! ships with the hand-written yardstick. Each is timed on one thread and on
//! two threads sharing the same metrics, then one scrape of the 20 routes is
//! timed. Figures, not assertions: the machine is noisy, the ratio to the
//! hand-written baseline is what counts.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use keyward::crypto::password::PasswordStats;
use keyward::metrics::{Gauges, Metrics};
use keyward::policy::VerifyCode;
use keyward_server::request_metrics::{RequestLabels, RequestMetrics};

/// Upper bounds of the latency buckets, in seconds (as in `request_metrics`).
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const ROUTES: [&str; 20] = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/auth",
    "/v1/keys/verify",
    "/v1/keys",
    "/v1/keys/{id}",
    "/v1/keys/{id}/roll",
    "/v1/keys/{id}/usage",
    "/v1/tokens/verify",
    "/oauth/token",
    "/oauth/revoke",
    "/oauth/introspect",
    "/.well-known/jwks.json",
    "/v1/webhooks",
    "/v1/webhooks/{id}",
    "/v1/users",
    "/v1/users/{id}",
    "/v1/audit",
    "/credentials",
];
const OPS: usize = 500_000;
const ROUNDS: usize = 9;
const SCRAPES: usize = 200;
/// What a scrape reads besides the counters.
const GAUGES: Gauges = Gauges {
    now_ms: 10_000,
    pool_size: 4,
    pool_idle: 3,
    pool_max: 8,
    credentials_in_memory: 100_000,
    pending_usage: 12,
    outbox_pending: 0,
    change_feed_behind: 0,
    change_feed_age_secs: 0.25,
    passwords: PasswordStats {
        hashes_total: 7,
        refused_total: 0,
        peak_concurrency: 2,
        slots: 2,
    },
};

/// One way of keeping the counters.
trait Recorder: Sync {
    fn name(&self) -> &'static str;
    /// What one request records: its verification outcome, then the request.
    fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64);
    /// The scrape: the whole text.
    fn render(&self) -> String;
}

/// The request latencies the loop cycles through (several buckets).
fn secs(i: usize) -> f64 {
    [0.0004, 0.0007, 0.0012, 0.003][i & 3]
}

fn run(r: &dyn Recorder, ops: usize) {
    for i in 0..ops {
        r.record(
            black_box(VerifyCode::Valid),
            black_box("/v1/auth"),
            black_box("GET"),
            black_box(200),
            black_box(secs(i)),
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median ns per recorded request, each of `threads` threads recording
/// `OPS` requests at once (the slowest thread's time counts).
fn ns_per_op(r: &dyn Recorder, threads: usize) -> f64 {
    run(r, OPS / 5);
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let barrier = Barrier::new(threads);
        let slowest = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        let started = Instant::now();
                        run(r, OPS);
                        started.elapsed().as_nanos() as f64
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).fold(0.0, f64::max)
        });
        rounds.push(slowest / OPS as f64);
    }
    median(rounds)
}

/// Median µs of one scrape.
fn render_us(r: &dyn Recorder) -> f64 {
    let mut times = Vec::with_capacity(SCRAPES);
    for _ in 0..SCRAPES {
        let started = Instant::now();
        black_box(r.render());
        times.push(started.elapsed().as_nanos() as f64 / 1000.0);
    }
    median(times)
}

/// Every route seen once, so the hot path finds its series among 20.
fn seed(r: &dyn Recorder) {
    for (i, route) in ROUTES.iter().enumerate() {
        r.record(VerifyCode::NotFound, route, "GET", 200, secs(i));
        r.record(VerifyCode::RateLimited, route, "POST", 429, secs(i + 1));
    }
}

fn main() {
    let recorders: Vec<Box<dyn Recorder>> = vec![
        Box::new(hand::Hand::default()),
        Box::new(Shipped {
            core: Metrics::new(0),
            requests: RequestMetrics::default(),
        }),
    ];
    println!("{OPS} requests per round, {ROUNDS} rounds, 20 routes; median of rounds");
    println!(
        "{:<34} {:>10} {:>7} {:>14} {:>7} {:>11} {:>7}",
        "recorder", "1 thread", "ratio", "2 threads", "ratio", "scrape", "ratio"
    );
    let mut base = None;
    for r in &recorders {
        seed(r.as_ref());
        let single = ns_per_op(r.as_ref(), 1);
        let contended = ns_per_op(r.as_ref(), 2);
        let scrape = render_us(r.as_ref());
        let (b1, b2, b3) = *base.get_or_insert((single, contended, scrape));
        println!(
            "{:<34} {:>7.1} ns {:>7.2} {:>11.1} ns {:>7.2} {:>8.1} µs {:>7.2}",
            r.name(),
            single,
            single / b1,
            contended,
            contended / b2,
            scrape,
            scrape / b3
        );
    }
}

/// The hand-written counters `/metrics` had before issue 13: one atomic per
/// outcome, a map of atomic histograms behind an `RwLock`, and the text
/// written line by line.
mod hand {
    use std::collections::HashMap;
    use std::fmt::{Display, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, RwLock};

    use super::{BUCKETS, GAUGES, VerifyCode};

    #[derive(Default)]
    struct Histogram {
        buckets: [AtomicU64; BUCKETS.len()],
        count: AtomicU64,
        sum_micros: AtomicU64,
    }

    type Key = (String, String, u16);

    #[derive(Default)]
    pub struct Hand {
        verify: [AtomicU64; VerifyCode::ALL.len()],
        by_route: RwLock<HashMap<Key, Arc<Histogram>>>,
    }

    impl Hand {
        fn observe(&self, route: &str, method: &str, status: u16, secs: f64) {
            let key = (route.to_owned(), method.to_owned(), status);
            let found = self.by_route.read().unwrap().get(&key).cloned();
            let h = found.unwrap_or_else(|| self.by_route.write().unwrap().entry(key).or_default().clone());
            if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
                h.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
            h.count.fetch_add(1, Ordering::Relaxed);
            h.sum_micros.fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
        }
    }

    impl super::Recorder for Hand {
        fn name(&self) -> &'static str {
            "hand-written (before issue 13)"
        }

        fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64) {
            if let Some(i) = VerifyCode::ALL.iter().position(|c| *c == code) {
                self.verify[i].fetch_add(1, Ordering::Relaxed);
            }
            self.observe(route, method, status, secs);
        }

        fn render(&self) -> String {
            let mut out = String::with_capacity(4096);
            out.push_str("# HELP keyward_verifications_total Credential verifications by outcome code.\n");
            out.push_str("# TYPE keyward_verifications_total counter\n");
            for (i, code) in VerifyCode::ALL.iter().enumerate() {
                let n = self.verify[i].load(Ordering::Relaxed);
                let _ = writeln!(out, "keyward_verifications_total{{code=\"{}\"}} {n}", code.as_str());
            }
            out.push_str("# HELP keyward_http_requests_total HTTP requests by route, method and status.\n");
            out.push_str("# TYPE keyward_http_requests_total counter\n");
            let http = self.by_route.read().unwrap();
            let mut keys: Vec<&Key> = http.keys().collect();
            keys.sort();
            for k in &keys {
                let n = http[*k].count.load(Ordering::Relaxed);
                let _ = writeln!(out, "keyward_http_requests_total{{{}}} {n}", labels(k));
            }
            out.push_str("# HELP keyward_http_request_duration_seconds HTTP request latency.\n");
            out.push_str("# TYPE keyward_http_request_duration_seconds histogram\n");
            for k in &keys {
                let (h, labels) = (&http[*k], labels(k));
                let mut cumulative = 0;
                for (i, bound) in BUCKETS.iter().enumerate() {
                    cumulative += h.buckets[i].load(Ordering::Relaxed);
                    let _ = writeln!(
                        out,
                        "keyward_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                    );
                }
                let count = h.count.load(Ordering::Relaxed);
                let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
                let _ = writeln!(
                    out,
                    "keyward_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
                );
                let _ = writeln!(out, "keyward_http_request_duration_seconds_sum{{{labels}}} {sum}");
                let _ = writeln!(out, "keyward_http_request_duration_seconds_count{{{labels}}} {count}");
            }
            let g = GAUGES;
            let lag = g.now_ms as f64 / 1000.0;
            one(
                &mut out,
                "keyward_usage_flush_lag_seconds",
                "Seconds since the flush.",
                "gauge",
                lag,
            );
            one(
                &mut out,
                "keyward_usage_pending",
                "Not yet written.",
                "gauge",
                g.pending_usage,
            );
            one(
                &mut out,
                "keyward_outbox_pending",
                "Deliveries waiting.",
                "gauge",
                g.outbox_pending,
            );
            out.push_str("# HELP keyward_sqlite_pool_connections SQLite pool connections by state.\n");
            out.push_str("# TYPE keyward_sqlite_pool_connections gauge\n");
            let idle = g.pool_idle.min(g.pool_size as usize);
            let in_use = g.pool_size as usize - idle;
            let _ = writeln!(out, "keyward_sqlite_pool_connections{{state=\"idle\"}} {idle}");
            let _ = writeln!(out, "keyward_sqlite_pool_connections{{state=\"in_use\"}} {in_use}");
            let _ = writeln!(out, "keyward_sqlite_pool_connections{{state=\"max\"}} {}", g.pool_max);
            let saturation = in_use as f64 / f64::from(g.pool_max);
            one(
                &mut out,
                "keyward_sqlite_pool_saturation",
                "Share in use.",
                "gauge",
                saturation,
            );
            let in_memory = g.credentials_in_memory;
            one(
                &mut out,
                "keyward_credentials_in_memory",
                "In the index.",
                "gauge",
                in_memory,
            );
            let p = g.passwords;
            one(
                &mut out,
                "keyward_password_hashes_total",
                "Hashes run.",
                "counter",
                p.hashes_total,
            );
            one(
                &mut out,
                "keyward_password_hashes_refused_total",
                "Refused.",
                "counter",
                p.refused_total,
            );
            one(
                &mut out,
                "keyward_password_hashes_peak_concurrency",
                "Peak.",
                "gauge",
                p.peak_concurrency,
            );
            one(&mut out, "keyward_password_hash_slots", "Slots.", "gauge", p.slots);
            out
        }
    }

    fn one(out: &mut String, name: &str, help: &str, kind: &str, value: impl Display) {
        let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
    }

    fn labels(k: &Key) -> String {
        let route = k.0.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        format!("route=\"{route}\",method=\"{}\",code=\"{}\"", k.1, k.2)
    }
}

/// What ships: the core's counters and the HTTP layer's, recorded as
/// `count_verify` and the request middleware record them.
struct Shipped {
    core: Metrics,
    requests: RequestMetrics,
}

impl Recorder for Shipped {
    fn name(&self) -> &'static str {
        "prometheus-client 0.26 (shipped)"
    }

    fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64) {
        self.core.count_verify(code);
        let labels = RequestLabels {
            route: route.to_owned(),
            method: method.to_owned(),
            code: status,
        };
        self.requests.observe(&labels, secs);
    }

    fn render(&self) -> String {
        self.requests.render() + &self.core.render(GAUGES)
    }
}
