//! Keeping what this process holds in memory (the verification index, the
//! signing keys, the revoked-token denylist) in step with changes other
//! processes made: a second server instance, or the CLI. Every change is
//! logged in its own transaction (see `change.rs`); each process applies the
//! log's rows after the last one it applied, several times a second. A
//! process that fell behind the log's pruning reloads everything instead.

use super::{Keyward, ServiceResult};
use crate::store;
use crate::store::changes::Changed;

/// How many log rows one query reads.
const BATCH: u32 = 500;

/// The coherence service, reached through [`Keyward::coherence`].
pub struct Coherence<'a> {
    pub(in crate::service) kw: &'a Keyward,
}

impl Coherence<'_> {
    /// Applies the changes logged since the last call; answers how many.
    /// Applying is idempotent (a reload never goes back to an older
    /// version), so this process's own changes are simply applied again.
    pub async fn catch_up(&self) -> ServiceResult<usize> {
        let mut applied = self.kw.applied_change.lock().await;
        let pool = self.kw.store().pool();
        if store::changes::pruned_through(pool).await? > *applied {
            *applied = self.reload_all().await?;
            tracing::warn!(
                through = *applied,
                "this process fell behind the change log; reloaded everything"
            );
        }
        let mut count = 0;
        loop {
            let batch = store::changes::after(pool, *applied, BATCH).await?;
            let full = batch.len() == BATCH as usize;
            for (seq, change) in batch {
                self.apply(change).await?;
                *applied = seq;
                count += 1;
            }
            if !full {
                self.kw
                    .caught_up_at_ms
                    .store(self.kw.now_ms(), std::sync::atomic::Ordering::Relaxed);
                return Ok(count);
            }
        }
    }

    /// Brings one thing in memory up to date with the database.
    pub(crate) async fn apply(&self, change: Changed) -> ServiceResult<()> {
        match change {
            Changed::Credential(id) => self.kw.verification().refresh_credential(id).await?,
            Changed::Account(id) => {
                if let Some(account) = store::accounts::find(self.kw.store().pool(), id).await? {
                    self.kw.verifier().put_account((&account).into());
                }
            }
            Changed::SigningKeys => self.kw.oauth().reload_keyring().await?,
            Changed::TokenRevoked { jti, expires_at } => self.kw.denylist.insert(&jti, expires_at),
        }
        Ok(())
    }

    /// Reloads everything the log would have told; answers the last log row
    /// the reload covers (read first, so a change racing with the reload is
    /// applied again from the log).
    async fn reload_all(&self) -> ServiceResult<i64> {
        let pool = self.kw.store().pool();
        let through = store::changes::latest(pool).await?;
        self.kw.verifier().put_all(
            &store::accounts::list(pool).await?,
            &store::credentials::all(pool).await?,
            store::credentials::all_secrets(pool).await?,
            store::consumer_keys::all_live(pool).await?,
        )?;
        self.kw.oauth().reload_keyring().await?;
        for (jti, exp) in store::signing_keys::revoked_tokens(pool, self.kw.now()).await? {
            self.kw.denylist.insert(&jti, exp);
        }
        Ok(through)
    }

    /// Forgets log rows older than an hour: a process more than an hour
    /// behind reloads everything.
    pub async fn prune_log(&self) -> ServiceResult<i64> {
        let mut tx = self.kw.store().write().await?;
        let pruned = store::changes::prune(&mut tx, self.kw.now() - KEEP_LOG_SECS).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(pruned)
    }
}

/// How far this process's memory is behind the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLag {
    /// Log rows written that this process has not applied yet.
    pub behind: i64,
    /// Milliseconds since this process last read the log to its end.
    pub since_caught_up_ms: i64,
}

impl FeedLag {
    /// A process that has not read the log to its end for this long may be
    /// serving stale credentials: `/readyz` takes it out of rotation.
    pub const STALE_AFTER_MS: i64 = 10_000;

    pub fn is_stale(&self) -> bool {
        self.since_caught_up_ms > Self::STALE_AFTER_MS
    }
}

impl Coherence<'_> {
    /// How far behind the change log this process is, for `/readyz` and `/metrics`.
    pub async fn lag(&self) -> ServiceResult<FeedLag> {
        let latest = store::changes::latest(self.kw.store().pool()).await?;
        let applied = *self.kw.applied_change.lock().await;
        let at = self.kw.caught_up_at_ms.load(std::sync::atomic::Ordering::Relaxed);
        Ok(FeedLag {
            behind: (latest - applied).max(0),
            since_caught_up_ms: (self.kw.now_ms() - at).max(0),
        })
    }
}

/// How long change log rows are kept.
const KEEP_LOG_SECS: i64 = 3_600;
