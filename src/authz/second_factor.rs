//! Two-factor decisions: whom the install's policy binds, and what a session
//! of someone it binds who has no second factor yet may do (enrol, nothing
//! else). Resetting another user's factor and changing the policy are
//! [`Action`](super::Action)s, decided in [`authorize`](super::authorize).

use crate::domain::Role;
use crate::domain::two_factor::TwoFactorPolicy;

/// Whether `policy` requires a user with `role` to sign in with a second factor.
pub fn required(policy: TwoFactorPolicy, role: Role) -> bool {
    match policy {
        TwoFactorPolicy::Nobody => false,
        TwoFactorPolicy::GlobalAdmins => role == Role::GlobalAdmin,
        TwoFactorPolicy::Everyone => true,
    }
}

/// Whether a session must be kept to enrolment: the policy binds its user and
/// they have no confirmed second factor.
pub fn must_enrol(policy: TwoFactorPolicy, role: Role, enrolled: bool) -> bool {
    required(policy, role) && !enrolled
}

/// Whether a user may turn their own second factor off: only where the
/// policy does not require it.
pub fn may_remove_own(policy: TwoFactorPolicy, role: Role) -> bool {
    !required(policy, role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TwoFactorPolicy::*;

    #[test]
    fn the_policy_binds_whom_it_names() {
        assert!(!required(Nobody, Role::GlobalAdmin));
        assert!(required(GlobalAdmins, Role::GlobalAdmin));
        assert!(!required(GlobalAdmins, Role::GlobalViewer));
        assert!(required(Everyone, Role::AccountViewer));
        assert!(must_enrol(Everyone, Role::GlobalViewer, false));
        assert!(!must_enrol(Everyone, Role::GlobalViewer, true));
        assert!(!may_remove_own(GlobalAdmins, Role::GlobalAdmin));
        assert!(may_remove_own(GlobalAdmins, Role::AccountViewer));
    }

    #[test]
    fn only_a_global_admin_resets_a_second_factor_or_sets_the_policy() {
        use crate::authz::{Action, Denied, Grant, Holder, KeyHolder, Lifetime, Target, Via, authorize};
        use crate::domain::{AccountAccess, CredentialRole, Principal, RateLimitSetting, Scope};
        let user = |role| Principal {
            user_id: 1,
            email: "a@example.com".into(),
            role,
            access: AccountAccess::All,
        };
        let (admin, viewer) = (user(Role::GlobalAdmin), user(Role::GlobalViewer));
        let admin_key = KeyHolder {
            credential_id: 1,
            grant: Grant {
                account: "default".into(),
                scopes: vec![Scope::parse_syntax("admin:write").unwrap()],
                roles: vec![CredentialRole::GlobalAdmin],
                allowed_cidrs: vec![],
                rights: vec![],
                own_limit: None,
                account_limit: RateLimitSetting::Unlimited,
                lifetime: Lifetime::default(),
            },
            via: Via::Secret,
        };
        for action in [Action::ResetSecondFactor, Action::SetTwoFactorPolicy] {
            assert_eq!(authorize(Holder::User(&admin), action, Target::Install), Ok(()));
            assert_eq!(
                authorize(Holder::User(&viewer), action, Target::Install),
                Err(Denied::Forbidden)
            );
            assert_eq!(
                authorize(Holder::Key(&admin_key), action, Target::Install),
                Err(Denied::Forbidden),
                "console sign-in is not an API key's business"
            );
        }
    }
}
