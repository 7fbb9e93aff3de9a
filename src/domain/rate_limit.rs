//! Rate limits: what a plan allows, and the per-account and per-credential
//! overrides. The limit always applies per credential.

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// A limit of `limit` requests per `window_seconds`, with bursts of up to `burst`.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests per window: the steady rate.
    pub limit: u32,
    /// The window in seconds (60 for the plans).
    #[serde(default = "default_window")]
    pub window_seconds: u32,
    /// Requests that may arrive at once after a quiet spell.
    pub burst: u32,
}

impl RateLimit {
    /// The emission interval (window ÷ limit) in microseconds, at least 1.
    pub fn interval_us(self) -> i64 {
        (i64::from(self.window_seconds) * 1_000_000 / i64::from(self.limit.max(1))).max(1)
    }
}

fn default_window() -> u32 {
    60
}

impl RateLimit {
    /// Checks the numbers: a limit and a burst of at least 1, and a window
    /// between a second and a day.
    pub fn validate(self, field: &str) -> Result<Self, ValidationError> {
        if self.limit == 0 || self.limit > 1_000_000 {
            return Err(ValidationError::new(
                field,
                "limit must be between 1 and 1,000,000 requests",
            ));
        }
        if !(1..=86_400).contains(&self.window_seconds) {
            return Err(ValidationError::new(
                field,
                "window_seconds must be between 1 and 86400",
            ));
        }
        if self.burst == 0 || self.burst > 10_000_000 {
            return Err(ValidationError::new(
                field,
                "burst must be between 1 and 10,000,000 requests",
            ));
        }
        Ok(self)
    }
}

/// What applies to a credential: a limit, or none.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitSetting {
    Limited(RateLimit),
    Unlimited,
}

impl RateLimitSetting {
    /// Whether this setting allows no more than `other`: no faster steady
    /// rate and no larger burst; only unlimited is within unlimited.
    pub fn within(&self, other: &RateLimitSetting) -> bool {
        match (self, other) {
            (_, RateLimitSetting::Unlimited) => true,
            (RateLimitSetting::Unlimited, RateLimitSetting::Limited(_)) => false,
            (RateLimitSetting::Limited(a), RateLimitSetting::Limited(b)) => {
                u64::from(a.limit) * u64::from(b.window_seconds) <= u64::from(b.limit) * u64::from(a.window_seconds)
                    && a.burst <= b.burst
            }
        }
    }

    /// Checks a limited setting's numbers.
    pub fn validate(self, field: &str) -> Result<Self, ValidationError> {
        match self {
            RateLimitSetting::Limited(l) => l.validate(field).map(RateLimitSetting::Limited),
            RateLimitSetting::Unlimited => Ok(self),
        }
    }
}

impl std::fmt::Display for RateLimitSetting {
    /// The spelling [`FromStr`](std::str::FromStr) reads, so forms can show a
    /// setting and read it back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateLimitSetting::Unlimited => f.write_str("unlimited"),
            RateLimitSetting::Limited(l) => write!(f, "{}/{},{}", l.limit, l.window_seconds, l.burst),
        }
    }
}

/// The command-line spelling: `unlimited`, or `LIMIT/WINDOW_SECONDS` with an
/// optional `,BURST` (default: the limit), e.g. `1000/60,2000`.
impl std::str::FromStr for RateLimitSetting {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ValidationError::new(
                "rate_limit",
                "use unlimited or LIMIT/WINDOW_SECONDS[,BURST], e.g. 1000/60,2000",
            )
        };
        let s = s.trim();
        if s == "unlimited" {
            return Ok(RateLimitSetting::Unlimited);
        }
        let (rate, burst) = s.split_once(',').map_or((s, None), |(r, b)| (r, Some(b)));
        let (limit, window) = rate.split_once('/').ok_or_else(bad)?;
        let limit: u32 = limit.trim().parse().map_err(|_| bad())?;
        let window_seconds: u32 = window.trim().parse().map_err(|_| bad())?;
        let burst = burst
            .map(|b| b.trim().parse().map_err(|_| bad()))
            .transpose()?
            .unwrap_or(limit);
        RateLimitSetting::Limited(RateLimit {
            limit,
            window_seconds,
            burst,
        })
        .validate("rate_limit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spelling_round_trips() {
        for s in ["unlimited", "1000/60,2000", "5/1,1"] {
            assert_eq!(s.parse::<RateLimitSetting>().unwrap().to_string(), s);
        }
        assert_eq!("60/60".parse::<RateLimitSetting>().unwrap().to_string(), "60/60,60");
    }

    #[test]
    fn a_setting_is_within_another_when_no_faster_and_no_burstier() {
        let l = |limit, window_seconds, burst| {
            RateLimitSetting::Limited(RateLimit {
                limit,
                window_seconds,
                burst,
            })
        };
        assert!(l(60, 60, 100).within(&l(60, 60, 100)));
        assert!(l(1, 1, 1).within(&l(60, 60, 100)), "one a second is sixty a minute");
        assert!(!l(2, 1, 1).within(&l(60, 60, 100)));
        assert!(!l(60, 60, 101).within(&l(60, 60, 100)));
        assert!(l(60, 60, 100).within(&RateLimitSetting::Unlimited));
        assert!(!RateLimitSetting::Unlimited.within(&l(60, 60, 100)));
    }

    #[test]
    fn the_command_line_spelling_parses() {
        assert_eq!(
            "unlimited".parse::<RateLimitSetting>().unwrap(),
            RateLimitSetting::Unlimited
        );
        assert_eq!(
            "1000/60,2000".parse::<RateLimitSetting>().unwrap(),
            RateLimitSetting::Limited(RateLimit {
                limit: 1000,
                window_seconds: 60,
                burst: 2000
            })
        );
        assert_eq!(
            "5/1".parse::<RateLimitSetting>().unwrap(),
            RateLimitSetting::Limited(RateLimit {
                limit: 5,
                window_seconds: 1,
                burst: 5
            })
        );
        for bad in ["", "fast", "10", "10/0", "10/60,0", "x/60"] {
            assert!(bad.parse::<RateLimitSetting>().is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_parse_from_json_and_bad_numbers_are_refused() {
        let s: RateLimitSetting = serde_json::from_str(r#"{"limited":{"limit":10,"burst":20}}"#).unwrap();
        assert_eq!(
            s,
            RateLimitSetting::Limited(RateLimit {
                limit: 10,
                window_seconds: 60,
                burst: 20
            })
        );
        let u: RateLimitSetting = serde_json::from_str(r#""unlimited""#).unwrap();
        assert_eq!(u, RateLimitSetting::Unlimited);
        let limit = |limit, burst| {
            RateLimit {
                limit,
                window_seconds: 60,
                burst,
            }
            .validate("rate_limit")
        };
        assert!(limit(10, 0).is_err());
        assert!(limit(60, 2).is_ok(), "a burst below the steady rate is allowed");
        assert!(
            RateLimit {
                limit: 0,
                window_seconds: 60,
                burst: 5
            }
            .validate("rate_limit")
            .is_err()
        );
    }
}
