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

/// Room for wasm-split (a step of scripts/build) to lay out the data
/// it moves between the main module and its pieces. It aligns each piece's
/// data afresh, and when that needs more bytes than the linked data segment
/// has, it gives up and leaves all the data in the main module: 15 kB more
/// brotli on every page, depending only on where the data happened to land.
/// Nothing reads these bytes, so wasm-split keeps them in no module.
#[used]
static SPLIT_DATA_SLACK: [u8; 4096] = [0x5a; 4096];
