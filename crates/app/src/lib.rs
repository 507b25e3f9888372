//! Roster's web application. The same code renders on the server (`ssr`)
//! and hydrates in the browser (`hydrate`); server functions in `api` run on
//! the server and are called over HTTP from the browser.

pub mod api;
mod app;
mod components;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};
