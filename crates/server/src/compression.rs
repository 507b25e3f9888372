//! Answers travel compressed (brotli or gzip, as the browser accepts), except
//! to requests another site made the browser send.
//!
//! Compressed, the Users panel's page shrinks about twelvefold (82 kB to
//! 7 kB for its first fifty users). But a compressed answer's size tells
//! something about its text: someone who can watch the encrypted traffic
//! and make the browser ask for pages, with words of their choosing that the
//! page echoes (the search in the address), could learn the rest of the page
//! a guess at a time (BREACH). So a request another site's page made the
//! browser send is answered uncompressed, by the same test the cross-site
//! check uses (`Sec-Fetch-Site` other than `same-origin` or `none`, or, from
//! older browsers, an `Origin` that is not Roster's own). Roster's own pages
//! and their requests and addresses typed or bookmarked get compression, as
//! do clients that are no browser and say nothing of where they come from.

use crate::cross_site::is_same_origin;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::ACCEPT_ENCODING;

pub async fn no_compression_for_other_sites(mut request: Request, next: Next) -> Response {
    if !is_same_origin(request.headers()) {
        request.headers_mut().remove(ACCEPT_ENCODING);
    }
    next.run(request).await
}
