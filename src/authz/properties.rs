//! The grant rule, checked against the verification decision itself: for
//! random holders and random credentials (created, or changed by a random
//! patch), whenever [`authorize`] allows the holder to manage the
//! credential, every call the credential could make through verification
//! (`policy::decide`, any account, scope, address and path) the holder
//! could make too, and it reaches no account and escapes no limit that the
//! holder does not. Global Admins are exempt by design, so they are left out.

use proptest::prelude::*;

use super::rule::is_global_admin;
use super::*;
use crate::domain::{Cidr, CredentialRole, Plan, RateLimit, RateLimitSetting, Right};
use crate::policy::{CredentialFacts, RequestFacts, decide};

const ACCOUNTS: [&str; 3] = ["default", "acme", "globex"];
const SCOPES: [&str; 11] = [
    "compute:read",
    "compute:write",
    "keys:read",
    "keys:write",
    "keys:admin",
    "admin:read",
    "admin:write",
    "*:read",
    "*:admin",
    "billing:*",
    "*:*",
];
const IPS: [&str; 4] = ["10.1.2.3", "10.9.9.9", "192.0.2.7", "203.0.113.1"];
const CALLS: [(&str, &str); 5] = [
    ("GET", "/compute/a/1"),
    ("POST", "/compute/b"),
    ("GET", "/billing/x"),
    ("DELETE", "/compute/a/../b"),
    ("GET", "/compute/%2e%2e/billing"),
];

fn scopes() -> impl Strategy<Value = Vec<Scope>> {
    prop::sample::subsequence(SCOPES.to_vec(), 0..4)
        .prop_map(|list| list.iter().map(|s| Scope::parse_syntax(s).unwrap()).collect())
}

fn roles() -> impl Strategy<Value = Vec<CredentialRole>> {
    let role = prop_oneof![
        Just(CredentialRole::GlobalAdmin),
        Just(CredentialRole::GlobalViewer),
        Just(CredentialRole::AccountViewer { accounts: vec![] }),
        prop::sample::subsequence(vec!["acme", "globex"], 1..3).prop_map(|a| CredentialRole::AccountViewer {
            accounts: a.into_iter().map(String::from).collect()
        }),
    ];
    prop::collection::vec(role, 0..2)
}

fn cidrs() -> impl Strategy<Value = Vec<Cidr>> {
    prop::sample::subsequence(vec!["10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24"], 0..3)
        .prop_map(|list| list.iter().map(|c| Cidr::parse(c).unwrap()).collect())
}

fn rights() -> impl Strategy<Value = Vec<Right>> {
    prop::sample::subsequence(
        vec![
            "GET /compute/*",
            "GET,POST /compute/*",
            "* /*",
            "GET /compute/a/*",
            "GET /billing/*",
        ],
        0..3,
    )
    .prop_map(|list| list.iter().map(|r| Right::parse(r).unwrap()).collect())
}

fn limit() -> impl Strategy<Value = Option<RateLimitSetting>> {
    let l = |limit, burst| {
        RateLimitSetting::Limited(RateLimit {
            limit,
            window_seconds: 60,
            burst,
        })
    };
    prop_oneof![
        Just(None),
        Just(Some(RateLimitSetting::Unlimited)),
        Just(Some(l(10, 10))),
        Just(Some(l(5_000, 5_000))),
    ]
}

fn lifetime() -> impl Strategy<Value = Lifetime> {
    (prop::sample::select(vec![None, Some(100), Some(1_000)]), any::<bool>()).prop_map(|(expires_at, auto_renew)| {
        Lifetime {
            expires_at,
            auto_renew: auto_renew && expires_at.is_some(),
        }
    })
}

fn grant(account: &'static str) -> impl Strategy<Value = Grant> {
    (scopes(), roles(), cidrs(), rights(), limit(), any::<bool>(), lifetime()).prop_map(
        move |(scopes, roles, allowed_cidrs, rights, own_limit, enterprise, lifetime)| Grant {
            account: account.to_owned(),
            scopes,
            roles,
            allowed_cidrs,
            rights,
            own_limit,
            account_limit: if enterprise {
                RateLimitSetting::Unlimited
            } else {
                Plan::Starter.rate_limit()
            },
            lifetime,
        },
    )
}

/// Moments before, between and after the expiries `lifetime()` draws.
const TIMES: [i64; 3] = [50, 500, 5_000];

fn holder() -> impl Strategy<Value = KeyHolder> {
    (grant("default"), prop::option::of(scopes())).prop_map(|(grant, token)| KeyHolder {
        credential_id: 1,
        grant,
        via: token.map_or(Via::Secret, Via::AccessToken),
    })
}

/// A credential of `default` (where a non-admin holder can write) or, now and
/// then, of another account.
fn target() -> impl Strategy<Value = Grant> {
    prop_oneof![4 => grant("default"), 1 => grant("acme")]
}

/// Every call `g` (through an access token with `token`'s scopes, if any)
/// could make through verification, as `policy::decide` sees it.
fn can_call(
    g: &Grant,
    token: Option<&[Scope]>,
    account: Option<&str>,
    required: &Scope,
    (ip, call, now): (&str, (&str, &str), i64),
) -> bool {
    let facts = CredentialFacts {
        account: &g.account,
        revoked_at: None,
        expires_at: g.lifetime.end(),
        allowed_cidrs: &g.allowed_cidrs,
        rights: &g.rights,
        scopes: &g.scopes,
        roles: &g.roles,
        token_scopes: token,
    };
    let request = RequestFacts {
        ip: Some(ip.parse().unwrap()),
        method: Some(call.0),
        path: Some(call.1),
        required_scopes: std::slice::from_ref(required),
        account,
    };
    decide(&facts, true, &request, now).is_valid()
}

fn assert_within(k: &KeyHolder, t: &Grant) -> Result<(), TestCaseError> {
    let token = match &k.via {
        Via::AccessToken(scopes) => Some(scopes.as_slice()),
        Via::Secret | Via::ClientAuth | Via::PreviousSecret => None,
    };
    for account in [None, Some("default"), Some("acme"), Some("globex")] {
        for required in SCOPES.iter().map(|s| Scope::parse_syntax(s).unwrap()) {
            for ip in IPS {
                for call in CALLS {
                    for now in TIMES {
                        if can_call(t, None, account, &required, (ip, call, now)) {
                            prop_assert!(
                                can_call(&k.grant, token, account, &required, (ip, call, now)),
                                "the new credential can make {call:?} from {ip} with {required} in {account:?} at {now}; its grantor cannot"
                            );
                        }
                    }
                }
            }
        }
    }
    let (mine, theirs) = (k.reach(), Reach::of(&t.account, &t.roles));
    for a in ACCOUNTS {
        prop_assert!(!theirs.can_read(a) || mine.can_read(a), "reads {a}");
        prop_assert!(!theirs.can_write(a) || mine.can_write(a), "writes {a}");
    }
    prop_assert!(!theirs.reads_install() || mine.reads_install());
    prop_assert!(t.rate().within(&k.grant.rate()), "a faster rate limit");
    prop_assert!(!t.above_account_limit());
    Ok(())
}

fn manage(k: &KeyHolder, t: &Grant) -> bool {
    let target = Target::Account(AccountRef {
        id: 1,
        name: &t.account,
    });
    authorize(Holder::Key(k), Action::Manage(t), target).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn an_allowed_create_never_exceeds_the_holder(k in holder(), t in target()) {
        if !is_global_admin(&k) && manage(&k, &t) {
            assert_within(&k, &t)?;
        }
    }

    #[test]
    fn an_allowed_change_never_exceeds_the_holder(
        k in holder(),
        before in target(),
        patch in grant("default"),
        fields in prop::collection::vec(any::<bool>(), 5),
    ) {
        let mut after = before.clone();
        if fields[0] { after.scopes = patch.scopes; }
        if fields[1] { after.roles = patch.roles; }
        if fields[2] { after.allowed_cidrs = patch.allowed_cidrs; }
        if fields[3] { after.rights = patch.rights; }
        if fields[4] { after.own_limit = patch.own_limit; }
        if !is_global_admin(&k) && manage(&k, &before) && manage(&k, &after) {
            assert_within(&k, &after)?;
        }
    }
}

#[test]
fn the_escalations_of_the_report_are_refused() {
    let key = |scopes: &[&str]| KeyHolder {
        credential_id: 1,
        grant: Grant {
            account: "default".into(),
            scopes: scopes.iter().map(|s| Scope::parse_syntax(s).unwrap()).collect(),
            roles: vec![],
            allowed_cidrs: vec![],
            rights: vec![],
            own_limit: None,
            account_limit: Plan::Starter.rate_limit(),
            lifetime: Lifetime {
                expires_at: Some(1_000),
                auto_renew: false,
            },
        },
        via: Via::Secret,
    };
    let writer = key(&["keys:write"]);
    let mut admin = writer.grant.clone();
    admin.roles = vec![CredentialRole::GlobalAdmin];
    assert!(!manage(&writer, &admin), "keys:write cannot mint a Global Admin");
    let mut wide = writer.grant.clone();
    wide.scopes = vec![Scope::parse_syntax("*:admin").unwrap()];
    assert!(!manage(&writer, &wide));
    let mut unlimited = writer.grant.clone();
    unlimited.own_limit = Some(RateLimitSetting::Unlimited);
    assert!(!manage(&writer, &unlimited), "nor lift its own limit");
    let mut forever = writer.grant.clone();
    forever.lifetime.expires_at = None;
    assert!(!manage(&writer, &forever), "nor outlive itself");
    assert!(manage(&writer, &writer.grant), "but it can issue its equal");
}
