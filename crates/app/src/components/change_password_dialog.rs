use super::{form_failure, passwords_differ, Dialog, InputField, NewPasswordFields};
use crate::api::change_password;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::AppError;

/// Change your password, in a dialog: the current one is required; your
/// other sessions end, this one stays. `on_done` gets what to tell you.
#[component]
pub fn ChangePasswordDialog(on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if passwords_differ(new, repeated, failure) {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let result = change_password(current.get_untracked(), new.get_untracked()).await;
            saving.set(false);
            match result {
                Ok(()) => on_done.run("Password changed. Your other sessions have ended.".into()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <Dialog title="Change password".into() on_close>
            <form class="profile-form" on:submit=on_submit>
                <InputField
                    name="current_password"
                    label="Current password"
                    value=current
                    failure
                    autocomplete="current-password"
                    kind="password"
                />
                <NewPasswordFields new repeated failure />
                {form_failure(failure)}
                <footer class="modal-footer">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || saving.get()>"Change password"</button>
                </footer>
            </form>
        </Dialog>
    }
}
