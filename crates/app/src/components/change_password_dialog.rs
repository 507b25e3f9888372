use super::{form_failure, is_live, InputField};
use crate::api::change_password;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, FieldError};

/// Change your password: the current one is required; your other sessions
/// end, this one stays.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
pub fn ChangePasswordForm() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);
    let live = is_live();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        if new.get_untracked() != repeated.get_untracked() {
            failure.set(Some(FieldError::new("repeat_password", "The two new passwords differ.").into()));
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let result = change_password(current.get_untracked(), new.get_untracked()).await;
            saving.set(false);
            match result {
                Ok(()) => {
                    failure.set(None);
                    for field in [current, new, repeated] {
                        field.set(String::new());
                    }
                    done.set(Some("Password changed. Your other sessions have ended."));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <form class="profile-form" method="post" aria-labelledby="change-password-heading" on:submit=on_submit>
            <h3 id="change-password-heading">"Change password"</h3>
            <InputField
                name="current_password"
                label="Current password"
                value=current
                failure
                autocomplete="current-password"
                kind="password"
            />
            <InputField
                name="new_password"
                label="New password"
                value=new
                failure
                autocomplete="new-password"
                kind="password"
            />
            <InputField
                name="repeat_password"
                label="Repeat the new password"
                value=repeated
                failure
                autocomplete="new-password"
                kind="password"
            />
            {form_failure(failure)}
            <p class="notice" role="status">{move || done.get()}</p>
            <button type="submit" class="primary" disabled=move || !live.get() || saving.get()>"Change password"</button>
        </form>
    }
}
