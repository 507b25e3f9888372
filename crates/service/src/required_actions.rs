//! Required actions: the step a signed-in session owes before Roster grants
//! it anything else — a password of the user's own choosing, or the
//! authenticator app a role of theirs requires. The session layer finds
//! them on every request (`Session::ActionRequired`); these are the only
//! functions such a session reaches, besides signing out.

use crate::{store_error, PendingAction, Roster, SessionToken};
use roster_domain::{AppError, AuditAction, AuthenticatorSetup, FieldError, Password, RequiredAction, SignInStep};

/// What a step answers when the session's proof is too old to act on (a
/// cookie alone must not be enough to choose the account's password or its
/// second factor): the user signs in again and does it then.
const SIGN_IN_AGAIN: &str = "For your security, sign in again to continue.";

impl Roster {
    /// The pending step, if it is `action`, with a proof recent enough to
    /// act on; a stale one is ended.
    async fn owed(&self, pending: Option<&PendingAction>, action: RequiredAction) -> Result<PendingAction, AppError> {
        let pending = pending.filter(|p| p.action == action).ok_or(AppError::Unauthenticated)?;
        if self.require_proof_for_own_sign_in_changes(&pending.session).await.is_err() {
            self.db.delete_session(&pending.session.token.hash()).await.map_err(store_error)?;
            return Err(AppError::Refused(SIGN_IN_AGAIN.into()));
        }
        Ok(pending.clone())
    }

    /// Where the sign-in stands once a step is done: the next step the user
    /// owes, or signed in.
    async fn step_after(&self, pending: &PendingAction) -> Result<SignInStep, AppError> {
        let user = self.db.current_user(pending.session.user.id, None).await.map_err(store_error)?;
        let user = user.ok_or(AppError::Unauthenticated)?;
        Ok(match user.required_action {
            Some(next) => SignInStep::ActionRequired(next),
            None => SignInStep::SignedIn(user),
        })
    }

    /// The required new password. The one they signed in with is not asked
    /// again (the sign-in proved it moments ago), but the new one must
    /// differ from it. Other sessions end; this one goes on under the
    /// returned new id.
    pub async fn change_required_password(
        &self,
        pending: Option<&PendingAction>,
        new: &str,
        repeat: &str,
        ip: Option<&str>,
    ) -> Result<(SessionToken, SignInStep), AppError> {
        let pending = self.owed(pending, RequiredAction::ChangePassword).await?;
        let me = &pending.session;
        let new_password = Password::parse(new).map_err(|e| FieldError::new("new_password", e.message))?;
        if repeat != new {
            return Err(FieldError::new("repeat_password", "The two new passwords differ.").into());
        }
        let stored = self.db.password_hash(me.user.id).await.map_err(store_error)?;
        if self.hasher().verify(new, stored.as_deref()).await? {
            return Err(FieldError::new("new_password", "Choose a password different from the one you were given.").into());
        }
        let hash = self.hasher().hash(&new_password).await?;
        let token = SessionToken::generate();
        let detail = "required=true".to_owned();
        let audit = self.session_audit_record(me, AuditAction::PasswordChanged, detail, ip);
        self.db.change_password(me.user.id, &hash, &me.token.hash(), &token.hash(), &audit).await.map_err(store_error)?;
        crate::log_audit(&audit);
        Ok((token, self.step_after(&pending).await?))
    }

    /// Starts the authenticator app a role requires: its QR code and secret.
    pub async fn start_required_authenticator(&self, pending: Option<&PendingAction>) -> Result<AuthenticatorSetup, AppError> {
        let pending = self.owed(pending, RequiredAction::SetUpTwoFactor).await?;
        self.start_authenticator_setup(Some(&pending.session)).await
    }

    /// Enables the app with a code from it and hands out the user's ten
    /// recovery codes, shown this once. The session then grants what the
    /// user's roles do.
    pub async fn confirm_required_authenticator(
        &self,
        pending: Option<&PendingAction>,
        code: &str,
        ip: Option<&str>,
    ) -> Result<Vec<String>, AppError> {
        let pending = pending.filter(|p| p.action == RequiredAction::SetUpTwoFactor).ok_or(AppError::Unauthenticated)?;
        self.confirm_authenticator(Some(&pending.session), code, ip).await?;
        self.issue_recovery_codes(&pending.session, ip).await
    }
}
