use super::Dialog;
use leptos::prelude::*;

/// The Users panel's keys, as the help lists them.
const SHORTCUTS: [(&str, &str); 5] = [
    ("/", "Search for users"),
    ("n", "New User"),
    ("↓ ↑", "Move between the users listed"),
    ("Enter", "Edit the user in focus"),
    ("?", "Show these shortcuts"),
];

/// The selector of the rows' Edit buttons, the stops of the arrow keys.
const ROW_STOPS: &str = ".user-table .row-edit";

/// What the Users panel's keys do.
#[derive(Clone, Copy)]
pub struct PanelShortcuts {
    /// A dialog is open: it has the keys to itself.
    pub dialog_open: Signal<bool>,
    pub new_user: Callback<()>,
    pub show_help: Callback<()>,
}

/// Listens for the Users panel's keys for as long as the panel is shown.
/// Letters and `/` act only when no field has the focus (typing in one must
/// type), and never with Ctrl, Alt or ⌘ (the browser's own shortcuts).
pub fn listen_for_panel_shortcuts(shortcuts: PanelShortcuts) {
    use leptos::wasm_bindgen::JsCast;
    let listener = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.default_prevented() {
            return;
        }
        if shortcuts.dialog_open.try_get_untracked().unwrap_or(true) {
            return;
        }
        let focused = document().active_element();
        let typing = focused.as_ref().is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || e.get_attribute("contenteditable").is_some_and(|v| v != "false")
        });
        let key = ev.key();
        match key.as_str() {
            "ArrowDown" | "ArrowUp" => {
                let Some(focused) = focused else { return };
                if !focused.matches(ROW_STOPS).unwrap_or(false) {
                    return;
                }
                let Ok(stops) = document().query_selector_all(ROW_STOPS) else { return };
                let stops: Vec<web_sys::HtmlElement> =
                    (0..stops.length()).filter_map(|i| stops.item(i)?.dyn_into().ok()).collect();
                let Some(at) = stops.iter().position(|s| s.is_same_node(Some(focused.as_ref()))) else { return };
                let next = if key == "ArrowDown" { at.checked_add(1) } else { at.checked_sub(1) };
                if let Some(next) = next.and_then(|n| stops.get(n)) {
                    ev.prevent_default();
                    let _ = next.focus();
                }
            }
            _ if typing => {}
            "/" => {
                if let Some(search) = document()
                    .get_element_by_id("user-search")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    ev.prevent_default();
                    let _ = search.focus();
                    search.select();
                }
            }
            "n" => {
                ev.prevent_default();
                shortcuts.new_user.run(());
            }
            "?" => {
                ev.prevent_default();
                shortcuts.show_help.run(());
            }
            _ => {}
        }
    });
    on_cleanup(move || listener.remove());
}

/// **Keyboard shortcuts**: the help `?` opens.
#[component]
pub fn ShortcutsDialog(on_close: Callback<()>) -> impl IntoView {
    view! {
        <Dialog title="Keyboard shortcuts".to_owned() on_close>
            <dl class="shortcuts">
                {SHORTCUTS
                    .into_iter()
                    .map(|(keys, what)| {
                        view! {
                            <dt>
                                <kbd>{keys}</kbd>
                            </dt>
                            <dd>{what}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
            <footer class="modal-footer">
                <button type="button" class="primary" on:click=move |_| on_close.run(())>
                    "Done"
                </button>
            </footer>
        </Dialog>
    }
}
