#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{AppError, ImportReport, ImportRunId, JsonCall};

/// An import's page: the test run's report, or the import's progress or
/// result. Needs `admin.user`; the caller's imports only. (The forms of
/// the page post to plain routes: see `crates/server/src/user_import.rs`.)
#[server(endpoint = "get_import_report", input = JsonCall, output = JsonCall)]
pub async fn get_import_report(run: ImportRunId) -> Result<ImportReport, AppError> {
    serve(async |call| call.roster.import_report(call.signed_in(), run).await).await
}
