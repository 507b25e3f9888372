//! "Confirm it's you". When the server answers that an action needs the
//! caller's password first (admin mode, or a change to how they sign in),
//! the dialog shows these fields in place; the next submit confirms, and
//! then carries on with the action the admin asked for.

use super::{focus_after_redraw, form_failure, InputField};
use crate::api::confirm_identity;
use leptos::prelude::*;
use roster_domain::AppError;
use std::future::Future;

/// The state of one dialog's prompt: whether the server asked (and for a
/// code too), and what has been typed.
#[derive(Clone, Copy)]
pub struct IdentityCheck {
    /// `Some(code)` once asked: whether a second-factor code is needed too.
    asked: RwSignal<Option<bool>>,
    password: RwSignal<String>,
    code: RwSignal<String>,
    failure: RwSignal<Option<AppError>>,
}

impl IdentityCheck {
    pub fn new() -> Self {
        IdentityCheck {
            asked: RwSignal::new(None),
            password: RwSignal::new(String::new()),
            code: RwSignal::new(String::new()),
            failure: RwSignal::new(None),
        }
    }

    /// Whether the prompt is showing.
    pub fn is_asked(self) -> bool {
        self.asked.with(Option::is_some)
    }

    /// Runs `action`. If the server asked last time, what was typed is
    /// checked first, and a wrong password stops there: its error shows at
    /// its field, and the dialog goes on showing the request to confirm.
    /// If the server asks now, the prompt appears.
    pub async fn run<T, F: Future<Output = Result<T, AppError>>>(self, action: impl FnOnce() -> F) -> Result<T, AppError> {
        if let Some(code) = self.asked.get_untracked() {
            self.failure.set(None);
            if let Err(e) = confirm_identity(self.password.get_untracked(), self.code.get_untracked()).await {
                let field_error = !e.fields().is_empty();
                self.failure.set(Some(e.clone()));
                focus_after_redraw("#field-confirm-password".into(), "dialog");
                return Err(if field_error { AppError::ReauthenticationRequired { code } } else { e });
            }
            self.asked.set(None);
            self.password.set(String::new());
            self.code.set(String::new());
        }
        let result = action().await;
        if let Err(AppError::ReauthenticationRequired { code }) = &result {
            self.asked.set(Some(*code));
            focus_after_redraw("#field-confirm-password".into(), "dialog");
        }
        result
    }
}

impl Default for IdentityCheck {
    fn default() -> Self {
        Self::new()
    }
}

/// The password (and code) fields, shown once the server asks for them.
#[component]
pub fn IdentityCheckFields(check: IdentityCheck) -> impl IntoView {
    let failure = check.failure;
    move || {
        check.asked.get().map(|code| {
            view! {
                <fieldset class="identity-check">
                    <legend>"Confirm it's you"</legend>
                    <InputField
                        name="confirm_password"
                        label="Your password"
                        kind="password"
                        autocomplete="current-password"
                        value=check.password
                        failure
                    />
                    {code
                        .then(|| {
                            view! {
                                <InputField
                                    name="confirm_code"
                                    label="Code from your authenticator app, or a recovery code"
                                    autocomplete="one-time-code"
                                    value=check.code
                                    failure
                                />
                            }
                        })}
                </fieldset>
            }
        })
    }
}

/// For a dialog whose content loads as it opens: the prompt, and a button
/// that confirms and loads again (`retry` runs through `check`).
#[component]
pub fn ConfirmThenRetry(check: IdentityCheck, retry: Callback<()>) -> impl IntoView {
    let prompt = move || check.asked.get().map(|code| AppError::ReauthenticationRequired { code }.to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        retry.run(());
    };
    view! {
        <form class="modal-body" on:submit=submit>
            <p role="alert">{prompt}</p>
            <IdentityCheckFields check />
            {form_failure(check.failure)}
            <footer class="modal-footer">
                <button type="submit" class="primary">"Continue"</button>
            </footer>
        </form>
    }
}
