//! A JWT signing key's public facts, for the console's settings page and the
//! CLI, and the one rule that says which key signs at a given moment (the key
//! ring signs by it, and the listings show it), so a key published ahead of
//! its activation never signs early.

use serde::{Deserialize, Serialize};

/// A published signing key's dates, as the key ring holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: String,
    pub created_at: i64,
    /// When it starts (or started) signing: its creation, unless the
    /// schedule published it ahead.
    pub activates_at: i64,
    /// When a newer key took over signing (or, for a next key that never
    /// signed, when a manual rotation withdrew it).
    pub retired_at: Option<i64>,
    /// When it leaves the JWKS (absent: it stays while tokens it signed may be in use).
    pub publish_until: Option<i64>,
}

/// Where a key stands at a moment, so the console and the CLI can tell the
/// key that signs from the one published ahead and the ones on their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum SigningKeyState {
    /// It signs every new token.
    Current,
    /// Published ahead of its activation, so caches hold it before it signs.
    Next,
    /// It no longer signs; published until the tokens it signed have expired.
    Retiring,
}

impl SigningKeyState {
    /// The word it is serialized as, for markup that names the state (`data-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            SigningKeyState::Current => "current",
            SigningKeyState::Next => "next",
            SigningKeyState::Retiring => "retiring",
        }
    }
}

/// A signing key as the console and the CLI list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SigningKeyInfo {
    pub kid: String,
    pub algorithm: String,
    pub created_at: i64,
    /// When it starts (or started) signing.
    pub activates_at: i64,
    /// When a newer key took over signing.
    pub retired_at: Option<i64>,
    /// When it leaves the JWKS (absent: it stays while tokens it signed may be in use).
    pub publish_until: Option<i64>,
    /// Whether it signs now, signs next, or is retiring, when it was listed.
    pub state: SigningKeyState,
}

/// The key that signs at `now`: of the keys not retired whose activation has
/// come, the one activated last. A key published ahead signs only from its
/// activation on, even before the scheduler records the switch. When every
/// key whose time came is retired, the one activating first signs: another
/// machine, its clock a little ahead, rotated (by hand, or on schedule) and
/// retired the previous key, and tokens must still be signed meanwhile.
pub fn signing_at(keys: &[SigningKey], now: i64) -> Option<&SigningKey> {
    let order = |a: &&SigningKey, b: &&SigningKey| {
        (a.activates_at, a.created_at, &a.kid).cmp(&(b.activates_at, b.created_at, &b.kid))
    };
    let live = || keys.iter().filter(|k| k.retired_at.is_none());
    live()
        .filter(|k| k.activates_at <= now)
        .max_by(order)
        .or_else(|| live().min_by(order))
}

/// `keys` as listed at `now`, each with its state, in the order given.
pub fn listed_at(keys: &[SigningKey], now: i64) -> Vec<SigningKeyInfo> {
    let signing = signing_at(keys, now).map(|k| k.kid.as_str());
    keys.iter()
        .map(|k| SigningKeyInfo {
            kid: k.kid.clone(),
            algorithm: k.algorithm.clone(),
            created_at: k.created_at,
            activates_at: k.activates_at,
            retired_at: k.retired_at,
            publish_until: k.publish_until,
            state: if signing == Some(k.kid.as_str()) {
                SigningKeyState::Current
            } else if k.retired_at.is_none() && k.activates_at > now {
                SigningKeyState::Next
            } else {
                SigningKeyState::Retiring
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str, created_at: i64, activates_at: i64, retired_at: Option<i64>) -> SigningKey {
        SigningKey {
            kid: kid.into(),
            algorithm: "ES256".into(),
            created_at,
            activates_at,
            retired_at,
            publish_until: retired_at.map(|t| t + 86_400),
        }
    }

    fn states(keys: &[SigningKey], now: i64) -> Vec<(String, SigningKeyState)> {
        listed_at(keys, now).into_iter().map(|k| (k.kid, k.state)).collect()
    }

    #[test]
    fn a_key_published_ahead_signs_only_from_its_activation() {
        let keys = [key("next", 600, 1_000, None), key("now", 0, 0, None)];
        assert_eq!(signing_at(&keys, 999).unwrap().kid, "now");
        assert_eq!(signing_at(&keys, 1_000).unwrap().kid, "next");
        use SigningKeyState::*;
        assert_eq!(states(&keys, 999), [("next".into(), Next), ("now".into(), Current)]);
        assert_eq!(
            states(&keys, 1_000),
            [("next".into(), Current), ("now".into(), Retiring)],
            "superseded before the scheduler records it"
        );
    }

    #[test]
    fn a_key_rotated_in_by_a_machine_whose_clock_runs_ahead_signs_at_once() {
        let keys = [
            key("later", 1_002, 1_002, None),
            key("soon", 1_001, 1_001, None),
            key("old", 0, 0, Some(1_001)),
        ];
        assert_eq!(signing_at(&keys, 1_000).unwrap().kid, "soon");
        assert_eq!(listed_at(&keys, 1_000)[1].state, SigningKeyState::Current);
    }

    #[test]
    fn a_retired_key_never_signs_and_none_may_sign_at_all() {
        let keys = [key("old", 0, 0, Some(50)), key("withdrawn", 10, 500, Some(20))];
        assert!(signing_at(&keys, 1_000).is_none());
        assert!(
            listed_at(&keys, 1_000)
                .iter()
                .all(|k| k.state == SigningKeyState::Retiring)
        );
    }

    #[test]
    fn of_two_keys_activated_at_once_the_newer_signs() {
        let keys = [key("a", 5, 5, None), key("b", 6, 5, None)];
        assert_eq!(signing_at(&keys, 5).unwrap().kid, "b");
    }
}
