//! Small coloured labels for statuses, roles and plans.

use leptos::prelude::*;

/// The colour of a badge, by meaning rather than by hue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
    Info,
}

impl Tone {
    fn classes(self) -> &'static str {
        match self {
            Tone::Neutral => {
                "bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-400/20"
            }
            Tone::Good => {
                "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-400 dark:ring-emerald-500/20"
            }
            Tone::Warn => {
                "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-400 dark:ring-amber-500/20"
            }
            Tone::Bad => {
                "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-400 dark:ring-red-500/20"
            }
            Tone::Info => {
                "bg-indigo-50 text-indigo-700 ring-indigo-600/20 dark:bg-indigo-500/10 dark:text-indigo-300 dark:ring-indigo-500/20"
            }
        }
    }
}

/// A pill-shaped label.
#[component]
pub fn Badge(#[prop(into)] text: String, #[prop(default = Tone::Neutral)] tone: Tone) -> impl IntoView {
    view! {
        <span class=format!(
            "inline-flex items-center whitespace-nowrap rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
            tone.classes(),
        )>{text}</span>
    }
}
