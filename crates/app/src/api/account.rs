//! The signed-in user's own account: Profile → Password & Authentication.
//! Each function acts on the caller alone, whoever they name.

#[cfg(feature = "ssr")]
use crate::ssr::{serve, session_cookie, set_cookie};
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, AuthenticatorSetup, TwoFactorKind, TwoFactorMethod};

/// Changes your password; your other sessions end, this one gets a new id.
#[server(endpoint = "change_password", output = JsonCall)]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    serve(async |call| {
        let token = call.roster.change_password(call.signed_in(), &current_password, &new_password, call.ip()).await?;
        set_cookie(session_cookie(&token, &call.roster));
        Ok(())
    })
    .await
}

/// Your second factors.
#[server(endpoint = "my_two_factor_methods", output = JsonCall)]
pub async fn my_two_factor_methods() -> Result<Vec<TwoFactorMethod>, AppError> {
    serve(async |call| call.roster.my_two_factor_methods(call.signed_in()).await).await
}

/// Starts setting up an authenticator app: the QR code and secret, shown once.
#[server(endpoint = "start_authenticator_setup", output = JsonCall)]
pub async fn start_authenticator_setup() -> Result<AuthenticatorSetup, AppError> {
    serve(async |call| call.roster.start_authenticator_setup(call.signed_in()).await).await
}

/// Enables the authenticator app being set up, given a code from it.
#[server(endpoint = "confirm_authenticator", output = JsonCall)]
pub async fn confirm_authenticator(code: String) -> Result<(), AppError> {
    serve(async |call| call.roster.confirm_authenticator(call.signed_in(), &code, call.ip()).await).await
}

/// Ten new recovery codes (shown once), replacing the old ones.
#[server(endpoint = "generate_recovery_codes", output = JsonCall)]
pub async fn generate_recovery_codes() -> Result<Vec<String>, AppError> {
    serve(async |call| call.roster.generate_recovery_codes(call.signed_in(), call.ip()).await).await
}

/// Removes one of your methods; needs your password.
#[server(endpoint = "remove_my_two_factor", input = JsonCall, output = JsonCall)]
pub async fn remove_my_two_factor(kind: TwoFactorKind, password: String) -> Result<(), AppError> {
    serve(async |call| call.roster.remove_my_two_factor(call.signed_in(), kind, &password, call.ip()).await).await
}

/// "Confirm it's you": your password (and code, with a second factor),
/// before admin mode or a change to how you sign in.
#[server(endpoint = "confirm_identity", output = JsonCall)]
pub async fn confirm_identity(confirm_password: String, confirm_code: String) -> Result<(), AppError> {
    serve(async |call| call.roster.confirm_identity(call.signed_in(), &confirm_password, &confirm_code, call.ip()).await)
        .await
}
