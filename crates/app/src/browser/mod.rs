//! # What the browser downloads, and why the code is shaped by it
//!
//! Every page of Roster is drawn on the server. What runs in the browser is
//! one WebAssembly module (`crates/frontend`) that brings the interactive
//! parts, the islands, to life. Its size is a budget: **every page is live
//! after at most 200 kB of WebAssembly (brotli)**, which
//! `end2end/tests/bundle-delivery.spec.ts` holds for every kind of page, and
//! `scripts/bench` prints page by page. A change that adds code to the
//! browser shows there; this module gathers the idioms that keep it small,
//! so that a newcomer finds them in one place and knows why they look the
//! way they do.
//!
//! ## How the bundle is cut
//! - **Islands only.** Only components marked `#[island]` are compiled for
//!   the browser; everything else is HTML from the server. An island that
//!   is not on every page is `#[island(lazy)]`: its code is a piece of its
//!   own, fetched by the pages that have it (Roles, a ticket, a new ticket,
//!   the profile's dialogs, Back to my view during a view as a user).
//! - **Dialogs are pieces.** A page's dialogs are behind one
//!   `#[wasm_split(...)]` function (the Users panel's, the Roles page's, the
//!   profile's): [`lazy_dialog`] draws one when its piece has arrived and
//!   says so on the page when it does not. [`fetch_dialogs_on_approach`]
//!   starts fetching the piece when the pointer or the keyboard reaches a
//!   button that opens one, so the dialog opens at once on the click.
//! - **What the Users panel does beyond listing is a piece too.** Its
//!   selection bar (with the table's checkboxes and bulk actions) comes with
//!   the dialogs' piece, fetched as the pointer or the focus enters the
//!   page's content; the bar adds the checkboxes to the table itself.
//! - **A piece is not free for the main module.** Every browser call a
//!   piece makes is an import of the main module, and every function of a
//!   piece called through a pointer (closures, views) an entry of its
//!   table; each split point also cuts the pieces other pages share into
//!   more files. Prefer calls the main module makes already, one handler
//!   for many buttons, and existing split points (BENCHMARKS.md, "Bulk
//!   actions and the budget").
//! - The pieces are cut by wasm-split in the release build (`crates/build`),
//!   which also trims code Leptos links but Roster never runs (its
//!   `trim.rs`), and `crates/frontend` leaves wasm-split room to lay out
//!   data (`SPLIT_DATA_SLACK`).
//!
//! ## Less code per island
//! - [`Loaded`] instead of Leptos's resources: a signal filled by a request,
//!   without suspense or serialised resource state on the page.
//! - [`PagePart`]: after a save, an island fetches the page it is on and puts
//!   the server's fresh copy of one element in place, instead of drawing
//!   that element itself (a ticket's record, the profile's two-factor
//!   methods).
//! - [`is_live`]: forms come to life on a microtask after hydration rather
//!   than through an effect. `SubmittedForm` (components) reads a form's
//!   fields when it is sent instead of tracking each input in a signal.
//! - Fixed English labels are lower-cased with `to_ascii_lowercase`:
//!   `to_lowercase` brings Unicode's case tables into the module (about 5 kB brotli).
//!
//! Each of these was measured against the plainer way; the figures are in
//! BENCHMARKS.md. Before replacing one, build (`scripts/build`) and run the
//! budget test.

mod lazy_pieces;
mod live;
mod loaded;
mod page_part;

pub use lazy_pieces::{fetch_dialogs_on_approach, lazy_dialog};
pub use live::is_live;
pub use loaded::Loaded;
pub use page_part::PagePart;
