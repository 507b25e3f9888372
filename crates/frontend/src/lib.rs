//! Entry point of the WebAssembly bundle. Pages are rendered on the server;
//! the islands of `roster-app` (the interactive parts) each export a function
//! that the page's loader script calls to hydrate them, after `hydrate`.

// Links the app crate, whose islands are this module's exports.
extern crate roster_app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
