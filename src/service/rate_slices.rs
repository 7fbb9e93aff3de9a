//! Rate limits across instances. Each instance keeps its exact in-memory
//! limiter (`ratelimit.rs`); on PostgreSQL, where several instances serve one
//! database, a request must also hold a token leased from the credential's
//! shared bucket (`rate_limit_budgets`). Instances lease small slices with one
//! atomic update and spend them locally, so the hot path reaches the database
//! once per slice, not once per request.
//!
//! The bound: a token is taken from the shared GCRA bucket when its slice is
//! leased and must be spent within [`slice_life_ms`], so the requests admitted
//! in any window were all taken from the bucket in that window or in the
//! `slice_life_ms` before it. The bucket gives at most `burst + W × rate` over
//! a window W; the calls admitted over all instances are therefore at most
//! that plus `slice_life_ms × rate`, which is a tenth of the window's limit:
//! within 1.1 × L whatever the number of
//! instances or the shape of the burst. A lease never overdraws, so a burst
//! against a fresh bucket admits at most `burst` calls in all.
//!
//! A slice is sized by how many calls this instance saw for the credential
//! during the last slice life (at least 1, at most a tenth of the burst), so
//! a quiet credential leases one token at a time and wastes none, and a busy
//! one leases in bulk. Unspent tokens of an expired slice are lost: that can
//! only admit less, never more.

use std::collections::HashMap;
use std::sync::Arc;

use super::Keyward;
use crate::domain::rate_limit::RateLimit;
use crate::store;

/// One instance's unspent share of one credential's budget.
#[derive(Debug, Clone, Copy)]
struct Slice {
    tokens: u32,
    expires_ms: i64,
    /// Calls seen in the current slice life, since `counting_since_ms`.
    demand: u32,
    counting_since_ms: i64,
    /// Calls seen in the last full slice life.
    last_demand: u32,
}

/// The slices this instance holds, by credential id. Each has a lock of its
/// own, held across its lease's database call: a credential renewing its
/// slice makes only its own requests wait, never another credential's.
#[derive(Debug, Default)]
pub struct Slices(std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Slice>>>>);

/// How long a leased token may be spent: a tenth of the window.
pub fn slice_life_ms(limit: RateLimit) -> i64 {
    (i64::from(limit.window_seconds) * 100).max(1)
}

/// The shared-budget service, reached through [`Keyward::shared_limits`].
pub struct SharedLimits<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl SharedLimits<'_> {
    /// Takes one token of `credential`'s shared budget; false when every
    /// instance together has used it up. Always true on SQLite (one process
    /// serves the database, and its in-memory limiter is exact). When the
    /// database cannot be reached, the instance's own limiter alone decides.
    pub async fn take(&self, credential: i64, limit: RateLimit, now_ms: i64) -> bool {
        if !self.kw.store().is_shared() || limit.limit == 0 {
            return true;
        }
        let life = slice_life_ms(limit);
        let held = {
            let mut slices = self.kw.slices.0.lock().expect("slice map lock is never poisoned");
            let fresh = Slice {
                tokens: 0,
                expires_ms: 0,
                demand: 0,
                counting_since_ms: now_ms,
                last_demand: 0,
            };
            slices
                .entry(credential)
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(fresh)))
                .clone()
        };
        let mut slice = held.lock().await;
        if now_ms - slice.counting_since_ms >= life {
            slice.last_demand = slice.demand;
            slice.demand = 0;
            slice.counting_since_ms = now_ms;
        }
        slice.demand = slice.demand.saturating_add(1);
        if slice.tokens > 0 && slice.expires_ms > now_ms {
            slice.tokens -= 1;
            return true;
        }
        let interval = limit.interval_us();
        let tolerance = interval * i64::from(limit.burst.max(1));
        let now_us = now_ms * 1000;
        let most = (limit.burst / 10).max(1);
        let wanted = slice.demand.max(slice.last_demand).clamp(1, most);
        for size in [wanted, 1] {
            match store::rate_budgets::take(
                self.kw.store().pool(),
                credential,
                now_us,
                interval * i64::from(size),
                tolerance,
            )
            .await
            {
                Ok(true) => {
                    slice.tokens = size - 1;
                    slice.expires_ms = now_ms + life;
                    return true;
                }
                Ok(false) if size > 1 => {}
                Ok(false) => return false,
                Err(e) => {
                    tracing::warn!(error = %e, "the shared rate-limit budget is unreachable; this instance's limit alone applies");
                    return true;
                }
            }
        }
        false
    }

    /// Forgets slices that have expired (one being renewed right now stays).
    pub fn prune(&self, now_ms: i64) {
        self.kw
            .slices
            .0
            .lock()
            .expect("slice map lock is never poisoned")
            .retain(|_, s| s.try_lock().map_or(true, |s| s.expires_ms > now_ms));
    }
}
