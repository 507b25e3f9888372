//! Building blocks shared by pages, one file each.

mod actions_menu;
mod authenticator_setup;
mod app_header;
mod avatar_menu;
mod bulk_action_dialog;
mod change_password_dialog;
mod delete_role_dialog;
mod delete_user_dialog;
mod dialog;
mod form_fields;
mod identity_check;
mod impersonation_banner;
mod impersonation_dialog;
mod keyboard_shortcuts;
mod merge_user_dialog;
mod profile_dialogs;
mod required_step;
mod role_dialog;
mod role_two_factor_dialog;
mod session_list;
mod signed_in_page;
mod two_factor_dialog;
mod user_dialog;
mod user_table;

pub use actions_menu::{entry_busy, ActionsMenu, MenuEntry};
pub use authenticator_setup::{authenticator_steps, passwords_differ, recovery_code_list, NewPasswordFields};
pub use app_header::AppHeader;
pub use avatar_menu::AvatarMenu;
pub use bulk_action_dialog::BulkActionDialog;
pub use change_password_dialog::ChangePasswordDialog;
pub use delete_role_dialog::DeleteRoleDialog;
pub use delete_user_dialog::DeleteUserDialog;
pub use dialog::{focus_after_redraw, focus_first, Dialog};
pub use identity_check::{ConfirmThenRetry, IdentityCheck, IdentityCheckFields};
pub use impersonation_banner::impersonation_banner;
pub use impersonation_dialog::ImpersonationDialog;
pub use merge_user_dialog::MergeUserDialog;
pub use keyboard_shortcuts::{listen_for_panel_shortcuts, PanelShortcuts, ShortcutsDialog};
pub use profile_dialogs::{ChangePasswordButton, ProfileDialogs, TwoFactorMethods};
pub use required_step::RequiredStep;
pub use role_dialog::RoleDialog;
pub use role_two_factor_dialog::RoleTwoFactorDialog;
pub use session_list::{session_table, UserSessions};
pub use form_fields::{error_sent_back, form_failure, InputField, SubmittedForm, TypeToConfirm, TypedConfirmation};
pub use signed_in_page::{PageContent, SignedInPage};
pub use two_factor_dialog::TwoFactorDialog;
pub use user_dialog::{UserDialog, UserDialogMode};
pub use user_table::{user_row, user_row_selector, UserRowActions, UserTable};

use roster_domain::{CurrentUser, Permission};

/// Where a user lands after signing in: their profile when they have just
/// spent their last recovery code, to make new ones.
pub fn landing_page(user: &CurrentUser) -> &'static str {
    if user.out_of_recovery_codes {
        "/profile"
    } else if user.can(Permission::AdminUser) {
        "/admin/users"
    } else {
        "/"
    }
}

/// What a user's ticket list is called: agents see every ticket,
/// customers their own.
pub fn tickets_heading(user: &CurrentUser) -> &'static str {
    if user.can(Permission::TicketRead) { "Tickets" } else { "My tickets" }
}

/// Loads `path` as a new page (browser only), so that everything on it is
/// rendered for the session the browser now holds.
pub fn go_to(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}
