#[cfg(feature = "ssr")]
use crate::ssr::{serve, session_cookie, set_cookie};
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, CurrentUser, UserId};

/// ⋮ Actions → View from user's perspective: this browser becomes the
/// user's session (a POST, like every server function), for the `reason`
/// the admin gives (audited). Needs `admin.user`.
#[server(endpoint = "start_impersonation", input = JsonCall, output = JsonCall)]
pub async fn start_impersonation(id: UserId, reason: String) -> Result<CurrentUser, AppError> {
    serve(async |call| {
        let (token, user) = call.roster.start_impersonation(call.signed_in(), id, &reason, call.ip()).await?;
        set_cookie(session_cookie(&token, &call.roster));
        Ok(user)
    })
    .await
}

/// **Back to my view ✕**: the admin's own session again.
#[server(endpoint = "end_impersonation", output = JsonCall)]
pub async fn end_impersonation() -> Result<CurrentUser, AppError> {
    serve(async |call| {
        let (token, admin) = call.roster.end_impersonation(call.signed_in(), call.ip()).await?;
        set_cookie(session_cookie(&token, &call.roster));
        Ok(admin)
    })
    .await
}
