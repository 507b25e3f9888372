use super::{Dialog, IdentityCheck, IdentityCheckFields};
use crate::api::set_role_two_factor;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, RoleDefinition};

/// **Require two-factor** for a role, or no longer: says what follows for
/// the role's holders and saves only when the admin confirms (in admin mode).
#[component]
pub fn RoleTwoFactorDialog(role: RoleDefinition, on_close: Callback<()>, on_saved: Callback<String>) -> impl IntoView {
    let failure = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let check = IdentityCheck::new();
    let (id, version, name) = (role.role.id, role.version, role.role.name.clone());
    let required = !role.require_two_factor;
    let confirm = move |_| {
        let name = name.clone();
        saving.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = check.run(move || set_role_two_factor(id, version, required)).await;
            saving.try_set(false);
            match result {
                Ok(0) if required => on_saved.run(format!("“{name}” now requires two-factor. All its users have it.")),
                Ok(1) if required => on_saved.run(format!(
                    "“{name}” now requires two-factor. 1 of its users has none and sets up an authenticator app next."
                )),
                Ok(n) if required => on_saved.run(format!(
                    "“{name}” now requires two-factor. {n} of its users have none and set up an authenticator app next."
                )),
                Ok(_) => on_saved.run(format!("“{name}” no longer requires two-factor.")),
                Err(e) => {
                    failure.try_set(Some(e));
                }
            }
        });
    };
    let (title, explanation, button) = if required {
        (
            "Require two-factor",
            "Its users who have no second factor will have to set up an authenticator app before anything else, \
             from their next click on. The Users panel's “No two-factor” filter shows who they are.",
            "Require two-factor",
        )
    } else {
        (
            "Stop requiring two-factor",
            "Its users keep the methods they have, and may remove them.",
            "Stop requiring",
        )
    };
    view! {
        <Dialog title=title.to_owned() on_close>
            <p>{format!("Role “{}”: ", role.role.name)} {explanation}</p>
            <IdentityCheckFields check />
            {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="primary" disabled=move || saving.get() on:click=confirm>
                    {button}
                </button>
            </footer>
        </Dialog>
    }
}
