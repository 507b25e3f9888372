use crate::api::{
    pending_sign_in_step, sign_in, sign_out, verify_sign_in_code, ChangeRequiredPassword, SignIn, VerifySignInCode,
};
use crate::app::CurrentUserResource;
use crate::components::{error_sent_back, go_to, landing_page, RequiredStep, SubmittedForm};
use leptos::either::EitherOf3;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use roster_domain::{AppError, SignInStep};

/// `/login`: the password step, then — for users with a second factor —
/// the code step, then any required action (a new password, an
/// authenticator app). A reload shows the step the sign-in waits for.
#[component]
pub fn LoginPage() -> impl IntoView {
    let current_user = expect_context::<CurrentUserResource>().0;
    let pending_step = Resource::new(|| (), |_| pending_sign_in_step());

    view! {
        <Title text="Sign in" />
        <main class="centered sign-in">
            <h1>"Sign in to Roster"</h1>
            // One suspense over both answers: who is signed in, and whether a
            // sign-in waits for its code.
            <Suspense>
                {move || Suspend::new(async move {
                    let (user, pending) = (current_user.await, pending_step.await);
                    if let Some(user) = user.ok().flatten() {
                        return EitherOf3::A(view! { <Redirect path=landing_page(&user) /> });
                    }
                    let pending = pending.ok().flatten();
                    if let Some(SignInStep::ActionRequired(action)) = pending {
                        let error = error_sent_back::<ChangeRequiredPassword>();
                        return EitherOf3::B(view! { <RequiredStep action error /> });
                    }
                    // A form sent without JavaScript comes back here with its error.
                    let error = error_sent_back::<SignIn>().or_else(error_sent_back::<VerifySignInCode>);
                    let awaiting_code = pending == Some(SignInStep::CodeRequired);
                    EitherOf3::C(view! { <SignInSteps awaiting_code error /> })
                })}
            </Suspense>
        </main>
    }
}

/// The password form, or the code form once a sign-in waits for its code
/// (`awaiting_code` when the page loaded, or after the password step here).
/// `error`: what the last step sent without JavaScript came back with.
// Not lazy, unlike the other pages' islands: nearly all it needs is in the
// main module already, and loading it as a piece of its own would cost the
// sign-in page more than the island itself weighs in the main module.
#[island]
fn SignInSteps(awaiting_code: bool, error: Option<String>) -> impl IntoView {
    let code_step = RwSignal::new(awaiting_code);
    let sending = RwSignal::new(false);
    let error = RwSignal::new(error);
    let on_submit = move |ev: SubmitEvent| {
        let form = SubmittedForm::take(&ev);
        let (login, password) = (form.text("login"), form.text("password"));
        sending.set(true);
        spawn_local(async move {
            let result = sign_in(login, password).await;
            sending.set(false);
            match result {
                // A full page load after signing in, so every part of the page sees the new session.
                Ok(SignInStep::SignedIn(user)) => go_to(landing_page(&user)),
                Ok(SignInStep::CodeRequired) => {
                    error.set(None);
                    code_step.set(true);
                }
                // The page, drawn again by the server, shows the step the sign-in owes.
                Ok(SignInStep::ActionRequired(_)) => go_to("/login"),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    view! {
        <Show when=move || code_step.get() fallback=move || view! {
            // Without JavaScript the same form posts to the same endpoint.
            <form method="post" action=SignIn::url() aria-label="Sign in" on:submit=on_submit>
                <label for="login">"Login or email"</label>
                <input id="login" name="login" type="text" autocomplete="username" required autofocus />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                <p class="form-error" role="alert">{move || error.get()}</p>
                <button type="submit" disabled=move || sending.get()>"Sign in"</button>
            </form>
        }>
            <CodeStep error />
        </Show>
    }
}

/// The code step: an authenticator code or a recovery code.
#[component]
fn CodeStep(error: RwSignal<Option<String>>) -> impl IntoView {
    let sending = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        let code = SubmittedForm::take(&ev).text("code");
        sending.set(true);
        spawn_local(async move {
            let result = verify_sign_in_code(code).await;
            sending.set(false);
            match result {
                Ok(SignInStep::SignedIn(user)) => go_to(landing_page(&user)),
                Ok(SignInStep::ActionRequired(_)) => go_to("/login"),
                // The sign-in expired or ended (too many wrong codes): start again.
                Ok(SignInStep::CodeRequired) | Err(AppError::Unauthenticated) => go_to("/login"),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let cancel = move |_| {
        sending.set(true);
        spawn_local(async move {
            // Whatever the answer, the sign-in page shows what the session now allows.
            let _ = sign_out().await;
            go_to("/login");
        });
    };
    view! {
        <form method="post" action=VerifySignInCode::url() aria-label="Two-factor code" on:submit=on_submit>
            <p id="code-hint">
                "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
            </p>
            <label for="code">"Code"</label>
            <input
                id="code"
                name="code"
                type="text"
                autocomplete="one-time-code"
                aria-describedby="code-hint"
                required
                autofocus
            />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <button type="submit" disabled=move || sending.get()>"Verify"</button>
        </form>
        <button type="button" class="link" on:click=cancel>
            "Cancel and sign in as someone else"
        </button>
    }
}
