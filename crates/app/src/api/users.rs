#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{
    AppError, DeletionPreview, EditableUser, JsonCall, TwoFactorKind, TwoFactorMethod, UserDetails, UserId, UserSearch,
    UsersPage,
};

/// One page of the Users panel for a search (text, roles, facets, sort,
/// cursor), with a count capped for speed. Needs `admin.user`.
#[server(endpoint = "search_users", input = JsonCall, output = JsonCall)]
pub async fn search_users(search: UserSearch) -> Result<UsersPage, AppError> {
    serve(async |call| call.roster.search_users(call.signed_in(), &search).await).await
}

/// The exact number of users a search matches. Needs `admin.user`.
#[server(endpoint = "count_users", input = JsonCall, output = JsonCall)]
pub async fn count_users(search: UserSearch) -> Result<i64, AppError> {
    serve(async |call| call.roster.count_users(call.signed_in(), &search).await).await
}

/// Creates a user from the New User dialog. Needs `admin.user`.
#[server(endpoint = "create_user", input = JsonCall, output = JsonCall)]
pub async fn create_user(details: UserDetails) -> Result<UserId, AppError> {
    serve(async |call| call.roster.create_user(call.signed_in(), &details, call.ip()).await).await
}

/// A user as the Edit User dialog opens them, with their version.
/// Needs `admin.user`.
#[server(endpoint = "editable_user", input = JsonCall, output = JsonCall)]
pub async fn get_editable_user(id: UserId) -> Result<EditableUser, AppError> {
    serve(async |call| call.roster.editable_user(call.signed_in(), id).await).await
}

/// Saves the Edit User dialog; refused as a conflict when the user changed
/// after `version`. Returns the new version. Needs `admin.user`.
#[server(endpoint = "update_user", input = JsonCall, output = JsonCall)]
pub async fn update_user(id: UserId, version: i64, details: UserDetails) -> Result<i64, AppError> {
    serve(async |call| call.roster.update_user(call.signed_in(), id, version, &details, call.ip()).await).await
}

/// Organization names containing `text`, for autocomplete. Needs `admin.user`.
#[server(endpoint = "organization_names", input = JsonCall, output = JsonCall)]
pub async fn organization_names(text: String) -> Result<Vec<String>, AppError> {
    serve(async |call| call.roster.organization_names(call.signed_in(), &text).await).await
}

/// What deleting a user would destroy, and whether it is allowed.
/// Needs `admin.user`.
#[server(endpoint = "preview_user_deletion", input = JsonCall, output = JsonCall)]
pub async fn preview_user_deletion(id: UserId) -> Result<DeletionPreview, AppError> {
    serve(async |call| call.roster.deletion_preview(call.signed_in(), id).await).await
}

/// Deletes a user with their tickets, once `confirmation` is `DELETE`.
/// Returns how many tickets were deleted. Needs `admin.user`.
#[server(endpoint = "delete_user", input = JsonCall, output = JsonCall)]
pub async fn delete_user(id: UserId, confirmation: String) -> Result<i64, AppError> {
    serve(async |call| call.roster.delete_user(call.signed_in(), id, &confirmation, call.ip()).await).await
}

/// ⋮ Actions → Unlock: resets a locked user's failed sign-ins.
/// Needs `admin.user`.
#[server(endpoint = "unlock_user", input = JsonCall, output = JsonCall)]
pub async fn unlock_user(id: UserId) -> Result<(), AppError> {
    serve(async |call| call.roster.unlock_user(call.signed_in(), id, call.ip()).await).await
}

/// A user's second factors, for Manage Two-Factor Authentication.
/// Needs `admin.user`.
#[server(endpoint = "user_two_factor_methods", input = JsonCall, output = JsonCall)]
pub async fn user_two_factor_methods(id: UserId) -> Result<Vec<TwoFactorMethod>, AppError> {
    serve(async |call| call.roster.two_factor_methods_of(call.signed_in(), id).await).await
}

/// Removes a user's method (`kind`), or all of them (`None`); the user's
/// sessions end. Needs `admin.user`.
#[server(endpoint = "remove_user_two_factor", input = JsonCall, output = JsonCall)]
pub async fn remove_user_two_factor(id: UserId, kind: Option<TwoFactorKind>) -> Result<Vec<TwoFactorKind>, AppError> {
    serve(async |call| call.roster.remove_user_two_factor(call.signed_in(), id, kind, call.ip()).await).await
}
