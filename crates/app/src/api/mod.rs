//! Server functions, one file per resource. Each is a public HTTP endpoint:
//! it finds the caller's session and checks the permission itself. Each body
//! hands its service call to `ssr::serve`, which brings the session.

mod account;
mod audit;
mod bulk_actions;
mod impersonation;
mod required_actions;
mod roles;
mod session;
mod tickets;
mod user_import;
mod user_merge;
mod user_sessions;
mod users;

pub use account::*;
pub use audit::*;
pub use bulk_actions::*;
pub use impersonation::*;
pub use required_actions::*;
pub use roles::*;
pub use session::*;
pub use tickets::*;
pub use user_import::*;
pub use user_merge::*;
pub use user_sessions::*;
pub use users::*;
