//! Plans: the price list's names and the rate limits they come with.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::ValidationError;
use super::rate_limit::{RateLimit, RateLimitSetting};

/// A rate-limit plan, as the seeds price them.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Starter,
    Professional,
    Enterprise,
}

impl Plan {
    /// Every plan, cheapest first.
    pub const ALL: [Plan; 3] = [Plan::Starter, Plan::Professional, Plan::Enterprise];

    /// The stable identifier used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }

    /// The label shown in the console, with its limits.
    pub fn label(self) -> &'static str {
        match self {
            Plan::Starter => "Starter — 60 req/min, burst 100",
            Plan::Professional => "Professional — 1,000 req/min, burst 2,000",
            Plan::Enterprise => "Enterprise — custom or unlimited",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "starter" => Ok(Plan::Starter),
            "professional" => Ok(Plan::Professional),
            "enterprise" => Ok(Plan::Enterprise),
            _ => Err(ValidationError::new(
                "plan",
                "must be starter, professional or enterprise",
            )),
        }
    }
}

impl Plan {
    /// The plan's own limit: starter 60/min (burst 100), professional
    /// 1,000/min (burst 2,000), enterprise unlimited unless the account sets one.
    pub fn rate_limit(self) -> RateLimitSetting {
        match self {
            Plan::Starter => RateLimitSetting::Limited(RateLimit {
                limit: 60,
                window_seconds: 60,
                burst: 100,
            }),
            Plan::Professional => RateLimitSetting::Limited(RateLimit {
                limit: 1_000,
                window_seconds: 60,
                burst: 2_000,
            }),
            Plan::Enterprise => RateLimitSetting::Unlimited,
        }
    }
}

/// The limit that applies and the name it goes by in `RateLimit-Policy`: the
/// credential's override, else the account's custom limit (enterprise), else the plan's.
pub fn effective(
    plan: Plan,
    account_custom: Option<RateLimitSetting>,
    credential_override: Option<RateLimitSetting>,
) -> (RateLimitSetting, &'static str) {
    match (credential_override, account_custom) {
        (Some(o), _) => (o, "key"),
        (None, Some(c)) => (c, plan.as_str()),
        (None, None) => (plan.rate_limit(), plan.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_have_the_seeds_limits() {
        assert_eq!(
            Plan::Starter.rate_limit(),
            RateLimitSetting::Limited(RateLimit {
                limit: 60,
                window_seconds: 60,
                burst: 100
            })
        );
        assert_eq!(Plan::Enterprise.rate_limit(), RateLimitSetting::Unlimited);
    }

    #[test]
    fn the_credential_override_wins_then_the_account() {
        let custom = RateLimitSetting::Limited(RateLimit {
            limit: 5,
            window_seconds: 1,
            burst: 5,
        });
        assert_eq!(effective(Plan::Starter, None, Some(custom)), (custom, "key"));
        assert_eq!(effective(Plan::Enterprise, Some(custom), None), (custom, "enterprise"));
        assert_eq!(effective(Plan::Professional, None, None).1, "professional");
    }

    #[test]
    fn plans_round_trip() {
        for p in Plan::ALL {
            assert_eq!(p.as_str().parse::<Plan>().unwrap(), p);
        }
        assert!("free".parse::<Plan>().is_err());
    }
}
