#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{AppError, JsonCall, MergeMoves, MergePreview, UserId};

/// What merging `duplicate` into `keep` would move and lose, and whether
/// it is allowed. Needs `admin.user`.
#[server(endpoint = "preview_user_merge", input = JsonCall, output = JsonCall)]
pub async fn preview_user_merge(duplicate: UserId, keep: UserId) -> Result<MergePreview, AppError> {
    serve(async |call| call.roster.merge_preview(call.signed_in(), duplicate, keep).await).await
}

/// ⋮ Actions → Merge into…: moves everything of `duplicate` to `keep` and
/// deletes `duplicate`, once `confirmation` is `MERGE`. Returns what moved.
/// Needs `admin.user` and admin mode.
#[server(endpoint = "merge_users", input = JsonCall, output = JsonCall)]
pub async fn merge_users(duplicate: UserId, keep: UserId, confirmation: String) -> Result<MergeMoves, AppError> {
    serve(async |call| call.roster.merge_users(call.signed_in(), duplicate, keep, &confirmation, call.ip()).await).await
}
