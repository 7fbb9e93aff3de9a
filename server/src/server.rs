//! Starting and stopping the server: bind, announce the setup link, serve,
//! sweep expired sessions, and shut down gracefully.

use axum::serve::ListenerExt;
use keyward::clock::Clock;
use keyward::config::Config;
use keyward::service::{Keyward, StartupError};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::router::router;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot issue the setup link: {0}")]
    Setup(#[from] keyward::service::ServiceError),
}

/// A server accepting connections in the background.
pub struct RunningServer {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The one-time setup token, when the install has no users yet.
    pub setup_token: Option<String>,
    /// The instance, for tests that inspect state directly.
    pub keyward: Keyward,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The base URL people reach this server at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and closes the database.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Resolves when the server stops for any reason.
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// A handle that triggers a graceful shutdown when sent `true`.
    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Opens the data dir, binds `addr`, logs the setup link when there are no
/// users, and serves until [`RunningServer::shutdown`].
pub async fn start(config: Config, addr: SocketAddr, clock: Arc<dyn Clock>) -> Result<RunningServer, StartError> {
    let public_url = config.public_url.clone();
    let kw = Keyward::open(config, clock).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    let base = public_url
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    tracing::info!(%addr, "Keyward is listening on {base}");
    let issuer = kw.oauth().pin_issuer(&base).await?;
    tracing::info!("Access tokens are issued as {issuer}");

    let setup_token = kw.users().issue_setup_token().await?;
    if let Some(token) = &setup_token {
        tracing::warn!(
            "No users yet. Create the first Global Admin at {base}/setup?token={token} (one-time link, valid 24 hours)"
        );
    }

    let (shutdown, mut stop) = watch::channel(false);
    // Pages stream in several writes; without TCP_NODELAY the last one waits
    // for the client's delayed ACK (40 ms on Linux) before it leaves.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let app = router(kw.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let sweeper = tokio::spawn(sweep_sessions(kw.clone()));
    let flusher = tokio::spawn(flush_usage(kw.clone()));
    let key_watcher = tokio::spawn(watch_signing_keys(kw.clone()));
    let scheduler = tokio::spawn(scan_expiry(kw.clone()));
    let (stop_delivering, delivering) = watch::channel(false);
    let deliverer = tokio::spawn(deliver(kw.clone(), delivering));
    let task_kw = kw.clone();
    let task = tokio::spawn(async move {
        let mut asked = stop.clone();
        let graceful = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let overdue = async move {
            let _ = asked.wait_for(|s| *s).await;
            tokio::time::sleep(FINISH_REQUESTS).await;
        };
        tokio::select! {
            served = axum::serve(listener, app).with_graceful_shutdown(graceful).into_future() => {
                if let Err(e) = served {
                    tracing::error!(error = %e, "server stopped with an error");
                }
            }
            () = overdue => tracing::warn!(
                "requests still open {}s after the stop; closing their connections",
                FINISH_REQUESTS.as_secs()
            ),
        }
        sweeper.abort();
        flusher.abort();
        key_watcher.abort();
        scheduler.abort();
        // Let a pass in flight record what it sent, so a graceful restart
        // sends nothing twice (a crash may: delivery is at least once).
        let _ = stop_delivering.send(true);
        let mut deliverer = deliverer;
        let drain = task_kw.config().delivery_timeout * 2 + Duration::from_secs(2);
        if tokio::time::timeout(drain, &mut deliverer).await.is_err() {
            deliverer.abort();
            tracing::warn!("the delivery worker did not finish in time; its deliveries will be retried");
        }
        if let Err(e) = task_kw.usage().flush().await {
            tracing::error!(error = %e, "could not write last-used times on shutdown");
        }
        // Every commit is already durable; this only waits for connections
        // to come back to the pool, which a request cut off above may hold.
        if tokio::time::timeout(FINISH_REQUESTS, task_kw.store().close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use at the stop; closing anyway");
        }
        tracing::info!("Keyward stopped");
    });
    Ok(RunningServer {
        addr,
        setup_token,
        keyward: kw,
        shutdown,
        task,
    })
}

/// How long requests in flight get to finish once a stop is asked for. Ours
/// take milliseconds, so a connection still busy past this is a client that
/// went quiet mid-request, and must not keep the process from stopping.
const FINISH_REQUESTS: Duration = Duration::from_secs(5);

async fn sweep_sessions(kw: Keyward) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match kw.sessions().sweep().await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sessions = n, "swept expired sessions"),
            Err(e) => tracing::warn!(error = %e, "session sweep failed"),
        }
        kw.rate_limiter().prune(kw.now_ms());
        if let Err(e) = kw.usage().roll_up().await {
            tracing::warn!(error = %e, "rolling up old usage counts failed");
        }
        if let Err(e) = kw.notifications().prune_outbox().await {
            tracing::warn!(error = %e, "pruning old notification events failed");
        }
        if let Err(e) = kw.oauth().prune_revoked_tokens().await {
            tracing::warn!(error = %e, "pruning expired revoked tokens failed");
        }
    }
}

/// How often last-used times move from memory to SQLite.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

async fn flush_usage(kw: Keyward) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = kw.usage().flush().await {
            tracing::warn!(error = %e, "flushing last-used times failed; will retry");
        }
    }
}

/// How often the scheduler looks for expiring keys (the issue asks for at
/// least every minute).
const SCAN_EVERY: Duration = Duration::from_secs(30);

async fn scan_expiry(kw: Keyward) {
    let mut tick = tokio::time::interval(SCAN_EVERY);
    loop {
        tick.tick().await;
        match kw.notifications().scan_expiry().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "expiry notices and renewals written"),
            Err(e) => tracing::warn!(error = %e, "the expiry scan failed; will retry"),
        }
    }
}

/// How often the delivery worker looks at the outbox. Deliveries are
/// committed with their change, so a crash only delays them.
const DELIVER_EVERY: Duration = Duration::from_secs(1);

/// Attempts in flight at once. Each runs on its own, so a receiver that
/// hangs holds one slot, not everyone's deliveries.
const MAX_IN_FLIGHT: usize = 32;

async fn deliver(kw: Keyward, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut tick = tokio::time::interval(DELIVER_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let free = slots.available_permits();
        if free == 0 {
            continue;
        }
        match kw.notifications().claim_due(u32::try_from(free).unwrap_or(1)).await {
            Ok(claimed) => {
                for delivery in claimed {
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        break;
                    };
                    let kw = kw.clone();
                    tokio::spawn(async move {
                        if let Err(e) = kw.notifications().deliver(delivery).await {
                            tracing::warn!(error = %e, "recording a delivery failed; it will be retried");
                        }
                        drop(slot);
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed; will retry"),
        }
    }
    // Stopping: let the attempts in flight record what they sent.
    let _ = slots.acquire_many(MAX_IN_FLIGHT as u32).await;
}

/// How often the server looks for signing keys rotated by the CLI in another process.
const KEY_WATCH_EVERY: Duration = Duration::from_secs(5);

async fn watch_signing_keys(kw: Keyward) {
    let mut tick = tokio::time::interval(KEY_WATCH_EVERY);
    loop {
        tick.tick().await;
        match kw.oauth().refresh_keyring_if_changed().await {
            Ok(true) => tracing::info!("signing keys changed; reloaded the key ring"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "checking the signing keys failed; will retry"),
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn termination_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler succeeds on Unix");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
