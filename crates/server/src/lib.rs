//! Roster's server: configuration, the HTTP router and the session layer.
//! `main.rs` adds the command line; tests start the same router.

pub mod config;
mod router;
mod session_layer;

pub use router::router;
