use crate::api::{get_awaiting_code, SignIn, SignOut, VerifySignInCode};
use crate::app::CurrentUserResource;
use crate::components::{go_to, landing_page};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use roster_domain::{AppError, SignInStep};

/// `/login`: the password step, then — for users with a second factor —
/// the code step. A reload during the code step shows the code step again.
#[component]
pub fn LoginPage() -> impl IntoView {
    let current_user = expect_context::<CurrentUserResource>().0;
    let awaiting_code = Resource::new(|| (), |_| get_awaiting_code());

    view! {
        <Title text="Sign in" />
        <main class="centered sign-in">
            <h1>"Sign in to Roster"</h1>
            // One suspense over both answers: who is signed in, and whether a
            // sign-in waits for its code.
            <Suspense>
                {move || Suspend::new(async move {
                    let (user, pending) = (current_user.await, awaiting_code.await);
                    if let Some(user) = user.ok().flatten() {
                        return Either::Left(view! { <Redirect path=landing_page(&user) /> });
                    }
                    Either::Right(view! { <SignInSteps awaiting_code=pending.unwrap_or(false) /> })
                })}
            </Suspense>
        </main>
    }
}

/// The password form, or the code form once a sign-in waits for its code
/// (`awaiting_code` when the page loaded, or after the password step here).
#[island]
fn SignInSteps(awaiting_code: bool) -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let code_step = RwSignal::new(awaiting_code);

    // A full page load after signing in, so every part of the page sees the new session.
    Effect::new(move |_| match sign_in.value().get() {
        Some(Ok(SignInStep::SignedIn(user))) => go_to(landing_page(&user)),
        Some(Ok(SignInStep::CodeRequired)) => code_step.set(true),
        _ => {}
    });
    let error = move || sign_in.value().get().and_then(Result::err).map(|e| e.to_string());

    view! {
        <Show when=move || code_step.get() fallback=move || view! {
            <ActionForm action=sign_in attr:aria-label="Sign in">
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
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" disabled=move || sign_in.pending().get()>"Sign in"</button>
            </ActionForm>
        }>
            <CodeStep />
        </Show>
    }
}

/// The code step: an authenticator code or a recovery code.
#[component]
fn CodeStep() -> impl IntoView {
    let verify = ServerAction::<VerifySignInCode>::new();
    let cancel = ServerAction::<SignOut>::new();
    Effect::new(move |_| match verify.value().get() {
        Some(Ok(SignInStep::SignedIn(user))) => go_to(landing_page(&user)),
        // The sign-in expired or ended (too many wrong codes): start again.
        Some(Err(AppError::Unauthenticated)) => go_to("/login"),
        _ => {}
    });
    Effect::new(move |_| {
        if cancel.value().get().is_some() {
            go_to("/login");
        }
    });
    let error = move || verify.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <ActionForm action=verify attr:aria-label="Two-factor code">
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
            <p class="form-error" role="alert">{error}</p>
            <button type="submit" disabled=move || verify.pending().get()>"Verify"</button>
        </ActionForm>
        <button type="button" class="link" on:click=move |_| { cancel.dispatch(SignOut {}); }>
            "Cancel and sign in as someone else"
        </button>
    }
}
