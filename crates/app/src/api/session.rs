#[cfg(feature = "ssr")]
use crate::ssr::{expired_session_cookie, serve, session_cookie, set_cookie};
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, CurrentUser, SignInStep};

/// The password step: a login (or email) and password. Sets the session
/// cookie; when the user has a second factor, that session only allows
/// the code step.
#[server(endpoint = "sign_in", output = JsonCall)]
pub async fn sign_in(login: String, password: String) -> Result<SignInStep, AppError> {
    serve(async |call| {
        let outcome = call.roster.sign_in(&login, &password, call.session.cookie_token.as_ref(), call.ip()).await?;
        set_cookie(session_cookie(&outcome.token, &call.roster));
        Ok(outcome.step)
    })
    .await
}

/// The code step: an authenticator code or a recovery code. Replaces the
/// pending session with a signed-in one (a new id).
#[server(endpoint = "verify_sign_in_code", output = JsonCall)]
pub async fn verify_sign_in_code(code: String) -> Result<SignInStep, AppError> {
    serve(async |call| {
        let pending = call.session.awaiting_code.as_ref().ok_or(AppError::Unauthenticated)?;
        let outcome = call.roster.verify_sign_in_code(pending, &code, call.ip()).await;
        if let Err(AppError::Unauthenticated | AppError::InvalidCredentials) = &outcome {
            set_cookie(expired_session_cookie(&call.roster));
        }
        let outcome = outcome?;
        set_cookie(session_cookie(&outcome.token, &call.roster));
        Ok(outcome.step)
    })
    .await
}

/// The step this browser's sign-in waits for: the code step, or a
/// required action; `None` when none waits. Open to everyone: it reveals
/// nothing but that, of the caller's own sign-in.
#[server(endpoint = "pending_sign_in_step", output = JsonCall)]
pub async fn pending_sign_in_step() -> Result<Option<SignInStep>, AppError> {
    serve(async |call| {
        let session = &call.session;
        Ok(match (&session.awaiting_code, &session.action_required) {
            (Some(_), _) => Some(SignInStep::CodeRequired),
            (None, Some(pending)) => Some(SignInStep::ActionRequired(pending.action)),
            (None, None) => None,
        })
    })
    .await
}

/// Ends the caller's session on the server (or abandons a sign-in waiting
/// for its code) and clears the cookie.
#[server(endpoint = "sign_out", output = JsonCall)]
pub async fn sign_out() -> Result<(), AppError> {
    serve(async |call| {
        if let Some(pending) = &call.session.awaiting_code {
            call.roster.abandon_sign_in(pending).await?;
        } else if let Some(pending) = &call.session.action_required {
            call.roster.sign_out(&pending.session, call.ip()).await?;
        } else {
            let session = call.signed_in().ok_or(AppError::Unauthenticated)?;
            call.roster.sign_out(session, call.ip()).await?;
        }
        set_cookie(expired_session_cookie(&call.roster));
        Ok(())
    })
    .await
}

/// Who is signed in, or `None`. Open to everyone: it reveals only the
/// caller's own account.
#[server(endpoint = "current_user", output = JsonCall)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    serve(async |call| Ok(call.signed_in().map(|s| s.user.clone()))).await
}
