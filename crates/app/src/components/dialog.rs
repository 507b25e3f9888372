use leptos::html;
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
pub fn fetch_dialogs_on_approach<F>(openers: &'static str, fetch: fn() -> F)
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

/// A modal dialog: the browser's own `<dialog>`, opened with `showModal()`,
/// so the page behind it is inert, focus stays inside and Escape closes it.
/// `on_close` runs however it closes; the owner then removes it.
#[component]
pub fn Dialog(
    /// The heading, which also names the dialog.
    title: String,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    // Escape closes it wherever focus is, as the browser's own handling may
    // not (a dialog opened while the page had no user activation).
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    view! {
        <dialog class="modal" node_ref=dialog aria-labelledby="dialog-title" on:close=move |_| on_close.run(())>
            <header class="modal-header">
                <h2 id="dialog-title">{title}</h2>
                <button type="button" class="icon" aria-label="Close" on:click=move |_| on_close.run(())>
                    "✕"
                </button>
            </header>
            {children()}
        </dialog>
    }
}

/// Moves keyboard focus to `selector` once the page has redrawn after a
/// dialog closed, or to `fallback` when that element is gone (its row was
/// deleted).
pub fn focus_after_redraw(selector: String, fallback: &'static str) {
    set_timeout(
        move || {
            if !focus_first(&selector) {
                focus_first(fallback);
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Moves keyboard focus to the first element matching `selector` (browser
/// only); false if there is none. Dialogs hand focus back to what opened
/// them this way, even when the list was redrawn meanwhile.
pub fn focus_first(selector: &str) -> bool {
    use leptos::wasm_bindgen::JsCast;
    let found = document().query_selector(selector).ok().flatten();
    match found.and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
        Some(element) => element.focus().is_ok(),
        None => false,
    }
}
