use super::AvatarMenu;
use leptos::prelude::*;
use roster_domain::{CurrentUser, Permission};

/// The bar at the top of every signed-in page.
#[component]
pub fn AppHeader(user: CurrentUser) -> impl IntoView {
    let admin = user.can(Permission::AdminUser);
    view! {
        <header class="app-header">
            <a class="brand" href="/">"Roster"</a>
            <nav aria-label="Main">
                {admin
                    .then(|| {
                        view! {
                            <a href="/admin/users">"Users"</a>
                            <a href="/admin/audit">"Audit log"</a>
                        }
                    })}
            </nav>
            <AvatarMenu user />
        </header>
    }
}
