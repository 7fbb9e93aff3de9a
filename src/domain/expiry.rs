//! Expiry presets, as the seeds offer them: 5 minutes to a year, custom days, or never.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::ValidationError;

const DAY: i64 = 86_400;

/// How long a credential lives from creation (or renewal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expiry {
    Minutes5,
    Hours24,
    Days7,
    Days14,
    Month1,
    Months6,
    Year1,
    /// 1–3650 days.
    CustomDays(u16),
    Never,
}

impl Default for Expiry {
    /// Six months, the default of every seed console.
    fn default() -> Self {
        Expiry::Months6
    }
}

impl Expiry {
    /// The presets the console offers, shortest first (custom is separate).
    pub const PRESETS: [Expiry; 8] = [
        Expiry::Minutes5,
        Expiry::Hours24,
        Expiry::Days7,
        Expiry::Days14,
        Expiry::Month1,
        Expiry::Months6,
        Expiry::Year1,
        Expiry::Never,
    ];

    /// Parses `5m`, `24h`, `7d`, `14d`, `1mo`, `6mo`, `1y`, `custom:<days>` or `never`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        Ok(match s {
            "5m" => Expiry::Minutes5,
            "24h" => Expiry::Hours24,
            "7d" => Expiry::Days7,
            "14d" => Expiry::Days14,
            "1mo" => Expiry::Month1,
            "6mo" => Expiry::Months6,
            "1y" => Expiry::Year1,
            "never" => Expiry::Never,
            _ => {
                let days = s
                    .strip_prefix("custom:")
                    .and_then(|d| d.parse::<u16>().ok())
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| {
                        ValidationError::new(
                            "expires",
                            "must be 5m, 24h, 7d, 14d, 1mo, 6mo, 1y, never, or custom:<days> with 1–3650 days",
                        )
                    })?;
                Expiry::CustomDays(days)
            }
        })
    }

    /// The lifetime in seconds; `None` for never.
    pub fn lifetime_secs(self) -> Option<i64> {
        Some(match self {
            Expiry::Minutes5 => 300,
            Expiry::Hours24 => DAY,
            Expiry::Days7 => 7 * DAY,
            Expiry::Days14 => 14 * DAY,
            Expiry::Month1 => 30 * DAY,
            Expiry::Months6 => 180 * DAY,
            Expiry::Year1 => 365 * DAY,
            Expiry::CustomDays(d) => i64::from(d) * DAY,
            Expiry::Never => return None,
        })
    }

    /// When a credential created at `now` expires.
    pub fn expires_at(self, now: i64) -> Option<i64> {
        self.lifetime_secs().map(|l| now + l)
    }

    /// The label shown in the console.
    pub fn label(self) -> String {
        match self {
            Expiry::Minutes5 => "5 minutes".into(),
            Expiry::Hours24 => "24 hours".into(),
            Expiry::Days7 => "7 days".into(),
            Expiry::Days14 => "14 days".into(),
            Expiry::Month1 => "1 month".into(),
            Expiry::Months6 => "6 months".into(),
            Expiry::Year1 => "1 year".into(),
            Expiry::CustomDays(d) => format!("{d} days"),
            Expiry::Never => "Never".into(),
        }
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expiry::Minutes5 => f.write_str("5m"),
            Expiry::Hours24 => f.write_str("24h"),
            Expiry::Days7 => f.write_str("7d"),
            Expiry::Days14 => f.write_str("14d"),
            Expiry::Month1 => f.write_str("1mo"),
            Expiry::Months6 => f.write_str("6mo"),
            Expiry::Year1 => f.write_str("1y"),
            Expiry::CustomDays(d) => write!(f, "custom:{d}"),
            Expiry::Never => f.write_str("never"),
        }
    }
}

impl Serialize for Expiry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Expiry::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_round_trip_and_have_the_documented_lifetimes() {
        let expected = [300, DAY, 7 * DAY, 14 * DAY, 30 * DAY, 180 * DAY, 365 * DAY];
        for (p, secs) in Expiry::PRESETS.iter().zip(expected) {
            assert_eq!(Expiry::parse(&p.to_string()).unwrap(), *p);
            assert_eq!(p.lifetime_secs(), Some(secs));
        }
        assert_eq!(Expiry::Never.lifetime_secs(), None);
        assert_eq!(Expiry::default(), Expiry::Months6);
    }

    #[test]
    fn custom_days_are_bounded() {
        assert_eq!(Expiry::parse("custom:90").unwrap().lifetime_secs(), Some(90 * DAY));
        assert_eq!(Expiry::parse("custom:3650").unwrap(), Expiry::CustomDays(3650));
        for bad in ["custom:0", "custom:3651", "custom:", "custom:x", "2w", ""] {
            assert!(Expiry::parse(bad).is_err(), "{bad}");
        }
    }
}
