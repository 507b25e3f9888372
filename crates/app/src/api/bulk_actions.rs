#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{AppError, BulkAction, BulkPreview, BulkProgress, BulkRunId, BulkSelection, JsonCall};

/// What a bulk action would do to the selection, recorded for its run.
/// Needs `admin.user` (and admin mode where the single-user action does).
#[server(endpoint = "preview_bulk_action", input = JsonCall, output = JsonCall)]
pub async fn preview_bulk_action(action: BulkAction, selection: BulkSelection) -> Result<BulkPreview, AppError> {
    serve(async |call| call.roster.preview_bulk_action(call.signed_in(), action, &selection).await).await
}

/// Runs the next chunk of one's own previewed bulk action; a Delete needs
/// `confirmation` to be `DELETE`. Needs `admin.user`.
#[server(endpoint = "run_bulk_action", input = JsonCall, output = JsonCall)]
pub async fn run_bulk_action(run: BulkRunId, confirmation: String) -> Result<BulkProgress, AppError> {
    serve(async |call| call.roster.run_bulk_action(call.signed_in(), run, &confirmation, call.ip()).await).await
}

/// Stops one's own bulk action after the chunk under way. Needs `admin.user`.
#[server(endpoint = "cancel_bulk_action", input = JsonCall, output = JsonCall)]
pub async fn cancel_bulk_action(run: BulkRunId) -> Result<BulkProgress, AppError> {
    serve(async |call| call.roster.cancel_bulk_action(call.signed_in(), run, call.ip()).await).await
}
