//! The signed-in frame: sidebar navigation, the user's menu, and the page outlet.

use keyward::domain::{Principal, Role};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::api::session::{SignOut, current_user};
use crate::components::{BTN_GHOST, Badge, Icon, Tone};
use crate::error::ConsoleError;

/// The signed-in user, provided to every page inside the shell.
#[derive(Debug, Clone)]
pub struct Me(pub Principal);

/// The principal of the page being rendered.
pub fn use_me() -> Principal {
    expect_context::<Me>().0
}

struct NavItem {
    href: &'static str,
    label: &'static str,
    icon: &'static str,
    global_only: bool,
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        label: "Dashboard",
        icon: "dashboard",
        global_only: false,
    },
    NavItem {
        href: "/credentials",
        label: "Credentials",
        icon: "key",
        global_only: false,
    },
    NavItem {
        href: "/applications",
        label: "Applications",
        icon: "package",
        global_only: false,
    },
    NavItem {
        href: "/accounts",
        label: "Accounts",
        icon: "building",
        global_only: false,
    },
    NavItem {
        href: "/users",
        label: "Users",
        icon: "users",
        global_only: true,
    },
    NavItem {
        href: "/webhooks",
        label: "Webhooks",
        icon: "webhook",
        global_only: false,
    },
    NavItem {
        href: "/audit",
        label: "Audit log",
        icon: "scroll",
        global_only: false,
    },
    NavItem {
        href: "/settings",
        label: "Settings",
        icon: "settings",
        global_only: true,
    },
    NavItem {
        href: "/docs",
        label: "API docs",
        icon: "book",
        global_only: false,
    },
];

/// The sidebar and the page for the signed-in user. On the server the user
/// is known before rendering starts (the session check put them in the
/// request), and the browser hydrates with the same value, so nothing waits
/// here: a page load aborted mid-stream leaves no task behind that reads the
/// user from a request already gone. A browser that arrives by client-side
/// navigation (after signing in) has no such value and asks the server.
#[component]
pub fn Shell() -> impl IntoView {
    match SharedValue::new(user_of_this_request).into_inner() {
        Some(p) => signed_in(p),
        None => view! { <SessionLoader/> }.into_any(),
    }
}

fn user_of_this_request() -> Option<Principal> {
    #[cfg(feature = "ssr")]
    {
        crate::api::context::signed_in()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

fn signed_in(p: Principal) -> AnyView {
    provide_context(Me(p.clone()));
    view! { <Frame principal=p/> }.into_any()
}

/// Loads the session in the browser, then renders the frame; without a
/// session it goes to the sign-in page.
#[component]
fn SessionLoader() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <div class="min-h-screen"></div> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(p)) => signed_in(p),
                    // The two-factor policy holds this session to enrolment.
                    Err(ConsoleError::Rule { code, .. }) if code == "SECOND_FACTOR_REQUIRED" => {
                        view! { <Redirect path="/two-factor/setup"/> }.into_any()
                    }
                    _ => {
                        let next = use_location().pathname.get_untracked();
                        view! { <Redirect path=format!("/login?next={}", crate::next_path::encode(&next))/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Frame(principal: Principal) -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    let close_on_escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            menu_open.set(false);
        }
    });
    on_cleanup(move || close_on_escape.remove());
    view! {
        <div class="min-h-screen lg:flex">
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">"Skip to content"</a>
            // Top bar on phones and tablets.
            <header class="sticky top-0 z-50 flex items-center justify-between border-b border-zinc-200 bg-white/90 px-4 py-3 backdrop-blur lg:hidden dark:border-zinc-800 dark:bg-zinc-950/90">
                <Brand/>
                <button
                    type="button"
                    class=BTN_GHOST
                    aria-label=move || if menu_open.get() { "Close navigation" } else { "Open navigation" }
                    aria-expanded=move || menu_open.get().to_string()
                    aria-controls="sidebar"
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    <Icon name=move || if menu_open.get() { "x" } else { "menu" } class="size-5"/>
                </button>
            </header>
            // On a desktop the sidebar's column (its background and border)
            // stretches to the page's full height, while its contents stay
            // in view as the page scrolls.
            <aside
                id="sidebar"
                class=move || {
                    format!(
                        "{} fixed bottom-0 left-0 top-[57px] z-40 w-72 border-r border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900 lg:static lg:block lg:w-64 lg:shrink-0",
                        if menu_open.get() { "block shadow-2xl" } else { "hidden" },
                    )
                }
            >
                <div class="flex h-full flex-col overflow-y-auto px-4 py-5 lg:sticky lg:top-0 lg:h-screen">
                    <div class="hidden px-2 lg:block"><Brand/></div>
                    <nav aria-label="Main" class="mt-2 flex-1 space-y-1 lg:mt-8">
                        {NAV.iter()
                            .filter(|item| !item.global_only || keyward::authz::shows_install(&principal))
                            .map(|item| view! { <NavLink item=item/> })
                            .collect_view()}
                    </nav>
                    <UserMenu principal=principal.clone()/>
                </div>
            </aside>
            <Show when=move || menu_open.get()>
                <div class="fixed inset-0 z-30 bg-zinc-950/40 lg:hidden" on:click=move |_| menu_open.set(false)></div>
            </Show>
            <main id="main" class="min-w-0 flex-1 px-4 py-8 sm:px-8 lg:px-12">
                <div class="mx-auto max-w-6xl">
                    <Outlet/>
                </div>
            </main>
        </div>
    }.into_any()
}

#[component]
fn Brand() -> impl IntoView {
    view! {
        <a href="/" class="flex items-center gap-2.5 font-semibold tracking-tight text-zinc-900 dark:text-white">
            <span class="grid size-8 place-items-center rounded-lg bg-indigo-600 text-white shadow-sm"><Icon name="shield"/></span>
            <span>"Keyward"</span>
            <span class="rounded bg-zinc-100 px-1.5 py-0.5 text-[10px] font-medium uppercase tracking-wider text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400">"Console"</span>
        </a>
    }.into_any()
}

#[component]
fn NavLink(item: &'static NavItem) -> impl IntoView {
    let location = use_location();
    let active = move || {
        let path = location.pathname.get();
        if item.href == "/" {
            path == "/"
        } else {
            path == item.href || path.starts_with(&format!("{}/", item.href))
        }
    };
    view! {
        <A
            href=item.href
            on:mouseenter=move |_| crate::lazy::preload(item.href)
            on:focus=move |_| crate::lazy::preload(item.href)
            on:pointerdown=move |_| crate::lazy::preload(item.href)
            attr:class=move || {
                format!(
                    "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500 {}",
                    if active() {
                        "bg-indigo-50 text-indigo-700 dark:bg-indigo-500/10 dark:text-indigo-300"
                    } else {
                        "text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-white"
                    },
                )
            }
        >
            <Icon name=item.icon/>
            {item.label}
        </A>
    }.into_any()
}

#[component]
fn UserMenu(principal: Principal) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let tone = match principal.role {
        Role::GlobalAdmin => Tone::Info,
        _ => Tone::Neutral,
    };
    let email = principal.email.clone();
    let read_only = !keyward::authz::offers_changes(&principal);
    view! {
        <div class="mt-6 border-t border-zinc-200 pt-4 dark:border-zinc-800">
            <div class="px-2">
                <A href="/account" attr:class="block truncate rounded text-sm font-medium text-zinc-900 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-white" attr:title="Your account and two-factor sign-in" attr:data-testid="account-link">{email}</A>
                <div class="mt-1.5 flex items-center gap-2">
                    <Badge text=principal.role.label() tone=tone/>
                    {read_only.then(|| view! { <span class="text-xs text-zinc-500 dark:text-zinc-400">"read-only"</span> })}
                </div>
            </div>
            <div class="mt-3 flex items-center gap-1">
                <ThemeToggle/>
                <ActionForm action=sign_out>
                    <button type="submit" class=BTN_GHOST data-testid="sign-out">
                        <Icon name="logout"/>
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </div>
    }.into_any()
}

/// Switches between light and dark and remembers the choice in localStorage.
#[component]
fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(el) = document().document_element() {
            dark.set(el.class_list().contains("dark"));
        }
    });
    let toggle = move |_| {
        let now_dark = !dark.get_untracked();
        if let Some(el) = document().document_element() {
            let _ = el.class_list().toggle_with_force("dark", now_dark);
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item("kw-theme", if now_dark { "dark" } else { "light" });
        }
        dark.set(now_dark);
    };
    view! {
        <button
            type="button"
            class=BTN_GHOST
            on:click=toggle
            aria-label=move || if dark.get() { "Switch to light mode" } else { "Switch to dark mode" }
            data-testid="theme-toggle"
        >
            <Icon name=move || if dark.get() { "sun" } else { "moon" }/>
            <span class="sr-only sm:not-sr-only">{move || if dark.get() { "Light" } else { "Dark" }}</span>
        </button>
    }
    .into_any()
}
