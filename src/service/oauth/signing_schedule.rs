//! Signing keys on a schedule (`--signing-key-rotation-days`): the next key
//! is published in the JWKS at least the lead time before it starts signing,
//! so resource servers that cache the JWKS already hold it when the first
//! token it signed arrives. When its time comes it signs (the key ring
//! decides by the clock, on every instance at once), and a pass of this job
//! retires the key it replaced as a manual rotation does.

use serde_json::json;
use std::time::Duration;

use super::OAuth;
use super::signing_keys::{GeneratedKey, announce_rotation, retire_superseded};
use crate::config::Config;
use crate::domain::signing_key::{SigningKey, signing_at};
use crate::service::change::Change;
use crate::service::{Actor, ServiceResult};
use crate::store;

/// How long the schedule's lease lasts: three passes (one every 5 s), so
/// another instance takes over quickly when its holder died.
const LEASE: Duration = Duration::from_secs(15);

/// What a pass of the schedule changed, for the job's log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulePass {
    /// The key that took over signing, once the keys it replaced are retired.
    pub activated: Option<String>,
    /// The keys it retired.
    pub retired: Vec<String>,
    /// The next key, published ahead, and when it starts signing.
    pub published: Option<(String, i64)>,
}

/// The rotation period and lead time from the configuration, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Schedule {
    every: i64,
    lead: i64,
}

impl Schedule {
    /// `None` when scheduled rotation is off.
    fn from_config(config: &Config) -> Option<Self> {
        config.signing_key_rotation_days.map(|days| Self {
            every: i64::from(days) * 86_400,
            lead: i64::from(config.signing_key_lead_hours) * 3_600,
        })
    }
}

/// What a pass has to do, decided from the keys not retired.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// The key that signs now.
    current: SigningKey,
    /// Keys a later key has taken over from: to retire.
    superseded: Vec<String>,
    /// When the next key starts signing, when it is to be published now.
    publish_next_at: Option<i64>,
}

/// Decides a pass at `now` over the keys not retired. The next key is due
/// `every` after the current one started signing, and published once that is
/// within `lead`; it never signs less than `lead` after its publication, even
/// when the due date has passed (a server that was down, a lead longer than
/// the period): the current key then signs a little longer.
fn plan(live: &[SigningKey], now: i64, schedule: Option<Schedule>) -> Option<Plan> {
    let current = signing_at(live, now)?;
    let superseded: Vec<String> = live
        .iter()
        .filter(|k| k.activates_at <= now && k.kid != current.kid)
        .map(|k| k.kid.clone())
        .collect();
    let ahead = live.iter().any(|k| k.activates_at > now && k.kid != current.kid);
    let publish_next_at = schedule.filter(|_| !ahead).and_then(|s| {
        let due = current.activates_at.saturating_add(s.every);
        (now >= due - s.lead).then(|| due.max(now + s.lead))
    });
    (!superseded.is_empty() || publish_next_at.is_some()).then(|| Plan {
        current: current.clone(),
        superseded,
        publish_next_at,
    })
}

impl OAuth<'_> {
    /// One pass of the signing-key schedule, run every few seconds: retires
    /// the keys a next key took over from once its activation came (whether
    /// or not the schedule is still on), and publishes the next key when the
    /// current one is within the lead time of its due date. It reads first
    /// and does nothing when nothing is due; otherwise it acts on the instance
    /// holding the lease and decides again inside the write transaction, so
    /// two passes, a restart or a second instance never rotate twice.
    pub async fn rotate_signing_keys_on_schedule(&self) -> ServiceResult<SchedulePass> {
        let schedule = Schedule::from_config(self.kw.config());
        let now = self.kw.now();
        let live = live_keys(store::signing_keys::live(self.kw.store().pool()).await?);
        let Some(first) = plan(&live, now, schedule) else {
            return Ok(SchedulePass::default());
        };
        let Some(lease) = self.kw.leases().hold("signing-keys", LEASE).await? else {
            return Ok(SchedulePass::default());
        };
        let next = first.publish_next_at.map(|_| {
            let alg = first
                .current
                .algorithm
                .parse()
                .unwrap_or(self.kw.config().jwt_algorithm);
            GeneratedKey::new(self.kw, alg, now)
        });
        let mut tx = Change::begin_as(self.kw, Actor::system("signing-key schedule")).await?;
        tx.now = now;
        tx.fenced(lease);
        let Some(plan) = plan(&live_keys(store::signing_keys::live(&mut *tx).await?), now, schedule) else {
            return Ok(SchedulePass::default());
        };
        let mut pass = SchedulePass::default();
        if !plan.superseded.is_empty() {
            let current = &plan.current;
            retire_superseded(&mut tx, &plan.superseded, current.activates_at).await?;
            tx.audit(
                "signing_key.rotated",
                Some(format!("signing_key:{}", current.kid)),
                None,
                json!({ "algorithm": current.algorithm, "retired": plan.superseded, "by": "schedule" }),
            )
            .await?;
            announce_rotation(&mut tx, &current.kid, &current.algorithm, &plan.superseded, "schedule").await?;
            pass.activated = Some(current.kid.clone());
            pass.retired = plan.superseded.clone();
        }
        // The key made before the lock serves only if this pass still has to
        // publish one, for the same algorithm; otherwise the next pass does.
        if let (Some(at), Some(key)) = (plan.publish_next_at, &next)
            && key.alg.as_str() == plan.current.algorithm
        {
            store::signing_keys::insert(&mut tx, &key.row(now, at)).await?;
            tx.audit(
                "signing_key.published",
                Some(format!("signing_key:{}", key.kid)),
                None,
                json!({ "algorithm": key.alg.as_str(), "activates_at": at, "by": "schedule" }),
            )
            .await?;
            pass.published = Some((key.kid.clone(), at));
        }
        if pass == SchedulePass::default() {
            return Ok(pass);
        }
        tx.touches_signing_keys();
        tx.commit().await?;
        Ok(pass)
    }
}

fn live_keys(rows: Vec<store::signing_keys::LiveKey>) -> Vec<SigningKey> {
    rows.into_iter().map(SigningKey::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const WEEKLY: Option<Schedule> = Some(Schedule {
        every: 7 * DAY,
        lead: DAY,
    });

    fn key(kid: &str, created_at: i64, activates_at: i64) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            algorithm: "ES256".into(),
            created_at,
            activates_at,
            retired_at: None,
            publish_until: None,
        }
    }

    #[test]
    fn the_next_key_is_published_a_lead_before_its_due_date_and_not_before() {
        let live = [key("a", 0, 0)];
        assert_eq!(plan(&live, 6 * DAY - 1, WEEKLY), None);
        let p = plan(&live, 6 * DAY, WEEKLY).unwrap();
        assert_eq!((p.current.kid.as_str(), p.publish_next_at), ("a", Some(7 * DAY)));
        assert!(p.superseded.is_empty());
        assert_eq!(plan(&live, 30 * DAY, None), None, "off: nothing to publish");
    }

    #[test]
    fn a_published_next_key_is_left_alone_until_it_takes_over_then_its_predecessor_retires() {
        let live = [key("b", 6 * DAY, 7 * DAY), key("a", 0, 0)];
        assert_eq!(plan(&live, 7 * DAY - 1, WEEKLY), None);
        let p = plan(&live, 7 * DAY, WEEKLY).unwrap();
        assert_eq!(p.current.kid, "b");
        assert_eq!(p.superseded, ["a"]);
        assert_eq!(p.publish_next_at, None, "b is due a week after it took over");
        assert_eq!(
            plan(&live, 7 * DAY, None).unwrap().superseded,
            ["a"],
            "a key published before the schedule was turned off still takes over"
        );
    }

    #[test]
    fn an_overdue_key_still_gets_a_successor_published_a_full_lead_ahead() {
        let p = plan(&[key("a", 0, 0)], 20 * DAY, WEEKLY).unwrap();
        assert_eq!(p.publish_next_at, Some(21 * DAY));
        let long_lead = Some(Schedule {
            every: DAY,
            lead: 3 * DAY,
        });
        let p = plan(&[key("a", 0, 0)], 0, long_lead).unwrap();
        assert_eq!(p.publish_next_at, Some(3 * DAY), "the lead wins over a shorter period");
    }

    #[test]
    fn a_switch_after_downtime_retires_and_publishes_from_the_new_key_in_one_pass() {
        let live = [key("b", 6 * DAY, 7 * DAY), key("a", 0, 0)];
        let p = plan(&live, 13 * DAY, WEEKLY).unwrap();
        assert_eq!((p.current.kid.as_str(), p.superseded.len()), ("b", 1));
        assert_eq!(p.publish_next_at, Some(14 * DAY));
    }

    #[test]
    fn nothing_is_planned_without_a_key_that_signs_or_for_one_activating_on_a_clock_ahead() {
        assert_eq!(plan(&[], 0, WEEKLY), None);
        assert_eq!(plan(&[key("ahead", 1, 1)], 0, WEEKLY), None);
    }
}
