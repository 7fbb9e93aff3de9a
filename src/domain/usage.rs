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
