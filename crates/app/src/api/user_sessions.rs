#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{AppError, JsonCall, SessionId, UserId, UserSession};

/// Edit User → Sessions: a user's open sessions, the most recently seen
/// first. Needs `admin.user`.
#[server(endpoint = "user_sessions", input = JsonCall, output = JsonCall)]
pub async fn user_sessions(id: UserId) -> Result<Vec<UserSession>, AppError> {
    serve(async |call| call.roster.user_sessions(call.signed_in(), id).await).await
}

/// Signs out one of a user's sessions (a view of Roster as them ends as a
/// view). Needs `admin.user`.
#[server(endpoint = "end_user_session", input = JsonCall, output = JsonCall)]
pub async fn end_user_session(id: UserId, session: SessionId) -> Result<(), AppError> {
    serve(async |call| call.roster.end_user_session(call.signed_in(), id, &session, call.ip()).await).await
}

/// Signs a user out everywhere; returns how many sessions ended. Needs
/// `admin.user`, and not for yourself (Profile → Sessions is for that).
#[server(endpoint = "end_user_sessions", input = JsonCall, output = JsonCall)]
pub async fn end_user_sessions(id: UserId) -> Result<u64, AppError> {
    serve(async |call| call.roster.end_user_sessions(call.signed_in(), id, call.ip()).await).await
}

/// Profile → Sessions: your own open sessions. Needs a signed-in user.
#[server(endpoint = "my_sessions", input = JsonCall, output = JsonCall)]
pub async fn my_sessions() -> Result<Vec<UserSession>, AppError> {
    serve(async |call| call.roster.my_sessions(call.signed_in()).await).await
}

/// Signs out one of your own sessions. Needs a signed-in user.
#[server(endpoint = "end_my_session", input = JsonCall, output = JsonCall)]
pub async fn end_my_session(session: SessionId) -> Result<(), AppError> {
    serve(async |call| call.roster.end_my_session(call.signed_in(), &session, call.ip()).await).await
}

/// Signs you out everywhere but this browser; returns how many sessions
/// ended. Needs a signed-in user.
#[server(endpoint = "end_my_other_sessions", input = JsonCall, output = JsonCall)]
pub async fn end_my_other_sessions() -> Result<u64, AppError> {
    serve(async |call| call.roster.end_my_other_sessions(call.signed_in(), call.ip()).await).await
}
