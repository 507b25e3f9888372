use crate::components::{ChangePasswordForm, SignedInPage, TwoFactorSettings};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/profile`: **Password & Authentication** for whoever is signed in.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Profile" />
        <SignedInPage permission=None content=|user| {
            view! {
                <h1>"Profile"</h1>
                <p class="status">{format!("Signed in as {} ({})", user.display_name, user.login)}</p>
                <section class="profile" aria-labelledby="password-auth-heading">
                    <h2 id="password-auth-heading">"Password & Authentication"</h2>
                    <ChangePasswordForm />
                    <TwoFactorSettings />
                </section>
            }
            .into_any()
        } />
    }
}
