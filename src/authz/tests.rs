//! The authorization rules, one decision at a time.

use super::*;
use crate::domain::{AccountAccess, CredentialRole};

fn user(role: Role, access: AccountAccess) -> Principal {
    Principal {
        user_id: 1,
        email: "a@example.com".into(),
        role,
        access,
    }
}

fn key(account: &str, scopes: &[&str], roles: Vec<CredentialRole>) -> KeyHolder {
    KeyHolder {
        credential_id: 1,
        grant: Grant {
            account: account.into(),
            scopes: scopes.iter().map(|s| Scope::parse_syntax(s).unwrap()).collect(),
            roles,
            allowed_cidrs: vec![],
            rights: vec![],
            own_limit: None,
            account_limit: RateLimitSetting::Unlimited,
            lifetime: Lifetime::default(),
        },
        via: Via::Secret,
    }
}

const ACME: Target<'static> = Target::Account(AccountRef { id: 2, name: "acme" });
const DEFAULT: Target<'static> = Target::Account(AccountRef { id: 1, name: "default" });

#[test]
fn console_roles_nest() {
    let admin = user(Role::GlobalAdmin, AccountAccess::All);
    let viewer = user(Role::GlobalViewer, AccountAccess::All);
    let acme_only = user(Role::AccountViewer, AccountAccess::Only(vec![2]));
    let write = Action::Use(Area::Keys, Access::Write);
    let read = Action::Use(Area::Keys, Access::Read);
    assert_eq!(authorize(Holder::User(&admin), write, ACME), Ok(()));
    assert_eq!(authorize(Holder::User(&viewer), write, ACME), Err(Denied::Forbidden));
    assert_eq!(authorize(Holder::User(&viewer), read, Target::Install), Ok(()));
    assert_eq!(authorize(Holder::User(&acme_only), read, ACME), Ok(()));
    assert_eq!(authorize(Holder::User(&acme_only), read, DEFAULT), Err(Denied::Hidden));
    assert_eq!(
        authorize(Holder::User(&acme_only), read, Target::Install),
        Err(Denied::Forbidden)
    );
    assert!(offers_changes(&admin) && !offers_changes(&viewer));
    assert!(shows_install(&viewer) && !shows_install(&user(Role::AccountViewer, AccountAccess::All)));
}

#[test]
fn keys_need_the_scope_and_the_reach() {
    let k = key("default", &["keys:write"], vec![]);
    let write = Action::Use(Area::Keys, Access::Write);
    assert_eq!(authorize(Holder::Key(&k), write, DEFAULT), Ok(()));
    assert_eq!(authorize(Holder::Key(&k), write, ACME), Err(Denied::Hidden));
    assert_eq!(
        authorize(Holder::Key(&k), Action::Use(Area::Admin, Access::Write), DEFAULT),
        Err(Denied::Forbidden)
    );
    let everyone = key(
        "default",
        &["admin:read"],
        vec![CredentialRole::AccountViewer { accounts: vec![] }],
    );
    let read_admin = Action::Use(Area::Admin, Access::Read);
    assert_eq!(authorize(Holder::Key(&everyone), read_admin, ACME), Ok(()));
    assert_eq!(
        authorize(Holder::Key(&everyone), read_admin, Target::Install),
        Err(Denied::Forbidden),
        "Account Viewer of every account still reads no install-wide data"
    );
}

#[test]
fn a_key_may_always_revoke_itself_but_not_a_stronger_one() {
    let mut k = key("default", &["keys:write"], vec![]);
    k.grant.own_limit = Some(RateLimitSetting::Unlimited);
    k.grant.account_limit = crate::domain::Plan::Starter.rate_limit();
    let itself = k.grant.clone();
    let revoke = Action::Revoke {
        credential: k.credential_id,
        grant: &itself,
    };
    assert_eq!(authorize(Holder::Key(&k), revoke, DEFAULT), Ok(()));
    assert!(matches!(
        authorize(Holder::Key(&k), Action::Manage(&itself), DEFAULT),
        Err(Denied::Exceeds(_))
    ));
    let other = Action::Revoke {
        credential: 99,
        grant: &itself,
    };
    assert!(matches!(
        authorize(Holder::Key(&k), other, DEFAULT),
        Err(Denied::Exceeds(_))
    ));
}

#[test]
fn only_a_global_admin_raises_an_account_limit() {
    let k = key("default", &["admin:write"], vec![]);
    let starter = AccountLimit {
        plan: Plan::Starter,
        limit: Plan::Starter.rate_limit(),
    };
    let raise = Action::SetAccountLimit {
        from: starter,
        to: AccountLimit {
            limit: RateLimitSetting::Unlimited,
            ..starter
        },
    };
    let dearer = Action::SetAccountLimit {
        from: starter,
        to: AccountLimit {
            plan: Plan::Enterprise,
            ..starter
        },
    };
    let lower = Action::SetAccountLimit {
        from: AccountLimit {
            plan: Plan::Enterprise,
            limit: RateLimitSetting::Unlimited,
        },
        to: starter,
    };
    assert!(matches!(
        authorize(Holder::Key(&k), dearer, DEFAULT),
        Err(Denied::Exceeds(_))
    ));
    assert!(matches!(
        authorize(Holder::Key(&k), raise, DEFAULT),
        Err(Denied::Exceeds(_))
    ));
    assert_eq!(authorize(Holder::Key(&k), lower, DEFAULT), Ok(()));
    let admin = key("default", &["admin:write"], vec![CredentialRole::GlobalAdmin]);
    assert_eq!(authorize(Holder::Key(&admin), raise, DEFAULT), Ok(()));
}

#[test]
fn a_credential_rotates_itself_only_with_its_own_secret() {
    let own = key("default", &["compute:read"], vec![]);
    let rotate = |credential| Action::RotateSelf { credential };
    assert_eq!(authorize(Holder::Key(&own), rotate(own.credential_id), DEFAULT), Ok(()));
    assert_eq!(
        authorize(Holder::Key(&own), rotate(99), DEFAULT),
        Err(Denied::Forbidden)
    );
    let token = KeyHolder {
        via: Via::AccessToken(vec![]),
        ..own.clone()
    };
    assert_eq!(
        authorize(Holder::Key(&token), rotate(own.credential_id), DEFAULT),
        Err(Denied::Forbidden),
        "an access token never rotates its client"
    );
    let admin = user(Role::GlobalAdmin, AccountAccess::All);
    assert_eq!(
        authorize(Holder::User(&admin), rotate(1), DEFAULT),
        Err(Denied::Forbidden)
    );
}

#[test]
fn a_previous_secret_never_replaces_its_own_credentials_secret() {
    let current = key("default", &["keys:write", "compute:read"], vec![]);
    let previous = KeyHolder {
        via: Via::PreviousSecret,
        ..current.clone()
    };
    let own = current.credential_id;
    assert_eq!(
        authorize(Holder::Key(&previous), Action::RotateSelf { credential: own }, DEFAULT),
        Err(Denied::Forbidden)
    );
    let narrower = key("default", &["compute:read"], vec![]).grant;
    let change = |credential| Action::Change {
        credential,
        grant: &narrower,
    };
    assert_eq!(
        authorize(Holder::Key(&previous), change(own), DEFAULT),
        Err(Denied::Forbidden)
    );
    assert_eq!(
        authorize(Holder::Key(&previous), change(99), DEFAULT),
        Ok(()),
        "others, as before"
    );
    assert_eq!(authorize(Holder::Key(&current), change(own), DEFAULT), Ok(()));
    assert_eq!(
        authorize(
            Holder::Key(&previous),
            Action::Revoke {
                credential: own,
                grant: &narrower
            },
            DEFAULT
        ),
        Ok(()),
        "taking power away stays open"
    );
}
