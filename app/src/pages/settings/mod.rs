//! `/settings`: how this instance is configured, its signing keys, and how
//! it sends e-mail.

mod signing_keys;
mod smtp;
mod two_factor;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::settings::instance_info;
use crate::components::{Card, ErrorNotice, LoadingRows, PageHeader};

fn duration(secs: i64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[component]
fn Row(#[prop(into)] label: String, value: String) -> impl IntoView {
    view! {
        <div class="grid gap-1 py-3 sm:grid-cols-3 sm:gap-4">
            <dt class="text-sm font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
            <dd class="break-all font-mono text-sm text-zinc-900 sm:col-span-2 dark:text-zinc-100">{value}</dd>
        </div>
    }
    .into_any()
}

/// Instance facts and the token signing keys.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| instance_info());
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings" description="How this Keyward instance runs. Change these with flags or environment variables at start-up."/>
        <Card title="Instance">
            <Transition fallback=|| view! { <LoadingRows/> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Ok(i) => view! {
                            <dl class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                <Row label="Version" value=i.version/>
                                <Row label="Data directory" value=i.data_dir/>
                                <Row label="Public URL" value=i.public_url.unwrap_or_else(|| "not set (KEYWARD_PUBLIC_URL)".into())/>
                                <Row label="Database" value=i.database.clone()/>
                                <Row label=format!("{} journal", i.database) value=i.journal_mode.to_uppercase()/>
                                <Row label=format!("{} synchronous", i.database) value=i.synchronous/>
                                <Row label="Session idle timeout" value=duration(i.session_idle_secs)/>
                                <Row label="Session absolute timeout" value=duration(i.session_max_secs)/>
                            </dl>
                        }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
        <div class="mt-6"><signing_keys::SigningKeys/></div>
        <div class="mt-6"><two_factor::TwoFactorCard/></div>
        <div class="mt-6"><smtp::SmtpCard/></div>
    }.into_any()
}
