//! A labelled form field with a hint and an inline error.

use leptos::prelude::*;

use crate::error::ConsoleError;

/// Wraps one input: the label points at `id`, and the error is announced to
/// screen readers. The input itself is the child, with the same `id`.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] error: MaybeProp<String>,
    children: Children,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    view! {
        <div class="space-y-1.5">
            <label for=id.clone() class="block text-sm font-medium text-zinc-800 dark:text-zinc-200">{label}</label>
            {children()}
            {hint.map(|h| view! { <p class="text-xs text-zinc-500 dark:text-zinc-400">{h}</p> })}
            <p id=err_id role="alert" class="min-h-4 text-xs font-medium text-red-600 dark:text-red-400">
                {move || error.get()}
            </p>
        </div>
    }
}

/// The message of a server error if it concerns `field`, for a [`Field`]'s `error`.
pub fn field_error<S, T>(result: S, field: &'static str) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, ConsoleError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(ConsoleError::Invalid { field: f, message })) if f == field => Some(capitalise(message)),
            _ => None,
        })
    })
}

/// A validator's message (`must be …`) as a sentence under its field.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
