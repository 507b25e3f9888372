#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, Role, RoleDefinition, RoleDraft, RoleId};

/// Every role, for the Roles filter and the user dialog. Needs `admin.user`.
#[server(endpoint = "list_roles", input = JsonCall, output = JsonCall)]
pub async fn list_roles() -> Result<Vec<Role>, AppError> {
    serve(async |call| call.roster.roles(call.signed_in()).await).await
}

/// Every role with its permissions and holders, for `/admin/roles`.
/// Needs `admin.user`.
#[server(endpoint = "role_definitions", input = JsonCall, output = JsonCall)]
pub async fn role_definitions() -> Result<Vec<RoleDefinition>, AppError> {
    serve(async |call| call.roster.role_definitions(call.signed_in()).await).await
}

/// Creates a role (`id` none) or saves one edited from `version`.
/// Needs `admin.user`.
#[server(endpoint = "save_role", input = JsonCall, output = JsonCall)]
pub async fn save_role(id: Option<RoleId>, version: i64, draft: RoleDraft) -> Result<(), AppError> {
    serve(async |call| match id {
        None => call.roster.create_role(call.signed_in(), &draft, call.ip()).await.map(|_| ()),
        Some(id) => call.roster.update_role(call.signed_in(), id, version, &draft, call.ip()).await.map(|_| ()),
    })
    .await
}

/// Deletes a role nobody holds. Needs `admin.user`.
#[server(endpoint = "delete_role", input = JsonCall, output = JsonCall)]
pub async fn delete_role(id: RoleId) -> Result<(), AppError> {
    serve(async |call| call.roster.delete_role(call.signed_in(), id, call.ip()).await).await
}

/// Roles → Require two-factor, for a role as it was at `version`. The
/// answer is how many of its holders have no second factor yet.
/// Needs `admin.user` and admin mode.
#[server(endpoint = "set_role_two_factor", input = JsonCall, output = JsonCall)]
pub async fn set_role_two_factor(id: RoleId, version: i64, required: bool) -> Result<i64, AppError> {
    serve(async |call| call.roster.set_role_two_factor(call.signed_in(), id, version, required, call.ip()).await).await
}
