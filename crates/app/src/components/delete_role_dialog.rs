use super::{Dialog, IdentityCheck, IdentityCheckFields};
use crate::api::delete_role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, RoleDefinition};

/// **Delete role**: names the role and what it grants, and deletes it only
/// when the admin confirms. The server refuses roles anybody holds.
#[component]
pub fn DeleteRoleDialog(role: RoleDefinition, on_close: Callback<()>, on_deleted: Callback<String>) -> impl IntoView {
    let failure = RwSignal::new(None::<AppError>);
    let deleting = RwSignal::new(false);
    let check = IdentityCheck::new();
    let (id, name) = (role.role.id, role.role.name.clone());
    let grants = role.permissions.iter().map(|p| p.label()).collect::<Vec<_>>().join("; ");
    let confirm = move |_| {
        let name = name.clone();
        deleting.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = check.run(move || delete_role(id)).await;
            // The dialog may have been closed meanwhile: its signals are gone then.
            deleting.try_set(false);
            match result {
                Ok(()) => on_deleted.run(format!("Role “{name}” deleted")),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
        });
    };
    view! {
        <Dialog title="Delete role".to_owned() on_close>
            <p>"This permanently deletes the role “" {role.role.name.clone()} "”, which grants: " {grants} "."</p>
            <IdentityCheckFields check />
            {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="danger" disabled=move || deleting.get() on:click=confirm>
                    "Delete role"
                </button>
            </footer>
        </Dialog>
    }
}
