//! The command line. Every flag can also come from a `KEYWARD_*` environment variable.

use clap::{Args, Parser, Subcommand};
use keyward::config::Config;
use keyward::crypto::jwt::JwtAlgorithm;
use keyward::domain::application::BasePath;
use keyward::domain::{Catalog, Cidr, RateLimitSetting, Scope};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Keyward: API keys & tokens console.
#[derive(Debug, Parser)]
#[command(name = "keyward", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options for `serve`, which runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve(ServeArgs),
    /// Manage console users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage credentials from the shell (for automation and the first management key).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the keys that sign access tokens and JWT-format secrets.
    #[command(subcommand, name = "signing-keys")]
    SigningKeys(SigningKeysCommand),
    /// Apply pending database migrations and exit.
    Migrate(DataArgs),
    /// Write an online, consistent copy of the database to FILE.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Copy a SQLite install into an empty PostgreSQL database, so an install
    /// that outgrows one machine keeps every key, token, user and setting.
    MigrateData {
        /// The SQLite database to copy (keyward.db in the data dir); it is only
        /// read. Stop the server first: what it writes later is not copied.
        #[arg(long)]
        from: PathBuf,
        /// The new PostgreSQL database: postgres://user:password@host:5432/keyward
        /// (or leave the password out and set PGPASSWORD, to keep it out of `ps`).
        #[arg(long)]
        to: String,
    },
}

/// Console user management.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a console user; the password is read from standard input.
    Create(AdminCreateArgs),
}

/// Credential commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a credential and print its secret, once.
    Create(KeysCreateArgs),
    /// Revoke a credential by its id; a running server refuses it within a second.
    Revoke {
        /// The credential's id (`key_…`).
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Signing-key commands. A running server picks up a rotation within seconds.
#[derive(Debug, Subcommand)]
pub enum SigningKeysCommand {
    /// Add a new signing key; the current one stays in the JWKS until every token it signed has expired.
    Rotate {
        /// RS256, ES256 or EdDSA (default: the current key's algorithm).
        #[arg(long)]
        algorithm: Option<JwtAlgorithm>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the published signing keys, newest first.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Arguments of `keys create`.
#[derive(Debug, Clone, Args)]
pub struct KeysCreateArgs {
    /// The account the credential belongs to.
    #[arg(long, env = "KEYWARD_KEY_ACCOUNT", default_value = "default")]
    pub account: String,
    /// A name, unique in the account.
    #[arg(long, env = "KEYWARD_KEY_NAME")]
    pub name: String,
    /// Comma-separated scopes, e.g. keys:read,keys:write.
    #[arg(long, env = "KEYWARD_KEY_SCOPES", value_delimiter = ',')]
    pub scopes: Vec<String>,
    /// Comma-separated roles: global_admin, global_viewer, account_viewer.
    #[arg(long, env = "KEYWARD_KEY_ROLES", value_delimiter = ',')]
    pub roles: Vec<String>,
    /// api_key, basic or oauth_client.
    #[arg(long, env = "KEYWARD_KEY_KIND", default_value = "api_key")]
    pub kind: String,
    /// prod, stg or dev.
    #[arg(long, env = "KEYWARD_KEY_ENVIRONMENT", default_value = "prod")]
    pub environment: String,
    /// 5m, 24h, 7d, 14d, 1mo, 6mo, 1y, custom:<days> or never.
    #[arg(long, env = "KEYWARD_KEY_EXPIRES")]
    pub expires: Option<String>,
    /// Comma-separated allowed CIDRs.
    #[arg(long, env = "KEYWARD_KEY_CIDRS", value_delimiter = ',')]
    pub allowed_cidrs: Vec<String>,
    /// Its own rate limit instead of the account plan's: `unlimited`, or LIMIT/WINDOW_SECONDS[,BURST], e.g. 1000/60,2000.
    #[arg(long, env = "KEYWARD_KEY_RATE_LIMIT")]
    pub rate_limit: Option<RateLimitSetting>,
    /// Print JSON (the credential and its secret) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Directory for the database and the master key (created with mode 0700).
    #[arg(long, env = "KEYWARD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// The master key's file (default: master.key in the data dir). Every
    /// process on one database needs the same key.
    #[arg(long, env = "KEYWARD_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// PostgreSQL (15+) instead of SQLite in the data dir, for several
    /// instances: `postgres://user:password@host:5432/keyward`. The master key
    /// still comes from the data dir (or --master-key-file).
    #[arg(long, env = "KEYWARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// Where the data and the master key are.
    pub fn config(&self) -> Config {
        let mut c = Config::new(&self.data_dir);
        c.master_key_file = self.master_key_file.clone();
        c.database_url = self.database_url.clone().map(keyward::store::DatabaseUrl);
        c
    }
}

/// How to serve.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYWARD_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub data: DataArgs,
    /// The URL users reach the console at, e.g. https://keys.example.com (sets Secure cookies).
    #[arg(long, env = "KEYWARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Believe --client-ip-header for the console's and management API's client IP (only behind your own proxy).
    #[arg(long, env = "KEYWARD_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// The header your proxy sets to the client's address; /v1/auth reads only this one. `X-Forwarded-For` and `Forwarded` count their last hop.
    #[arg(long, env = "KEYWARD_CLIENT_IP_HEADER", default_value = "X-Forwarded-For", value_parser = header_name)]
    pub client_ip_header: String,
    /// Minutes of inactivity after which a console session ends.
    #[arg(long, env = "KEYWARD_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,
    /// Hours after sign-in after which a console session ends regardless.
    #[arg(long, env = "KEYWARD_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: i64,
    /// The algorithm of the first signing key: ES256 (fast), EdDSA (fast) or RS256 (what RFC 9068 requires every verifier to support; ~0.8 ms per token).
    #[arg(long, env = "KEYWARD_JWT_ALGORITHM", default_value = "ES256")]
    pub jwt_algorithm: JwtAlgorithm,
    /// The `aud` claim of access tokens: the API they are meant for.
    #[arg(long, env = "KEYWARD_TOKEN_AUDIENCE", default_value = "keyward")]
    pub token_audience: String,
    /// Seconds a webhook receiver or SMTP server may take to answer (1–60).
    #[arg(long, env = "KEYWARD_DELIVERY_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub delivery_timeout_secs: u64,
    /// Comma-separated networks webhooks may reach although they are loopback, private, link-local or otherwise special, e.g. 10.0.0.0/8,127.0.0.1/32 (none by default).
    #[arg(long, env = "KEYWARD_WEBHOOK_ALLOWED_CIDRS", value_delimiter = ',', value_parser = cidr)]
    pub webhook_allowed_cidrs: Vec<Cidr>,
    /// The API base of applications' signed requests, as in their clients' endpoint (`https://api.example.com/1.0`): `<base>/auth/time` and `<base>/auth/credential` are served here, and rights match the path after it.
    #[arg(long, env = "KEYWARD_APPLICATION_BASE_PATH", default_value = "/1.0", value_parser = base_path)]
    pub application_base_path: BasePath,
    /// Rotate the signing key every N days (1–3650); off by default (rotate by hand). The next key is published ahead (--signing-key-lead-hours), and a retired one stays published until every token it signed has expired.
    #[arg(long, env = "KEYWARD_SIGNING_KEY_ROTATION_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub signing_key_rotation_days: Option<u32>,
    /// Hours (1–8760) the next scheduled signing key is in the JWKS before it starts signing, so resource servers that cache the JWKS already hold it.
    #[arg(long, env = "KEYWARD_SIGNING_KEY_LEAD_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub signing_key_lead_hours: u32,
    /// Comma-separated resources scopes may name, e.g. compute,storage,billing (default: compute,storage,network,billing,admin,keys). Each is lowercase letters, digits, - and _, at most 40 characters.
    #[arg(long, env = "KEYWARD_SCOPE_RESOURCES", value_delimiter = ',', value_parser = scope_resource)]
    pub scope_resources: Vec<String>,
    /// Log format: `text` for people, `json` for log pipelines.
    #[arg(long, env = "KEYWARD_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

fn base_path(s: &str) -> Result<BasePath, String> {
    BasePath::parse(s).map_err(|e| e.message)
}

fn header_name(s: &str) -> Result<String, String> {
    http::HeaderName::from_bytes(s.trim().as_bytes())
        .map(|_| s.trim().to_owned())
        .map_err(|_| format!("{s:?} is not an HTTP header name"))
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Arguments of `admin create`.
#[derive(Debug, Clone, Args)]
pub struct AdminCreateArgs {
    /// The user's e-mail address.
    #[arg(long, env = "KEYWARD_ADMIN_EMAIL")]
    pub email: String,
    /// global-admin, global-viewer or account-viewer (with access to all accounts).
    #[arg(long, env = "KEYWARD_ADMIN_ROLE", default_value = "global-admin")]
    pub role: String,
    /// Read the password from standard input (required, so it never appears in `ps` or shell history).
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

impl ServeArgs {
    /// The service configuration these flags describe.
    pub fn config(&self) -> Config {
        let mut c = self.data.config();
        c.public_url = self.public_url.clone();
        c.trust_proxy = self.trust_proxy;
        c.client_ip_header = self.client_ip_header.clone();
        c.session_idle_secs = self.session_idle_minutes.max(1) * 60;
        c.session_max_secs = self.session_max_hours.max(1) * 3600;
        c.jwt_algorithm = self.jwt_algorithm;
        c.token_audience = self.token_audience.clone();
        c.delivery_timeout = std::time::Duration::from_secs(self.delivery_timeout_secs);
        c.webhook_allowed_cidrs = self.webhook_allowed_cidrs.clone();
        c.application_base_path = self.application_base_path.clone();
        c.signing_key_rotation_days = self.signing_key_rotation_days;
        c.signing_key_lead_hours = self.signing_key_lead_hours;
        if !self.scope_resources.is_empty() {
            let mut seen = std::collections::HashSet::new();
            let resources = self
                .scope_resources
                .iter()
                .filter(|r| seen.insert(*r))
                .cloned()
                .collect();
            c.catalog = Catalog(resources);
        }
        c
    }
}

/// Parses one network of `--webhook-allowed-cidrs`, with the same rules and
/// hints as a credential's allowed CIDRs.
fn cidr(s: &str) -> Result<Cidr, String> {
    Cidr::parse(s).map_err(|e| e.message)
}

/// Parses one resource of `--scope-resources` by the rules a scope's resource
/// follows, so every name the catalog holds can appear in a scope. `*` is
/// refused: it already means every resource.
fn scope_resource(s: &str) -> Result<String, String> {
    let name = s.trim();
    if name != "*" && Scope::parse_syntax(&format!("{name}:read")).is_ok() {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "{s:?} is not a resource name: use lowercase letters, digits, - and _ (1 to 40 characters)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_resources_follow_the_scope_rules() {
        assert_eq!(scope_resource(" compute ").unwrap(), "compute");
        assert_eq!(scope_resource("res-07_b").unwrap(), "res-07_b");
        for bad in ["", "*", "Compute", "a:b", "with space", &"x".repeat(41)] {
            assert!(scope_resource(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn scope_resources_replace_the_default_catalog() {
        let cli = Cli::parse_from(["keyward", "--scope-resources", "alpha,beta,alpha"]);
        assert_eq!(cli.serve.config().catalog, Catalog(vec!["alpha".into(), "beta".into()]));
        let cli = Cli::parse_from(["keyward"]);
        assert_eq!(cli.serve.config().catalog, Catalog::default());
        assert!(Cli::try_parse_from(["keyward", "--scope-resources", "ok,Not-OK"]).is_err());
    }
}
