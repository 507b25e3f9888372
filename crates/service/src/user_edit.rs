//! New User and Edit User: validation, the rules about admins, and the
//! version check that refuses stale saves.

use crate::{require, store_error, NewAccount, Roster, SignedIn};
use roster_domain::{
    is_one_line, BulkAction, BulkRefusal, role_names, AppError, AuditAction, EditableUser, FieldError, Permission, Role, RoleId, UserDetails,
    UserId, ValidUserDetails,
};
use roster_store::{Profile, StoreError, UserUpdate};

/// How many organization names the autocomplete offers.
const ORGANIZATION_SUGGESTIONS: i64 = 10;

impl Roster {
    /// Creates a user from the New User dialog. Needs `admin.user`.
    pub async fn create_user(
        &self,
        session: Option<&SignedIn>,
        details: &UserDetails,
        ip: Option<&str>,
    ) -> Result<UserId, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let mut valid = details.validate().map_err(AppError::Validation)?;
        valid.must_change_password |= valid.password.is_some();
        self.refuse_unknown_roles(&valid.roles).await?;
        // A new admin is a new way in: that takes admin mode, a customer does not.
        let admin_roles = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
        if valid.roles.iter().any(|r| admin_roles.contains(r)) {
            self.require_admin_mode(session).await?;
        }
        let profile = self.profile_of(&valid).await?;
        let account = NewAccount { login: valid.login, profile, password: valid.password, roles: valid.roles };
        self.create_account(account, Some(admin.user.id), ip).await
    }

    /// A user as the Edit User dialog opens them. Needs `admin.user`.
    pub async fn editable_user(&self, session: Option<&SignedIn>, id: UserId) -> Result<EditableUser, AppError> {
        require(session, Permission::AdminUser)?;
        self.db.editable_user(id).await.map_err(store_error)?.ok_or(AppError::NotFound)
    }

    /// Saves the Edit User dialog, made from `version`. Refused with
    /// `Conflict` if someone saved since; an admin keeps their own Admin
    /// role and stays active, and the last active admin stays one.
    /// A new password ends the user's sessions. Returns the new version.
    pub async fn update_user(
        &self,
        session: Option<&SignedIn>,
        id: UserId,
        version: i64,
        details: &UserDetails,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let mut valid = details.validate().map_err(AppError::Validation)?;
        if valid.password.is_some() {
            self.refuse_setting_another_admins_password(admin, id).await?;
        }
        // A password someone else set is one they know: its user replaces
        // it at their next sign-in, whatever the box said.
        valid.must_change_password |= valid.password.is_some() && admin.user.id != id;
        if admin.user.id == id {
            let mut own = Vec::new();
            // Whatever role makes them an admin (Admin or one of the admins' own), they keep one.
            let admin_roles = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
            let stays_admin = valid.roles.iter().any(|r| admin_roles.contains(r));
            if !stays_admin {
                own.push(FieldError::new("roles", BulkRefusal::OwnAdminRole.message(BulkAction::RemoveRole(RoleId::ADMIN))));
            }
            if !valid.active {
                own.push(FieldError::new("active", BulkRefusal::Yourself.message(BulkAction::Deactivate)));
            }
            if !own.is_empty() {
                return Err(AppError::Validation(own));
            }
        }
        let before = self.db.editable_user(id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
        let changed = valid.changed_from(&before.details);
        let mut roles_before = before.details.roles.clone();
        roles_before.sort();
        let mut roles_after = valid.roles.clone();
        roles_after.sort();
        // A new password or new roles, or any change to an admin (deactivating
        // or renaming them included), is admin mode's to allow.
        if valid.password.is_some() || roles_before != roles_after || self.administers(id).await? {
            self.require_admin_mode(session).await?;
        }
        let known_roles = self.refuse_unknown_roles(&valid.roles).await?;
        let profile = self.profile_of(&valid).await?;
        let password_hash = match &valid.password {
            Some(p) => Some(self.hasher().hash(p).await?),
            None => None,
        };
        let mut detail = format!("fields={}", changed.join(","));
        if changed.contains(&"roles") {
            let names = |ids: &[RoleId]| {
                let held: Vec<Role> = known_roles.iter().filter(|r| ids.contains(&r.id)).cloned().collect();
                role_names(&held)
            };
            detail += &format!(" roles_before=[{}] roles_after=[{}]", names(&before.details.roles), names(&valid.roles));
        }
        let (actor, on_behalf_of) = (Some(admin.user.id), admin.impersonator);
        let audit = self.audit_record(AuditAction::UserUpdated, actor, on_behalf_of, Some(id), ip, detail);
        let update = UserUpdate { login: valid.login.clone(), profile, roles: valid.roles.clone(), password_hash };
        let saved = self.db.update_user(id, version, &update, &audit).await.map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict,
            StoreError::LastAdmin => last_admin_error(&valid),
            other => store_error(other),
        })?;
        crate::log_audit(&audit);
        Ok(saved)
    }

    /// Organization names containing `text`, for the dialog's autocomplete.
    /// Needs `admin.user`.
    pub async fn organization_names(&self, session: Option<&SignedIn>, text: &str) -> Result<Vec<String>, AppError> {
        require(session, Permission::AdminUser)?;
        // No organization has a longer name or control characters in it.
        if text.chars().count() > roster_domain::limits::ORGANIZATION || !is_one_line(text.trim()) {
            return Ok(Vec::new());
        }
        self.db.organizations_matching(text, ORGANIZATION_SUGGESTIONS).await.map_err(store_error)
    }

    /// A role deleted while the dialog was open cannot be given. Returns
    /// the roles there are.
    async fn refuse_unknown_roles(&self, roles: &[RoleId]) -> Result<Vec<Role>, AppError> {
        let known = self.db.roles().await.map_err(store_error)?;
        if roles.iter().all(|id| known.iter().any(|r| r.id == *id)) {
            Ok(known)
        } else {
            Err(FieldError::new("roles", "One of these roles no longer exists. Reload and choose again.").into())
        }
    }

    /// The stored profile for validated details; organizations named for the
    /// first time are created.
    async fn profile_of(&self, valid: &ValidUserDetails) -> Result<Profile, AppError> {
        let names: Vec<&str> =
            valid.organization.iter().chain(&valid.secondary_organizations).map(String::as_str).collect();
        let mut ids = self.db.organizations_named(&names, self.now()).await.map_err(store_error)?;
        let organization_id = if valid.organization.is_some() { Some(ids.remove(0)) } else { None };
        Ok(Profile {
            email: valid.email.clone(),
            organization_id,
            secondary_organization_ids: ids,
            vip: valid.vip,
            active: valid.active,
            must_change_password: Some(valid.must_change_password),
            fields: valid.fields.clone(),
        })
    }
}

/// Why an edit that would leave no active admin was refused, next to the
/// field that did it.
fn last_admin_error(valid: &ValidUserDetails) -> AppError {
    let field = if valid.roles.contains(&RoleId::ADMIN) { "active" } else { "roles" };
    FieldError::new(field, BulkRefusal::LastAdmin.message(BulkAction::Deactivate)).into()
}
