//! Usage analytics: a credential's calls by hour or day and outcome, and the
//! 90-day retention of the hourly rows.

use super::{Caller, Keyward, ServiceResult};
use crate::authz::Access;
use crate::domain::ValidationError;
use crate::domain::usage::{CredentialTraffic, Granularity, RefusalCount, UsageBucket, UsageOverview, UsageSeries};
use crate::store::consumer_keys::ConsumerUse;
use crate::store::usage::Range;
use crate::store::{self, StoreError};

/// Hourly rows are kept this long, then rolled up into days.
pub const HOURLY_RETENTION_SECS: i64 = 90 * 86_400;
/// The widest range one request may ask for.
const MAX_RANGE_SECS: i64 = 400 * 86_400;
/// A working credential unused this long is listed as stale.
pub const STALE_AFTER_SECS: i64 = 30 * 86_400;
/// Usage analytics, and the batched write of what the hot path counted.
#[derive(Clone, Copy)]
pub struct Usage<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Usage<'_> {
    /// The calls of credential `key_id` in `[from, to)` (defaults: the last 24
    /// hours by hour, or the last 30 days by day). Counts written in the last
    /// few seconds may not be in it yet: they are flushed in batches.
    pub async fn series(
        &self,
        caller: &Caller,
        key_id: &str,
        from: Option<i64>,
        to: Option<i64>,
        granularity: Option<Granularity>,
    ) -> ServiceResult<UsageSeries> {
        let granularity = granularity.unwrap_or_default();
        let to = to.unwrap_or_else(|| self.kw.now() + 1);
        let from = from.unwrap_or(match granularity {
            Granularity::Hour => to.saturating_sub(86_400),
            Granularity::Day => to.saturating_sub(30 * 86_400),
        });
        if from >= to {
            return Err(ValidationError::new("from", "must be before to").into());
        }
        if to.checked_sub(from).is_none_or(|span| span > MAX_RANGE_SECS) {
            return Err(ValidationError::new("from", "the range may span at most 400 days").into());
        }
        let (row, _) = self
            .kw
            .credentials()
            .credential_for(caller, key_id, Access::Read)
            .await?;
        let rows = store::usage::series(
            self.kw.store().pool(),
            row.id,
            from,
            to,
            granularity == Granularity::Day,
        )
        .await?;
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

    /// The dashboard's analytics over the last `days` (1 = 24 hours by hour,
    /// otherwise by day, at most 90) for one account or, with `None`, every
    /// account the caller may read.
    pub async fn overview(&self, caller: &Caller, account: Option<&str>, days: i64) -> ServiceResult<UsageOverview> {
        if !(1..=90).contains(&days) {
            return Err(ValidationError::new("days", "must be between 1 and 90").into());
        }
        let accounts: Vec<_> = match account {
            Some(name) => vec![self.kw.credentials().account_for(caller, name, Access::Read).await?.id],
            None => self
                .kw
                .credentials()
                .readable_accounts(caller)
                .await?
                .iter()
                .map(|a| a.id)
                .collect(),
        };
        let granularity = if days == 1 { Granularity::Hour } else { Granularity::Day };
        let step = granularity.seconds();
        let now = self.kw.now();
        let to = (now / step + 1) * step;
        let range = Range {
            accounts: &accounts,
            from: to - days * 86_400,
            to,
            daily: granularity == Granularity::Day,
        };
        let pool = self.kw.store().pool();
        let buckets = store::usage::totals(pool, &range).await?;
        let mut top = Vec::new();
        for t in store::usage::top_credentials(pool, &range, 10).await? {
            if let Some(row) = store::credentials::find(pool, t.credential_id).await? {
                top.push(CredentialTraffic {
                    credential: row.into_credential(now)?,
                    calls: t.calls,
                    refused: t.refused,
                });
            }
        }
        let refusals = store::usage::refusals(pool, &range, 10).await?;
        let mut conn = pool.acquire().await.map_err(store::StoreError::from)?;
        let (unused, unused_count) =
            store::credentials::unused_since(&mut conn, &accounts, now - STALE_AFTER_SECS, now, 8).await?;
        Ok(UsageOverview {
            account: account.map(str::to_owned),
            granularity,
            from: range.from,
            to,
            buckets: buckets
                .into_iter()
                .map(|b| UsageBucket {
                    t: b.t,
                    code: b.code,
                    count: b.count,
                })
                .collect(),
            top,
            refusals: refusals
                .into_iter()
                .map(|(code, count)| RefusalCount { code, count })
                .collect(),
            unused: unused
                .into_iter()
                .map(|r| r.into_credential(now))
                .collect::<Result<_, _>>()?,
            unused_count,
        })
    }

    /// Rolls hourly rows older than 90 days (whole days) into daily ones.
    pub async fn roll_up(&self) -> ServiceResult<u64> {
        let cutoff = self.kw.now() - HOURLY_RETENTION_SECS;
        let cutoff = cutoff - cutoff.rem_euclid(86_400);
        let mut tx = self.kw.store().write().await?;
        let rolled = store::usage::roll_up(&mut tx, cutoff).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(rolled)
    }

    /// Writes pending last-used times and usage counts to SQLite in one
    /// transaction. Called every few seconds and on shutdown; a failed batch
    /// goes back into memory.
    pub async fn flush(&self) -> ServiceResult<usize> {
        let batch = self.kw.verifier().usage().drain();
        let consumers = self.kw.verifier().consumer_usage().drain();
        let previous = self.kw.verifier().previous_usage().drain();
        let counts = self.kw.verifier().counts().drain();
        if batch.is_empty() && counts.is_empty() && consumers.is_empty() && previous.is_empty() {
            self.kw.metrics().mark_flushed(self.kw.now_ms());
            return Ok(0);
        }
        let result: Result<(), StoreError> = async {
            let mut tx = self.kw.store().write().await?;
            store::credentials::record_usage(&mut tx, &batch).await?;
            store::credentials::record_previous_usage(&mut tx, &previous).await?;
            let consumer_uses: Vec<ConsumerUse> = consumers
                .iter()
                .map(|u| ConsumerUse {
                    id: u.credential_id,
                    at: u.at,
                    ip: u.ip.clone(),
                })
                .collect();
            store::consumer_keys::record_usage(&mut tx, &consumer_uses).await?;
            store::usage::add(&mut tx, &counts).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {
                self.kw.metrics().mark_flushed(self.kw.now_ms());
                // After the commit, in its own transaction: a failure here
                // must never hold back the counts and last-used times.
                if let Err(e) = self.kw.notifications().announce_rate_limits(&counts).await {
                    tracing::warn!(error = %e, "writing ratelimit.exceeded events failed");
                }
                Ok(batch.len())
            }
            Err(e) => {
                self.kw.verifier().usage().restore(batch);
                self.kw.verifier().consumer_usage().restore(consumers);
                self.kw.verifier().previous_usage().restore(previous);
                self.kw.verifier().counts().restore(counts);
                Err(e.into())
            }
        }
    }
}
