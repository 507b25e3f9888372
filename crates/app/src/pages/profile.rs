use crate::api::my_two_factor_methods;
use crate::components::{ChangePasswordButton, PageContent, ProfileDialogs, SignedInPage, TwoFactorMethods};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/profile`: **Password & Authentication** for whoever is signed in.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Profile" />
        <SignedInPage permission=None content=|user| {
            // The two-factor methods come with the page (see `PageContent::after`).
            PageContent::after(my_two_factor_methods(), move |methods| view! {
                <h1>"Profile"</h1>
                <p class="status">{format!("Signed in as {} ({})", user.display_name, user.login)}</p>
                // Its notice and dialogs stay out of the section's grid, where
                // even an empty notice took a row.
                <ProfileDialogs />
                <section class="profile" aria-labelledby="password-auth-heading">
                    <h2 id="password-auth-heading">"Password & Authentication"</h2>
                    <div class="method" aria-labelledby="password-heading">
                        <h3 id="password-heading">"Password"</h3>
                        <p>"Changing it signs you out everywhere else."</p>
                        <ChangePasswordButton />
                    </div>
                    <section class="two-factor" aria-labelledby="two-factor-heading">
                        <h3 id="two-factor-heading">"Two-factor authentication"</h3>
                        <TwoFactorMethods methods />
                    </section>
                </section>
            })
        } />
    }
}
