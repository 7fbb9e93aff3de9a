//! Keyward's services: every rule about who may do what, and every state change
//! with its audit entry. The console's server functions and the REST handlers
//! are thin callers of these methods.

mod accounts;
mod audit;
mod caller;
mod credentials;
mod instance;
mod notifications;

pub use notifications::Claimed;
mod oauth;
mod sessions;
mod setup;
mod signing_keys;
mod tokens;
mod usage;
mod users;
mod verification;

pub use crate::domain::credential::{Created, CredentialPage, CredentialPatch, CredentialQuery, CredentialSummary};
pub use accounts::AccountPatch;
pub use caller::{Caller, KeyCaller};
pub use oauth::{ClientAuth, ClientAuthMethod, OAuthError, TokenResponse};
pub use sessions::{NewSession, SESSION_COOKIE};
pub use tokens::{IntrospectedClaims, Introspection};
pub use users::UserAccessInput;

use std::path::Path;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::password::{self, Passwords};
use crate::crypto::sealed::Sealer;
use crate::crypto::{DigestKey, MasterKey, MasterKeyError};
use crate::domain::{ActorKind, Principal, ValidationError};
use crate::oauth::{Denylist, KeyRing};
use crate::store::{Store, StoreError};
use crate::throttle::{Throttle, ThrottlePolicy};
use crate::verify::Verifier;
use crate::verify::index::Index;

/// Why a service call was refused or failed. Each variant has a stable [`code`](Self::code).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("sign in to continue")]
    Unauthenticated,
    #[error("your role does not allow this")]
    Forbidden,
    /// The credential being issued or changed would be able to do more than
    /// the caller (the grant rule); the message says what.
    #[error("{0}")]
    Exceeds(String),
    /// `If-Match` named a version that is no longer current.
    #[error("the credential changed since you read it (it is at version {current}); read it again and retry")]
    PreconditionFailed { current: i64 },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A business rule refused the change (the last admin, a used setup link…).
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// Too many failed attempts, or too many password checks at once.
    #[error("too many attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: i64 },
    #[error("invalid e-mail or password")]
    BadCredentials,
    /// A fault the caller cannot fix; logged, never shown in detail.
    #[error("internal error")]
    Internal(#[from] StoreError),
}

impl ServiceError {
    /// The machine-readable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid(_) => "VALIDATION_FAILED",
            ServiceError::Unauthenticated => "UNAUTHENTICATED",
            ServiceError::Forbidden => "FORBIDDEN",
            ServiceError::Exceeds(_) => "EXCEEDS_CALLER",
            ServiceError::PreconditionFailed { .. } => "PRECONDITION_FAILED",
            ServiceError::NotFound(_) => "NOT_FOUND",
            ServiceError::Conflict(_) => "CONFLICT",
            ServiceError::Rule { code, .. } => code,
            ServiceError::Throttled { .. } => "TOO_MANY_ATTEMPTS",
            ServiceError::BadCredentials => "BAD_CREDENTIALS",
            ServiceError::Internal(_) => "INTERNAL",
        }
    }

    pub(crate) fn rule(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Rule {
            code,
            message: message.into(),
        }
    }
}

/// A full password queue is a refusal to retry shortly, as a throttle's is.
impl From<password::Busy> for ServiceError {
    fn from(_: password::Busy) -> Self {
        ServiceError::Throttled {
            retry_after: password::BUSY_RETRY_SECS,
        }
    }
}

/// The result type of every service method.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Who is acting, for the audit trail, and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

impl Actor {
    /// A signed-in console user.
    pub fn user(p: &Principal, ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::User,
            id: Some(p.user_id),
            label: p.email.clone(),
            ip,
        }
    }

    /// Keyward itself, or its CLI; `label` says which.
    pub fn system(label: &str) -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            label: label.to_owned(),
            ip: None,
        }
    }

    /// Someone not yet authenticated.
    pub fn anonymous(ip: Option<String>) -> Self {
        Self {
            kind: ActorKind::Anonymous,
            id: None,
            label: "anonymous".to_owned(),
            ip,
        }
    }
}

/// The caller's IP as the HTTP layer determined it (socket address, or
/// `X-Forwarded-For` when the proxy is trusted). Inserted into each request's
/// extensions once, so every handler and server function agrees on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Facts about the HTTP request that services record (never trust for authorization).
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Why Keyward could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
}

struct Keys {
    session: DigestKey,
    setup: DigestKey,
    sealing: DigestKey,
}

/// The running instance: the store, the keys derived from the master key, the
/// clock and the in-memory throttles. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Keyward {
    store: Store,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    keys: Arc<Keys>,
    login_by_email: Arc<Throttle>,
    login_by_ip: Arc<Throttle>,
    /// argon2 work, capped per process (shared by clones).
    passwords: Arc<Passwords>,
    /// Per-credential rate limits (in memory; a restart refills every bucket).
    limiter: Arc<crate::ratelimit::RateLimiter>,
    metrics: Arc<crate::metrics::Metrics>,
    token_by_client: Arc<Throttle>,
    token_by_ip: Arc<Throttle>,
    verifier: Arc<Verifier>,
    keyring: Arc<KeyRing>,
    denylist: Arc<Denylist>,
    /// Sends webhook requests (a pool of connections, shared by clones) and
    /// holds the rules for where they may go.
    webhook_client: crate::notify::webhook::WebhookClient,
    /// The `iss` of access tokens, set once (see `instance.rs`).
    issuer: Arc<std::sync::OnceLock<String>>,
}

impl Keyward {
    /// Creates the data dir (mode 0700) and master key if needed, opens the
    /// database and applies pending migrations.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        create_private_dir(&config.data_dir)?;
        let master = MasterKey::load_or_create(&config.master_key_path())?;
        let store = Store::open(&config.database_path()).await?;
        store.migrate().await?;
        let index = Index::build(
            &crate::store::accounts::list(store.pool()).await?,
            &crate::store::credentials::all(store.pool()).await?,
            crate::store::credentials::all_secrets(store.pool()).await?,
        )?;
        let verifier = Arc::new(Verifier::new(index, master.derive("credential-pepper")));
        let sealing = master.derive("sealed-secrets");
        let now = clock.now();
        let keyring = Arc::new(KeyRing::from_rows(
            &crate::store::signing_keys::published(store.pool(), now).await?,
            &Sealer::new(&sealing),
            crate::store::signing_keys::fingerprint(store.pool()).await?,
        ));
        let denylist = Arc::new(Denylist::new(
            crate::store::signing_keys::revoked_tokens(store.pool(), now).await?,
        ));
        let token_policy = ThrottlePolicy {
            free_failures: 10,
            base_lock_secs: 30,
            max_lock_secs: 5 * 60,
            window_secs: 15 * 60,
        };
        let kw = Self {
            issuer: Arc::default(),
            webhook_client: crate::notify::webhook::WebhookClient::new(
                config.delivery_timeout,
                crate::notify::destination::Destinations::new(config.webhook_allowed_cidrs.clone()),
            ),
            verifier,
            keyring,
            denylist,
            limiter: Arc::default(),
            metrics: Arc::new(crate::metrics::Metrics::new(clock.now_ms())),
            token_by_client: Arc::new(Throttle::new(token_policy)),
            token_by_ip: Arc::new(Throttle::new(ThrottlePolicy {
                free_failures: 50,
                ..token_policy
            })),
            store,
            clock,
            keys: Arc::new(Keys {
                session: master.derive("console-session"),
                setup: master.derive("setup-link"),
                sealing,
            }),
            config: Arc::new(config),
            login_by_email: Arc::new(Throttle::new(ThrottlePolicy {
                free_failures: 5,
                base_lock_secs: 30,
                max_lock_secs: 15 * 60,
                window_secs: 15 * 60,
            })),
            login_by_ip: Arc::new(Throttle::new(ThrottlePolicy {
                free_failures: 20,
                base_lock_secs: 60,
                max_lock_secs: 15 * 60,
                window_secs: 15 * 60,
            })),
            passwords: Arc::new(Passwords::for_this_machine()),
        };
        kw.load_issuer().await.map_err(|e| match e {
            ServiceError::Internal(s) => StartupError::Store(s),
            other => StartupError::Store(StoreError::Corrupt(other.to_string())),
        })?;
        if kw.keyring.current().signer.is_none() {
            let alg = kw.config.jwt_algorithm;
            kw.rotate_signing_key(&Caller::System("first start"), alg)
                .await
                .map_err(|e| match e {
                    ServiceError::Internal(s) => StartupError::Store(s),
                    other => StartupError::Store(StoreError::Corrupt(other.to_string())),
                })?;
        }
        Ok(kw)
    }

    /// The store, for health checks, backups and shutdown.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The configuration this instance runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The key ring that signs and verifies tokens.
    pub fn keyring(&self) -> &KeyRing {
        &self.keyring
    }

    /// Seals and opens secrets stored in the database.
    pub fn sealer(&self) -> Sealer {
        Sealer::new(&self.keys.sealing)
    }

    /// The in-memory verification index.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Now, in Unix seconds, from the injected clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Now, in Unix milliseconds, from the injected clock (for the rate limiter).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The per-credential rate limiter.
    pub fn rate_limiter(&self) -> &crate::ratelimit::RateLimiter {
        &self.limiter
    }

    /// The process's counters.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The Prometheus text for `GET /metrics`.
    pub async fn render_metrics(&self) -> String {
        let pool = self.store().pool();
        let outbox_pending = self.outbox_pending().await.unwrap_or(-1);
        self.metrics.render(crate::metrics::Gauges {
            now_ms: self.now_ms(),
            pool_size: pool.size(),
            pool_idle: pool.num_idle(),
            pool_max: pool.options().get_max_connections(),
            credentials_in_memory: self.verifier().len(),
            pending_usage: self.verifier().usage().pending(),
            outbox_pending,
            passwords: self.passwords.stats(),
        })
    }
}

fn create_private_dir(path: &Path) -> Result<(), StartupError> {
    use std::os::unix::fs::DirBuilderExt;
    if path.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| StartupError::DataDir {
            path: path.display().to_string(),
            source,
        })
}
