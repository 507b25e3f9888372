use super::AvatarMenu;
use leptos::prelude::*;
use roster_domain::{CurrentUser, Permission};

/// The bar at the top of every signed-in page.
#[component]
pub fn AppHeader(user: CurrentUser) -> impl IntoView {
    let admin = user.can(Permission::AdminUser);
    let tickets = user.can(Permission::TicketRead) || user.can(Permission::TicketCustomer);
    view! {
        <header class="app-header">
            <a class="brand" href="/">"Roster"</a>
            <nav aria-label="Main">
                {tickets.then(|| view! { <a href="/tickets">{super::tickets_heading(&user)}</a> })}
                {admin
                    .then(|| {
                        view! {
                            <a href="/admin/users">"Users"</a>
                            <a href="/admin/roles">"Roles"</a>
                            <a href="/admin/audit">"Audit log"</a>
                        }
                    })}
            </nav>
            <AvatarMenu display_name=user.display_name.clone() login=user.login.clone() initials=user.initials() />
        </header>
    }
}
