//! Setting up an authenticator app and its recovery codes, and choosing a
//! new password, as both the profile's dialogs and the sign-in's required
//! steps show them.

use super::{InputField, form_failure};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use roster_domain::{AppError, AuthenticatorSetup, FieldError};

/// Scan the QR code (or type the key), then confirm with a code from the
/// app; `on_submit` sends it. `class` is added to the list's own.
pub fn authenticator_steps(
    setup: &AuthenticatorSetup,
    class: &'static str,
    code: RwSignal<String>,
    failure: RwSignal<Option<AppError>>,
    confirming: RwSignal<bool>,
    on_submit: impl FnMut(SubmitEvent) + 'static,
) -> impl IntoView {
    view! {
        <ol class=format!("setup-steps {class}")>
            <li>
                "Scan this QR code with your app:"
                <img
                    class="qr-code"
                    src=setup.qr_code_image.clone()
                    alt="QR code for your authenticator app"
                    width="200"
                    height="200"
                />
                "or type this key into it: " <code id="authenticator-secret">{setup.secret.clone()}</code>
            </li>
            <li>
                <form on:submit=on_submit aria-label="Confirm your authenticator app">
                    <InputField name="code" label="Code from the app" value=code failure autocomplete="one-time-code" />
                    {form_failure(failure)}
                    <button type="submit" class="primary" disabled=move || confirming.get()>"Enable"</button>
                </form>
            </li>
        </ol>
    }
}

/// New recovery codes, with the warning that they are shown only now.
pub fn recovery_code_list(codes: Vec<String>) -> impl IntoView {
    view! {
        <p class="danger">
            "Save these codes somewhere safe now: they are shown only this once. Each works once, "
            "in place of a code from your app."
        </p>
        <ol class="recovery-codes" aria-label="Your recovery codes">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ol>
    }
}

/// A new password, typed twice.
#[component]
pub fn NewPasswordFields(new: RwSignal<String>, repeated: RwSignal<String>, failure: RwSignal<Option<AppError>>) -> impl IntoView {
    view! {
        <InputField name="new_password" label="New password" value=new failure autocomplete="new-password" kind="password" />
        <InputField
            name="repeat_password"
            label="Repeat the new password"
            value=repeated
            failure
            autocomplete="new-password"
            kind="password"
        />
    }
}

/// Whether the two typings differ; if so, `failure` says so at the second.
pub fn passwords_differ(new: RwSignal<String>, repeated: RwSignal<String>, failure: RwSignal<Option<AppError>>) -> bool {
    let differ = new.get_untracked() != repeated.get_untracked();
    if differ {
        failure.set(Some(FieldError::new("repeat_password", "The two new passwords differ.").into()));
    }
    differ
}
