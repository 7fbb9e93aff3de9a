//! Usage analytics: a credential's calls by hour or day and outcome, and the
//! 90-day retention of the hourly rows.

use super::caller::Need;
use super::{Caller, Keyward, ServiceResult};
use crate::domain::ValidationError;
use crate::domain::usage::{Granularity, UsageBucket, UsageSeries};
use crate::store;

/// Hourly rows are kept this long, then rolled up into days.
pub const HOURLY_RETENTION_SECS: i64 = 90 * 86_400;
/// The widest range one request may ask for.
const MAX_RANGE_SECS: i64 = 400 * 86_400;

impl Keyward {
    /// The calls of credential `key_id` in `[from, to)` (defaults: the last 24
    /// hours by hour, or the last 30 days by day). Counts written in the last
    /// few seconds may not be in it yet: they are flushed in batches.
    pub async fn usage(
        &self,
        caller: &Caller,
        key_id: &str,
        from: Option<i64>,
        to: Option<i64>,
        granularity: Option<Granularity>,
    ) -> ServiceResult<UsageSeries> {
        let granularity = granularity.unwrap_or_default();
        let to = to.unwrap_or_else(|| self.now() + 1);
        let from = from.unwrap_or(match granularity {
            Granularity::Hour => to - 86_400,
            Granularity::Day => to - 30 * 86_400,
        });
        if from >= to {
            return Err(ValidationError::new("from", "must be before to").into());
        }
        if to - from > MAX_RANGE_SECS {
            return Err(ValidationError::new("from", "the range may span at most 400 days").into());
        }
        let (row, _) = self.credential_for(caller, key_id, Need::Read).await?;
        let rows = store::usage::series(self.store().pool(), row.id, from, to, granularity == Granularity::Day).await?;
        Ok(UsageSeries {
            key: row.public_id,
            granularity,
            from,
            to,
            buckets: rows
                .into_iter()
                .map(|b| UsageBucket {
                    t: b.t,
                    code: b.code,
                    count: b.count,
                })
                .collect(),
        })
    }

    /// Rolls hourly rows older than 90 days (whole days) into daily ones.
    pub async fn roll_up_usage(&self) -> ServiceResult<u64> {
        let cutoff = self.now() - HOURLY_RETENTION_SECS;
        let cutoff = cutoff - cutoff.rem_euclid(86_400);
        let mut tx = self.store().write().await?;
        let rolled = store::usage::roll_up(&mut tx, cutoff).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(rolled)
    }
}
