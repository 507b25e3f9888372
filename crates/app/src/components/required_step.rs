//! The sign-in page's required steps: choosing a new password, and setting
//! up the authenticator app a role requires. Until they are done the
//! session grants nothing else (the server refuses every other call), so
//! this is all the page offers, with a way out: signing out.

use super::{
    authenticator_steps, form_failure, go_to, landing_page, passwords_differ, recovery_code_list, NewPasswordFields,
};
use crate::api::{
    change_required_password, confirm_required_authenticator, sign_out, start_required_authenticator,
    ChangeRequiredPassword,
};
use crate::browser::Loaded;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use roster_domain::{AppError, RequiredAction, SignInStep};

/// The step `action`, then the next one if the user owes another.
/// `error`: what the password form sent without JavaScript came back with.
// Lazy: only a sign-in that owes a step needs it, so it stays out of the
// module every page loads.
#[island(lazy)]
pub fn RequiredStep(action: RequiredAction, error: Option<String>) -> impl IntoView {
    let action = RwSignal::new(action);
    let error = error.map(AppError::Refused);
    view! {
        <section class="required-step" aria-labelledby="required-step-title">
            <h2 id="required-step-title">{move || action.get().title()}</h2>
            {move || match action.get() {
                RequiredAction::ChangePassword => view! { <NewPasswordStep action error=error.clone() /> }.into_any(),
                RequiredAction::SetUpTwoFactor => view! { <AuthenticatorStep /> }.into_any(),
            }}
            <SignOutInstead />
        </section>
    }
}

/// Goes where the step's answer leads: the next step, or the user's page.
fn follow(step: SignInStep, action: RwSignal<RequiredAction>) {
    match step {
        SignInStep::ActionRequired(next) => action.set(next),
        SignInStep::SignedIn(user) => go_to(landing_page(&user)),
        SignInStep::CodeRequired => go_to("/login"),
    }
}

/// A new password, typed twice. Without JavaScript the same form posts to
/// the same server function, and the page comes back with the next step.
#[component]
fn NewPasswordStep(action: RwSignal<RequiredAction>, error: Option<AppError>) -> impl IntoView {
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let failure = RwSignal::new(error);
    let saving = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if passwords_differ(new, repeated, failure) {
            return;
        }
        saving.set(true);
        spawn_local(async move {
            let result = change_required_password(new.get_untracked(), repeated.get_untracked()).await;
            saving.set(false);
            match result {
                Ok(step) => follow(step, action),
                Err(AppError::Unauthenticated) => go_to("/login"),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <p id="required-password-hint">
            "Your password was set or reset by an admin. Choose one of your own to go on: at least 12 characters."
        </p>
        <form method="post" action=ChangeRequiredPassword::url() aria-label="Choose a new password" on:submit=on_submit>
            <NewPasswordFields new repeated failure />
            {form_failure(failure)}
            <button type="submit" class="primary" disabled=move || saving.get()>"Save password"</button>
        </form>
    }
}

/// The authenticator app: scan, confirm with a code, then the recovery
/// codes, shown this once, before going on.
#[component]
fn AuthenticatorStep() -> impl IntoView {
    let setup = Loaded::waiting();
    // In the browser only: a setup started while the server draws the page
    // would be replaced by the browser's own at once.
    Effect::new(move |_| setup.fill(start_required_authenticator()));
    let code = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let confirming = RwSignal::new(false);
    let codes = RwSignal::new(None::<Vec<String>>);
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirming.set(true);
        spawn_local(async move {
            let result = confirm_required_authenticator(code.get_untracked()).await;
            confirming.set(false);
            match result {
                Ok(made) => codes.set(Some(made)),
                Err(AppError::Unauthenticated) => go_to("/login"),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    move || {
        if let Some(made) = codes.get() {
            return view! {
                <p role="status">"Authenticator app enabled. Signing in now asks for a code from it."</p>
                {recovery_code_list(made)}
                // A full page load: the session now grants what the user's roles do.
                <button type="button" class="primary" on:click=move |_| go_to("/login")>"I have saved them — continue"</button>
            }
            .into_any();
        }
        match setup.get() {
            None => view! { <p class="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(s)) => view! {
                <p>"A role of yours requires two-factor authentication. Set up an authenticator app to go on."</p>
                {authenticator_steps(&s, "", code, failure, confirming, confirm)}
            }
            .into_any(),
        }
    }
}

/// Leaves the step for later: the next sign-in asks again.
#[component]
fn SignOutInstead() -> impl IntoView {
    let leaving = RwSignal::new(false);
    let leave = move |_| {
        leaving.set(true);
        spawn_local(async move {
            let _ = sign_out().await;
            go_to("/login");
        });
    };
    view! {
        <button type="button" class="link" disabled=move || leaving.get() on:click=leave>
            "Sign out and do this later"
        </button>
    }
}
