//! Delete User: what it destroys, the rules that forbid it, and the one
//! transaction that does it.

use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{
    AppError, BulkAction, BulkRefusal, AuditAction, DeletionPreview, FieldError, Permission, RoleId, UserId, DELETE_CONFIRMATION,
    DELETION_PREVIEW_TICKETS,
};
use roster_store::{AuditRecord, StoreError};

const DELETE_LAST_ADMIN: &str = "This is the last active admin and cannot be deleted. Make another user an admin first.";

impl Roster {
    /// What deleting `id` would destroy, and whether it is allowed, for the
    /// Delete User dialog. Needs `admin.user`.
    pub async fn deletion_preview(&self, session: Option<&SignedIn>, id: UserId) -> Result<DeletionPreview, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let user = self.db.editable_user(id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
        let counts = self.db.deletion_counts(id).await.map_err(store_error)?;
        let first_tickets = self.db.tickets_of(id, DELETION_PREVIEW_TICKETS as i64).await.map_err(store_error)?;
        let details = &user.details;
        let refusal = if admin.user.id == id {
            Some(BulkRefusal::Yourself.message(BulkAction::Delete))
        } else if details.active && details.roles.contains(&RoleId::ADMIN) && self.active_admins().await? == 1 {
            Some(DELETE_LAST_ADMIN)
        } else {
            None
        };
        Ok(DeletionPreview {
            id,
            name: roster_domain::full_name(&details.fields.first_name, &details.fields.last_name),
            login: user.details.login.clone(),
            tickets: counts.tickets,
            first_tickets,
            kept_articles: counts.kept_articles,
            kept_time_entries: counts.kept_time_entries,
            refusal: refusal.map(str::to_owned),
        })
    }

    /// Deletes a user, their tickets (with articles and time entries) and
    /// sessions in one transaction, once the admin has typed `DELETE`.
    /// Refused for yourself and for the last active admin. Needs `admin.user`.
    /// Returns how many tickets went with them.
    pub async fn delete_user(
        &self,
        session: Option<&SignedIn>,
        id: UserId,
        confirmation: &str,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        if confirmation.trim() != DELETE_CONFIRMATION {
            return Err(FieldError::new("confirmation", format!("Type {DELETE_CONFIRMATION} to confirm.")).into());
        }
        if admin.user.id == id {
            return Err(AppError::Refused(BulkRefusal::Yourself.message(BulkAction::Delete).into()));
        }
        self.require_admin_mode(session).await?;
        // Ids and a count only: the deleted user's personal data leaves no trace here.
        let (actor, on_behalf_of) = (Some(admin.user.id), admin.impersonator);
        let audit = self.audit_record(AuditAction::UserDeleted, actor, on_behalf_of, Some(id), ip, String::new());
        let tickets = self.db.delete_user(id, audit.clone()).await.map_err(|e| match e {
            StoreError::LastAdmin => AppError::Refused(DELETE_LAST_ADMIN.into()),
            other => store_error(other),
        })?;
        crate::log_audit(&AuditRecord { detail: format!("tickets={tickets}"), ..audit });
        Ok(tickets)
    }
}
