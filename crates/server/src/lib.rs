//! Roster's server: configuration, the HTTP router and the session layer.
//! `main.rs` adds the command line; tests start the same router.

pub mod bench;
pub mod config;
mod error_status;
mod router;
mod session_layer;

pub use router::router;
