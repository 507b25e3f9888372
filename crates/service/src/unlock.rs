use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, Permission, UserId};

impl Roster {
    /// ⋮ Actions → Unlock: resets a locked user's failed sign-ins so they
    /// can sign in again. Needs `admin.user`.
    pub async fn unlock_user(&self, session: Option<&SignedIn>, user: UserId, ip: Option<&str>) -> Result<(), AppError> {
        let admin = require(session, Permission::AdminUser)?;
        if !self.db.unlock_user(user, self.lockout_threshold()).await.map_err(store_error)? {
            return Err(AppError::Refused("This user is not locked.".into()));
        }
        self.audit(AuditAction::UserUnlocked, Some(admin.user.id), Some(user), ip).await
    }
}
