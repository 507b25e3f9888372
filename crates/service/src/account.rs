//! What signed-in users do to their own account.

use crate::lockout::locked_message;
use crate::{store_error, Roster, SessionToken, SignedIn};
use roster_domain::{AppError, AuditAction, FieldError, Password};

/// Why a view of Roster as a user cannot set up new ways of signing in as
/// them: it carries the admin's proof, not the user's.
pub(crate) const NOT_DURING_A_VIEW: &str =
    "Not while viewing Roster as another user: their password and sign-in are theirs to change.";

impl Roster {
    /// Checks a signed-in user's current password, answering with an error
    /// on `field` when it is wrong. A wrong one counts toward lockout like
    /// a wrong sign-in (a stolen session cookie is no way to guess the
    /// password faster), and while the account is locked none is checked.
    /// In a view, the admin acts as the user (as the guide says) and needs
    /// the user's password; failures count against the user and are audited
    /// with the admin behind them. A right password leaves the failure count as it is: the caller
    /// clears it (`clear_failures`) once everything it checks has passed, so
    /// a code checked after the password cannot be guessed without end.
    pub(crate) async fn confirm_password(
        &self,
        me: &SignedIn,
        password: &str,
        field: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let user = me.user.id;
        if let Some(until) = self.locked_until(user).await? {
            return Err(AppError::Refused(locked_message(until)));
        }
        // An empty field is no guess: it counts toward nothing.
        if password.is_empty() {
            return Err(FieldError::new(field, "Enter your password.").into());
        }
        let stored = self.db.password_hash(user).await.map_err(store_error)?;
        let ok = password.len() <= Password::MAX_BYTES && self.hasher().verify(password, stored.as_deref()).await?;
        if ok {
            return Ok(());
        }
        if self.count_failure(user, AuditAction::PasswordCheckFailed, Some(me), ip).await? {
            return Err(AppError::Refused(locked_message(self.locked_until(user).await?.unwrap_or(self.now()))));
        }
        Err(FieldError::new(field, "That is not your current password.").into())
    }

    /// Changes your own password; your other sessions end, this one goes
    /// on under the returned new id.
    pub async fn change_password(
        &self,
        session: Option<&SignedIn>,
        current: &str,
        new: &str,
        ip: Option<&str>,
    ) -> Result<SessionToken, AppError> {
        let me = session.ok_or(AppError::Unauthenticated)?;
        let new = Password::parse(new).map_err(|e| FieldError::new("new_password", e.message));
        let checked = self.confirm_password(me, current, "current_password", ip).await;
        let new = match (checked, new) {
            (Ok(()), Ok(new)) => new,
            (Err(AppError::Validation(mut errors)), new) => {
                errors.extend(new.err());
                return Err(AppError::Validation(errors));
            }
            (Err(other), _) => return Err(other),
            (Ok(()), Err(e)) => return Err(e.into()),
        };
        let hash = self.hasher().hash(&new).await?;
        // New rights to the account, new session id (as at sign-in).
        let token = SessionToken::generate();
        let (old_id, new_id) = (me.token.hash(), token.hash());
        let audit = self.session_audit_record(me, AuditAction::PasswordChanged, String::new(), ip);
        self.db.change_password(me.user.id, &hash, &old_id, &new_id, &audit).await.map_err(store_error)?;
        self.db.clear_failures(me.user.id, self.now()).await.map_err(store_error)?;
        crate::log_audit(&audit);
        Ok(token)
    }
}
