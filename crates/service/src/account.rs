//! What signed-in users do to their own account.

use crate::lockout::locked_message;
use crate::{store_error, Roster, SessionToken, SignedIn};
use roster_domain::{AppError, AuditAction, FieldError, Password, UserId};

impl Roster {
    /// Checks a signed-in user's current password, answering with an error
    /// on `field` when it is wrong. A wrong one counts toward lockout like
    /// a wrong sign-in (a stolen session cookie is no way to guess the
    /// password faster), and while the account is locked none is checked.
    pub(crate) async fn confirm_password(
        &self,
        user: UserId,
        password: &str,
        field: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        if let Some(until) = self.locked_until(user).await? {
            return Err(AppError::Refused(locked_message(until)));
        }
        let stored = self.db.password_hash(user).await.map_err(store_error)?;
        let ok = password.len() <= Password::MAX_BYTES && self.hasher().verify(password, stored.as_deref()).await?;
        if ok {
            // As at sign-in, the right password wipes the slate.
            self.db.clear_failures(user, self.now()).await.map_err(store_error)?;
            return Ok(());
        }
        if self.count_failure(user, AuditAction::PasswordCheckFailed, Some(user), ip).await? {
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
        let checked = self.confirm_password(me.user.id, current, "current_password", ip).await;
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
        crate::log_audit(&audit);
        Ok(token)
    }
}
