//! Answers travel compressed (brotli or gzip, as the browser accepts), except
//! to requests another site made the browser send.
//!
//! Compressed, the Users panel's page shrinks about twelvefold (82 kB to
//! 7 kB for its first fifty users). But a compressed answer's size tells
//! something about its text: someone who can watch the encrypted traffic
//! and make the browser ask for pages, with words of their choosing that the
//! page echoes (the search in the address), could learn the rest of the page
//! a guess at a time (BREACH). So a request another site's page made the
//! browser send (`Sec-Fetch-Site: cross-site` or `same-site`) is answered
//! uncompressed. Roster's own pages and their requests (`same-origin`) and
//! addresses typed or bookmarked (`none`) get compression, as do clients that
//! are no browser and say nothing of where they come from.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::header::ACCEPT_ENCODING;

pub async fn no_compression_for_other_sites(mut request: Request, next: Next) -> Response {
    let other_site = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|site| site != "same-origin" && site != "none");
    if other_site {
        request.headers_mut().remove(ACCEPT_ENCODING);
    }
    next.run(request).await
}
