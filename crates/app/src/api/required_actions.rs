//! The steps of a sign-in that owes a required action: the only server
//! functions such a session reaches, besides signing out.

#[cfg(feature = "ssr")]
use crate::ssr::{serve, session_cookie, set_cookie};
use leptos::prelude::*;
use roster_domain::{AppError, AuthenticatorSetup, JsonCall, SignInStep};

/// The required new password (typed twice). The session gets a new id; the
/// answer is the next step, or signed in.
#[server(endpoint = "change_required_password", output = JsonCall)]
pub async fn change_required_password(new_password: String, repeat_password: String) -> Result<SignInStep, AppError> {
    serve(async |call| {
        let pending = call.session.action_required.as_ref();
        let (token, step) = call.roster.change_required_password(pending, &new_password, &repeat_password, call.ip()).await?;
        set_cookie(session_cookie(&token, &call.roster));
        Ok(step)
    })
    .await
}

/// Starts the authenticator app a role requires: its QR code and secret.
#[server(endpoint = "start_required_authenticator", output = JsonCall)]
pub async fn start_required_authenticator() -> Result<AuthenticatorSetup, AppError> {
    serve(async |call| call.roster.start_required_authenticator(call.session.action_required.as_ref()).await).await
}

/// Enables that app with a code from it; the answer is the user's recovery
/// codes, shown this once.
#[server(endpoint = "confirm_required_authenticator", output = JsonCall)]
pub async fn confirm_required_authenticator(code: String) -> Result<Vec<String>, AppError> {
    serve(async |call| {
        let pending = call.session.action_required.as_ref();
        call.roster.confirm_required_authenticator(pending, &code, call.ip()).await
    })
    .await
}
