//! `GET /api/bulk_action_report?run=N`: the users a bulk action refused,
//! with why, as a CSV file (the result table's **Download** link). A plain
//! link, like Export CSV; the service checks the permission and that the
//! run is the caller's.

use crate::csv_download::{csv_download, error_answer};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use roster_app::ssr::{AppState, RequestSession};
use roster_domain::{AppError, BulkRunId};

/// The path of the report link.
pub const BULK_ACTION_REPORT_PATH: &str = "/api/bulk_action_report";

#[derive(serde::Deserialize)]
pub struct ReportQuery {
    run: i64,
}

pub async fn bulk_action_report(
    State(state): State<AppState>,
    query: Result<Query<ReportQuery>, QueryRejection>,
    request: Request,
) -> Response {
    let session = request.extensions().get::<RequestSession>().cloned().unwrap_or_default();
    let Ok(Query(ReportQuery { run })) = query else {
        return error_answer(AppError::Malformed("say which bulk action: ?run=…".into()), BULK_ACTION_REPORT_PATH);
    };
    let run = BulkRunId(run);
    match state.roster.bulk_action_report(session.signed_in.as_ref(), run).await {
        Ok(stream) => csv_download(stream, &format!("bulk-action-{run}-refused.csv")),
        Err(error) => error_answer(error, BULK_ACTION_REPORT_PATH),
    }
}
