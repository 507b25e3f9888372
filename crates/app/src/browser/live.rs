use leptos::prelude::*;

/// Whether this island runs in the browser yet. Until it does, the page is
/// the server's HTML alone, and a form sent then would go out as a plain GET
/// with every field in the address; submit buttons stay disabled until then.
pub fn is_live() -> RwSignal<bool> {
    let live = RwSignal::new(false);
    // In the browser only, once the island has hydrated: hydration runs in
    // one go, and a microtask runs after it. (An effect would do the same
    // with more code in the browser's module.)
    #[cfg(feature = "hydrate")]
    queue_microtask(move || live.set(true));
    live
}
