//! Shared class lists. Tailwind reads these literal strings when it builds the CSS.

/// Base of every button: size, focus ring, disabled look.
pub const BTN: &str = "inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50";
/// The one main action of a view.
pub const BTN_PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50 bg-indigo-600 text-white shadow-sm hover:bg-indigo-500";
/// Secondary actions.
pub const BTN_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50 border border-zinc-300 bg-white text-zinc-800 shadow-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800";
/// Destructive actions.
pub const BTN_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50 bg-red-600 text-white shadow-sm hover:bg-red-500";
/// Quiet actions inside tables and menus.
pub const BTN_GHOST: &str = "inline-flex items-center justify-center gap-1.5 rounded-md px-2 py-1 text-sm font-medium text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-white";
/// A ghost button that is on, in a group of toggles (`aria-pressed="true"`).
pub const BTN_GHOST_PRESSED: &str = "inline-flex items-center justify-center gap-1.5 rounded-md px-2 py-1 text-sm font-medium bg-zinc-100 text-zinc-900 transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500 dark:bg-zinc-800 dark:text-white";
/// Text inputs and selects.
pub const INPUT: &str = "block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100";
/// Checkboxes and radios.
pub const CHECK: &str = "size-4 rounded border-zinc-300 text-indigo-600 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-600";
/// Inline links.
pub const LINK: &str = "font-medium text-indigo-600 hover:text-indigo-500 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400";
