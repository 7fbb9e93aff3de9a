//! `/account`: the signed-in user's own account, and their two-factor sign-in.

mod enrol;

pub use enrol::EnrolPage;

use keyward::domain::two_factor::TwoFactorStatus;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::two_factor::{RemoveTwoFactor, load_two_factor_status};
use crate::components::{
    BTN_DANGER, Badge, Card, ErrorNotice, Field, INPUT, LoadingRows, PageHeader, Tone, field_error, use_toasts,
};
use crate::shell::use_me;
use enrol::EnrolFlow;

/// Who is signed in, and their second factor.
#[component]
pub fn AccountPage() -> impl IntoView {
    crate::mark_hydrated();
    let me = use_me();
    let changed = RwSignal::new(0u32);
    let status = Resource::new(move || changed.get(), |_| load_two_factor_status());
    view! {
        <Title text="Your account"/>
        <PageHeader title="Your account" description=me.email.clone()/>
        <Card title="Two-factor sign-in">
            <Transition fallback=|| view! { <LoadingRows rows=2/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! { <TwoFactorPanel status=s changed/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
    .into_any()
}

/// On: the codes left and, where the policy allows, turning it off. Off: enrolment.
#[component]
fn TwoFactorPanel(status: TwoFactorStatus, changed: RwSignal<u32>) -> impl IntoView {
    if !status.enrolled {
        return view! {
            <p class="mb-4 max-w-2xl text-sm text-zinc-500 dark:text-zinc-400">
                {if status.required {
                    "Your administrator requires a second factor. "
                } else {
                    ""
                }}
                "With two-factor sign-in, signing in takes your password and a code from an app on your phone."
            </p>
            <EnrolFlow on_done=move |_| changed.update(|n| *n += 1)/>
        }
        .into_any();
    }
    let remove = ServerAction::<RemoveTwoFactor>::new();
    let code_error = field_error(remove.value(), "code");
    let toasts = use_toasts();
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => {
            toasts.success("Two-factor sign-in is off.");
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) if e.field().is_none() => toasts.error(e.to_string()),
        _ => {}
    });
    let left = status.recovery_codes_left;
    view! {
        <div class="space-y-4" data-testid="two-factor-on">
            <div class="flex flex-wrap items-center gap-3">
                <Badge text="On" tone=Tone::Good/>
                <span class="text-sm text-zinc-600 dark:text-zinc-300">
                    {format!("{left} of 10 recovery codes left.")}
                </span>
            </div>
            {if status.required {
                view! {
                    <p class="text-sm text-zinc-500 dark:text-zinc-400">
                        "Your administrator requires two-factor sign-in, so it cannot be turned off. A Global Admin can reset it if you lose your phone."
                    </p>
                }.into_any()
            } else {
                view! {
                    <ActionForm action=remove attr:class="flex flex-wrap items-end gap-3 border-t border-zinc-100 pt-4 dark:border-zinc-800" attr:novalidate="">
                        <Field label="Current code, to turn it off" id="remove-code" error=code_error>
                            <input id="remove-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                pattern="[0-9]{6}" maxlength="6" required class=format!("{INPUT} max-w-40 font-mono tracking-widest")/>
                        </Field>
                        <button type="submit" class=format!("{BTN_DANGER} mb-5") disabled=move || remove.pending().get()>"Turn off"</button>
                    </ActionForm>
                }.into_any()
            }}
        </div>
    }
    .into_any()
}
