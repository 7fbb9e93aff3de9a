//! The core's counters for `GET /metrics`, in the Prometheus text format:
//! verification outcomes, the usage flush, the pool, argon2 work. (Request
//! counts by route are the HTTP layer's.) Everything is an atomic bumped on
//! the request path; the text is only built when scraped.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::crypto::password::PasswordStats;
use crate::policy::VerifyCode;

/// The process's counters.
#[derive(Debug)]
pub struct Metrics {
    verify: [AtomicU64; VerifyCode::ALL.len()],
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
    /// argon2 work: how much ran, how much was refused, how much at once.
    pub passwords: PasswordStats,
}

impl Metrics {
    /// Counters starting from zero at `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Self {
            verify: Default::default(),
            flushed_at_ms: AtomicI64::new(0),
            started_at_ms: now_ms,
        }
    }

    /// Counts one verification outcome (verify, auth, tokens, the management API).
    pub fn count_verify(&self, code: VerifyCode) {
        if let Some(i) = VerifyCode::ALL.iter().position(|c| *c == code) {
            self.verify[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Notes a successful flush of last-used times.
    pub fn mark_flushed(&self, now_ms: i64) {
        self.flushed_at_ms.store(now_ms, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self, g: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP keyward_verifications_total Credential verifications by outcome code.\n");
        out.push_str("# TYPE keyward_verifications_total counter\n");
        for (i, code) in VerifyCode::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "keyward_verifications_total{{code=\"{}\"}} {}",
                code.as_str(),
                self.verify[i].load(Ordering::Relaxed)
            );
        }
        let limited = VerifyCode::ALL
            .iter()
            .position(|c| *c == VerifyCode::RateLimited)
            .map_or(0, |i| self.verify[i].load(Ordering::Relaxed));
        out.push_str("# HELP keyward_rate_limited_total Requests refused by a credential's rate limit.\n");
        out.push_str("# TYPE keyward_rate_limited_total counter\n");
        let _ = writeln!(out, "keyward_rate_limited_total {limited}");
        let flushed = self.flushed_at_ms.load(Ordering::Relaxed);
        let since = if flushed == 0 { self.started_at_ms } else { flushed };
        out.push_str(
            "# HELP keyward_usage_flush_lag_seconds Seconds since last-used times were last written to SQLite (or since start).\n",
        );
        out.push_str("# TYPE keyward_usage_flush_lag_seconds gauge\n");
        let _ = writeln!(
            out,
            "keyward_usage_flush_lag_seconds {}",
            (g.now_ms - since).max(0) as f64 / 1000.0
        );
        out.push_str("# HELP keyward_usage_pending Credentials with last-used times not yet written.\n");
        out.push_str("# TYPE keyward_usage_pending gauge\n");
        let _ = writeln!(out, "keyward_usage_pending {}", g.pending_usage);
        out.push_str("# HELP keyward_outbox_pending Webhook and e-mail deliveries waiting to be sent or retried.\n");
        out.push_str("# TYPE keyward_outbox_pending gauge\n");
        let _ = writeln!(out, "keyward_outbox_pending {}", g.outbox_pending);
        out.push_str("# HELP keyward_sqlite_pool_connections SQLite pool connections by state.\n");
        out.push_str("# TYPE keyward_sqlite_pool_connections gauge\n");
        let idle = g.pool_idle.min(g.pool_size as usize);
        let _ = writeln!(out, "keyward_sqlite_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(
            out,
            "keyward_sqlite_pool_connections{{state=\"in_use\"}} {}",
            g.pool_size as usize - idle
        );
        let _ = writeln!(out, "keyward_sqlite_pool_connections{{state=\"max\"}} {}", g.pool_max);
        out.push_str("# HELP keyward_sqlite_pool_saturation Share of the pool's maximum in use (0 to 1).\n");
        out.push_str("# TYPE keyward_sqlite_pool_saturation gauge\n");
        let _ = writeln!(
            out,
            "keyward_sqlite_pool_saturation {}",
            if g.pool_max == 0 {
                0.0
            } else {
                (g.pool_size as usize - idle) as f64 / f64::from(g.pool_max)
            }
        );
        out.push_str("# HELP keyward_credentials_in_memory Credentials in the verification index.\n");
        out.push_str("# TYPE keyward_credentials_in_memory gauge\n");
        let _ = writeln!(out, "keyward_credentials_in_memory {}", g.credentials_in_memory);
        render_passwords(&mut out, g.passwords);
        out
    }
}

/// The argon2 counters: a peak near the slots means sign-ins queue, and
/// refusals mean the queue overflowed.
fn render_passwords(out: &mut String, p: PasswordStats) {
    out.push_str("# HELP keyward_password_hashes_total Password hashes and checks (argon2id) run.\n");
    out.push_str("# TYPE keyward_password_hashes_total counter\n");
    let _ = writeln!(out, "keyward_password_hashes_total {}", p.hashes_total);
    out.push_str(
        "# HELP keyward_password_hashes_refused_total Password hashes and checks refused because the queue was full.\n",
    );
    out.push_str("# TYPE keyward_password_hashes_refused_total counter\n");
    let _ = writeln!(out, "keyward_password_hashes_refused_total {}", p.refused_total);
    out.push_str("# HELP keyward_password_hashes_peak_concurrency The most password hashes run at once since start.\n");
    out.push_str("# TYPE keyward_password_hashes_peak_concurrency gauge\n");
    let _ = writeln!(out, "keyward_password_hashes_peak_concurrency {}", p.peak_concurrency);
    out.push_str("# HELP keyward_password_hash_slots How many password hashes may run at once.\n");
    out.push_str("# TYPE keyward_password_hash_slots gauge\n");
    let _ = writeln!(out, "keyward_password_hash_slots {}", p.slots);
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
        assert!(text.contains("keyward_verifications_total{code=\"RATE_LIMITED\"} 1"));
        assert!(text.contains("keyward_rate_limited_total 1"));
        assert!(text.contains("keyward_usage_flush_lag_seconds 10"));
        assert!(text.contains("keyward_sqlite_pool_saturation 0.125"));
        assert!(text.contains("keyward_password_hashes_total 7\n"));
        assert!(text.contains("keyward_password_hashes_refused_total 1\n"));
        assert!(text.contains("keyward_password_hashes_peak_concurrency 2\n"));
        assert!(text.contains("keyward_password_hash_slots 2\n"));
        m.mark_flushed(9_500);
        assert!(m.render(gauges()).contains("keyward_usage_flush_lag_seconds 0.5"));
    }
}
