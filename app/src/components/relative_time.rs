//! A timestamp shown relative to now ("3 hours ago"), with the exact UTC time on hover.

use keyward::domain::time::{format_utc, relative};
use leptos::prelude::*;

use crate::time::use_now;

/// `ts` as "3 hours ago"; `None` shows `never` instead.
#[component]
pub fn RelativeTime(ts: Option<i64>, #[prop(default = "Never")] never: &'static str) -> impl IntoView {
    let now = use_now();
    match ts {
        Some(ts) => view! {
            <time title=format_utc(ts) data-ts=ts.to_string() class="cursor-help">{move || relative(now.get(), ts)}</time>
        }
        .into_any(),
        None => view! { <span class="text-zinc-500 dark:text-zinc-400">{never}</span> }.into_any(),
    }
}
