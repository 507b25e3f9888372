use crate::{store_error, PendingSignIn, Roster, SessionToken};
use roster_domain::{is_one_line, AppError, AuditAction, Password, SignInStep, TwoFactorKind, UserId};

/// A sign-in step that passed: the new session's token (the id changes at
/// every step) and where the sign-in stands.
#[derive(Debug)]
pub struct SignInOutcome {
    pub token: SessionToken,
    pub step: SignInStep,
}

impl Roster {
    /// The password step. Every failure — unknown user, wrong password, no
    /// password set, inactive or locked account — gives the same
    /// `InvalidCredentials` after the same Argon2 work. A wrong password
    /// counts toward lockout (see `lockout`). A session the browser already had is ended,
    /// so the session id changes. Users with a second factor get a session
    /// that only allows the code step.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        login_or_email: &str,
        password: &str,
        previous: Option<&SessionToken>,
        ip: Option<&str>,
    ) -> Result<SignInOutcome, AppError> {
        // Over-long input is refused before it reaches Argon2, and a login no
        // account could have (control characters) before it reaches the database.
        if password.len() > Password::MAX_BYTES || login_or_email.len() > 1_000 || !is_one_line(login_or_email.trim()) {
            self.audit(AuditAction::SignInFailed, None, None, ip).await?;
            return Err(AppError::InvalidCredentials);
        }
        let credentials = self.db.credentials(login_or_email).await.map_err(store_error)?;
        let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
        let password_ok = self.hasher().verify(password, stored_hash.as_deref()).await?;
        let Some(credentials) = credentials else {
            self.audit(AuditAction::SignInFailed, None, None, ip).await?;
            return Err(AppError::InvalidCredentials);
        };
        let user = credentials.id;
        if !password_ok {
            self.count_failure(user, AuditAction::SignInFailed, None, ip).await?;
            return Err(AppError::InvalidCredentials);
        }
        let locked = credentials.locked_until.is_some_and(|until| until > self.now());
        if !credentials.active || locked {
            self.audit(AuditAction::SignInFailed, None, Some(user), ip).await?;
            return Err(AppError::InvalidCredentials);
        }
        if let Some(stored) = stored_hash.filter(|h| self.hasher().is_outdated(h)) {
            self.upgrade_hash(user, password, &stored).await?;
        }
        if let Some(previous) = previous {
            self.db.delete_session(&previous.hash()).await.map_err(store_error)?;
        }
        if credentials.two_factor {
            let token = self.start_session(user, true).await?;
            return Ok(SignInOutcome { token, step: SignInStep::CodeRequired });
        }
        self.complete_sign_in(user, None, ip).await
    }

    /// The code step: an authenticator code or an unused recovery code. A
    /// wrong code counts toward lockout like a wrong password. The pending
    /// session is replaced by a full one with a new id.
    #[tracing::instrument(skip_all)]
    pub async fn verify_sign_in_code(
        &self,
        pending: &PendingSignIn,
        code: &str,
        ip: Option<&str>,
    ) -> Result<SignInOutcome, AppError> {
        let user = pending.user;
        let locked = self.db.locked_until(user, self.now()).await.map_err(store_error)?.is_none_or(|l| l.is_some());
        if locked {
            self.db.delete_session(&pending.token.hash()).await.map_err(store_error)?;
            return Err(AppError::InvalidCode);
        }
        let Some(method) = self.accept_second_factor(user, code).await? else {
            if self.count_failure(user, AuditAction::SignInCodeFailed, None, ip).await? {
                self.db.delete_session(&pending.token.hash()).await.map_err(store_error)?;
            }
            return Err(AppError::InvalidCode);
        };
        self.db.delete_session(&pending.token.hash()).await.map_err(store_error)?;
        self.complete_sign_in(user, Some(method), ip).await
    }

    /// Resets the failure count and starts a full session, unless the
    /// account locked or was deactivated a moment ago.
    async fn complete_sign_in(
        &self,
        user: UserId,
        method: Option<TwoFactorKind>,
        ip: Option<&str>,
    ) -> Result<SignInOutcome, AppError> {
        let unlocked = self.db.record_sign_in(user, self.now()).await.map_err(store_error)?;
        let current = if unlocked { self.db.current_user(user, None).await.map_err(store_error)? } else { None };
        let Some(mut current) = current else {
            self.audit(AuditAction::SignInFailed, None, Some(user), ip).await?;
            return Err(AppError::InvalidCredentials);
        };
        if method == Some(TwoFactorKind::RecoveryCodes) {
            let methods = self.db.two_factor_methods(user).await.map_err(store_error)?;
            current.out_of_recovery_codes = methods.iter().any(|m| m.unused_codes == Some(0));
        }
        let detail = method.map(|m| format!("second_factor={}", m.key())).unwrap_or_default();
        self.audit_with_detail(AuditAction::SignedIn, Some(user), Some(user), ip, detail).await?;
        // Signing in yourself ends any admin's view of Roster as you.
        self.end_impersonations_of(user, ip).await?;
        // A step the user owes comes first, before any view resumes: the
        // session grants nothing else until it is done.
        if let Some(action) = current.required_action {
            let token = self.start_session(user, false).await?;
            return Ok(SignInOutcome { token, step: SignInStep::ActionRequired(action) });
        }
        // An admin who signed out while viewing as someone comes back to that view.
        if let Some((token, viewed)) = self.resume_impersonation(user).await? {
            return Ok(SignInOutcome { token, step: SignInStep::SignedIn(viewed) });
        }
        let token = self.start_session(user, false).await?;
        Ok(SignInOutcome { token, step: SignInStep::SignedIn(current) })
    }

    /// Re-hashes a password stored with weaker parameters than today's.
    async fn upgrade_hash(&self, user: UserId, password: &str, stored: &str) -> Result<(), AppError> {
        let Ok(password) = Password::parse(password) else { return Ok(()) };
        let hash = self.hasher().hash(&password).await?;
        self.db.replace_password_hash(user, stored, &hash).await.map_err(store_error)?;
        Ok(())
    }
}
