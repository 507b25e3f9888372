use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

/// One entry of an actions menu.
#[derive(Clone)]
pub struct MenuEntry {
    pub label: &'static str,
    /// The guide's mark before the label (👁️), hidden from screen readers.
    pub mark: Option<&'static str>,
    pub on_select: Callback<()>,
    /// What the entry says while its work is under way (Unlock: "Unlocking…"),
    /// which the page marks with `aria-disabled` (see `entry_busy`).
    pub busy_label: Option<&'static str>,
}

impl MenuEntry {
    pub fn new(label: &'static str, on_select: Callback<()>) -> Self {
        MenuEntry { label, mark: None, on_select, busy_label: None }
    }

    /// With the guide's mark before the label.
    pub fn marked(self, mark: &'static str) -> Self {
        MenuEntry { mark: Some(mark), ..self }
    }

    /// Says `busy_label` while the page marks it busy.
    pub fn busy_label(self, busy_label: &'static str) -> Self {
        MenuEntry { busy_label: Some(busy_label), ..self }
    }
}

/// Marks the busy entry (the one with a busy label) of the menu in the
/// element `within` as busy or not; returns whether it was busy before.
/// Done on the page rather than through a signal per entry: the Users
/// panel's code is in every page's module, whose size is a budget.
pub fn entry_busy(within: &str, busy: bool) -> bool {
    let selector = format!("{within} [role=menuitem]:has(.busy-label)");
    let Some(entry) = document().query_selector(&selector).ok().flatten() else { return false };
    let was = entry.get_attribute("aria-disabled").is_some_and(|v| v == "true");
    let _ = entry.set_attribute("aria-disabled", if busy { "true" } else { "false" });
    was
}

/// The **⋮ Actions** button and its menu. Keyboard: Enter or Space opens it
/// and focuses the first entry, arrow keys move, Escape closes and returns
/// focus to the button.
#[component]
pub fn ActionsMenu(
    /// What the menu acts on, for its accessible name ("Actions for nina").
    subject: String,
    entries: Vec<MenuEntry>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();
    let items = move || -> Vec<leptos::web_sys::HtmlElement> {
        let Some(menu) = menu.get_untracked() else { return Vec::new() };
        let Ok(nodes) = menu.query_selector_all("[role=menuitem]") else { return Vec::new() };
        (0..nodes.length()).filter_map(|i| nodes.item(i)?.dyn_into().ok()).collect()
    };
    let focus_item = move |step: i32| {
        let items = items();
        if items.is_empty() {
            return;
        }
        let active = document().active_element();
        let at = items.iter().position(|i| Some(i.unchecked_ref::<leptos::web_sys::Element>()) == active.as_ref());
        let next = match at {
            Some(at) => (at as i32 + step).rem_euclid(items.len() as i32) as usize,
            None if step < 0 => items.len() - 1,
            // The menu starts on its first entry even before the focus is
            // moved there, so a quick Enter then ArrowDown reaches the second.
            None => (step as usize).min(items.len() - 1),
        };
        let _ = items[next].focus();
    };
    // Once the menu is shown: a hidden element cannot take focus.
    Effect::new(move |_| {
        if open.get() {
            set_timeout(move || focus_item(0), std::time::Duration::ZERO);
        }
    });
    let close = move || {
        open.set(false);
        if let Some(button) = button.get_untracked() {
            let _ = button.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if !open.get_untracked() {
            return;
        }
        match ev.key().as_str() {
            "Escape" => close(),
            "ArrowDown" => focus_item(1),
            "ArrowUp" => focus_item(-1),
            _ => return,
        }
        ev.prevent_default();
    };
    let label = format!("Actions for {subject}");
    view! {
        // Clicks inside stay here: the row around it opens the Edit User dialog.
        <div class="actions-menu" on:keydown=on_keydown on:click=|ev| ev.stop_propagation()>
            <button
                type="button"
                class="icon"
                node_ref=button
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=label.clone()
                title="Actions"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "⋮"
            </button>
            <div class="menu" role="menu" aria-label=label node_ref=menu hidden=move || !open.get()>
                {entries
                    .into_iter()
                    .map(|entry| {
                        // While busy (aria-disabled) the style shows the busy
                        // label instead.
                        view! {
                            <button
                                type="button"
                                role="menuitem"
                                tabindex="-1"
                                on:click=move |_| {
                                    open.set(false);
                                    entry.on_select.run(());
                                }
                            >
                                {entry.mark.map(|mark| view! { <span class="mark" aria-hidden="true">{mark}" "</span> })}
                                <span class="idle-label">{entry.label}</span>
                                {entry.busy_label.map(|label| view! { <span class="busy-label">{label}</span> })}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}
