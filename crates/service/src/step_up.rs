//! Proving again who you are before what could take an account over. A
//! sign-in is such a proof; so is re-entering the password (and a code,
//! for users with a second factor) in the dialog that asks for it. Admin
//! mode, as GitLab has it: deleting users, setting another user's password,
//! removing another user's two-factor, viewing as a user and changing roles
//! need a proof from the last `admin-mode-minutes`. Changing your own second
//! factors needs one from the last five minutes. A stolen session cookie
//! alone does neither.

use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, FieldError, Permission};

/// How recent a proof changing your own second factors needs.
const OWN_SIGN_IN_CHANGES_SECONDS: i64 = 5 * 60;

impl Roster {
    /// The caller holds `admin.user` and proved who they are recently
    /// enough for admin mode.
    pub(crate) async fn require_admin_mode<'a>(&self, session: Option<&'a SignedIn>) -> Result<&'a SignedIn, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        self.require_recent_proof(admin, self.settings.admin_mode_minutes * 60).await?;
        Ok(admin)
    }

    /// The caller proved who they are recently enough to change how they sign in.
    pub(crate) async fn require_proof_for_own_sign_in_changes(&self, me: &SignedIn) -> Result<(), AppError> {
        self.require_recent_proof(me, OWN_SIGN_IN_CHANGES_SECONDS).await
    }

    async fn require_recent_proof(&self, session: &SignedIn, within_seconds: i64) -> Result<(), AppError> {
        if self.now().0 - session.confirmed_at.0 <= within_seconds {
            return Ok(());
        }
        let code = self.db.requires_code(session.user.id).await.map_err(store_error)?;
        Err(AppError::ReauthenticationRequired { code })
    }

    /// "Confirm it's you": checks the caller's password (and code, if they
    /// have a second factor) and marks the session as proved now. Wrong
    /// passwords and codes count toward lockout as at sign-in. Not while
    /// viewing as a user: that session is the user's, whose password the
    /// admin does not have.
    pub async fn confirm_identity(
        &self,
        session: Option<&SignedIn>,
        password: &str,
        code: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let me = session.ok_or(AppError::Unauthenticated)?;
        if me.impersonator.is_some() {
            return Err(AppError::Refused("Go back to your own view first.".into()));
        }
        let user = me.user.id;
        self.confirm_password(user, password, "confirm_password", ip).await?;
        let two_factor = self.db.requires_code(user).await.map_err(store_error)?;
        if two_factor {
            if self.accept_second_factor(user, code).await?.is_none() {
                self.count_failure(user, AuditAction::SignInCodeFailed, Some(user), ip).await?;
                let message = "That code is not valid. Enter the current code from your authenticator app, or an unused \
                               recovery code.";
                return Err(FieldError::new("confirm_code", message).into());
            }
        }
        self.db.confirm_session(&me.token.hash(), self.now()).await.map_err(store_error)?;
        self.audit_session(me, AuditAction::IdentityConfirmed, String::new(), ip).await
    }
}
