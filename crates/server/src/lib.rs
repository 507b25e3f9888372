//! Roster's server: configuration, the HTTP router and the session layer.
//! `main.rs` adds the command line; tests and `roster-bench` start the same router.

pub mod config;
mod bulk_action_report;
mod client_address;
mod compression;
mod cross_site;
mod csv_download;
mod error_status;
mod my_sessions;
mod router;
mod session_layer;
mod throttle;
mod user_export;
mod user_import;

pub use router::router;
