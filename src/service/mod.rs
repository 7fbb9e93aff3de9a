//! Keyward's services: every rule about who may do what, and every state change
//! with its audit entry. The console's server functions and the REST handlers
//! are thin callers of these methods.

mod accounts;
mod actor;
mod applications;
mod audit;
mod caller;
mod change;
pub mod coherence;
mod credentials;
mod error;
mod leases;
mod notifications;
mod oauth;
pub mod rate_slices;
mod signed_requests;
mod usage;
mod users;
mod verification;

pub use crate::domain::credential::{Created, CredentialPage, CredentialPatch, CredentialQuery, CredentialSummary};
pub use accounts::{AccountPatch, Accounts};
pub use actor::{Actor, ClientIp, RequestMeta};
pub use applications::{Applications, ConsumerKeyDecision};
pub use audit::Audit;
pub use caller::{Caller, KeyCaller};
pub use coherence::Coherence;
pub use credentials::{Credentials, PolicyRotation};
pub use error::{ServiceError, ServiceResult};
pub use leases::{Lease, Leases};
pub use notifications::{Claimed, Notifications};
pub use oauth::{ClientAuth, ClientAuthMethod, IntrospectedClaims, Introspection, OAuth, OAuthError, TokenResponse};
pub use usage::Usage;
pub use users::{NewSession, PendingSignIn, Sessions, SignInStep, TwoFactor, UserAccessInput, Users};
pub use verification::Verification;

use std::path::Path;
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::password::Passwords;
use crate::crypto::sealed::Sealer;
use base64::Engine;

use crate::crypto::{DigestKey, MasterKey, MasterKeyError};
use crate::oauth::{Denylist, KeyRing};
use crate::store::{Store, StoreError};
use crate::throttle::{Throttle, ThrottlePolicy};
use crate::verify::Verifier;
use crate::verify::index::Index;

/// Why Keyward could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    /// The database was first opened with another master key: its sealed
    /// secrets (signing keys, webhook secrets, the SMTP password) and its
    /// credential digests would not match anything this key makes.
    #[error(
        "the master key at {path} is not the key this database was created with; every instance on one database must use the same master key (copy it from the first instance, or point KEYWARD_MASTER_KEY_FILE at it)"
    )]
    WrongMasterKey { path: String },
}

struct Keys {
    session: DigestKey,
    setup: DigestKey,
    sealing: DigestKey,
    /// Pending sign-ins that wait for a second factor (their cookie's digest).
    pending_sign_in: DigestKey,
    /// Seals users' TOTP keys.
    second_factor: DigestKey,
    /// Digests of recovery codes.
    recovery: DigestKey,
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
    /// This instance's slices of the budgets shared with other instances.
    slices: Arc<rate_slices::Slices>,
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
    /// The last change log row applied to memory (see `coherence.rs`).
    applied_change: Arc<tokio::sync::Mutex<i64>>,
    /// When (Unix ms) this process last finished reading the change log.
    caught_up_at_ms: Arc<std::sync::atomic::AtomicI64>,
    /// Who this process is to other instances, for job leases (random at start).
    instance_id: Arc<str>,
    /// The job leases this process last held, by job, with their fences.
    held_leases: Arc<std::sync::Mutex<std::collections::HashMap<&'static str, i64>>>,
}

impl Keyward {
    /// Credentials: issuing, listing, reading, changing, rotating and revoking them.
    pub fn credentials(&self) -> Credentials<'_> {
        Credentials { kw: self }
    }

    /// Applications' consumer keys: the consumer-key flow, listing, revoking.
    pub fn applications(&self) -> Applications<'_> {
        Applications { kw: self }
    }

    /// Accounts: their plans, limits and switches.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { kw: self }
    }

    /// The audit trail, as each caller may read it.
    pub fn audit(&self) -> Audit<'_> {
        Audit { kw: self }
    }

    /// Console users: the first admin's setup, invitations, roles and disabling.
    pub fn users(&self) -> Users<'_> {
        Users { kw: self }
    }

    /// Console sessions: sign-in with its throttles, the session check on every request, sign-out.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { kw: self }
    }

    /// Two-factor sign-in: enrolment, removal, an admin's reset, and the policy.
    pub fn two_factor(&self) -> TwoFactor<'_> {
        TwoFactor { kw: self }
    }

    /// OAuth: the token endpoint, introspection and revocation, the signing keys and the issuer.
    pub fn oauth(&self) -> OAuth<'_> {
        OAuth { kw: self }
    }

    /// Notifications: the outbox and its worker, the expiry scheduler, webhooks and e-mail.
    pub fn notifications(&self) -> Notifications<'_> {
        Notifications { kw: self }
    }

    /// Usage analytics, and the batched write of what the hot path counted.
    pub fn usage(&self) -> Usage<'_> {
        Usage { kw: self }
    }

    /// Verification: is this credential good for this request, answered from memory.
    pub fn verification(&self) -> Verification<'_> {
        Verification { kw: self }
    }

    /// Coherence: this process's memory kept in step with changes made by others.
    pub fn coherence(&self) -> Coherence<'_> {
        Coherence { kw: self }
    }

    /// Job leases: which instance runs a job that must run once.
    pub fn leases(&self) -> Leases<'_> {
        Leases { kw: self }
    }

    /// Creates the data dir (mode 0700) and master key if needed, opens the
    /// database and applies pending migrations.
    pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartupError> {
        create_private_dir(&config.data_dir)?;
        let master = MasterKey::load_or_create(&config.master_key_path())?;
        let store = Store::connect(&config.database()).await?;
        store.migrate().await?;
        check_master_key(&store, &master, &config).await?;
        // Read before the index: a change logged while it loads is applied again.
        let applied_change = crate::store::changes::latest(store.pool()).await?;
        let index = Index::build(
            &crate::store::accounts::list(store.pool()).await?,
            &crate::store::credentials::all(store.pool()).await?,
            crate::store::credentials::all_secrets(store.pool()).await?,
            crate::store::consumer_keys::all_live(store.pool()).await?,
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
            applied_change: Arc::new(tokio::sync::Mutex::new(applied_change)),
            caught_up_at_ms: Arc::new(clock.now_ms().into()),
            instance_id: crate::crypto::random::token().into(),
            held_leases: Arc::default(),
            webhook_client: crate::notify::webhook::WebhookClient::new(
                config.delivery_timeout,
                crate::notify::destination::Destinations::new(config.webhook_allowed_cidrs.clone()),
            ),
            verifier,
            keyring,
            denylist,
            limiter: Arc::default(),
            slices: Arc::default(),
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
                pending_sign_in: master.derive("pending-sign-in"),
                second_factor: master.derive("second-factor-keys"),
                recovery: master.derive("recovery-codes"),
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
        kw.oauth().load_issuer().await.map_err(|e| match e {
            ServiceError::Internal(s) => StartupError::Store(s),
            other => StartupError::Store(StoreError::Corrupt(other.to_string())),
        })?;
        if kw.keyring.current().signer_at(now).is_none() {
            let alg = kw.config.jwt_algorithm;
            kw.oauth()
                .rotate_signing_key(&Caller::System("first start"), alg)
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

    /// Rate limits shared with other instances on the same database.
    pub fn shared_limits(&self) -> rate_slices::SharedLimits<'_> {
        rate_slices::SharedLimits { kw: self }
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
        let outbox_pending = self.notifications().outbox_pending().await.unwrap_or(-1);
        let lag = self.coherence().lag().await.ok();
        self.metrics.render(crate::metrics::Gauges {
            now_ms: self.now_ms(),
            pool_size: pool.size(),
            pool_idle: pool.num_idle(),
            pool_max: pool.options().get_max_connections(),
            credentials_in_memory: self.verifier().len(),
            pending_usage: self.verifier().usage().pending(),
            outbox_pending,
            change_feed_behind: lag.map_or(-1, |l| l.behind),
            change_feed_age_secs: lag.map_or(-1.0, |l| l.since_caught_up_ms as f64 / 1000.0),
            passwords: self.passwords.stats(),
        })
    }
}

/// Refuses a master key other than the one the database was first opened
/// with. The database keeps a digest the key makes of a fixed text (the
/// first start, or the first after an upgrade, writes it), never the key.
async fn check_master_key(store: &Store, master: &MasterKey, config: &Config) -> Result<(), StartupError> {
    let mine = master.derive("master-key-check").digest(b"keyward");
    let mine_text = base64::engine::general_purpose::STANDARD.encode(mine.as_bytes());
    let kept = crate::store::instance::get_or_insert(store.pool(), "master_key_check", &mine_text).await?;
    let kept = base64::engine::general_purpose::STANDARD
        .decode(kept)
        .unwrap_or_default();
    if mine.ct_eq(&kept) {
        Ok(())
    } else {
        Err(StartupError::WrongMasterKey {
            path: config.master_key_path().display().to_string(),
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
