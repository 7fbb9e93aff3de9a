//! "Now" for relative times. On the server it is the request's time; in the
//! browser a signal ticks every 30 seconds so "2 min ago" stays true.

use leptos::prelude::*;

/// The current Unix time in seconds, refreshed in the browser.
#[derive(Debug, Clone, Copy)]
pub struct Now(pub RwSignal<i64>);

fn wall_clock() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
}

/// Provides [`Now`] and, in the browser, keeps it ticking.
pub fn provide_now() {
    let now = RwSignal::new(wall_clock());
    provide_context(Now(now));
    Effect::new(move |_| {
        let _ = set_interval_with_handle(move || now.set(wall_clock()), std::time::Duration::from_secs(30));
    });
}

/// The ticking "now".
pub fn use_now() -> RwSignal<i64> {
    expect_context::<Now>().0
}
