//! Refuses state-changing requests that another site's page makes the
//! browser send (cross-site request forgery). Browsers say where a request
//! comes from in `Sec-Fetch-Site`, older ones in `Origin`; requests with
//! neither come from no browser page (scripts, curl) and carry no
//! ambient credentials a victim's browser would add.
//!
//! Refusals are audited once per address and minute, with their count: a
//! page that fires thousands of forged requests must not bury the audit log.
//! The counts are kept here until their minute is over, for at most
//! [`TALLIED_ADDRESSES`] addresses; beyond that a refusal gets its own row.

use crate::client_address::ClientAddress;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::{HeaderMap, Method, StatusCode};
use roster_domain::{AppError, Timestamp};
use roster_service::Roster;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Addresses whose refusals are counted in memory at once.
const TALLIED_ADDRESSES: usize = 10_000;

/// The refusals of one address in one minute.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tally {
    minute: i64,
    first: Timestamp,
    path: String,
    refused: u64,
}

/// The open tallies, by address.
#[derive(Debug, Default)]
struct Book {
    open: HashMap<Option<IpAddr>, Tally>,
    /// The minute before which no tally is open.
    closed_before: i64,
}

type Due = Vec<(Option<IpAddr>, Tally)>;

impl Book {
    /// Counts a refusal; returns the tallies to write now: those of minutes
    /// that are over, and this refusal alone when the book is full.
    fn count(&mut self, ip: Option<IpAddr>, path: &str, at: Timestamp) -> Due {
        let minute = at.0.div_euclid(60);
        let mut due = self.close_before(minute);
        let fresh = Tally { minute, first: at, path: path.to_owned(), refused: 1 };
        let full = self.open.len() >= TALLIED_ADDRESSES;
        match self.open.get_mut(&ip) {
            Some(tally) if tally.minute == minute => tally.refused += 1,
            Some(tally) => due.push((ip, std::mem::replace(tally, fresh))),
            None if full => due.push((ip, fresh)),
            None => {
                tracing::warn!(path, ip = ?ip, "cross-site requests refused");
                self.open.insert(ip, fresh);
            }
        }
        due
    }

    /// Takes out the tallies of minutes before `minute`.
    fn close_before(&mut self, minute: i64) -> Due {
        if minute <= self.closed_before {
            return Vec::new();
        }
        self.closed_before = minute;
        self.open.extract_if(|_, t| t.minute < minute).collect()
    }
}

struct Refusals {
    roster: Roster,
    book: Mutex<Book>,
}

impl Refusals {
    async fn write(&self, due: Due) {
        for (ip, tally) in due {
            let ip = ip.map(|ip| ip.to_string());
            let written = self.roster.record_cross_site_refusals(ip.as_deref(), &tally.path, tally.refused, tally.first);
            if written.await.is_err() {
                tracing::error!(ip, refused = tally.refused, "could not audit refused cross-site requests");
            }
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The cross-site check's state: the refusals counted and not yet audited.
#[derive(Clone)]
pub struct CrossSiteRefusals(Arc<Refusals>);

impl CrossSiteRefusals {
    /// Also starts the task that audits each minute's tallies when it is
    /// over, even if no further refusal comes; it ends with the router.
    pub fn new(roster: Roster) -> Self {
        let refusals = Arc::new(Refusals { roster, book: Mutex::default() });
        tokio::spawn(close_minutes(Arc::downgrade(&refusals)));
        CrossSiteRefusals(refusals)
    }
}

async fn close_minutes(refusals: Weak<Refusals>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(15));
    loop {
        ticks.tick().await;
        let Some(refusals) = refusals.upgrade() else { return };
        let due = refusals.book().close_before(refusals.roster.now().0.div_euclid(60));
        refusals.write(due).await;
    }
}

pub async fn refuse_cross_site(State(refusals): State<CrossSiteRefusals>, request: Request, next: Next) -> Response {
    // A read is safe to let through; not one of `/api/`, where a GET is a
    // file export (audited, and a million users' worth of work).
    let read = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let safe = read && !request.uri().path().starts_with("/api/");
    if safe || is_same_origin(request.headers()) {
        return next.run(request).await;
    }
    let ip = request.extensions().get::<ClientAddress>().map(|c| c.0);
    let refusals = &refusals.0;
    let due = refusals.book().count(ip, request.uri().path(), refusals.roster.now());
    refusals.write(due).await;
    let body = serde_json::to_string(&AppError::Forbidden).unwrap_or_default();
    (StatusCode::FORBIDDEN, [(http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(crate) fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none": the user typed the address or used a bookmark.
        return site == "same-origin" || site == "none";
    }
    let Some(origin) = headers.get(ORIGIN) else { return true };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, host)| host);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn browsers_say_where_a_request_comes_from() {
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_origin(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://a.test")])));
        assert!(!is_same_origin(&headers(&[("sec-fetch-site", "same-site")])));
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_match_the_host() {
        assert!(is_same_origin(&headers(&[("origin", "http://roster.test:3417"), ("host", "roster.test:3417")])));
        assert!(!is_same_origin(&headers(&[("origin", "https://evil.test"), ("host", "roster.test")])));
        assert!(!is_same_origin(&headers(&[("origin", "null"), ("host", "roster.test")])));
        assert!(is_same_origin(&headers(&[("host", "roster.test")])), "no browser page sent it");
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn refusals_are_counted_per_address_and_minute_and_handed_over_when_it_is_over() {
        let mut book = Book::default();
        let minute = 29_000_000;
        for second in 0..60 {
            assert!(book.count(ip("203.0.113.7"), "/api/sign_out", Timestamp(minute * 60 + second)).is_empty());
        }
        assert!(book.count(ip("203.0.113.8"), "/api/x", Timestamp(minute * 60 + 59)).is_empty());
        let mut due = book.count(ip("203.0.113.8"), "/api/y", Timestamp(minute * 60 + 60));
        due.sort_by_key(|(ip, _)| *ip);
        let first = Timestamp(minute * 60);
        assert_eq!(
            due,
            [
                (ip("203.0.113.7"), Tally { minute, first, path: "/api/sign_out".into(), refused: 60 }),
                (ip("203.0.113.8"), Tally { minute, first: Timestamp(first.0 + 59), path: "/api/x".into(), refused: 1 }),
            ]
        );
        assert_eq!(book.open.len(), 1, "the new minute's refusal is counted");
        assert_eq!(book.close_before(minute + 2).len(), 1);
    }

    #[test]
    fn a_full_book_hands_over_new_addresses_at_once() {
        let mut book = Book::default();
        let now = Timestamp(1_000_000 * 60);
        for n in 0..TALLIED_ADDRESSES as u32 {
            assert!(book.count(Some(IpAddr::from(n.to_be_bytes())), "/", now).is_empty());
        }
        assert_eq!(book.count(ip("203.0.113.7"), "/", now).len(), 1, "counted, not dropped");
        assert_eq!(book.open.len(), TALLIED_ADDRESSES, "memory stays bounded");
        assert!(book.count(ip("0.0.0.1"), "/", now).is_empty(), "an address tallied already goes on counting");
    }
}
