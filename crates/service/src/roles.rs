//! Roles & permissions (`/admin/roles`): the built-in roles as they are,
//! and roles admins make from the fixed set of permissions.

use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, FieldError, Permission, Role, RoleDefinition, RoleDraft, RoleId};
use roster_store::{AuditRecord, StoreError};

impl Roster {
    /// Every role, for the Roles filter and the user dialog. Needs `admin.user`.
    pub async fn roles(&self, session: Option<&SignedIn>) -> Result<Vec<Role>, AppError> {
        require(session, Permission::AdminUser)?;
        self.db.roles().await.map_err(store_error)
    }

    /// Every role with its permissions and holders. Needs `admin.user`.
    pub async fn role_definitions(&self, session: Option<&SignedIn>) -> Result<Vec<RoleDefinition>, AppError> {
        require(session, Permission::AdminUser)?;
        self.db.role_definitions().await.map_err(store_error)
    }

    /// Creates a role. Needs `admin.user`.
    pub async fn create_role(
        &self,
        session: Option<&SignedIn>,
        draft: &RoleDraft,
        ip: Option<&str>,
    ) -> Result<RoleId, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let valid = draft.validate().map_err(AppError::Validation)?;
        self.require_admin_mode(session).await?;
        let detail = format!("role={} permissions={}", valid.name, keys(&valid.permissions));
        let audit = self.audit_record(AuditAction::RoleCreated, Some(admin.user.id), None, None, ip, detail);
        let id = self.db.create_role(&valid, &audit).await.map_err(role_error)?;
        crate::log_audit(&audit);
        Ok(id)
    }

    /// Saves a role edited from `version`; refused for built-in roles and
    /// when someone saved it since. Holders' sessions get the new
    /// permissions on their next request. Needs `admin.user`.
    pub async fn update_role(
        &self,
        session: Option<&SignedIn>,
        id: RoleId,
        version: i64,
        draft: &RoleDraft,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let valid = draft.validate().map_err(AppError::Validation)?;
        self.refuse_dropping_own_admin_rights(admin, id, &valid).await?;
        self.require_admin_mode(session).await?;
        let detail = format!("role={} permissions={}", valid.name, keys(&valid.permissions));
        let audit = self.audit_record(AuditAction::RoleUpdated, Some(admin.user.id), None, None, ip, detail);
        let new_version = self.db.update_role(id, version, &valid, &audit).await.map_err(role_error)?;
        crate::log_audit(&audit);
        Ok(new_version)
    }

    /// Roles → Require two-factor: holders of the role without a second
    /// factor set up an authenticator app before anything else, from their
    /// next request on. Built-in roles too. Returns how many holders have
    /// none yet. Needs `admin.user` and admin mode.
    pub async fn set_role_two_factor(
        &self,
        session: Option<&SignedIn>,
        id: RoleId,
        version: i64,
        required: bool,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let admin = self.require_admin_mode(session).await?;
        let detail = format!("require_two_factor={required}");
        let audit = self.audit_record(AuditAction::RoleUpdated, Some(admin.user.id), None, None, ip, detail);
        self.db.set_role_two_factor(id, version, required, &audit).await.map_err(role_error)?;
        crate::log_audit(&audit);
        self.db.holders_without_two_factor(id).await.map_err(store_error)
    }

    /// Deletes a role nobody holds. Needs `admin.user`.
    pub async fn delete_role(&self, session: Option<&SignedIn>, id: RoleId, ip: Option<&str>) -> Result<(), AppError> {
        let admin = self.require_admin_mode(session).await?;
        let audit = self.audit_record(AuditAction::RoleDeleted, Some(admin.user.id), None, None, ip, String::new());
        let name = self.db.delete_role(id, &audit).await.map_err(role_error)?;
        crate::log_audit(&AuditRecord { detail: format!("role={name}"), ..audit });
        Ok(())
    }
}

fn keys(permissions: &[Permission]) -> String {
    permissions.iter().map(|p| p.key()).collect::<Vec<_>>().join(",")
}

fn role_error(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { .. } => FieldError::new("name", "Another role already has this name.").into(),
        StoreError::BuiltInRole => AppError::Refused("Built-in roles cannot be changed or deleted.".into()),
        StoreError::RoleInUse(n) => AppError::Refused(format!(
            "{n} {} this role. Give them another role first, then delete it.",
            if n == 1 { "user holds" } else { "users hold" }
        )),
        StoreError::Conflict => AppError::Refused(
            "Another admin saved this role after you opened it. Reload to see their changes, then make yours again."
                .into(),
        ),
        other => store_error(other),
    }
}
