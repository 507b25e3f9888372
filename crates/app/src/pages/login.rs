use crate::api::SignIn;
use crate::app::CurrentUserResource;
use crate::components::{go_to, landing_page};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let current_user = expect_context::<CurrentUserResource>().0;

    // A full page load after signing in, so every part of the page sees the new session.
    Effect::new(move |_| {
        if let Some(Ok(user)) = sign_in.value().get() {
            go_to(landing_page(&user));
        }
    });
    let error = move || sign_in.value().get().and_then(Result::err).map(|e| e.to_string());

    view! {
        <Title text="Sign in" />
        <Suspense>
            {move || Suspend::new(async move {
                current_user.await.ok().flatten().map(|user| view! { <Redirect path=landing_page(&user) /> })
            })}
        </Suspense>
        <main class="centered sign-in">
            <h1>"Sign in to Roster"</h1>
            <ActionForm action=sign_in attr:aria-label="Sign in">
                <label for="login">"Login or email"</label>
                <input id="login" name="login" type="text" autocomplete="username" required autofocus />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" disabled=move || sign_in.pending().get()>"Sign in"</button>
            </ActionForm>
        </main>
    }
}
