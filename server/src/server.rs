//! Starting and stopping the server: bind, announce the setup link, serve
//! with the background jobs beside, and shut down gracefully.

use axum::serve::ListenerExt;
use keyward::clock::Clock;
use keyward::config::Config;
use keyward::service::{Keyward, StartupError};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::jobs::Jobs;
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
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The base URL people reach this server at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and closes the database.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }

    /// Resolves when the server stops for any reason.
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// A handle that triggers a graceful shutdown when cancelled.
    pub fn shutdown_handle(&self) -> CancellationToken {
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
    match &kw.config().database_url {
        Some(url) => tracing::info!(
            "Data in PostgreSQL at {url:?}; the master key is {}",
            kw.config().master_key_path().display()
        ),
        None => tracing::info!("Data in {}", kw.config().data_dir.display()),
    }

    let setup_token = kw.users().issue_setup_token().await?;
    if let Some(token) = &setup_token {
        tracing::warn!(
            "No users yet. Create the first Global Admin at {base}/setup?token={token} (one-time link, valid 24 hours)"
        );
    }

    let shutdown = CancellationToken::new();
    // Pages stream in several writes; without TCP_NODELAY the last one waits
    // for the client's delayed ACK (40 ms on Linux) before it leaves.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let app = router(kw.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let jobs = Jobs::start(&kw);
    let task_kw = kw.clone();
    let stop = shutdown.clone();
    let task = tokio::spawn(async move {
        let overdue = async {
            stop.cancelled().await;
            tokio::time::sleep(FINISH_REQUESTS).await;
        };
        tokio::select! {
            served = axum::serve(listener, app).with_graceful_shutdown(stop.clone().cancelled_owned()).into_future() => {
                if let Err(e) = served {
                    tracing::error!(error = %e, "server stopped with an error");
                }
            }
            () = overdue => tracing::warn!(
                "requests still open {}s after the stop; closing their connections",
                FINISH_REQUESTS.as_secs()
            ),
        }
        // Let a delivery in flight record what it sent, so a graceful restart
        // sends nothing twice (a crash may: delivery is at least once).
        let drain = task_kw.config().delivery_timeout * 2 + Duration::from_secs(2);
        if !jobs.stop(drain).await {
            tracing::warn!("background jobs did not finish in time; their deliveries will be retried");
        }
        if let Err(e) = task_kw.usage().flush().await {
            tracing::error!(error = %e, "could not write last-used times on shutdown");
        }
        if let Err(e) = task_kw.leases().release_all().await {
            tracing::warn!(error = %e, "could not hand the job leases back; another instance takes them when they lapse");
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

/// SIGTERM and Ctrl-C, listened for from before the server starts. Until a
/// handler is installed a signal takes its default action and kills the
/// process on the spot, so a stop asked for while the server is still
/// starting (it already logs that it listens) would not be a graceful one.
pub struct TerminationSignals {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl TerminationSignals {
    pub fn install() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        let handler = |kind| signal(kind).expect("installing a signal handler succeeds on Unix");
        TerminationSignals {
            term: handler(SignalKind::terminate()),
            interrupt: handler(SignalKind::interrupt()),
        }
    }

    /// Resolves on the first SIGTERM or Ctrl-C.
    pub async fn recv(mut self) {
        tokio::select! {
            _ = self.term.recv() => {},
            _ = self.interrupt.recv() => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
