//! Building blocks shared by pages, one file each.

mod app_header;
mod avatar_menu;
mod signed_in_page;
mod user_table;

pub use app_header::AppHeader;
pub use avatar_menu::AvatarMenu;
pub use signed_in_page::SignedInPage;
pub use user_table::UserTable;

use roster_domain::{CurrentUser, Permission};

/// Where a user lands after signing in.
pub fn landing_page(user: &CurrentUser) -> &'static str {
    if user.can(Permission::AdminUser) {
        "/admin/users"
    } else {
        "/"
    }
}

/// Loads `path` as a new page (browser only), so that everything on it is
/// rendered for the session the browser now holds.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}
