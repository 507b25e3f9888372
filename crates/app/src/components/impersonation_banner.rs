use super::{error_sent_back, go_to};
use crate::api::{end_impersonation, EndImpersonation};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::task::spawn_local;
use roster_domain::CurrentUser;

/// The banner, when `user` is an admin's view of Roster as them: every page
/// a signed-in browser can reach shows it (the 404 page too).
pub fn impersonation_banner(user: &CurrentUser) -> Option<impl IntoView + use<>> {
    let user = user.clone();
    user.impersonator.clone().map(|admin| view! { <ImpersonationBanner user admin /> })
}

/// On every page while an admin views Roster as `user`: whose view this is,
/// and **Back to my view ✕**, which returns the admin to the Users panel.
#[component]
pub fn ImpersonationBanner(user: CurrentUser, admin: String) -> impl IntoView {
    let sent_back = error_sent_back::<EndImpersonation>();
    view! {
        <div class="impersonation-banner" role="region" aria-label="Viewing as another user">
            <p>
                "You are viewing Roster as " <strong>{format!("{} ({})", user.display_name, user.login)}</strong>
                ". Everything you do here is done as them, and recorded as done by " {admin} "."
            </p>
            <BackToMyView error=sent_back />
        </div>
    }
}

/// The banner's one interactive part; `error`: what it came back with when
/// sent without JavaScript.
// Lazy: only a view as a user shows it, so the module every page loads
// leaves it out, and a view fetches it as a piece (its form posts without
// JavaScript meanwhile).
#[island(lazy)]
fn BackToMyView(error: Option<String>) -> impl IntoView {
    let sending = RwSignal::new(false);
    let error = RwSignal::new(error);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        sending.set(true);
        spawn_local(async move {
            let result = end_impersonation().await;
            sending.set(false);
            match result {
                Ok(_) => go_to("/admin/users"),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        // Without JavaScript the form posts to the same endpoint.
        <form method="post" action=EndImpersonation::url() on:submit=on_submit>
            <button type="submit" disabled=move || sending.get()>"Back to my view ✕"</button>
        </form>
        <p class="form-error" role="alert">{move || error.get()}</p>
    }
}
