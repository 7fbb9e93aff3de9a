//! What `/metrics` costs a request: `cargo bench -p keyward-server --bench metrics_record`.
//!
//! Issue 13 asks to measure the hand-written Prometheus counters against
//! `prometheus-client` and `metrics` + `metrics-exporter-prometheus` on what
//! `/v1/auth` records per request: one verification outcome and one request
//! (counter and latency histogram, labelled route="/v1/auth", method="GET",
//! code="200"), with 20 routes already known. Each is timed on one thread and
//! on two threads sharing the same metrics, then one scrape of the 20 routes
//! is timed. Figures, not assertions: the machine is noisy, the ratio to the
//! hand-written baseline is what counts.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use keyward::policy::VerifyCode;

/// Upper bounds of the latency buckets, in seconds (as in production).
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

/// One way of keeping the counters.
trait Recorder: Sync {
    fn name(&self) -> &'static str;
    /// What one request records: its verification outcome, then the request.
    fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64);
    /// The scrape: the whole text.
    fn render(&self) -> String;
    /// Work done between scrapes, outside the timed loop.
    fn upkeep(&self) {}
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
    r.upkeep();
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
        r.upkeep();
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
        Box::new(pc::PromClient::new()),
        Box::new(mx::MetricsRs::new()),
    ];
    println!("{OPS} requests per round, {ROUNDS} rounds, 20 routes; median of rounds");
    println!(
        "{:<40} {:>10} {:>7} {:>14} {:>7} {:>11} {:>7}",
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
            "{:<40} {:>7.1} ns {:>7.2} {:>11.1} ns {:>7.2} {:>8.1} µs {:>7.2}",
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
/// outcome, and a map of atomic histograms behind an `RwLock`.
mod hand {
    use std::collections::HashMap;
    use std::fmt::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, RwLock};

    use super::{BUCKETS, VerifyCode};

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
            out
        }
    }

    fn labels(k: &Key) -> String {
        let route = k.0.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        format!("route=\"{route}\",method=\"{}\",code=\"{}\"", k.1, k.2)
    }
}

/// `prometheus-client`: families of counters and histograms in a registry.
mod pc {
    use prometheus_client::encoding::EncodeLabelSet;
    use prometheus_client::metrics::counter::Counter;
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::histogram::Histogram;
    use prometheus_client::registry::Registry;

    use super::{BUCKETS, VerifyCode};

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct RequestLabels {
        route: String,
        method: String,
        code: u16,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct CodeLabel {
        code: &'static str,
    }

    type Latency = Family<RequestLabels, Histogram, fn() -> Histogram>;

    pub struct PromClient {
        registry: Registry,
        verify: Vec<Counter>,
        requests: Family<RequestLabels, Counter>,
        latency: Latency,
    }

    impl PromClient {
        pub fn new() -> Self {
            let mut registry = Registry::default();
            let verifications = Family::<CodeLabel, Counter>::default();
            registry.register(
                "keyward_verifications",
                "Credential verifications by outcome code.",
                verifications.clone(),
            );
            let verify = VerifyCode::ALL
                .iter()
                .map(|c| verifications.get_or_create_owned(&CodeLabel { code: c.as_str() }))
                .collect();
            let requests = Family::default();
            registry.register(
                "keyward_http_requests",
                "HTTP requests by route, method and status.",
                requests.clone(),
            );
            let latency: Latency = Family::new_with_constructor(|| Histogram::new(BUCKETS));
            registry.register(
                "keyward_http_request_duration_seconds",
                "HTTP request latency.",
                latency.clone(),
            );
            Self {
                registry,
                verify,
                requests,
                latency,
            }
        }
    }

    impl super::Recorder for PromClient {
        fn name(&self) -> &'static str {
            "prometheus-client 0.26"
        }

        fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64) {
            if let Some(i) = VerifyCode::ALL.iter().position(|c| *c == code) {
                self.verify[i].inc();
            }
            let labels = RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                code: status,
            };
            self.requests.get_or_create(&labels).inc();
            self.latency.get_or_create(&labels).observe(secs);
        }

        fn render(&self) -> String {
            let mut out = String::with_capacity(4096);
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry).unwrap();
            out
        }
    }
}

/// `metrics` + `metrics-exporter-prometheus`: the macros, against a recorder
/// of our own rather than the process-wide one.
mod mx {
    use metrics::{Counter, counter, describe_counter, describe_histogram, histogram, with_local_recorder};
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

    use super::{BUCKETS, VerifyCode};

    pub struct MetricsRs {
        recorder: PrometheusRecorder,
        handle: PrometheusHandle,
        verify: Vec<Counter>,
    }

    impl MetricsRs {
        pub fn new() -> Self {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("keyward_http_request_duration_seconds".into()), &BUCKETS)
                .unwrap()
                .build_recorder();
            let handle = recorder.handle();
            let verify = with_local_recorder(&recorder, || {
                describe_counter!(
                    "keyward_verifications_total",
                    "Credential verifications by outcome code."
                );
                describe_counter!(
                    "keyward_http_requests_total",
                    "HTTP requests by route, method and status."
                );
                describe_histogram!("keyward_http_request_duration_seconds", "HTTP request latency.");
                VerifyCode::ALL
                    .iter()
                    .map(|c| counter!("keyward_verifications_total", "code" => c.as_str()))
                    .collect()
            });
            Self {
                recorder,
                handle,
                verify,
            }
        }
    }

    impl super::Recorder for MetricsRs {
        fn name(&self) -> &'static str {
            "metrics 0.24 + exporter-prometheus 0.18"
        }

        fn record(&self, code: VerifyCode, route: &str, method: &str, status: u16, secs: f64) {
            if let Some(i) = VerifyCode::ALL.iter().position(|c| *c == code) {
                self.verify[i].increment(1);
            }
            let labels = [
                ("route", route.to_owned()),
                ("method", method.to_owned()),
                ("code", status.to_string()),
            ];
            with_local_recorder(&self.recorder, || {
                counter!("keyward_http_requests_total", &labels).increment(1);
                histogram!("keyward_http_request_duration_seconds", &labels).record(secs);
            });
        }

        fn render(&self) -> String {
            self.handle.render()
        }

        fn upkeep(&self) {
            self.handle.run_upkeep();
        }
    }
}
