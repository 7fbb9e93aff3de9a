//! The Users page's two-factor parts: who has a second factor, and a Global
//! Admin's reset of one (a lost phone), confirmed in a dialog because it
//! signs the user out everywhere.

use keyward::domain::User;
use leptos::prelude::*;

use crate::api::two_factor::ResetTwoFactor;
use crate::components::{BTN_DANGER, BTN_SECONDARY, Dialog, use_toasts};

/// Asks before resetting `resetting`'s second factor; toasts the outcome.
#[component]
pub fn ResetTwoFactorDialog(resetting: RwSignal<Option<User>>, action: ServerAction<ResetTwoFactor>) -> impl IntoView {
    let open = RwSignal::new(false);
    // One way only (a choice opens the dialog), so no two effects feed each other.
    Effect::new(move |_| {
        if resetting.get().is_some() {
            open.set(true);
        }
    });
    let toasts = use_toasts();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            toasts.success("Two-factor sign-in reset; the user was signed out.");
            open.set(false);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let email = move || resetting.get().map(|u| u.email).unwrap_or_default();
    view! {
        <Dialog open title="Reset two-factor sign-in" description="For a user who lost their authenticator app and recovery codes.">
            <p class="text-sm text-zinc-600 dark:text-zinc-300">
                "This removes the second factor of "<strong class="font-medium">{email}</strong>
                " and ends their sessions. They sign in with their password and set up a new app; the reset is in the audit log."
            </p>
            <div class="mt-5 flex justify-end gap-2">
                <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class=BTN_DANGER data-testid="confirm-reset-two-factor" disabled=move || action.pending().get()
                    on:click=move |_| {
                        if let Some(u) = resetting.get_untracked() {
                            action.dispatch(ResetTwoFactor { id: u.id });
                        }
                    }>
                    "Reset"
                </button>
            </div>
        </Dialog>
    }
    .into_any()
}
