use crate::components::{landing_page, tickets_heading, PageContent, SignedInPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use roster_domain::{role_names, CurrentUser, Permission};

/// The start page: admins go on to the Users panel, everyone else sees
/// their own account.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Start" />
        <SignedInPage permission=None content=|user| {
            if user.can(Permission::AdminUser) {
                PageContent::now(view! { <Redirect path=landing_page(&user) /> })
            } else {
                PageContent::now(view! { <AccountSummary user /> })
            }
        } />
    }
}

#[component]
fn AccountSummary(user: CurrentUser) -> impl IntoView {
    let roles = role_names(&user.roles);
    view! {
        <h1>"Welcome, " {user.display_name.clone()}</h1>
        <dl class="account-summary">
            <dt>"Login"</dt>
            <dd>{user.login.clone()}</dd>
            <dt>"Roles"</dt>
            <dd>{roles}</dd>
        </dl>
        {(user.can(Permission::TicketRead) || user.can(Permission::TicketCustomer))
            .then(|| view! { <p><a href="/tickets">{tickets_heading(&user)} " →"</a></p> })}
    }
}
