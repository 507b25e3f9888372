//! Refuses state-changing requests that another site's page makes the
//! browser send (cross-site request forgery). Browsers say where a request
//! comes from in `Sec-Fetch-Site`, older ones in `Origin`; requests with
//! neither come from no browser page (scripts, curl) and carry no
//! ambient credentials a victim's browser would add.

use crate::client_address::ClientAddress;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HOST, ORIGIN};
use http::{HeaderMap, Method, StatusCode};
use roster_domain::AppError;
use roster_service::Roster;

pub async fn refuse_cross_site(State(roster): State<Roster>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || is_same_origin(request.headers()) {
        return next.run(request).await;
    }
    let ip = request.extensions().get::<ClientAddress>().map(|c| c.0.to_string());
    tracing::warn!(path = request.uri().path(), ip, "cross-site request refused");
    if roster.record_cross_site_refusal(ip.as_deref(), request.uri().path()).await.is_err() {
        tracing::error!("could not audit a refused cross-site request");
    }
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
}
