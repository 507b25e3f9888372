//! Roster's web application. Pages render on the server (`ssr`); only the
//! interactive parts, marked `#[island]`, are compiled for the browser and
//! hydrate there (`hydrate`). Server functions in `api` run on the server
//! and are called over HTTP from the islands.

pub mod api;
mod app;
mod browser;
mod components;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};
pub use pages::END_MY_SESSION_PATH;
