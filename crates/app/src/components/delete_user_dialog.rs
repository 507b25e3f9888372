use crate::browser::Loaded;
use super::{Dialog, IdentityCheck, TypedConfirmation};
use crate::api::{delete_user, preview_user_deletion};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{group_thousands, AppError, DeletionPreview, UserId, DELETE_CONFIRMATION};

/// The **Delete User** dialog: says exactly what will be destroyed and what
/// is kept, and deletes only after the admin types `DELETE`.
#[component]
pub fn DeleteUserDialog(id: UserId, on_close: Callback<()>, on_deleted: Callback<String>) -> impl IntoView {
    let preview = Loaded::new(preview_user_deletion(id));
    view! {
        <Dialog title="Delete User".to_owned() on_close>
            {move || match preview.get() {
                None => EitherOf3::A(view! { <p class="status" role="status">"Checking what would be deleted…"</p> }),
                Some(Ok(preview)) => EitherOf3::B(view! { <DeletionForm preview on_close on_deleted /> }),
                Some(Err(e)) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
            }}
        </Dialog>
    }
}

#[component]
fn DeletionForm(preview: DeletionPreview, on_close: Callback<()>, on_deleted: Callback<String>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let deleting = RwSignal::new(false);
    let check = IdentityCheck::new();
    let id = preview.id;
    let who = if preview.name.is_empty() { preview.login.clone() } else { format!("{} ({})", preview.login, preview.name) };

    if let Some(refusal) = preview.refusal {
        return view! {
            <p class="form-error" role="alert">{refusal}</p>
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </footer>
        }
        .into_any();
    }

    let login = preview.login.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let confirmation = typed.get_untracked();
        let login = login.clone();
        deleting.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = check.run(move || delete_user(id, confirmation)).await;
            deleting.set(false);
            match result {
                Ok(0) => on_deleted.run(format!("User {login} deleted.")),
                Ok(n) => on_deleted.run(format!("User {login} deleted, with {} tickets.", group_thousands(n))),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let more = preview.tickets - preview.first_tickets.len() as i64;
    let tickets = (preview.tickets > 0).then(|| {
        view! {
            <p class="danger">
                <strong>{plural(preview.tickets, "ticket", "tickets")} " will be permanently deleted"</strong>
                ", with every reply and time entry on them:"
            </p>
            <ul class="ticket-preview" aria-label="Tickets to be deleted">
                {preview
                    .first_tickets
                    .into_iter()
                    .map(|t| view! { <li>{format!("#{} {}", t.number, t.title)}</li> })
                    .collect_view()}
                {(more > 0).then(|| view! { <li>{format!("…and {} more", group_thousands(more))}</li> })}
            </ul>
        }
    });
    let kept = (preview.kept_articles > 0 || preview.kept_time_entries > 0).then(|| {
        view! {
            <p>
                "Kept: " {plural(preview.kept_articles, "reply", "replies")} " and "
                {plural(preview.kept_time_entries, "time entry", "time entries")}
                " this user wrote on other people's tickets. They will show “Deleted user” as their author."
            </p>
        }
    });
    view! {
        <form class="delete-form" on:submit=on_submit>
            <p>"This permanently deletes " <strong>{who}</strong> ", their sessions and their tickets."</p>
            {tickets}
            {kept}
            <TypedConfirmation
                id="delete-confirmation"
                word=DELETE_CONFIRMATION
                typed
                check
                failure
                busy=deleting
                button="Delete User"
                on_close
            />
        </form>
    }
    .into_any()
}

/// "1 ticket", "2,000 tickets".
pub(super) fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}
