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
    /// While true the entry says `busy_label` and cannot be chosen: its work
    /// is under way (Unlock while the server unlocks).
    pub busy: Option<(Signal<bool>, &'static str)>,
}

impl MenuEntry {
    pub fn new(label: &'static str, on_select: Callback<()>) -> Self {
        MenuEntry { label, mark: None, on_select, busy: None }
    }

    /// With the guide's mark before the label.
    pub fn marked(self, mark: &'static str) -> Self {
        MenuEntry { mark: Some(mark), ..self }
    }

    /// Says `busy_label`, and cannot be chosen, while `busy` is true.
    pub fn busy_while(self, busy: Signal<bool>, busy_label: &'static str) -> Self {
        MenuEntry { busy: Some((busy, busy_label)), ..self }
    }
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
                        let busy = move || entry.busy.is_some_and(|(busy, _)| busy.get());
                        // aria-disabled rather than disabled: the arrow keys still reach it.
                        view! {
                            <button
                                type="button"
                                role="menuitem"
                                tabindex="-1"
                                aria-disabled=move || busy().then_some("true")
                                on:click=move |_| {
                                    if busy() {
                                        return;
                                    }
                                    open.set(false);
                                    entry.on_select.run(());
                                }
                            >
                                {entry.mark.map(|mark| view! { <span class="mark" aria-hidden="true">{mark}" "</span> })}
                                {move || match entry.busy {
                                    Some((busy, label)) if busy.get() => label,
                                    _ => entry.label,
                                }}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}
