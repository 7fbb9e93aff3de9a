//! Facts about a running install, as the Settings page shows them.

use serde::{Deserialize, Serialize};

/// How this instance is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceFacts {
    pub version: String,
    pub data_dir: String,
    pub public_url: Option<String>,
    /// `SQLite` or `PostgreSQL`.
    pub database: String,
    pub journal_mode: String,
    pub synchronous: String,
    pub session_idle_secs: i64,
    pub session_max_secs: i64,
}
