//! Delete User: what it destroys, the rules that forbid it, and the one
//! transaction that does it.

use crate::errors::action_error;
use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{
    AppError, AuditAction, BulkAction, DeletionPreview, FieldError, Permission, UserId, DELETE_CONFIRMATION,
    DELETION_PREVIEW_TICKETS,
};
use roster_store::AuditRecord;

impl Roster {
    /// What deleting `id` would destroy, and whether it is allowed, for the
    /// Delete User dialog. Needs `admin.user`.
    pub async fn deletion_preview(&self, session: Option<&SignedIn>, id: UserId) -> Result<DeletionPreview, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let user = self.db.editable_user(id).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
        let counts = self.db.deletion_counts(id).await.map_err(store_error)?;
        let first_tickets = self.db.tickets_of(id, DELETION_PREVIEW_TICKETS as i64).await.map_err(store_error)?;
        let details = &user.details;
        // What Delete would say, by the rules it runs under.
        let refusal = match self.single_user_rules(admin, BulkAction::Delete, id).await {
            Ok(_) => None,
            Err(AppError::Refused(message)) => Some(message),
            Err(other) => return Err(other),
        };
        Ok(DeletionPreview {
            id,
            name: roster_domain::full_name(&details.fields.first_name, &details.fields.last_name),
            login: user.details.login.clone(),
            tickets: counts.tickets,
            first_tickets,
            kept_articles: counts.kept_articles,
            kept_time_entries: counts.kept_time_entries,
            refusal,
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
        // The rules' refusal (yourself, the last active admin) before any request for admin mode.
        let mut rules = self.single_user_rules(admin, BulkAction::Delete, id).await?;
        self.require_admin_mode(session).await?;
        // Ids and a count only: the deleted user's personal data leaves no trace here.
        let (actor, on_behalf_of) = (Some(admin.user.id), admin.impersonator);
        let audit = self.audit_record(AuditAction::UserDeleted, actor, on_behalf_of, Some(id), ip, String::new());
        let tickets = self.db.delete_user(id, &mut rules, audit.clone()).await.map_err(action_error(BulkAction::Delete))?;
        crate::log_audit(&AuditRecord { detail: format!("tickets={tickets}"), ..audit });
        Ok(tickets)
    }
}
