use crate::{store_error, Roster, SessionToken};
use roster_domain::{AppError, AuditAction, CurrentUser, Password};

/// A successful sign-in: the new session's token and who it belongs to.
#[derive(Debug)]
pub struct SignInOutcome {
    pub token: SessionToken,
    pub user: CurrentUser,
}

impl Roster {
    /// Checks a login (or email) and password. Every failure — unknown user,
    /// wrong password, no password set, inactive account — gives the same
    /// `InvalidCredentials` after the same Argon2 work. A session the browser
    /// already had is ended, so the session id changes at sign-in.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        login_or_email: &str,
        password: &str,
        previous: Option<&SessionToken>,
        ip: Option<&str>,
    ) -> Result<SignInOutcome, AppError> {
        // Over-long input is refused before it reaches Argon2.
        if password.len() > Password::MAX_BYTES || login_or_email.len() > 1_000 {
            self.audit(AuditAction::SignInFailed, None, None, ip).await?;
            return Err(AppError::InvalidCredentials);
        }
        let credentials = self.db.credentials(login_or_email).await.map_err(store_error)?;
        let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.as_deref());
        let password_ok = self.hasher().verify(password, stored_hash).await?;
        let target = credentials.as_ref().map(|c| c.id);
        let user = match credentials {
            Some(c) if password_ok && c.active => self.db.current_user(c.id).await.map_err(store_error)?,
            _ => None,
        };
        let Some(user) = user else {
            self.audit(AuditAction::SignInFailed, None, target, ip).await?;
            return Err(AppError::InvalidCredentials);
        };

        if let Some(previous) = previous {
            self.db.delete_session(&previous.hash()).await.map_err(store_error)?;
        }
        let token = self.start_session(user.id).await?;
        self.db.record_sign_in(user.id, self.now()).await.map_err(store_error)?;
        self.audit(AuditAction::SignedIn, Some(user.id), Some(user.id), ip).await?;
        Ok(SignInOutcome { token, user })
    }
}
