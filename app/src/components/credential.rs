//! How a credential's status, scopes and roles look everywhere in the console.

use keyward::domain::{Credential, CredentialStatus};
use leptos::prelude::*;

use super::{Badge, Tone};

/// The coloured status: Active, Expiring, Expired or Revoked.
#[component]
pub fn StatusBadge(status: CredentialStatus) -> impl IntoView {
    let tone = match status {
        CredentialStatus::Active => Tone::Good,
        CredentialStatus::Expiring => Tone::Warn,
        CredentialStatus::Expired | CredentialStatus::Revoked => Tone::Bad,
    };
    view! { <Badge text=status.label() tone=tone/> }
}

/// Roles and scopes as badges, roles first; at most `max` then "+N".
#[component]
pub fn GrantBadges(credential: Credential, #[prop(default = 4)] max: usize) -> impl IntoView {
    let mut items: Vec<(String, Tone)> = credential.roles.iter().map(|r| (r.label(), Tone::Info)).collect();
    items.extend(credential.scopes.iter().map(|s| (s.to_string(), Tone::Neutral)));
    let extra = items.len().saturating_sub(max);
    items.truncate(max);
    view! {
        <div class="flex max-w-xs flex-wrap gap-1">
            {items.into_iter().map(|(t, tone)| view! { <Badge text=t tone=tone/> }).collect_view()}
            {(extra > 0).then(|| view! { <span class="text-xs text-zinc-500 dark:text-zinc-400">{format!("+{extra}")}</span> })}
        </div>
    }
}
