//! One file per page.

mod audit;
mod home;
mod login;
mod not_found;
mod profile;
mod users;

pub use audit::AuditLogPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use profile::ProfilePage;
pub use users::UsersPage;
