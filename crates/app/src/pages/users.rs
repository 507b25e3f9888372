use crate::api::{count_users, list_roles, search_users, unlock_user};
use super::bulk_actions::SelectionBar;
use crate::browser::{fetch_dialogs_on_approach, lazy_dialog, Loaded};
use crate::components::{
    entry_busy, focus_after_redraw, listen_for_panel_shortcuts, user_row, user_row_selector, DeleteUserDialog,
    ImpersonationDialog, MergeUserDialog, PageContent, PanelShortcuts, ShortcutsDialog, SignedInPage, TwoFactorDialog, UserDialog,
    UserDialogMode, UserRowActions, UserTable,
};
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use roster_domain::{AppError, MatchCount, Permission, RoleId, UserFacet, UserId, UserSearch, UserSort, UsersPage as Page};
use std::time::Duration;

/// How long typing must pause before the list follows it.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

/// `/admin/users`: find any user. The whole view (search text, roles,
/// facets, sort, page) lives in the URL, so links, reloads and Back restore it.
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <SignedInPage
            permission=Some(Permission::AdminUser)
            content=|admin| {
                // Read as the panel reads the address after Back or Forward.
                let initial = UserSearch::from_query_string(&use_location().search.get_untracked());
                PageContent::after(
                    async move {
                        let (roles, first) = futures::join!(list_roles(), search_users(initial.clone()));
                        // Without the list of roles (an error), the panel works without that filter.
                        let roles = roles.unwrap_or_default().into_iter().map(|r| (r.id, r.name)).collect();
                        (initial, roles, first)
                    },
                    move |(initial, roles, first)| {
                        view! {
                            <UsersPanel me=admin.id initial roles first />
                            // Export CSV: a plain link outside the panel, with
                            // no code in the browser. The server reads the view
                            // from the address of the page the link is on (the
                            // panel keeps it in step with the view), so it is
                            // never stale. As an element of the panel, or with
                            // code keeping its address in step, it cost the
                            // module every page loads 270 to 850 bytes (brotli).
                            <p class="export-bar">
                                <a id="export-users" class="button secondary" download href=EXPORT_THIS_VIEW>"Export CSV"</a>
                                " every user of this view, in its order · "
                                <a id="import-users" class="button secondary" href="/admin/users/import">"Import CSV"</a>
                                <span id="export-status" class="export-status" role="status" aria-live="polite"></span>
                            </p>
                            // Shows the export's progress in the page (plain
                            // JavaScript: none of it in the module every page loads).
                            <script src="/export-progress.js" defer></script>
                        }
                    },
                )
            }
        />
    }
}

/// Export CSV of the view on the page that links to it (see
/// `crates/server/src/user_export.rs`).
const EXPORT_THIS_VIEW: &str = "/api/export_users?from=panel";

/// Goes to another view of the panel: the address bar and the list follow.
#[derive(Clone, Copy)]
struct ViewChanger(RwSignal<UserSearch>);

impl ViewChanger {
    /// Typing refines the current history entry (`replace`); every other
    /// change adds one, so Back steps through them.
    fn show(self, view: &UserSearch, replace: bool) {
        if let Ok(history) = window().history() {
            let href = view.href();
            let _ = if replace {
                history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&href))
            } else {
                history.push_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&href))
            };
        }
        self.0.set(view.clone());
    }

    /// Back and Forward: the panel shows what the address now says.
    fn follow_history(self) {
        let current = self.0;
        // Effects run only in the browser, where there is a window to listen to.
        Effect::new(move |_| {
            let listener = window_event_listener(leptos::ev::popstate, move |_| {
                let query = window().location().search().unwrap_or_default();
                current.set(UserSearch::from_query_string(&query));
            });
            on_cleanup(move || listener.remove());
        });
    }
}

/// The dialog open over the panel, if any.
#[derive(Clone)]
pub(super) enum PanelDialog {
    User(UserDialogMode),
    Delete(UserId),
    /// Merge this user (id, login) into another.
    Merge(UserId, String),
    /// Manage Two-Factor Authentication for this user (id, login).
    TwoFactor(UserId, String),
    /// View from this user's perspective (id, login), once the admin says why.
    Impersonate(UserId, String),
    /// **Keyboard shortcuts** (`?`).
    Shortcuts,
    /// Not a dialog: the bar of the selection and its bulk actions, a piece
    /// of the bundle like the dialogs, shown once the admin goes for the list
    /// (with the panel's view, and its answer).
    Selection(Memo<UserSearch>, Loaded<(UserSearch, Page)>),
}

/// Where keyboard focus goes when a dialog closes: back to what opened it,
/// or to the New User button when that is gone (a deleted user's row).
#[derive(Clone, Copy)]
struct FocusReturn(StoredValue<Option<String>>);

impl FocusReturn {
    /// Focuses the remembered element once the page has redrawn.
    fn restore(self) {
        if let Some(selector) = self.0.get_value() {
            focus_after_redraw(selector, "#new-user");
        }
    }
}

/// Everything on the panel below its frame. `initial` is the view the
/// address asked for when the page loaded, `first` the server's answer to
/// it, and `roles` the choices of the **Roles** filter.
#[island]
fn UsersPanel(
    me: UserId,
    initial: UserSearch,
    roles: Vec<(RoleId, String)>,
    first: Result<Page, AppError>,
) -> impl IntoView {
    // The server's "No sign-in for N days" (its first answer says how many).
    let dormant_after_days = first.as_ref().map_or(90, |found| found.dormant_after_days);
    let current = RwSignal::new(initial.clone());
    let search = Memo::new(move |_| current.get());
    // The answer shown, with the view it answers.
    let page = Loaded::ready(first.map(|found| (initial, found)));
    let load = move |view: UserSearch| page.fill(async move { search_users(view.clone()).await.map(|found| (view, found)) });
    // Each new view is asked of the server (not the first: the page brought
    // its answer). A newer search supersedes an older one still in flight.
    Effect::new(move |asked_before: Option<()>| {
        let view = search.get();
        if asked_before.is_some() {
            load(view);
        }
    });
    let refetch = move || load(search.get_untracked());
    let changer = ViewChanger(current);
    changer.follow_history();

    // The selection bar comes with the dialogs' piece, as the admin goes for the list.
    let selecting = RwSignal::new(false);
    fetch_dialogs_on_approach(DIALOG_OPENERS, move || {
        selecting.set(true);
        fetch_users_panel_dialogs()
    });
    let dialog = RwSignal::new(None::<PanelDialog>);
    let notice = RwSignal::new(None::<String>);
    let focus_return = FocusReturn(StoredValue::new(None));
    let open = move |which: PanelDialog, opener: String| {
        focus_return.0.set_value(Some(opener));
        notice.set(None);
        dialog.set(Some(which));
    };
    let actions = UserRowActions {
        me,
        edit: Callback::new(move |id| open(PanelDialog::User(UserDialogMode::Edit(id)), user_row_selector(id))),
        delete: Callback::new(move |id| open(PanelDialog::Delete(id), user_row_selector(id))),
        merge: Callback::new(move |(id, login)| open(PanelDialog::Merge(id, login), user_row_selector(id))),
        unlock: Callback::new(move |id| {
            // Once at a time: the entry says "Unlocking…" meanwhile.
            if entry_busy(&user_row(id), true) {
                return;
            }
            focus_return.0.set_value(Some(user_row_selector(id)));
            notice.set(None);
            spawn_local(async move {
                match unlock_user(id).await {
                    Ok(()) => notice.set(Some("User unlocked".to_owned())),
                    Err(e) => notice.set(Some(e.to_string())),
                }
                entry_busy(&user_row(id), false);
                refetch();
                focus_return.restore();
            });
        }),
        impersonate: Callback::new(move |(id, login)| open(PanelDialog::Impersonate(id, login), user_row_selector(id))),
        two_factor: Callback::new(move |(id, login)| open(PanelDialog::TwoFactor(id, login), user_row_selector(id))),
    };
    let on_close = Callback::new(move |_| {
        dialog.set(None);
        focus_return.restore();
    });
    // After a save the list is fetched again, so it shows the change at once.
    let on_done = Callback::new(move |message: String| {
        dialog.set(None);
        notice.set(Some(message));
        refetch();
        focus_return.restore();
    });
    listen_for_panel_shortcuts(PanelShortcuts {
        dialog_open: Signal::derive(move || dialog.with(Option::is_some)),
        new_user: Callback::new(move |_| open(PanelDialog::User(UserDialogMode::New), "#new-user".into())),
        show_help: Callback::new(move |_| open(PanelDialog::Shortcuts, "#new-user".into())),
    });

    view! {
        <div class="page-title">
            <h1>"Users"</h1>
            <button
                type="button"
                id="new-user"
                class="primary"
                on:click=move |_| open(PanelDialog::User(UserDialogMode::New), "#new-user".into())
            >
                "New User"
            </button>
        </div>
        <p class="notice" aria-live="polite">{move || notice.get()}</p>
        {move || {
            dialog.get().map(|which| {
                lazy_dialog(users_panel_dialog(which, on_close, on_done), notice, on_close)
            })
        }}
        <SearchBox search changer />
        {move || {
            let bar = PanelDialog::Selection(search, page);
            selecting.get().then(|| lazy_dialog(users_panel_dialog(bar, on_close, on_done), notice, on_close))
        }}
        <div class="filters">
            <ToggleGroup label="Roles" items=roles is_on=UserSearch::has_role toggled=UserSearch::toggle_role search changer />
            <ToggleGroup
                label="Show only"
                items=UserFacet::ALL.into_iter().map(|f| (f, f.label_with(dormant_after_days))).collect()
                is_on=UserSearch::has_facet
                toggled=UserSearch::toggle_facet
                search
                changer
            />
            <SortChoice search changer />
        </div>
        {move || match page.get() {
            Some(Ok((shown, found))) => view! { <Results shown current=search found actions changer /> }.into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// The open dialog. Its code is a separate piece of the WebAssembly bundle,
/// fetched when the admin first goes for a dialog (`fetch_dialogs_on_approach`)
/// or opens one, so the panel starts with less.
/// `fallible`: a failed fetch is an error to report, not a panic that would
/// stop the page.
#[wasm_split(
    roster_users_panel_dialog,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(fetch_users_panel_dialogs)
)]
pub(super) fn users_panel_dialog(
    which: PanelDialog,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(match which {
        PanelDialog::User(mode) => view! { <UserDialog mode on_close on_saved=on_done /> }.into_any(),
        PanelDialog::Delete(id) => view! { <DeleteUserDialog id on_close on_deleted=on_done /> }.into_any(),
        PanelDialog::Merge(id, login) => view! { <MergeUserDialog id login on_close on_merged=on_done /> }.into_any(),
        PanelDialog::TwoFactor(id, login) => {
            view! { <TwoFactorDialog id login on_close on_changed=on_done /> }.into_any()
        }
        PanelDialog::Impersonate(id, login) => view! { <ImpersonationDialog id login on_close /> }.into_any(),
        PanelDialog::Shortcuts => view! { <ShortcutsDialog on_close /> }.into_any(),
        PanelDialog::Selection(search, shown) => view! { <SelectionBar search shown on_done /> }.into_any(),
    })
}

/// Where going for something fetches the dialogs' piece: anywhere in the
/// page's content, since the selection bar (with the table's checkboxes)
/// comes with it, so it is there before the admin reaches the list.
const DIALOG_OPENERS: &str = "main";

/// The **Search for users** bar: the list follows as the admin types.
#[component]
fn SearchBox(search: Memo<UserSearch>, changer: ViewChanger) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    // Back and Forward change the URL; the box shows what the URL says,
    // unless it already does (so the caret stays where the admin left it).
    Effect::new(move |_| {
        let text = search.with(|s| s.text.clone());
        if let Some(input) = input.get() {
            if input.value() != text {
                input.set_value(&text);
            }
        }
    });
    let on_input = move |_| {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let Some(text) = input.get_untracked().map(|i| i.value()) else { return };
                let current = search.get_untracked();
                if current.text != text {
                    let refining = !current.text.trim().is_empty();
                    changer.show(&UserSearch { text, ..current.first_page() }, refining);
                }
            },
            SEARCH_DEBOUNCE,
        );
        timer.set_value(handle.ok());
    };
    // The rest of the view rides along when the form is submitted without JavaScript.
    let kept = move || {
        let rest = UserSearch { text: String::new(), ..search.get().first_page() };
        rest.query_pairs()
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
            .collect_view()
    };

    view! {
        // Without JavaScript the form still works: Enter submits it as a GET.
        <form class="search" role="search" method="get" action="/admin/users" on:submit=|ev| ev.prevent_default()>
            <label for="user-search" class="visually-hidden">"Search for users"</label>
            <span class="search-mark" aria-hidden="true">"🔎"</span>
            <input
                id="user-search"
                type="search"
                name="q"
                placeholder="Search for users"
                autocomplete="off"
                maxlength=roster_domain::MAX_SEARCH_CHARS
                node_ref=input
                value=search.get_untracked().text
                on:input=on_input
            />
            {kept}
        </form>
    }
}

/// A row of toggle buttons over `items`, each showing whether the view has it
/// and switching it on or off. The **Roles** row means "any of these"; the
/// facets row narrows with each one.
#[component]
fn ToggleGroup<T: Copy + Send + Sync + 'static>(
    label: &'static str,
    /// Each item with its name on the button.
    items: Vec<(T, String)>,
    is_on: fn(&UserSearch, T) -> bool,
    toggled: fn(&UserSearch, T) -> UserSearch,
    search: Memo<UserSearch>,
    changer: ViewChanger,
) -> impl IntoView {
    let label_id = format!("{}-label", label.to_ascii_lowercase().replace(' ', "-"));
    let labelled_by = label_id.clone();
    view! {
        <div class="toggles" role="group" aria-labelledby=labelled_by>
            <span id=label_id class="toggles-label">{label}</span>
            {items
                .into_iter()
                .map(|(item, name)| {
                    view! {
                        <button
                            type="button"
                            class="toggle"
                            aria-pressed=move || search.with(|s| is_on(s, item)).to_string()
                            on:click=move |_| changer.show(&toggled(&search.get_untracked(), item), false)
                        >
                            {name}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn SortChoice(search: Memo<UserSearch>, changer: ViewChanger) -> impl IntoView {
    let on_change = move |ev| {
        if let Some(sort) = UserSort::from_key(&event_target_value(&ev)) {
            changer.show(&UserSearch { sort, ..search.get_untracked().first_page() }, false);
        }
    };
    view! {
        <label class="sort">
            "Sort by "
            <select on:change=on_change>
                {UserSort::ALL
                    .into_iter()
                    .map(|sort| {
                        view! {
                            <option value=sort.key() selected=move || search.with(|s| s.sort == sort)>
                                {sort.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The count, the table and the pager for the answer to `shown`; while the
/// address already asks for another view, it says a search is under way.
#[component]
fn Results(
    shown: UserSearch,
    current: Memo<UserSearch>,
    found: Page,
    actions: UserRowActions,
    changer: ViewChanger,
) -> impl IntoView {
    let search = shown.clone();
    let pending = Memo::new(move |_| current.with(|c| *c != shown));
    let filtered = search.first_page() != UserSearch { sort: search.sort, ..Default::default() };
    let next = found.next.clone().map(|cursor| UserSearch { after: Some(cursor), ..search.clone() });
    let first = search.after.is_some().then(|| search.first_page());
    let empty = if filtered { "No users match this search." } else { "No users yet." };
    view! {
        <p class="status" id="user-count" role="status" aria-live="polite">
            <Count search=search.first_page() count=found.count />
            {move || pending.get().then_some(" · Searching…")}
        </p>
        <div aria-busy=move || pending.get().to_string()>
            <UserTable rows=found.rows empty=empty actions />
        </div>
        <nav class="pager" aria-label="Pages">
            {first.map(|view| view! { <PagerLink view changer label="← First page" rel="" /> })}
            {next.map(|view| view! { <PagerLink view changer label="Next page →" rel="next" /> })}
        </nav>
    }
}

/// A link to another page of the list. A plain click stays on this page
/// and shows that view at the top of the window; a click asking for a new
/// tab or window is the browser's.
#[component]
fn PagerLink(view: UserSearch, changer: ViewChanger, label: &'static str, rel: &'static str) -> impl IntoView {
    let href = view.href();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        ev.prevent_default();
        changer.show(&view, false);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    };
    view! { <a href=href rel=(!rel.is_empty()).then_some(rel) on:click=on_click>{label}</a> }
}

/// "1,234 users"; when the first answer was capped, the exact figure
/// follows from a second, slower request made by the browser once the panel
/// is live (the server and the hydrating browser both show the capped
/// figure first, so the two renderings match).
#[component]
fn Count(search: UserSearch, count: MatchCount) -> impl IntoView {
    let shown = RwSignal::new(count);
    if let MatchCount::AtLeast(_) = count {
        // Effects run only in the browser.
        Effect::new(move |_| {
            let search = search.clone();
            spawn_local(async move {
                if let Ok(n) = count_users(search).await {
                    shown.set(MatchCount::Exact(n));
                }
            });
        });
    }
    view! { <span>{move || shown.get().to_string()}</span> }
}
