//! Runtime configuration that the services need. The CLI builds it from flags and
//! environment variables; tests build it directly.

use std::path::PathBuf;

use crate::crypto::jwt::JwtAlgorithm;
use crate::domain::{Catalog, Cidr};

/// How a Keyward instance behaves. Holds no secrets: those live in the key file.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where `keyward.db` and `master.key` live.
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`postgres://…`) to use instead of SQLite in the data
    /// dir. Shown redacted in logs (it may carry a password).
    pub database_url: Option<crate::store::DatabaseUrl>,
    /// The master key's file, when it is not `master.key` in the data dir.
    /// Every process on one database must use the same key.
    pub master_key_file: Option<PathBuf>,
    /// The URL people reach the console at (`https://keys.example.com`). Decides the
    /// cookie's `Secure` flag, the allowed `Origin`, and the links Keyward prints.
    pub public_url: Option<String>,
    /// A console session ends after this long without a request.
    pub session_idle_secs: i64,
    /// A console session ends this long after sign-in, however active.
    pub session_max_secs: i64,
    /// Whether the console and the management API believe
    /// [`client_ip_header`](Self::client_ip_header) (only behind a proxy you run).
    pub trust_proxy: bool,
    /// The one header that carries the client's address, as the operator's
    /// proxy sets it: `X-Forwarded-For` (its last hop) by default. `/v1/auth`
    /// always reads it, since only the gateway calls it; no other header is read.
    pub client_ip_header: String,
    /// The first part of every key (`kw` gives `kw_prod_…`, `kwc_…`, `kws_…`).
    pub key_prefix: String,
    /// The resources scopes may name.
    pub catalog: Catalog,
    /// The algorithm new signing keys use. ES256 signs in ~20 µs; RS256 (which
    /// RFC 9068 requires verifiers to support) takes ~0.8 ms.
    pub jwt_algorithm: JwtAlgorithm,
    /// The `aud` of access tokens: the API they are for.
    pub token_audience: String,
    /// How long a webhook receiver (or an SMTP server) may take to answer.
    pub delivery_timeout: std::time::Duration,
    /// Networks webhooks may reach although they are loopback, private,
    /// link-local or otherwise special (see `notify::destination`): for
    /// receivers on the operator's own network. Empty by default.
    pub webhook_allowed_cidrs: Vec<Cidr>,
    /// The API base below which applications' signed requests and the
    /// consumer-key calls live (`/1.0`): rights match the path after it.
    pub application_base_path: crate::domain::application::BasePath,
    /// Rotate the signing key every this many days (`None`: only when an
    /// admin asks), so a key's exposure is bounded without anyone remembering.
    pub signing_key_rotation_days: Option<u32>,
    /// How long before it starts signing the next scheduled key is published
    /// in the JWKS, so resource servers that cache the JWKS hold it in time.
    pub signing_key_lead_hours: u32,
}

impl Config {
    /// Defaults for a data dir: 30 minutes idle, 12 hours absolute, no proxy,
    /// webhooks to public addresses only.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            master_key_file: None,
            database_url: None,
            public_url: None,
            session_idle_secs: 30 * 60,
            session_max_secs: 12 * 60 * 60,
            trust_proxy: false,
            client_ip_header: "X-Forwarded-For".to_owned(),
            key_prefix: "kw".to_owned(),
            catalog: Catalog::default(),
            jwt_algorithm: JwtAlgorithm::ES256,
            token_audience: "keyward".to_owned(),
            delivery_timeout: std::time::Duration::from_secs(10),
            webhook_allowed_cidrs: Vec::new(),
            application_base_path: crate::domain::application::BasePath::parse("/1.0")
                .expect("the default base path is valid"),
            signing_key_rotation_days: None,
            signing_key_lead_hours: 24,
        }
    }

    /// Path of the SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("keyward.db")
    }

    /// The database this instance uses: PostgreSQL when a URL is set, else
    /// SQLite in the data dir.
    pub fn database(&self) -> crate::store::Database {
        match &self.database_url {
            Some(url) => crate::store::Database::Postgres(url.0.clone()),
            None => crate::store::Database::SqliteFile(self.database_path()),
        }
    }

    /// Path of the master-key file (mode 0600).
    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("master.key"))
    }

    /// Whether the console is served over HTTPS, which makes cookies `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}
