//! The core's counters for `GET /metrics`: verification outcomes, the usage
//! flush, the pool, argon2 work. (Request counts by route are the HTTP
//! layer's.) `prometheus-client` keeps them and writes the Prometheus text
//! (format 0.0.4); counting on the request path is an atomic add.

use std::sync::atomic::{AtomicI64, Ordering};

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use crate::crypto::password::PasswordStats;
use crate::policy::VerifyCode;

/// The process's counters.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// One counter per outcome, taken from the family once so that counting
    /// never looks up a label set.
    verify: [(VerifyCode, Counter); VerifyCode::ALL.len()],
    /// Unix milliseconds of the last successful usage flush (0: none yet).
    flushed_at_ms: AtomicI64,
    started_at_ms: i64,
}

/// Facts read at scrape time.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    pub now_ms: i64,
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
    pub credentials_in_memory: usize,
    pub pending_usage: usize,
    /// Webhook and e-mail deliveries waiting for an attempt or a retry.
    pub outbox_pending: i64,
    /// Change log rows written (by any process) that this one has not applied.
    pub change_feed_behind: i64,
    /// Seconds since this process last read the change log to its end.
    pub change_feed_age_secs: f64,
    /// argon2 work: how much ran, how much was refused, how much at once.
    pub passwords: PasswordStats,
}

/// One label and its value, e.g. `code="VALID"`.
type Label = [(&'static str, &'static str); 1];

impl Metrics {
    /// Counters starting from zero at `now_ms`. Every outcome code is shown
    /// from the start, at zero, so a rate over it never starts from nothing.
    pub fn new(now_ms: i64) -> Self {
        let mut registry = Registry::default();
        // The library appends `_total` to counters and a full stop to help texts.
        let by_code = Family::<Label, Counter>::default();
        registry.register(
            "keyward_verifications",
            "Credential verifications by outcome code",
            by_code.clone(),
        );
        let verify = VerifyCode::ALL.map(|code| (code, by_code.get_or_create_owned(&[("code", code.as_str())])));
        // The same counter as RATE_LIMITED's, under the name dashboards know.
        if let Some((_, limited)) = verify.iter().find(|(c, _)| *c == VerifyCode::RateLimited) {
            registry.register(
                "keyward_rate_limited",
                "Requests refused by a credential's rate limit",
                limited.clone(),
            );
        }
        Self {
            registry,
            verify,
            flushed_at_ms: AtomicI64::new(0),
            started_at_ms: now_ms,
        }
    }

    /// Counts one verification outcome (verify, auth, tokens, the management API).
    pub fn count_verify(&self, code: VerifyCode) {
        if let Some((_, counter)) = self.verify.iter().find(|(c, _)| *c == code) {
            counter.inc();
        }
    }

    /// Notes a successful flush of last-used times.
    pub fn mark_flushed(&self, now_ms: i64) {
        self.flushed_at_ms.store(now_ms, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4): the counters, then the
    /// facts of this scrape.
    pub fn render(&self, g: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        prometheus_text::encode(&mut out, &self.registry)
            .and_then(|()| prometheus_text::encode(&mut out, &self.scrape(g)))
            .expect("writing to a String cannot fail");
        out
    }

    /// What is read at scrape time, as constants in a registry of its own:
    /// two scrapes at once each write their own values, and nothing of them
    /// outlives the scrape.
    fn scrape(&self, g: Gauges) -> Registry {
        let mut r = Registry::default();
        let flushed = self.flushed_at_ms.load(Ordering::Relaxed);
        let since = if flushed == 0 { self.started_at_ms } else { flushed };
        r.register(
            "keyward_usage_flush_lag_seconds",
            "Seconds since last-used times were last written to SQLite (or since start)",
            ConstGauge::new((g.now_ms - since).max(0) as f64 / 1000.0),
        );
        r.register(
            "keyward_usage_pending",
            "Credentials with last-used times not yet written",
            ConstGauge::new(g.pending_usage),
        );
        r.register(
            "keyward_outbox_pending",
            "Webhook and e-mail deliveries waiting to be sent or retried",
            ConstGauge::new(g.outbox_pending),
        );
        r.register(
            "keyward_change_feed_behind",
            "Change log rows other processes wrote that this one has not applied yet",
            ConstGauge::new(g.change_feed_behind),
        );
        r.register(
            "keyward_change_feed_lag_seconds",
            "Seconds since this process last read the change log to its end",
            ConstGauge::new(g.change_feed_age_secs),
        );
        let idle = g.pool_idle.min(g.pool_size as usize);
        let in_use = g.pool_size as usize - idle;
        let pool = Family::<Label, Gauge>::default();
        for (state, n) in [("idle", idle), ("in_use", in_use), ("max", g.pool_max as usize)] {
            pool.get_or_create(&[("state", state)]).set(n as i64);
        }
        r.register(
            "keyward_sqlite_pool_connections",
            "SQLite pool connections by state",
            pool,
        );
        let saturation = if g.pool_max == 0 {
            0.0
        } else {
            in_use as f64 / f64::from(g.pool_max)
        };
        r.register(
            "keyward_sqlite_pool_saturation",
            "Share of the pool's maximum in use (0 to 1)",
            ConstGauge::new(saturation),
        );
        r.register(
            "keyward_credentials_in_memory",
            "Credentials in the verification index",
            ConstGauge::new(g.credentials_in_memory),
        );
        register_passwords(&mut r, g.passwords);
        r
    }
}

/// The argon2 counters: a peak near the slots means sign-ins queue, and
/// refusals mean the queue overflowed. `Passwords` counts them; the scrape
/// shows its totals.
fn register_passwords(r: &mut Registry, p: PasswordStats) {
    r.register(
        "keyward_password_hashes",
        "Password hashes and checks (argon2id) run",
        ConstCounter::new(p.hashes_total),
    );
    r.register(
        "keyward_password_hashes_refused",
        "Password hashes and checks refused because the queue was full",
        ConstCounter::new(p.refused_total),
    );
    r.register(
        "keyward_password_hashes_peak_concurrency",
        "The most password hashes run at once since start",
        ConstGauge::new(p.peak_concurrency),
    );
    r.register(
        "keyward_password_hash_slots",
        "How many password hashes may run at once",
        ConstGauge::new(p.slots),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges {
        Gauges {
            now_ms: 10_000,
            pool_size: 4,
            pool_idle: 3,
            pool_max: 8,
            credentials_in_memory: 2,
            pending_usage: 1,
            outbox_pending: 0,
            change_feed_behind: 3,
            change_feed_age_secs: 0.25,
            passwords: PasswordStats {
                hashes_total: 7,
                refused_total: 1,
                peak_concurrency: 2,
                slots: 2,
            },
        }
    }

    #[test]
    fn counters_add_up_and_the_flush_lag_follows_the_clock() {
        let m = Metrics::new(0);
        m.count_verify(VerifyCode::RateLimited);
        m.count_verify(VerifyCode::Valid);
        let text = m.render(gauges());
        for line in [
            "keyward_verifications_total{code=\"RATE_LIMITED\"} 1\n",
            "keyward_verifications_total{code=\"VALID\"} 1\n",
            "keyward_verifications_total{code=\"NOT_FOUND\"} 0\n",
            "keyward_rate_limited_total 1\n",
            "keyward_usage_flush_lag_seconds 10.0\n",
            "keyward_usage_pending 1\n",
            "keyward_outbox_pending 0\n",
            "keyward_change_feed_behind 3\n",
            "keyward_change_feed_lag_seconds 0.25\n",
            "keyward_sqlite_pool_connections{state=\"idle\"} 3\n",
            "keyward_sqlite_pool_connections{state=\"in_use\"} 1\n",
            "keyward_sqlite_pool_connections{state=\"max\"} 8\n",
            "keyward_sqlite_pool_saturation 0.125\n",
            "keyward_credentials_in_memory 2\n",
            "keyward_password_hashes_total 7\n",
            "keyward_password_hashes_refused_total 1\n",
            "keyward_password_hashes_peak_concurrency 2\n",
            "keyward_password_hash_slots 2\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in:\n{text}");
        }
        m.mark_flushed(9_500);
        assert!(m.render(gauges()).contains("keyward_usage_flush_lag_seconds 0.5\n"));
    }

    /// Names, help texts and types as they were when the text was written by
    /// hand: dashboards and alerts keep working.
    #[test]
    fn descriptors_are_unchanged_on_the_wire() {
        let text = Metrics::new(0).render(gauges());
        for (name, help, kind) in [
            (
                "keyward_verifications_total",
                "Credential verifications by outcome code.",
                "counter",
            ),
            (
                "keyward_rate_limited_total",
                "Requests refused by a credential's rate limit.",
                "counter",
            ),
            (
                "keyward_usage_flush_lag_seconds",
                "Seconds since last-used times were last written to SQLite (or since start).",
                "gauge",
            ),
            (
                "keyward_sqlite_pool_saturation",
                "Share of the pool's maximum in use (0 to 1).",
                "gauge",
            ),
            (
                "keyward_change_feed_lag_seconds",
                "Seconds since this process last read the change log to its end.",
                "gauge",
            ),
            (
                "keyward_password_hashes_refused_total",
                "Password hashes and checks refused because the queue was full.",
                "counter",
            ),
        ] {
            assert!(
                text.contains(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n")),
                "{name}"
            );
        }
        assert_eq!(text.matches("# TYPE ").count(), 14, "{text}");
        assert!(!text.contains("# EOF"), "0.0.4 has no end marker:\n{text}");
    }
}
