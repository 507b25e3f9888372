use super::go_to;
use crate::api::EndImpersonation;
use leptos::prelude::*;
use roster_domain::CurrentUser;

/// On every page while an admin views Roster as `user`: whose view this is,
/// and **Back to my view ✕**, which returns the admin to the Users panel.
#[component]
pub fn ImpersonationBanner(user: CurrentUser, admin: String) -> impl IntoView {
    view! {
        <div class="impersonation-banner" role="region" aria-label="Viewing as another user">
            <p>
                "You are viewing Roster as " <strong>{format!("{} ({})", user.display_name, user.login)}</strong>
                ". Everything you do here is done as them, and recorded as done by " {admin} "."
            </p>
            <BackToMyView />
        </div>
    }
}

/// The banner's one interactive part.
#[island]
fn BackToMyView() -> impl IntoView {
    let back = ServerAction::<EndImpersonation>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = back.value().get() {
            go_to("/admin/users");
        }
    });
    let error = move || back.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <ActionForm action=back>
            <button type="submit" disabled=move || back.pending().get()>"Back to my view ✕"</button>
        </ActionForm>
        <p class="form-error" role="alert">{error}</p>
    }
}
