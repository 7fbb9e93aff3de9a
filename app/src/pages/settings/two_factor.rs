//! The two-factor policy: who must sign in with a code from an app.

use keyward::domain::two_factor::TwoFactorPolicy;
use leptos::prelude::*;

use crate::api::two_factor::{SetTwoFactorPolicy, load_two_factor_policy};
use crate::components::{CHECK, Card, ErrorNotice, LoadingRows, use_toasts};
use crate::shell::use_me;

/// The policy as radio buttons; only Global Admins may change it (the server checks again).
#[component]
pub fn TwoFactorCard() -> impl IntoView {
    let set = ServerAction::<SetTwoFactorPolicy>::new();
    let current = Resource::new(move || set.version().get(), |_| load_two_factor_policy());
    let can_change = keyward::authz::offers_changes(&use_me());
    let toasts = use_toasts();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(p)) => toasts.success(format!("Two-factor sign-in: {}.", p.label().to_lowercase())),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <Card title="Two-factor sign-in">
            <p class="mb-4 max-w-2xl text-sm text-zinc-500 dark:text-zinc-400">
                "Users set up an authenticator app from their account page. Someone the policy binds who has none must set one up at their next sign-in before anything else. Applies on every instance at once."
            </p>
            <Transition fallback=|| view! { <LoadingRows rows=3/> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(policy) => view! {
                            <fieldset class="space-y-2" data-testid="two-factor-policy">
                                <legend class="sr-only">"Who must use two-factor sign-in"</legend>
                                {TwoFactorPolicy::ALL.into_iter().map(|p| view! {
                                    <label class="flex items-center gap-3 text-sm">
                                        <input type="radio" name="two-factor-policy" class=CHECK value=p.as_str()
                                            checked=p == policy disabled=!can_change || set.pending().get_untracked()
                                            on:change=move |_| { set.dispatch(SetTwoFactorPolicy { policy: p }); }/>
                                        {p.label()}
                                    </label>
                                }).collect_view()}
                            </fieldset>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
    .into_any()
}
