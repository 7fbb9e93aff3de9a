//! Request counts and latency for `/metrics`, by route pattern, method and
//! status: HTTP facts, so they live with the HTTP layer; the core's own
//! counters (verifications, the usage flush, the pool) are rendered after
//! them. `prometheus-client` keeps them and writes the Prometheus text
//! (format 0.0.4).

use prometheus_client::encoding::{EncodeLabelSet, prometheus_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// What a request is counted under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct RequestLabels {
    /// The matched route pattern, never the raw path (which would carry ids,
    /// and make the label set unbounded).
    pub route: String,
    pub method: String,
    /// The response's status.
    pub code: u16,
}

type Latency = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The process's request counts.
#[derive(Debug)]
pub struct RequestMetrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        // The library appends `_total` to counters and a full stop to help texts.
        let requests = Family::default();
        registry.register(
            "keyward_http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(|| Histogram::new(BUCKETS));
        registry.register(
            "keyward_http_request_duration_seconds",
            "HTTP request latency by route, method and status",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl RequestMetrics {
    /// Counts one request that took `secs`.
    pub fn observe(&self, labels: &RequestLabels, secs: f64) {
        self.requests.get_or_create(labels).inc();
        self.latency.get_or_create(labels).observe(secs);
    }

    /// The Prometheus text (format 0.0.4) of the request counts; nothing
    /// before the first request.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        prometheus_text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(code: u16) -> RequestLabels {
        RequestLabels {
            route: "/v1/auth".into(),
            method: "GET".into(),
            code,
        }
    }

    #[test]
    fn histograms_are_cumulative_and_counts_add_up() {
        let m = RequestMetrics::default();
        m.observe(&auth(200), 0.0004);
        m.observe(&auth(200), 0.003);
        m.observe(&auth(401), 0.2);
        let text = m.render();
        for line in [
            "# HELP keyward_http_requests_total HTTP requests by route, method and status.\n",
            "# TYPE keyward_http_requests_total counter\n",
            "keyward_http_requests_total{route=\"/v1/auth\",method=\"GET\",code=\"200\"} 2\n",
            "# HELP keyward_http_request_duration_seconds HTTP request latency by route, method and status.\n",
            "# TYPE keyward_http_request_duration_seconds histogram\n",
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"0.0005\"} 1\n",
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"0.005\"} 2\n",
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"2.5\"} 2\n",
            "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"401\",le=\"+Inf\"} 1\n",
            "keyward_http_request_duration_seconds_sum{route=\"/v1/auth\",method=\"GET\",code=\"401\"} 0.2\n",
            "keyward_http_request_duration_seconds_count{route=\"/v1/auth\",method=\"GET\",code=\"200\"} 2\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
    }
}
