//! Code fetched as it is needed: a dialog whose code is a piece of its own,
//! and fetching that piece as soon as the admin goes for a button that opens one.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use std::future::Future;

/// Said when a dialog's code, fetched the first time one opens, did not
/// arrive. Opening the dialog again tries again.
const DIALOG_NOT_LOADED: &str =
    "The dialog could not be loaded. Check the connection and try again, or reload the page.";

/// A dialog whose code is a separate piece of the WebAssembly bundle:
/// `load` fetches it (once) and draws the dialog. If the fetch fails, the
/// page's `notice` says so and the dialog closes (`on_close`); the page
/// stays live.
pub fn lazy_dialog(
    load: impl Future<Output = Result<AnyView, SplitLoaderError>> + Send + 'static,
    notice: RwSignal<Option<String>>,
    on_close: Callback<()>,
) -> impl IntoView {
    Suspend::new(async move {
        load.await.unwrap_or_else(|_| {
            notice.set(Some(DIALOG_NOT_LOADED.to_owned()));
            on_close.run(());
            ().into_any()
        })
    })
}

/// Fetches a page's dialogs' piece of the bundle (`fetch`, a split point's
/// `preload`) as soon as the pointer or the keyboard focus reaches something
/// matching `openers`, so that the dialog opens at once when clicked. Once
/// per page; a failed fetch is left for the click to report.
pub fn fetch_dialogs_on_approach<F>(openers: &'static str, fetch: impl Fn() -> F + Copy + 'static)
where
    F: Future<Output = Result<(), SplitLoaderError>> + 'static,
{
    use leptos::wasm_bindgen::JsCast;
    let fetched = StoredValue::new(false);
    let approach = move |ev: web_sys::Event| {
        // Once fetched, nothing is left to do: no selector matching on every pointer move.
        if fetched.get_value() {
            return;
        }
        let element = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if element.and_then(|e| e.closest(openers).ok().flatten()).is_some() {
            fetched.set_value(true);
            leptos::task::spawn_local(async move {
                let _ = fetch().await;
            });
        }
    };
    // In the browser only (nothing on the server); they last as long as the page.
    let _ = window_event_listener(leptos::ev::pointerover, move |ev| approach(ev.into()));
    let _ = window_event_listener(leptos::ev::focusin, move |ev| approach(ev.into()));
}
