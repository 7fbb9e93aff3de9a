//! The background jobs: the periodic passes over the store and the delivery
//! worker. One runner starts them all and stops them all the same way: a
//! stop lets each job finish the pass it is in (a usage flush or a delivery
//! half done would have to be redone), then waits for every task, attempts
//! in flight included, up to a bound.

use keyward::service::Keyward;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How often expired sessions, old usage rows, old events and expired
/// revocations are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// How often last-used times move from memory to the database.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// How often the scheduler looks for expiring keys (the issue asks for at
/// least every minute).
const SCAN_EVERY: Duration = Duration::from_secs(30);

/// How often the server looks for a retired signing key whose publication
/// ended (and, as a backstop, for any change to the keys).
const KEY_WATCH_EVERY: Duration = Duration::from_secs(5);

/// How often the server applies changes made by other processes (another
/// instance, the CLI): a revocation anywhere holds everywhere within this,
/// plus the time the pass takes.
const CATCH_UP_EVERY: Duration = Duration::from_millis(250);

/// How often the delivery worker looks at the outbox. Deliveries are
/// committed with their change, so a crash only delays them.
const DELIVER_EVERY: Duration = Duration::from_secs(1);

/// Attempts in flight at once. Each runs on its own, so a receiver that
/// hangs holds one slot, not everyone's deliveries.
const MAX_IN_FLIGHT: usize = 32;

/// The running jobs.
pub struct Jobs {
    stop: CancellationToken,
    tasks: TaskTracker,
}

impl Jobs {
    /// Starts every job against `kw`.
    pub fn start(kw: &Keyward) -> Self {
        let jobs = Self {
            stop: CancellationToken::new(),
            tasks: TaskTracker::new(),
        };
        jobs.every(kw, SWEEP_EVERY, sweep);
        jobs.every(kw, FLUSH_EVERY, flush_usage);
        jobs.every(kw, SCAN_EVERY, scan_expiry);
        jobs.every(kw, SCAN_EVERY, scan_rotation);
        jobs.every(kw, KEY_WATCH_EVERY, watch_signing_keys);
        jobs.every(kw, CATCH_UP_EVERY, catch_up);
        jobs.tasks
            .spawn(deliver(kw.clone(), jobs.stop.clone(), jobs.tasks.clone()));
        jobs.tasks.spawn(follow_feed(kw.clone(), jobs.stop.clone()));
        jobs.tasks.close();
        jobs
    }

    /// Asks every job to stop after its current pass and waits for all of
    /// them up to `within`; false when some were still running then (their
    /// work is redone after the restart: deliveries are at least once).
    pub async fn stop(self, within: Duration) -> bool {
        self.stop.cancel();
        tokio::time::timeout(within, self.tasks.wait()).await.is_ok()
    }

    /// Runs `pass` now and then every `period`, until the stop.
    fn every<F, Fut>(&self, kw: &Keyward, period: Duration, pass: F)
    where
        F: Fn(Keyward) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (kw, stop) = (kw.clone(), self.stop.clone());
        self.tasks.spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = tick.tick() => pass(kw.clone()).await,
                }
            }
        });
    }
}

async fn sweep(kw: Keyward) {
    match kw.sessions().sweep().await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(sessions = n, "swept expired sessions"),
        Err(e) => tracing::warn!(error = %e, "session sweep failed"),
    }
    kw.rate_limiter().prune(kw.now_ms());
    kw.shared_limits().prune(kw.now_ms());
    if let Err(e) = kw.usage().roll_up().await {
        tracing::warn!(error = %e, "rolling up old usage counts failed");
    }
    if let Err(e) = kw.notifications().prune_outbox().await {
        tracing::warn!(error = %e, "pruning old notification events failed");
    }
    if let Err(e) = kw.oauth().prune_revoked_tokens().await {
        tracing::warn!(error = %e, "pruning expired revoked tokens failed");
    }
    if let Err(e) = kw.coherence().prune_log().await {
        tracing::warn!(error = %e, "pruning the change log failed");
    }
    if let Err(e) = kw.verification().prune_seen_signatures().await {
        tracing::warn!(error = %e, "pruning seen signatures failed");
    }
}

async fn catch_up(kw: Keyward) {
    match kw.coherence().catch_up().await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(changes = n, "applied changes made elsewhere"),
        Err(e) => tracing::warn!(error = %e, "applying changes made elsewhere failed; will retry"),
    }
}

/// On PostgreSQL, applies changes as soon as another instance's notification
/// arrives, instead of at the next poll; after a reconnect, reads everything
/// after the last applied row (notifications sent meanwhile are lost). The
/// poll keeps running either way.
async fn follow_feed(kw: Keyward, stop: CancellationToken) {
    use keyward::store::feed::{ChangeFeed, Wake};
    loop {
        let mut feed = match ChangeFeed::open(kw.store()).await {
            Ok(Some(feed)) => feed,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes; polling only, retrying in 5 s");
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                }
            }
        };
        loop {
            let wake = tokio::select! {
                () = stop.cancelled() => return,
                wake = feed.next() => wake,
            };
            match wake {
                Ok(Wake::Notified) => {}
                Ok(Wake::Reconnected) => tracing::info!("the change feed reconnected; reading what it missed"),
                Err(e) => {
                    tracing::warn!(error = %e, "the change feed failed; reconnecting");
                    break;
                }
            }
            catch_up(kw.clone()).await;
        }
    }
}

async fn flush_usage(kw: Keyward) {
    if let Err(e) = kw.usage().flush().await {
        tracing::warn!(error = %e, "flushing last-used times failed; will retry");
    }
}

async fn scan_expiry(kw: Keyward) {
    match kw.notifications().scan_expiry().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(events = n, "expiry notices and renewals written"),
        Err(e) => tracing::warn!(error = %e, "the expiry scan failed; will retry"),
    }
}

async fn scan_rotation(kw: Keyward) {
    match kw.credentials().scan_rotation().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            credentials = n,
            "scheduled rotations, rotation notices and stall notices written"
        ),
        Err(e) => tracing::warn!(error = %e, "the rotation scan failed; will retry"),
    }
}

/// Runs the signing-key schedule (publishing the next key ahead, retiring
/// the one it took over from), then reloads the key ring if the keys changed
/// elsewhere or a retired key's publication ended.
async fn watch_signing_keys(kw: Keyward) {
    match kw.oauth().rotate_signing_keys_on_schedule().await {
        Ok(pass) => {
            if let Some((kid, activates_at)) = &pass.published {
                tracing::info!(
                    kid,
                    activates_at,
                    "published the next signing key ahead of its activation"
                );
            }
            if let Some(kid) = &pass.activated {
                tracing::info!(kid, retired = ?pass.retired, "the scheduled signing key took over; retired the previous one");
            }
        }
        Err(e) => tracing::warn!(error = %e, "the signing-key schedule failed; will retry"),
    }
    match kw.oauth().refresh_keyring_if_changed().await {
        Ok(true) => tracing::info!("signing keys changed; reloaded the key ring"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "checking the signing keys failed; will retry"),
    }
}

/// Claims due deliveries and attempts each on its own task (on `tasks`, so
/// the stop waits for them to record what they sent).
async fn deliver(kw: Keyward, stop: CancellationToken, tasks: TaskTracker) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut tick = tokio::time::interval(DELIVER_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let free = slots.available_permits();
        if free == 0 {
            continue;
        }
        let claimed = match kw.notifications().claim_due(u32::try_from(free).unwrap_or(1)).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "reading the outbox failed; will retry");
                continue;
            }
        };
        for delivery in claimed {
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                break;
            };
            let kw = kw.clone();
            tasks.spawn(async move {
                if let Err(e) = kw.notifications().deliver(delivery).await {
                    tracing::warn!(error = %e, "recording a delivery failed; it will be retried");
                }
                drop(slot);
            });
        }
    }
}
