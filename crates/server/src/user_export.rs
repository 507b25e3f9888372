//! `GET /api/export_users`: **Export CSV**, every user of a view, as a
//! CSV file streamed as it is read. The view is given either
//! - in the query, with the fields the Users panel's address holds (`q`,
//!   `roles`, `only`, `sort`): for scripts and links made by hand; or
//! - as `from=panel`, which is what the panel's link says: the view is then
//!   that of the panel's address the link was followed from (its
//!   `Referer`, which Roster's `Referrer-Policy: same-origin` has browsers
//!   send whole within the site). The panel keeps its address in step with
//!   the view, so the link needs no code in the browser and is never stale.
//!   Without that address the export is refused, never widened to everyone.
//!
//! Not a server function: those answer in their own encodings, and a file
//! download is a plain link. It is held to the same rules: the service
//! checks the permission; the cross-site check refuses it from another
//! site's page, as every `/api/` request; and an error is answered as a
//! server function's is (`error_status` gives it its status, and audits a
//! refusal).

use crate::csv_download::csv_download;
use axum::extract::{Request, State};
use axum::response::Response;
use roster_app::ssr::{AppState, RequestSession};
use roster_domain::{AppError, UserSearch};

/// The path of the export link.
pub const EXPORT_USERS_PATH: &str = "/api/export_users";

pub async fn export_users(State(state): State<AppState>, request: Request) -> Response {
    let session = request.extensions().get::<RequestSession>().cloned().unwrap_or_default();
    let query = request.uri().query().unwrap_or_default();
    let search = if query == FROM_PANEL {
        match panel_view(request.headers()) {
            Some(search) => search,
            None => return error_answer(AppError::Malformed(NO_PANEL_ADDRESS.to_owned())),
        }
    } else {
        UserSearch::from_query_string(query)
    };
    let roster = &state.roster;
    let stream = match roster.export_users(session.signed_in.as_ref(), &search, session.ip.as_deref()).await {
        Ok(stream) => stream,
        Err(error) => return error_answer(error),
    };
    let today = roster.now().to_string();
    let date = today.get(..10).unwrap_or("export");
    csv_download(stream, &format!("users-{date}.csv"))
}

/// The query of the panel's own link.
const FROM_PANEL: &str = "from=panel";
/// Panel addresses end here; the rest is the view.
const PANEL_PATH: &str = "/admin/users";
const NO_PANEL_ADDRESS: &str = "your browser did not say which view of the Users panel to export \
     (it sent no Referer). Allow it for this site, or export with the view in the address: \
     /api/export_users?q=…&roles=…&sort=…";

/// The view of the Users panel address the request came from, if it came
/// from one.
fn panel_view(headers: &http::HeaderMap) -> Option<UserSearch> {
    let referer = headers.get(http::header::REFERER)?.to_str().ok()?;
    // Same site (the cross-site check let the request through): only the path and query matter.
    let after_host = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path_and_query = &after_host[after_host.find('/')?..];
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    (path == PANEL_PATH).then(|| UserSearch::from_query_string(query.split('#').next().unwrap_or_default()))
}

fn error_answer(error: AppError) -> Response {
    crate::csv_download::error_answer(error, EXPORT_USERS_PATH)
}
