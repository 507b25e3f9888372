use super::{form_failure, Dialog, IdentityCheck, IdentityCheckFields, InputField};
use crate::api::save_role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, Permission, RoleDefinition, RoleDraft};

/// **New role** / **Edit role**: a name and the permissions it grants.
/// `editing` is the role as the page showed it (with its version), or none
/// for a new one. `on_saved` gets the confirmation to show.
#[component]
pub fn RoleDialog(editing: Option<RoleDefinition>, on_close: Callback<()>, on_saved: Callback<String>) -> impl IntoView {
    let title = if editing.is_some() { "Edit role" } else { "New role" };
    let (id, version) = editing.as_ref().map_or((None, 0), |r| (Some(r.role.id), r.version));
    let name = RwSignal::new(editing.as_ref().map(|r| r.role.name.clone()).unwrap_or_default());
    let granted = RwSignal::new(editing.map(|r| r.permissions).unwrap_or_default());
    let failure = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let check = IdentityCheck::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = RoleDraft { name: name.get_untracked(), permissions: granted.get_untracked() };
        // The same rules the server runs, so mistakes show without a round trip.
        if let Err(errors) = draft.validate() {
            failure.set(Some(AppError::Validation(errors)));
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let sent = draft.clone();
            let result = check.run(move || save_role(id, version, sent)).await;
            saving.set(false);
            match result {
                Ok(()) => on_saved.run(format!("Role “{}” saved", draft.validate().map(|d| d.name).unwrap_or_default())),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let permissions_error =
        move || failure.with(|f| f.as_ref().and_then(|e| e.message_for("permissions")).map(str::to_owned));
    view! {
        <Dialog title=title.to_owned() on_close>
            <form class="role-form" on:submit=on_submit>
                <InputField name="name" label="Name" value=name failure />
                <fieldset
                    class="permissions"
                    aria-describedby=move || permissions_error().map(|_| "role-permissions-error")
                >
                    <legend>"Permissions"</legend>
                    {Permission::ALL
                        .into_iter()
                        .map(|p| {
                            let id = format!("permission-{}", p.key().replace('.', "-"));
                            view! {
                                <div class="check">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        prop:checked=move || granted.with(|g| g.contains(&p))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            granted.update(|g| {
                                                g.retain(|q| *q != p);
                                                if on {
                                                    g.push(p);
                                                }
                                            });
                                        }
                                    />
                                    <label for=id>{p.label()}</label>
                                </div>
                            }
                        })
                        .collect_view()}
                    {move || permissions_error().map(|m| view! { <p class="field-error" id="role-permissions-error">{m}</p> })}
                </fieldset>
                <IdentityCheckFields check />
                {form_failure(failure)}
                <div class="modal-footer">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || saving.get()>"Save"</button>
                </div>
            </form>
        </Dialog>
    }
}
