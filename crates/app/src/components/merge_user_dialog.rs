use super::delete_user_dialog::plural;
use super::{focus_first, Dialog, IdentityCheck, TypedConfirmation};
use crate::api::{merge_users, preview_user_merge, search_users};
use crate::browser::Loaded;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, MergePreview, UserId, UserRow, UserSearch, MERGE_CONFIRMATION};
use std::time::Duration;

/// How long typing must pause before the search follows it, as on the panel.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);
/// How many matches the search lists; a longer list wants a narrower search.
const SHOWN_MATCHES: usize = 8;

/// The **Merge into…** dialog: the admin finds the user to keep, sees what
/// moves to them and what is lost with the duplicate, and merges only
/// after typing `MERGE`.
#[component]
pub fn MergeUserDialog(
    /// The duplicate, whose login the dialog names while the admin searches.
    id: UserId,
    login: String,
    on_close: Callback<()>,
    on_merged: Callback<String>,
) -> impl IntoView {
    let keep = RwSignal::new(None::<UserId>);
    // After the dialog has opened (which focuses its first button): the search first.
    Effect::new(move |_| {
        set_timeout(
            || {
                focus_first("#merge-keep-search");
            },
            Duration::ZERO,
        )
    });
    view! {
        <Dialog title=format!("Merge {login} into…") on_close>
            <div class="modal-body merge-search">
                <p>
                    "Choose the user to keep. Everything of " <strong>{login.clone()}</strong>
                    " moves to them, and " {login.clone()} " is deleted."
                </p>
                <KeepSearch duplicate=id keep />
            </div>
            {move || match keep.get() {
                Some(keep) => view! { <MergeForm duplicate=id keep on_close on_merged /> }.into_any(),
                None => {
                    view! {
                        <div class="modal-body">
                            <footer class="modal-footer">
                                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                            </footer>
                        </div>
                    }
                        .into_any()
                }
            }}
        </Dialog>
    }
}

/// The search for the user to keep, with the matches to choose from (the
/// duplicate left out). It asks the server function the Users panel does.
#[component]
fn KeepSearch(duplicate: UserId, keep: RwSignal<Option<UserId>>) -> impl IntoView {
    // The matches, with whether anything was searched for.
    let found = Loaded::<(bool, Vec<UserRow>)>::waiting();
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                found.fill(async move {
                    if text.trim().is_empty() {
                        return Ok((false, Vec::new()));
                    }
                    let page = search_users(UserSearch { text, ..Default::default() }).await?;
                    Ok((true, page.rows.into_iter().filter(|r| r.id != duplicate).take(SHOWN_MATCHES).collect()))
                })
            },
            SEARCH_DEBOUNCE,
        );
        timer.set_value(handle.ok());
    };
    view! {
        <div class="field">
            <label for="merge-keep-search">"User to keep"</label>
            <input
                id="merge-keep-search"
                type="search"
                autocomplete="off"
                placeholder="Name, login or email"
                maxlength=roster_domain::MAX_SEARCH_CHARS
                on:input=on_input
            />
        </div>
        {move || match found.get() {
            None | Some(Ok((false, _))) => ().into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok((true, rows))) if rows.is_empty() => {
                view! { <p class="status" role="status">"No other user matches."</p> }.into_any()
            }
            Some(Ok((true, rows))) => {
                view! {
                    <ul class="merge-candidates" aria-label="Users to keep">
                        {rows.into_iter().map(|row| view! { <Candidate row keep /> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }
        }}
    }
}

/// One match: choosing it previews the merge into them.
#[component]
fn Candidate(row: UserRow, keep: RwSignal<Option<UserId>>) -> impl IntoView {
    let id = row.id;
    let name = row.full_name();
    let email = row.email.clone().unwrap_or_default();
    let details = [name, email].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ");
    view! {
        <li>
            <button
                type="button"
                aria-pressed=move || (keep.get() == Some(id)).to_string()
                on:click=move |_| keep.set(Some(id))
            >
                <strong>{row.login}</strong>
                {(!details.is_empty()).then(|| format!(" — {details}"))}
            </button>
        </li>
    }
}

/// The preview of merging `duplicate` into `keep`, and its confirmation.
#[component]
fn MergeForm(duplicate: UserId, keep: UserId, on_close: Callback<()>, on_merged: Callback<String>) -> impl IntoView {
    let preview = Loaded::new(preview_user_merge(duplicate, keep));
    move || match preview.get() {
        None => EitherOf3::A(view! { <p class="status modal-body" role="status">"Checking what would move…"</p> }),
        Some(Ok(preview)) => EitherOf3::B(view! { <MergeConfirmation preview on_close on_merged /> }),
        Some(Err(e)) => EitherOf3::C(view! { <p class="form-error modal-body" role="alert">{e.to_string()}</p> }),
    }
}

#[component]
fn MergeConfirmation(preview: MergePreview, on_close: Callback<()>, on_merged: Callback<String>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let merging = RwSignal::new(false);
    let check = IdentityCheck::new();
    let (duplicate, keep) = (preview.duplicate, preview.keep);
    let label = |login: &str, name: &str| if name.is_empty() { login.to_owned() } else { format!("{login} ({name})") };
    let kept_user = label(&preview.keep_login, &preview.keep_name);
    let duplicate_user = label(&preview.duplicate_login, &preview.duplicate_name);

    if let Some(refusal) = preview.refusal {
        return view! {
            <div class="modal-body">
                <p class="form-error" role="alert">{refusal}</p>
                <footer class="modal-footer">
                    <button type="button" on:click=move |_| on_close.run(())>"Close"</button>
                </footer>
            </div>
        }
        .into_any();
    }

    let done = format!("Merged {} into {}.", preview.duplicate_login, preview.keep_login);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let confirmation = typed.get_untracked();
        let done = done.clone();
        merging.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = check.run(move || merge_users(duplicate, keep, confirmation)).await;
            merging.set(false);
            match result {
                Ok(_) => on_merged.run(done),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let moves = preview.moves;
    let organization = moves.organization.map(|name| view! { <li>{format!("Organization: {name}")}</li> });
    let secondary = (!moves.secondary_organizations.is_empty()).then(|| {
        view! { <li>{format!("Secondary organizations: {}", moves.secondary_organizations.join(", "))}</li> }
    });
    let roles = (!moves.roles.is_empty()).then(|| view! { <li>{format!("Roles: {}", moves.roles.join(", "))}</li> });
    let email = preview.email.map(|email| view! { <li>{format!("Email {email}")}</li> });
    let password = preview.has_password.then(|| view! { <li>"Password"</li> });
    let sessions = (preview.sessions > 0).then(|| {
        view! { <li>{format!("{}: they are signed out", plural(preview.sessions, "open session", "open sessions"))}</li> }
    });
    let two_factor = preview.two_factor.then(|| view! { <li>"Two-factor authentication"</li> });
    view! {
        <form class="delete-form merge-form" on:submit=on_submit>
            <p>"Moves to " <strong>{kept_user.clone()}</strong> ":"</p>
            <ul class="ticket-preview" aria-label="What moves">
                <li>{plural(moves.tickets, "ticket", "tickets")} " as customer, each keeping its number"</li>
                <li>{plural(moves.articles, "reply", "replies")}</li>
                <li>
                    {plural(moves.time_entries, "time entry", "time entries")}
                    {(moves.time_entries > 0).then(|| format!(" ({})", moves.hours))}
                </li>
                {organization}
                {secondary}
                {roles}
            </ul>
            <p class="danger">"Lost with " <strong>{duplicate_user}</strong> ", who is deleted:"</p>
            <ul class="ticket-preview" aria-label="What is lost">
                <li>{format!("Login {}", preview.duplicate_login)}</li>
                {email}
                {password}
                {sessions}
                {two_factor}
            </ul>
            <TypedConfirmation
                id="merge-confirmation"
                word=MERGE_CONFIRMATION
                typed
                check
                failure
                busy=merging
                button="Merge"
                on_close
            />
        </form>
    }
    .into_any()
}
