//! Proving again who you are before what could take an account over. A
//! sign-in is such a proof; so is re-entering the password (and a code,
//! for users with a second factor) in the dialog that asks for it. Admin
//! mode, as GitLab has it: deleting users, setting another user's password,
//! removing another user's two-factor, viewing as a user and changing roles
//! need a proof from the last `admin-mode-minutes`. Changing your own second
//! factors needs one from the last five minutes. A stolen session cookie
//! alone does neither.

use crate::account::NOT_DURING_A_VIEW;
use crate::lockout::locked_message;
use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, FieldError, Permission, UserId};

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

    /// Whether the caller is in admin mode now (without asking for it).
    pub(crate) fn in_admin_mode(&self, session: &SignedIn) -> bool {
        session.impersonator.is_none() && self.now().0 - session.confirmed_at.0 <= self.settings.admin_mode_minutes * 60
    }

    /// The caller proved who they are recently enough to change how they sign in.
    pub(crate) async fn require_proof_for_own_sign_in_changes(&self, me: &SignedIn) -> Result<(), AppError> {
        self.require_recent_proof(me, OWN_SIGN_IN_CHANGES_SECONDS).await
    }

    async fn require_recent_proof(&self, session: &SignedIn, within_seconds: i64) -> Result<(), AppError> {
        // A view carries the admin's proof, which is no proof of the user.
        if session.impersonator.is_some() {
            return Err(AppError::Refused(NOT_DURING_A_VIEW.into()));
        }
        if self.now().0 - session.confirmed_at.0 <= within_seconds {
            return Ok(());
        }
        let code = self.has_usable_second_factor(session.user.id).await?;
        Err(AppError::ReauthenticationRequired { code })
    }

    /// Whether the user has a second factor they can give now: an app, or
    /// an unused recovery code. (One who spent their last code is asked for
    /// their password alone, so that they can make new codes.)
    async fn has_usable_second_factor(&self, user: UserId) -> Result<bool, AppError> {
        let methods = self.db.two_factor_methods(user).await.map_err(store_error)?;
        Ok(methods.iter().any(|m| m.unused_codes.is_none_or(|n| n > 0)))
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
            return Err(AppError::Refused(NOT_DURING_A_VIEW.into()));
        }
        let user = me.user.id;
        self.confirm_password(me, password, "confirm_password", ip).await?;
        if self.has_usable_second_factor(user).await? {
            if self.accept_second_factor(user, code).await?.is_none() {
                if self.count_failure(user, AuditAction::SignInCodeFailed, Some(me), ip).await? {
                    let until = self.locked_until(user).await?.unwrap_or(self.now());
                    return Err(AppError::Refused(locked_message(until)));
                }
                let message = "That code is not valid. Enter the current code from your authenticator app, or an unused \
                               recovery code.";
                return Err(FieldError::new("confirm_code", message).into());
            }
        }
        // Only now, with the code checked too, do the failures start again.
        self.db.clear_failures(user, self.now()).await.map_err(store_error)?;
        if !self.db.confirm_session(&me.token.hash(), self.now()).await.map_err(store_error)? {
            return Err(AppError::Unauthenticated);
        }
        self.audit_session(me, AuditAction::IdentityConfirmed, String::new(), ip).await
    }
}
