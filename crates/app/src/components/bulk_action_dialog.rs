//! The dialog of a bulk action: first a preview of what it would do (and
//! for Add role… and Remove role…, which role), then the run, a chunk per
//! request, with a progress bar and Cancel, then what was refused and why.

use super::{ConfirmThenRetry, Dialog, IdentityCheck, IdentityCheckFields, TypeToConfirm};
use crate::api::{cancel_bulk_action, preview_bulk_action, run_bulk_action};
use leptos::either::EitherOf6;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{
    group_thousands, AppError, BulkAction, BulkPreview, BulkProgress, BulkRunId, BulkRunState, BulkSelection, RefusedUser, RoleId,
    DELETE_CONFIRMATION,
};

/// Where the dialog is.
#[derive(Clone, Debug)]
enum Step {
    /// Add role… and Remove role…: which role, before the preview.
    ChooseRole,
    Previewing,
    Preview(BulkPreview),
    Running { preview: BulkPreview, progress: BulkProgress },
    /// The run ended (finished, or cancelled).
    Ended(BulkProgress),
}

/// How many refused users the dialog lists; the report has them all.
const LISTED_REFUSALS: usize = 200;

/// "1 user", "2,000 users".
fn users(n: i64) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { "user" } else { "users" })
}

/// What the action does, as the preview and the result say it.
fn doing(action: BulkAction, role: &str) -> String {
    match action {
        BulkAction::AddRole(_) => format!("Add the role {role}"),
        BulkAction::RemoveRole(_) => format!("Remove the role {role}"),
        BulkAction::RemoveTwoFactor => "Remove every two-factor method".to_owned(),
        other => other.label().to_owned(),
    }
}

#[component]
pub fn BulkActionDialog(
    action: BulkAction,
    selection: BulkSelection,
    roles: Vec<(RoleId, String)>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let choosing = matches!(action, BulkAction::AddRole(_) | BulkAction::RemoveRole(_));
    let action = RwSignal::new(action);
    let step = RwSignal::new(if choosing { Step::ChooseRole } else { Step::Previewing });
    let failure = RwSignal::new(None::<AppError>);
    let check = IdentityCheck::new();
    let typed = RwSignal::new(String::new());
    let cancel_asked = RwSignal::new(false);
    let refusals = RwSignal::new(Vec::<RefusedUser>::new());
    let roles = StoredValue::new(roles);
    let role_name = move || {
        let role = match action.get() {
            BulkAction::AddRole(r) | BulkAction::RemoveRole(r) => Some(r),
            _ => None,
        };
        roles.with_value(|all| all.iter().find(|(id, _)| Some(*id) == role).map(|(_, n)| n.clone()).unwrap_or_default())
    };
    let selection = StoredValue::new(selection);
    let run_id = StoredValue::new(BulkRunId(0));

    let preview = move || {
        step.set(Step::Previewing);
        failure.set(None);
        spawn_local(async move {
            let asked = check.run(|| preview_bulk_action(action.get_untracked(), selection.get_value())).await;
            match asked {
                Ok(p) => {
                    run_id.set_value(p.run);
                    step.set(Step::Preview(p));
                }
                Err(AppError::ReauthenticationRequired { .. }) => {}
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    if !choosing {
        preview();
    }

    // Runs chunk after chunk until the run ends, Cancel is asked, or a chunk fails.
    let run = move |preview: BulkPreview| {
        failure.set(None);
        cancel_asked.set(false);
        let id = preview.run;
        let confirmation = typed.get_untracked();
        spawn_local(async move {
            loop {
                if cancel_asked.get_untracked() {
                    match cancel_bulk_action(id).await {
                        Ok(progress) => step.set(Step::Ended(progress)),
                        Err(e) => failure.set(Some(e)),
                    }
                    return;
                }
                let confirmation = confirmation.clone();
                match check.run(|| run_bulk_action(id, confirmation)).await {
                    Ok(progress) => {
                        refusals.update(|all| {
                            let room = LISTED_REFUSALS.saturating_sub(all.len());
                            all.extend(progress.refusals.iter().take(room).cloned());
                        });
                        if progress.state.is_over() {
                            step.set(Step::Ended(progress));
                            return;
                        }
                        step.set(Step::Running { preview: preview.clone(), progress });
                    }
                    // The prompt shows; its Continue carries on with the run.
                    Err(AppError::ReauthenticationRequired { .. }) => return,
                    Err(e) => {
                        failure.set(Some(e));
                        return;
                    }
                }
            }
        });
    };

    let title = move || format!("{} — bulk action", action.with(|a| a.label()));
    let body = move || match step.get() {
        Step::ChooseRole => EitherOf6::A(view! { <RoleChoice action roles=roles.get_value() on_chosen=Callback::new(move |_| preview()) on_close /> }),
        Step::Previewing if check.is_asked() => EitherOf6::B(view! { <ConfirmThenRetry check retry=Callback::new(move |_| preview()) /> }),
        Step::Previewing => EitherOf6::C(view! {
            <p class="status" role="status">"Checking every selected user…"</p>
            {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        }),
        Step::Preview(p) => {
            let start = p.clone();
            let on_submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                run(start.clone());
            };
            let deleting = p.action == BulkAction::Delete;
            let nothing = p.will_change == 0;
            let what = doing(p.action, &role_name());
            let label = if deleting { format!("Delete {}", users(p.will_change)) } else { format!("{what}: {}", users(p.will_change)) };
            EitherOf6::D(view! {
                <form class="bulk-preview" on:submit=on_submit>
                    <p>
                        {what} " — " <strong id="bulk-will-change">{format!("{} will change", users(p.will_change))}</strong>
                        {format!(", {} already so, {} refused, of {} selected.", group_thousands(p.already), group_thousands(p.refused), group_thousands(p.total))}
                    </p>
                    {deleting.then(|| view! {
                        <p class="danger"><strong>{format!("Their {} tickets will be permanently deleted with them.", group_thousands(p.tickets))}</strong></p>
                        <TypeToConfirm id="bulk-delete-confirmation" typed />
                    })}
                    <RefusedTable refused=p.refusals.clone() total=p.refused caption="Will be refused" />
                    <IdentityCheckFields check />
                    {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                    <footer class="modal-footer">
                        <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                        <button
                            type="submit"
                            class=if deleting { "danger" } else { "primary" }
                            disabled=move || nothing || (deleting && typed.with(|t| t.trim() != DELETE_CONFIRMATION))
                        >
                            {label}
                        </button>
                    </footer>
                </form>
            })
        }
        Step::Running { preview, progress } => {
            let done = progress.done();
            let pace = progress.pace().map_or(String::new(), |(rate, left)| {
                format!(" · {} users a second · about {left} s left", group_thousands(rate))
            });
            let again = preview.clone();
            EitherOf6::E(view! {
                <div class="bulk-progress">
                    <progress max=progress.total.to_string() value=done.to_string() aria-label="Progress"></progress>
                    <p role="status">
                        {format!("{} of {} done{pace}", group_thousands(done), group_thousands(progress.total))}
                    </p>
                    <IdentityCheckFields check />
                    {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
                    <footer class="modal-footer">
                        <button type="button" disabled=move || cancel_asked.get() on:click=move |_| {
                            cancel_asked.set(true);
                            // A run stopped by an error or a prompt has no chunk under way: cancel now.
                            if failure.with_untracked(Option::is_some) || check.is_asked() {
                                run(again.clone());
                            }
                        }>
                            {move || if cancel_asked.get() { "Cancelling…" } else { "Cancel" }}
                        </button>
                        {
                            let again = preview.clone();
                            move || (failure.with(Option::is_some) || check.is_asked()).then(|| {
                                let again = again.clone();
                                view! { <button type="button" class="primary" on:click=move |_| run(again.clone())>"Go on"</button> }
                            })
                        }
                    </footer>
                </div>
            })
        }
        Step::Ended(progress) => {
            let message = ended_message(&progress);
            let shown = message.clone();
            EitherOf6::F(view! {
                <p role="status" id="bulk-result">{shown}</p>
                <RefusedTable refused=refusals.get() total=progress.refused caption="Refused" />
                {(progress.refused > 0).then(|| {
                    let href = format!("/api/bulk_action_report?run={}", run_id.get_value());
                    view! { <p><a href=href download>"Download the refused users (CSV)"</a></p> }
                })}
                <footer class="modal-footer">
                    <button type="button" class="primary" on:click=move |_| on_done.run(message.clone())>"Close"</button>
                </footer>
            })
        }
    };
    // Closing while it runs asks to cancel (the run stops after its chunk);
    // closing once it ended is its Close.
    let close = Callback::new(move |_| match step.get_untracked() {
        Step::Running { .. } => cancel_asked.set(true),
        Step::Ended(progress) => on_done.run(ended_message(&progress)),
        _ => on_close.run(()),
    });
    view! {
        <Dialog title=title() on_close=close>
            <div class="modal-body bulk-dialog">{body}</div>
        </Dialog>
    }
}

/// What the page says once a run ended.
fn ended_message(progress: &BulkProgress) -> String {
    let how = if progress.state == BulkRunState::Cancelled { "Cancelled" } else { "Done" };
    format!(
        "{how}: {} changed, {} already so, {} refused.",
        users(progress.changed),
        group_thousands(progress.already),
        group_thousands(progress.refused)
    )
}

/// Add role… and Remove role…: which role.
#[component]
fn RoleChoice(
    action: RwSignal<BulkAction>,
    roles: Vec<(RoleId, String)>,
    on_chosen: Callback<()>,
    on_close: Callback<()>,
) -> impl IntoView {
    let current = move || match action.get() {
        BulkAction::AddRole(r) | BulkAction::RemoveRole(r) => r.0.to_string(),
        _ => String::new(),
    };
    let choose = move |ev: leptos::ev::Event| {
        let Ok(id) = event_target_value(&ev).parse() else { return };
        action.update(|a| {
            *a = match *a {
                BulkAction::RemoveRole(_) => BulkAction::RemoveRole(RoleId(id)),
                _ => BulkAction::AddRole(RoleId(id)),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_chosen.run(());
    };
    view! {
        <form on:submit=submit>
            <div class="field">
                <label for="bulk-role">"Role"</label>
                <select id="bulk-role" prop:value=current on:change=choose>
                    {roles.into_iter().map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> }).collect_view()}
                </select>
            </div>
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="primary">"Preview"</button>
            </footer>
        </form>
    }
}

/// The refused users listed (the first of them), with why.
#[component]
fn RefusedTable(refused: Vec<RefusedUser>, total: i64, caption: &'static str) -> impl IntoView {
    let any = !refused.is_empty();
    let more = total - refused.len() as i64;
    any.then(|| view! {
        <table class="refused-table">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">"Login"</th>
                    <th scope="col">"Why"</th>
                </tr>
            </thead>
            <tbody>
                {refused
                    .into_iter()
                    .map(|r| {
                        let login = if r.login.is_empty() { format!("user {}", r.id) } else { r.login };
                        view! {
                            <tr>
                                <td>{login}</td>
                                <td>{r.reason}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {(more > 0).then(|| view! { <p>{format!("…and {} more.", group_thousands(more))}</p> })}
    })
}
