//! What no admin may do to another admin, or to their own admin rights. An
//! admin is whoever holds `admin.user`, through the built-in Admin role or
//! any role made since: every rule here goes by the permission, not the role.

use crate::{store_error, Roster, SignedIn};
use roster_domain::{AppError, FieldError, Permission, RoleId, UserId, ValidRoleDraft};

impl Roster {
    /// Whether `user` holds `admin.user` through any of their roles.
    pub(crate) async fn administers(&self, user: UserId) -> Result<bool, AppError> {
        Ok(self.db.permissions_of(user).await.map_err(store_error)?.contains(&Permission::AdminUser))
    }

    /// Another admin's password is theirs to change: setting it would let one
    /// admin sign in as another.
    pub(crate) async fn refuse_setting_another_admins_password(&self, me: &SignedIn, user: UserId) -> Result<(), AppError> {
        if me.user.id != user && self.administers(user).await? {
            let message = "You cannot set another admin's password. They change it themselves in their Profile.";
            return Err(FieldError::new("password", message).into());
        }
        Ok(())
    }

    /// A role edit may not take `admin.user` away from the role the editing
    /// admin's own rights come from, unless another role of theirs grants it.
    pub(crate) async fn refuse_dropping_own_admin_rights(
        &self,
        me: &SignedIn,
        role: RoleId,
        draft: &ValidRoleDraft,
    ) -> Result<(), AppError> {
        let holds_it = me.user.roles.iter().any(|r| r.id == role);
        // Built-in roles are refused as a whole, with their own message.
        if !holds_it || role.is_built_in() || draft.permissions.contains(&Permission::AdminUser) {
            return Ok(());
        }
        let granting = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
        let other_source = me.user.roles.iter().any(|r| r.id != role && granting.contains(&r.id));
        if other_source {
            return Ok(());
        }
        let message = "Your own admin rights come from this role: keep admin.user in it, or give yourself another \
                       admin role first.";
        Err(FieldError::new("permissions", message).into())
    }
}
