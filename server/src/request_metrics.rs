//! Request counts and latency for `/metrics`, by route pattern, method and
//! status: HTTP facts, so they live with the HTTP layer; the core's own
//! counters (verifications, the usage flush, the pool) are rendered after
//! them. Every count is an atomic bumped on the request path; the text is
//! built only when scraped.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// One latency histogram (cumulative buckets are computed when rendering).
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, secs: f64) {
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }
}

/// `(route, method, status)`.
type Key = (String, String, u16);

/// The process's request counts.
#[derive(Debug, Default)]
pub struct RequestMetrics {
    by_route: RwLock<HashMap<Key, Arc<Histogram>>>,
}

impl RequestMetrics {
    /// Counts one request. `route` is the matched route pattern, never the
    /// raw path (which would carry ids, and make the label set unbounded).
    pub fn observe(&self, route: &str, method: &str, status: u16, secs: f64) {
        let key = (route.to_owned(), method.to_owned(), status);
        if let Some(h) = self.by_route.read().expect("metrics lock is never poisoned").get(&key) {
            h.observe(secs);
            return;
        }
        let h = self
            .by_route
            .write()
            .expect("metrics lock is never poisoned")
            .entry(key)
            .or_default()
            .clone();
        h.observe(secs);
    }

    /// The Prometheus text (format 0.0.4) of the request counts.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP keyward_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE keyward_http_requests_total counter\n");
        let http = self.by_route.read().expect("metrics lock is never poisoned");
        let mut keys: Vec<&Key> = http.keys().collect();
        keys.sort();
        for k in &keys {
            let _ = writeln!(
                out,
                "keyward_http_requests_total{{{}}} {}",
                labels(k),
                http[*k].count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP keyward_http_request_duration_seconds HTTP request latency by route, method and status.\n",
        );
        out.push_str("# TYPE keyward_http_request_duration_seconds histogram\n");
        for k in &keys {
            let h = &http[*k];
            let labels = labels(k);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.buckets[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "keyward_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let count = h.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "keyward_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "keyward_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(out, "keyward_http_request_duration_seconds_count{{{labels}}} {count}");
        }
        out
    }
}

fn labels(k: &Key) -> String {
    format!("route=\"{}\",method=\"{}\",code=\"{}\"", escape(&k.0), k.1, k.2)
}

/// A label value as the exposition format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counts_add_up() {
        let m = RequestMetrics::default();
        m.observe("/v1/auth", "GET", 200, 0.0004);
        m.observe("/v1/auth", "GET", 200, 0.003);
        m.observe("/v1/auth", "GET", 401, 0.2);
        let text = m.render();
        assert!(text.contains("keyward_http_requests_total{route=\"/v1/auth\",method=\"GET\",code=\"200\"} 2"));
        assert!(text.contains(
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"0.005\"} 2"
        ));
        assert!(text.contains(
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"401\",le=\"+Inf\"} 1"
        ));
    }
}
