//! One file per page.

mod audit;
mod bulk_actions;
mod home;
mod login;
mod new_ticket;
mod not_found;
mod profile;
mod roles;
mod ticket;
mod tickets;
mod user_import;
mod users;

pub use audit::AuditLogPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use new_ticket::NewTicketPage;
pub use not_found::NotFoundPage;
pub use profile::{ProfilePage, END_MY_SESSION_PATH};
pub use roles::RolesPage;
pub use ticket::TicketPage;
pub use tickets::TicketsPage;
pub use user_import::{ImportRunPage, ImportUsersPage};
pub use users::UsersPage;
