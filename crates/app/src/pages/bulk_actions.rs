//! Select, then act: the Users panel's checkboxes, the bar that says what
//! is selected (a few users, or every match of the search), its
//! **Actions**, and their dialog. Part of the panel's piece of the bundle
//! (`users_panel_dialog`), which the panel fetches and shows as soon as the
//! admin goes for the list: the module every page loads carries none of it.
//! The bar puts a checkbox in each row of the panel's table (and one in its
//! header) whenever the panel draws the table, and follows them through
//! events on the window (drawn by the panel itself, the checkboxes cost
//! that module 830 bytes, brotli).

use crate::api::{count_users, list_roles};
use crate::browser::Loaded;
use crate::components::{focus_after_redraw, BulkActionDialog};
use leptos::prelude::*;
use roster_domain::{
    group_thousands, BulkAction, BulkSelection, RoleId, UserId, UserSearch, UsersPage as Page,
};

/// A user's checkbox in the table (its value is the user's id).
const USER_CHECKBOX: &str = "select-user";
/// The header's checkbox: every user of the page.
const PAGE_CHECKBOX: &str = "select-page";
/// The cell each checkbox sits in.
const CHECKBOX_CELL: &str = "select-column";

/// Puts a checkbox in each row of the table (and one in its header), or
/// brings the one there up to date: the panel draws a new page into the
/// rows it has, so a row's checkbox may be left from another user. Each is
/// labelled with the row's login. Browser only. (It keeps to the browser
/// calls the panel makes already: each new one is an import of the module
/// every page loads.)
fn add_checkboxes() {
    let doc = document();
    let set = |element: &web_sys::Element, name: &str, value: &str| element.set_attribute(name, value).ok();
    // The checkbox of `row`, put in a cell first in the row if it has none.
    let checkbox_of = |row: &web_sys::Element, tag: &str| {
        if let Ok(Some(input)) = row.query_selector(&format!(".{CHECKBOX_CELL} input")) {
            return Some(input);
        }
        let input = doc.create_element("input").ok()?;
        set(&input, "type", "checkbox")?;
        let cell = doc.create_element(tag).ok()?;
        set(&cell, "class", CHECKBOX_CELL)?;
        cell.insert_before(&input, None).ok()?;
        row.insert_before(&cell, row.first_child().as_ref()).ok()?;
        Some(input)
    };
    if let Ok(Some(header)) = doc.query_selector(".user-table thead tr") {
        if let Some(input) = checkbox_of(&header, "th") {
            set(&input, "id", PAGE_CHECKBOX);
            set(&input, "aria-label", "Select every user on this page");
        }
    }
    let Ok(rows) = doc.query_selector_all(".user-table tbody tr[data-user-id]") else { return };
    for i in 0..rows.length() {
        use leptos::wasm_bindgen::JsCast;
        let Some(row) = rows.item(i).and_then(|r| r.dyn_into::<web_sys::Element>().ok()) else { continue };
        let Some(input) = checkbox_of(&row, "td") else { continue };
        let id = row.get_attribute("data-user-id").unwrap_or_default();
        // The row's Edit button says "Edit <login>".
        let edit = row.query_selector(".row-edit").ok().flatten().and_then(|b| b.get_attribute("aria-label"));
        let login = edit.as_deref().and_then(|l| l.strip_prefix("Edit ")).unwrap_or_default();
        set(&input, "class", USER_CHECKBOX);
        set(&input, "value", &id);
        set(&input, "aria-label", &format!("Select {login}"));
    }
}

/// Ticks or unticks a checkbox (its `checked` property, as a click would).
fn set_ticked(input: &web_sys::HtmlInputElement, ticked: bool) {
    use leptos::wasm_bindgen::JsValue;
    let _ = web_sys::js_sys::Reflect::set(input, &JsValue::from_str("checked"), &JsValue::from_bool(ticked));
}

/// What is selected.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Selected {
    /// Users ticked one by one, on any page of this search.
    Picked(Vec<UserId>),
    /// Every match of this view, however many.
    AllMatches(UserSearch),
}

impl Selected {
    fn has(&self, id: UserId) -> bool {
        match self {
            Selected::Picked(ids) => ids.contains(&id),
            Selected::AllMatches(_) => true,
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Selected::Picked(ids) if ids.is_empty())
    }
}

/// The checkboxes of the table as it is drawn now.
fn checkboxes() -> Vec<web_sys::HtmlInputElement> {
    use leptos::wasm_bindgen::JsCast;
    let Ok(found) = document().query_selector_all(&format!("input.{USER_CHECKBOX}")) else { return Vec::new() };
    (0..found.length()).filter_map(|i| found.item(i)?.dyn_into().ok()).collect()
}

fn checkbox_user(input: &web_sys::HtmlInputElement) -> Option<UserId> {
    input.value().parse().ok().map(UserId)
}

fn page_checkbox() -> Option<web_sys::HtmlInputElement> {
    use leptos::wasm_bindgen::JsCast;
    document().get_element_by_id(PAGE_CHECKBOX)?.dyn_into().ok()
}

/// The bar of the Users panel's selection. `search` is the panel's view and
/// `shown` its answer (the table is drawn anew when it changes); `on_done`
/// is told what a run did, once it ended (the panel then says so and lists
/// the users anew).
#[component]
pub fn SelectionBar(search: Memo<UserSearch>, shown: Loaded<(UserSearch, Page)>, on_done: Callback<String>) -> impl IntoView {
    let selected = RwSignal::new(Selected::Picked(Vec::new()));
    let view = StoredValue::new(UserSearch::default());
    // Said once a search change cleared the selection.
    let cleared = RwSignal::new(false);
    let count = Loaded::<i64>::waiting();
    let dialog = RwSignal::new(None::<(BulkAction, BulkSelection)>);
    // The choices of Add role… and Remove role….
    let roles = Loaded::new(async { list_roles().await.map(|roles| roles.into_iter().map(|r| (r.id, r.name)).collect::<Vec<_>>()) });

    // Ticks each checkbox of the table as the selection says.
    let show_ticks = move || {
        let boxes = checkboxes();
        let mut all_ticked = !boxes.is_empty();
        selected.with_untracked(|s| {
            for input in &boxes {
                let ticked = checkbox_user(input).is_some_and(|id| s.has(id));
                set_ticked(input, ticked);
                all_ticked &= ticked;
            }
        });
        if let Some(page) = page_checkbox() {
            set_ticked(&page, all_ticked);
        }
    };
    // The table was drawn anew (another page, another search): a new search
    // clears the selection and says so; another page of it keeps it.
    let follow_table = move || {
        add_checkboxes();
        // Paging keeps a selection; any other change of the view clears it.
        let now = search.get_untracked().first_page();
        if view.with_value(|v| *v != now) {
            view.set_value(now);
            if !selected.with_untracked(Selected::is_empty) {
                selected.set(Selected::Picked(Vec::new()));
                cleared.set(true);
            }
        }
        show_ticks();
    };
    // A ticked or unticked checkbox.
    let on_change = move |input: web_sys::HtmlInputElement| {
        cleared.set(false);
        let page = input.id() == PAGE_CHECKBOX;
        let changed: Vec<UserId> = if page { checkboxes().iter().filter_map(checkbox_user).collect() } else {
            checkbox_user(&input).into_iter().collect()
        };
        let ticked = input.checked();
        selected.update(|s| {
            // Unticking one of "all matches" leaves the rest of the page ticked.
            if let Selected::AllMatches(_) = s {
                let page: Vec<UserId> = checkboxes().iter().filter_map(checkbox_user).collect();
                *s = Selected::Picked(page);
            }
            if let Selected::Picked(ids) = s {
                ids.retain(|id| !changed.contains(id));
                if ticked {
                    ids.extend(&changed);
                }
            }
        });
        show_ticks();
    };
    // In the browser only. A click on a checkbox ticks it without opening
    // the user (the panel's rows leave such clicks alone).
    Effect::new(move |_| {
        view.set_value(search.get_untracked().first_page());
        let _ = window_event_listener(leptos::ev::change, move |ev| {
            use leptos::wasm_bindgen::JsCast;
            let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
            let ours = |i: &web_sys::HtmlInputElement| i.id() == PAGE_CHECKBOX || i.matches(&format!(".{USER_CHECKBOX}")).unwrap_or(false);
            if let Some(input) = input.filter(ours) {
                on_change(input);
            }
        });
    });
    // Each time the panel shows an answer, once its table is drawn.
    Effect::new(move |_| {
        shown.get();
        set_timeout(follow_table, std::time::Duration::ZERO);
    });
    // How many the search matches, for "Select all N matches": asked once
    // something of a search is picked.
    let counted = StoredValue::new(None::<UserSearch>);
    Effect::new(move |_| {
        let search = view.get_value();
        if !selected.with(Selected::is_empty) && counted.with_value(|c| c.as_ref() != Some(&search)) {
            counted.set_value(Some(search.clone()));
            count.fill(count_users(search));
        }
    });

    let open = move |action: BulkAction| {
        let selection = match selected.get_untracked() {
            Selected::Picked(ids) => BulkSelection::Picked(ids),
            Selected::AllMatches(search) => BulkSelection::AllMatches(search),
        };
        dialog.set(Some((action, selection)));
    };
    // Focus goes back to the button that opened the dialog.
    let opener = StoredValue::new(String::new());
    let on_close = Callback::new(move |_| {
        dialog.set(None);
        focus_after_redraw(opener.get_value(), "#new-user");
    });
    // After a run: the selection is spent, and the panel lists the users as they are now.
    let on_ended = Callback::new(move |message: String| {
        dialog.set(None);
        selected.set(Selected::Picked(Vec::new()));
        on_done.run(message);
    });
    let summary = move || {
        let n = count.get().and_then(Result::ok);
        match selected.get() {
            Selected::Picked(ids) if ids.is_empty() => {
                cleared.get().then(|| "Selection cleared: the search changed.".to_owned())
            }
            Selected::Picked(ids) if ids.len() == 1 => Some("1 user selected".to_owned()),
            Selected::Picked(ids) => Some(format!("{} users selected", group_thousands(ids.len() as i64))),
            Selected::AllMatches(_) => {
                Some(n.map_or("All matches of this search selected".to_owned(), |n| {
                    format!("All {} matches of this search selected", group_thousands(n))
                }))
            }
        }
    };
    // "Select all N matches", while only some of them are picked.
    let select_all = move || {
        let n = count.get().and_then(Result::ok).unwrap_or(0);
        let some = selected.with(|s| matches!(s, Selected::Picked(ids) if !ids.is_empty() && (ids.len() as i64) < n));
        some.then(|| format!("Select all {} matches of this search", group_thousands(n)))
    };
    // One handler for every button of the bar: each says what it does.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        use leptos::wasm_bindgen::JsCast;
        let button = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|t| t.closest("[data-do]").ok().flatten());
        let Some(what) = button.and_then(|b| b.get_attribute("data-do")) else { return };
        match what.as_str() {
            "all" => selected.set(Selected::AllMatches(view.get_value())),
            "clear" => {
                cleared.set(false);
                selected.set(Selected::Picked(Vec::new()));
            }
            key => {
                if let Some(action) = BulkAction::from_key(key) {
                    opener.set_value(format!("[data-do='{key}']"));
                    open(action);
                }
            }
        }
        show_ticks();
    };
    let nothing = move || selected.with(Selected::is_empty);
    // Add role… starts from Agent; the dialog asks which.
    let actions = [
        (BulkAction::Activate, "Activate"),
        (BulkAction::Deactivate, "Deactivate"),
        (BulkAction::AddRole(RoleId::AGENT), "Add role…"),
        (BulkAction::RemoveRole(RoleId::AGENT), "Remove role…"),
        (BulkAction::Unlock, "Unlock"),
        (BulkAction::SignOutEverywhere, "Sign out everywhere"),
        (BulkAction::RemoveTwoFactor, "Remove two-factor"),
        (BulkAction::Delete, "Delete…"),
    ];
    view! {
        {move || {
            dialog.get().map(|(action, selection)| {
                let roles = roles.get().and_then(Result::ok).unwrap_or_default();
                view! { <BulkActionDialog action selection roles on_close on_done=on_ended /> }
            })
        }}
        <section class="bulk-bar" aria-label="Selection" hidden=move || summary().is_none() on:click=on_click>
            <p role="status" id="bulk-summary">{summary}</p>
            {move || select_all().map(|label| view! { <button type="button" class="link" data-do="all">{label}</button> })}
            <button type="button" class="link" data-do="clear" hidden=nothing>"Clear selection"</button>
            <div class="bulk-actions" role="group" aria-label="Actions" hidden=nothing>
                {actions
                    .into_iter()
                    .map(|(action, label)| view! { <button type="button" class="bulk-action" data-do=action.key()>{label}</button> })
                    .collect_view()}
            </div>
        </section>
    }
}
