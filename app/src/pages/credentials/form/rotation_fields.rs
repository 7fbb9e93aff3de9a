//! The rotation section's fields as typed, and what they read as: the
//! interval, the grace period in hours, the enforcement days and the holder's
//! JWK, each checked by the core's own rules (`RotationEvery`, `HolderKey`,
//! `RotationPolicy::check`).

use keyward::domain::credential::{MAX_POLICY_GRACE_SECS, RotationDelivery, RotationEvery, RotationPolicy};
use keyward::domain::holder_key::HolderKey;
use leptos::prelude::*;

/// The longest grace period, in the hours the form asks for (the core's
/// limit is 30 days, which its own message states in seconds).
const MAX_GRACE_HOURS: f64 = MAX_POLICY_GRACE_SECS as f64 / HOUR;
const HOUR: f64 = 3_600.0;
pub(super) const EVERY: &str = "rotation.every";
pub(super) const GRACE: &str = "rotation.grace_seconds";
pub(super) const ENFORCE: &str = "rotation.enforce_after_days";
pub(super) const HOLDER_KEY: &str = "rotation.holder_key";

/// The rotation fields as typed, one signal each.
#[derive(Debug, Clone, Copy)]
pub struct RotationFields {
    /// Whether the secret rotates on a schedule at all.
    pub enabled: RwSignal<bool>,
    /// How often: `90d` or `12h`.
    pub every: RwSignal<String>,
    /// How long the previous secret keeps working, in hours.
    pub grace_hours: RwSignal<String>,
    pub delivery: RwSignal<RotationDelivery>,
    /// With notify: days after it is due before an unrotated key expires; empty for never.
    pub enforce_days: RwSignal<String>,
    /// With encrypted: the holder's public JWK.
    pub holder_key: RwSignal<String>,
}

impl Default for RotationFields {
    /// No policy, with the API's defaults ready for when it is switched on.
    fn default() -> Self {
        Self {
            enabled: RwSignal::new(false),
            every: RwSignal::new("90d".into()),
            grace_hours: RwSignal::new("24".into()),
            delivery: RwSignal::new(RotationDelivery::Notify),
            enforce_days: RwSignal::new(String::new()),
            holder_key: RwSignal::new(String::new()),
        }
    }
}

impl RotationFields {
    /// Fills the fields from a credential's current policy.
    pub fn load(&self, policy: Option<&RotationPolicy>) {
        let Some(p) = policy else { return };
        self.enabled.set(true);
        self.every.set(p.every.to_string());
        self.grace_hours.set(hours_text(p.grace_seconds));
        self.delivery.set(p.delivery);
        self.enforce_days
            .set(p.enforce_after_days.map(|d| d.to_string()).unwrap_or_default());
        if let Some(key) = &p.holder_key {
            self.holder_key
                .set(serde_json::to_string_pretty(key).unwrap_or_default());
        }
    }

    /// The policy the fields describe (`None` when off), or each field's problem.
    pub(super) fn policy(&self) -> Result<Option<RotationPolicy>, Vec<(&'static str, String)>> {
        if !self.enabled.get() {
            return Ok(None);
        }
        let delivery = self.delivery.get();
        let every = RotationEvery::parse(&self.every.get()).map_err(|e| (EVERY, e.message));
        let grace = grace_seconds(&self.grace_hours.get()).map_err(|m| (GRACE, m));
        let enforce = match delivery {
            RotationDelivery::Notify => enforce_days(&self.enforce_days.get()).map_err(|m| (ENFORCE, m)),
            RotationDelivery::Encrypted => Ok(None),
        };
        let holder_key = match delivery {
            RotationDelivery::Encrypted => holder_key(&self.holder_key.get()).map_err(|m| (HOLDER_KEY, m)),
            RotationDelivery::Notify => Ok(None),
        };
        let (Ok(every), Ok(grace_seconds), Ok(enforce_after_days), Ok(holder_key)) =
            (&every, &grace, &enforce, &holder_key)
        else {
            let errors = [every.err(), grace.err(), enforce.err(), holder_key.err()];
            return Err(errors.into_iter().flatten().collect());
        };
        let policy = RotationPolicy {
            every: *every,
            grace_seconds: *grace_seconds,
            delivery,
            enforce_after_days: *enforce_after_days,
            holder_key: holder_key.clone(),
        };
        match policy.check() {
            Ok(()) => Ok(Some(policy)),
            Err(e) => Err(vec![(static_field(&e.field), e.message)]),
        }
    }
}

/// Seconds as the hours the form shows: whole hours plainly, anything else
/// (set through the API) with enough decimals to come back to the same second.
fn hours_text(secs: i64) -> String {
    if secs % 3_600 == 0 {
        (secs / 3_600).to_string()
    } else {
        let text = format!("{:.4}", secs as f64 / HOUR);
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn grace_seconds(text: &str) -> Result<i64, String> {
    let hours = text
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite() && *h >= 0.0)
        .ok_or_else(|| "must be a number of hours, like 24 (0 ends the previous secret at once)".to_owned())?;
    if hours > MAX_GRACE_HOURS {
        return Err("must be at most 720 hours (30 days)".into());
    }
    Ok((hours * HOUR).round() as i64)
}

fn enforce_days(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| "must be a whole number of days, from 1 to 365".into())
}

/// The JWK as typed; empty is left to `RotationPolicy::check`, which says
/// that an encrypted delivery needs one.
fn holder_key(text: &str) -> Result<Option<HolderKey>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}"))?;
    HolderKey::parse(&value).map(Some).map_err(|e| e.message)
}

/// The field of a `RotationPolicy::check` refusal, as the form names it.
fn static_field(field: &str) -> &'static str {
    [EVERY, GRACE, ENFORCE, HOLDER_KEY]
        .into_iter()
        .find(|f| *f == field)
        .unwrap_or(EVERY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_hours_round_trip_to_the_second() {
        for secs in [0, 90, 100, 3_600, 5_400, 86_400, 2_592_000] {
            assert_eq!(grace_seconds(&hours_text(secs)), Ok(secs), "{secs}");
        }
        assert_eq!(hours_text(86_400), "24");
        assert_eq!(hours_text(5_400), "1.5");
        assert!(grace_seconds("-1").is_err());
        assert!(grace_seconds("721").unwrap_err().contains("720 hours"));
        assert!(grace_seconds("soon").is_err());
    }

    #[test]
    fn enforcement_is_optional_whole_days() {
        assert_eq!(enforce_days(" "), Ok(None));
        assert_eq!(enforce_days("7"), Ok(Some(7)));
        assert!(enforce_days("1.5").is_err());
    }

    #[test]
    fn a_holder_key_must_be_json_and_a_public_jwk() {
        assert_eq!(holder_key(""), Ok(None));
        assert!(holder_key("{").unwrap_err().contains("not valid JSON"));
        assert!(
            holder_key(r#"{"kty": "RSA", "n": "AQAB", "e": "AQAB"}"#)
                .unwrap_err()
                .contains("RSA")
        );
    }
}
