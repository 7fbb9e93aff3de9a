//! Jobs that must run on one instance at a time, when several share the
//! database: the instance holding a job's lease runs it, renewing the lease
//! on every pass; another takes over once the lease lapses (its holder died
//! or stalled). A pass's changes commit only while the lease still carries
//! the fence the pass was given (see [`Change::fenced`]).
//!
//! [`Change::fenced`]: super::change::Change::fenced

use std::time::Duration;

use super::{Keyward, ServiceResult};
use crate::store;

/// Proof that this instance held `job`'s lease when the pass began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub job: &'static str,
    pub fence: i64,
}

/// The lease service, reached through [`Keyward::leases`].
pub struct Leases<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Leases<'_> {
    /// Takes or renews `job`'s lease for `ttl`; nothing while another
    /// instance holds it. Says so in the log when the job changes hands.
    pub async fn hold(&self, job: &'static str, ttl: Duration) -> ServiceResult<Option<Lease>> {
        let now = self.kw.now_ms();
        let until = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let mut tx = self.kw.store().write().await?;
        let fence = store::leases::acquire(&mut *tx, job, &self.kw.instance_id, now, until).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        let mut held = self.kw.held_leases.lock().expect("lease map lock is never poisoned");
        let before = match fence {
            Some(fence) => held.insert(job, fence),
            None => held.remove(job),
        };
        match (before, fence) {
            (before, Some(fence)) if before != Some(fence) => {
                tracing::info!(job, fence, "this instance runs the {job} job now");
            }
            (Some(_), None) => tracing::info!(job, "another instance runs the {job} job now"),
            _ => {}
        }
        Ok(fence.map(|fence| Lease { job, fence }))
    }

    /// Hands every lease back on a graceful stop, so another instance takes
    /// the job at its next pass instead of when the lease would have lapsed
    /// (a rolling restart does not pause the scheduler).
    pub async fn release_all(&self) -> ServiceResult<()> {
        let released = store::leases::release_all(self.kw.store().pool(), &self.kw.instance_id).await?;
        self.kw
            .held_leases
            .lock()
            .expect("lease map lock is never poisoned")
            .clear();
        if released > 0 {
            tracing::info!(leases = released, "handed this instance's job leases back");
        }
        Ok(())
    }
}
