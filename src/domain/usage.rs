//! Usage series: calls of one credential over time, by outcome code.

use serde::{Deserialize, Serialize};

/// The width of a usage bucket.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    #[default]
    Hour,
    Day,
}

impl Granularity {
    /// Seconds per bucket.
    pub fn seconds(self) -> i64 {
        match self {
            Granularity::Hour => 3_600,
            Granularity::Day => 86_400,
        }
    }
}

/// Calls in one bucket with one outcome.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBucket {
    /// Unix seconds at the start of the hour or day (UTC).
    pub t: i64,
    /// The outcome code (`VALID`, `RATE_LIMITED`, `REVOKED`, …).
    pub code: String,
    pub count: i64,
}

/// A credential's calls in `[from, to)`; buckets with no calls are left out.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageSeries {
    /// The credential's id.
    pub key: String,
    pub granularity: Granularity,
    pub from: i64,
    pub to: i64,
    pub buckets: Vec<UsageBucket>,
}

/// One credential's traffic in an overview's range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialTraffic {
    pub credential: super::Credential,
    pub calls: i64,
    /// Refused calls, rate-limited ones included.
    pub refused: i64,
}

/// How often one refusal code was answered in an overview's range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalCount {
    pub code: String,
    pub count: i64,
}

/// The dashboard's analytics for the whole install (the accounts the caller
/// may read) or one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageOverview {
    /// The account's name, or `None` for every visible account.
    pub account: Option<String>,
    pub granularity: Granularity,
    pub from: i64,
    pub to: i64,
    /// Calls of every credential in scope, summed per bucket and code.
    pub buckets: Vec<UsageBucket>,
    /// The ten busiest credentials, busiest first.
    pub top: Vec<CredentialTraffic>,
    /// The most frequent refusal codes, most frequent first.
    pub refusals: Vec<RefusalCount>,
    /// Working credentials unused for 30 days, least recently used first.
    pub unused: Vec<super::Credential>,
    /// How many working credentials are unused for 30 days in all.
    pub unused_count: i64,
}
