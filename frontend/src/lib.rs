#![recursion_limit = "256"]
//! The WASM entry point: hydrates the HTML that the server rendered, after
//! loading the code-split chunk of the route it is on.

/// Called by the generated JS loader once the WASM module is instantiated.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(keyward_app::App);
}
