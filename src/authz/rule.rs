//! The grant rule: a credential may issue, change, rotate or revoke only a
//! credential that can do no more than itself. "More" is measured on what
//! a credential can do: the scopes it holds in each account (roles
//! expanded), the accounts it reaches, where it may be used from, which
//! paths it may call, how fast (its rate limit), and for how long.

use crate::domain::{Cidr, CredentialRole, Right, scope};

use super::grant::{Grant, Lifetime};
use super::holder::{KeyHolder, Reach, held_scopes};

/// What a grant holds that its grantor does not, said so a person can act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Excess {
    #[error("it would hold {scope}{}, which you do not", in_account(.account))]
    Scope { scope: String, account: Option<String> },
    #[error("it would reach {0}, which you do not")]
    Reach(String),
    #[error("it could be used from {0}, where you cannot")]
    Network(String),
    #[error("it could call {0}, which you cannot")]
    Right(String),
    #[error("its rate limit ({theirs}) is above yours ({mine})")]
    RateLimit { theirs: String, mine: String },
    #[error("it would outlive yours, which ends at {mine}: {theirs}")]
    Lifetime { theirs: &'static str, mine: i64 },
    #[error("its own rate limit ({0}) is above its account's; only a Global Admin sets that")]
    AboveAccountLimit(String),
}

fn in_account(account: &Option<String>) -> String {
    account.as_deref().map(|a| format!(" in {a}")).unwrap_or_default()
}

/// Whether the Global Admin exemption applies: the role, and (for an access
/// token, whose scopes are final) `*:admin` still held.
pub fn is_global_admin(k: &KeyHolder) -> bool {
    k.reach().writes_all() && scope::satisfies(&k.scopes_in(&k.grant.account), &[CredentialRole::GlobalAdmin.scope()])
}

/// Checks that `t` can do no more than `k`.
pub fn within(k: &KeyHolder, t: &Grant) -> Result<(), Excess> {
    let mine = k.reach();
    let theirs = Reach::of(&t.account, &t.roles);
    reach_within(&mine, &theirs, &t.account)?;
    scopes_within(k, &mine, t, &theirs)?;
    network_within(&k.grant.allowed_cidrs, &t.allowed_cidrs)?;
    rights_within(&k.grant.rights, &t.rights)?;
    if !t.rate().within(&k.grant.rate()) {
        return Err(Excess::RateLimit {
            theirs: t.rate().to_string(),
            mine: k.grant.rate().to_string(),
        });
    }
    lifetime_within(&k.grant.lifetime, &t.lifetime)?;
    if t.above_account_limit() {
        return Err(Excess::AboveAccountLimit(t.rate().to_string()));
    }
    Ok(())
}

fn lifetime_within(mine: &Lifetime, theirs: &Lifetime) -> Result<(), Excess> {
    let Some(mine) = mine.end() else {
        return Ok(());
    };
    let theirs = match (theirs.auto_renew, theirs.expires_at) {
        (true, _) => "it renews itself",
        (false, None) => "it never expires",
        (false, Some(t)) if t > mine => "it expires later",
        (false, Some(_)) => return Ok(()),
    };
    Err(Excess::Lifetime { theirs, mine })
}

fn reach_within(mine: &Reach, theirs: &Reach, account: &str) -> Result<(), Excess> {
    let excess = |what: &str| Err(Excess::Reach(what.to_owned()));
    if theirs.writes_all() && !mine.writes_all() {
        return excess("every account, to change it");
    }
    if theirs.reads_all() && !mine.reads_all() {
        return excess("every account");
    }
    if theirs.reads_install() && !mine.reads_install() {
        return excess("install-wide data");
    }
    if !mine.can_write(account) {
        return Err(Excess::Reach(format!("account {account}")));
    }
    match theirs.listed().iter().find(|a| !mine.can_read(a)) {
        Some(a) => Err(Excess::Reach(format!("account {a}"))),
        None => Ok(()),
    }
}

/// Compares the scopes held in every account where they can differ: the two
/// own accounts, every listed one, and any other account (`""`, which no
/// account is named).
fn scopes_within(k: &KeyHolder, mine: &Reach, t: &Grant, theirs: &Reach) -> Result<(), Excess> {
    let mut places: Vec<&str> = vec![&t.account, &k.grant.account, ""];
    places.extend(theirs.listed().iter().map(String::as_str));
    places.extend(mine.listed().iter().map(String::as_str));
    for place in places {
        let held = k.scopes_in(place);
        if let Some(s) = held_scopes(&t.scopes, &t.roles, &t.account, place)
            .into_iter()
            .find(|s| !scope::satisfies(&held, std::slice::from_ref(s)))
        {
            return Err(Excess::Scope {
                scope: s.to_string(),
                account: (!place.is_empty()).then(|| place.to_owned()),
            });
        }
    }
    Ok(())
}

fn network_within(mine: &[Cidr], theirs: &[Cidr]) -> Result<(), Excess> {
    if mine.is_empty() {
        return Ok(());
    }
    if theirs.is_empty() {
        return Err(Excess::Network("anywhere".into()));
    }
    match theirs.iter().find(|t| !mine.iter().any(|m| t.within(m))) {
        Some(t) => Err(Excess::Network(t.to_string())),
        None => Ok(()),
    }
}

fn rights_within(mine: &[Right], theirs: &[Right]) -> Result<(), Excess> {
    if mine.is_empty() {
        return Ok(());
    }
    if theirs.is_empty() {
        return Err(Excess::Right("any path".into()));
    }
    match theirs.iter().find(|t| !mine.iter().any(|m| m.covers(t))) {
        Some(t) => Err(Excess::Right(format!("{} {}", t.methods().join(","), t.path()))),
        None => Ok(()),
    }
}
