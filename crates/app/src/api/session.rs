use leptos::prelude::*;
use roster_domain::{AppError, CurrentUser};

/// Signs in with a login (or email) and password, and sets the session cookie.
#[server(endpoint = "sign_in")]
pub async fn sign_in(login: String, password: String) -> Result<CurrentUser, AppError> {
    use crate::ssr::*;
    reply(
        async {
            let call = call()?;
            let outcome =
                call.roster.sign_in(&login, &password, call.session.cookie_token.as_ref(), call.ip()).await?;
            set_cookie(session_cookie(&outcome.token, &call.roster));
            Ok(outcome.user)
        }
        .await,
    )
}

/// Ends the caller's session on the server and clears the cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::ssr::*;
    reply(
        async {
            let call = call()?;
            let session = call.signed_in().ok_or(AppError::Unauthenticated)?;
            call.roster.sign_out(session, call.ip()).await?;
            set_cookie(expired_session_cookie(&call.roster));
            Ok(())
        }
        .await,
    )
}

/// Who is signed in, or `None`. Open to everyone: it reveals only the
/// caller's own account.
#[server(endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::ssr::*;
    reply(call().map(|call| call.signed_in().map(|s| s.user.clone())))
}
