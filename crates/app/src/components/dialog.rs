use leptos::html;
use leptos::prelude::*;

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
