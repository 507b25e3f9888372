//! Merge into…: what merging a duplicate into the user kept moves and
//! loses, the rules that forbid it, and the one transaction that does it.

use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{
    full_name, merge_refusal, AppError, AuditAction, FieldError, MergeMoves, MergeParty, MergePreview, Permission,
    UserId, MERGE_CONFIRMATION,
};
use roster_store::{AuditRecord, StoreError};

impl Roster {
    /// What merging `duplicate` into `keep` would move and lose, and
    /// whether it is allowed, for the Merge dialog. Needs `admin.user`.
    pub async fn merge_preview(
        &self,
        session: Option<&SignedIn>,
        duplicate: UserId,
        keep: UserId,
    ) -> Result<MergePreview, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let found = |id| async move { self.db.editable_user(id).await.map_err(store_error)?.ok_or(AppError::NotFound) };
        let (dup, kept) = (found(duplicate).await?, found(keep).await?);
        let counts = self.db.merge_counts(duplicate, keep).await.map_err(store_error)?;
        let refusal = self.merge_refusal(admin, duplicate, keep).await?.map(|r| r.message().to_owned());
        let name = |d: &roster_domain::UserDetails| full_name(&d.fields.first_name, &d.fields.last_name);
        Ok(MergePreview {
            duplicate,
            duplicate_name: name(&dup.details),
            keep,
            keep_login: kept.details.login.clone(),
            keep_name: name(&kept.details),
            moves: counts.moves,
            email: (!dup.details.email.is_empty()).then(|| dup.details.email.clone()),
            has_password: dup.has_password,
            sessions: counts.sessions,
            two_factor: counts.two_factor,
            duplicate_login: dup.details.login,
            refusal,
        })
    }

    /// Merges `duplicate` into `keep` once the admin has typed `MERGE`:
    /// tickets (with their numbers), replies, hours, organizations and
    /// roles move to `keep`; the duplicate, with their login, email,
    /// password, sessions and two-factor, is deleted — in one transaction.
    /// Refused for yourself, for admins and while either is being viewed.
    /// Needs `admin.user` and admin mode. Returns what moved.
    pub async fn merge_users(
        &self,
        session: Option<&SignedIn>,
        duplicate: UserId,
        keep: UserId,
        confirmation: &str,
        ip: Option<&str>,
    ) -> Result<MergeMoves, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        if confirmation.trim() != MERGE_CONFIRMATION {
            return Err(FieldError::new("confirmation", format!("Type {MERGE_CONFIRMATION} to confirm.")).into());
        }
        // The rules' refusal before any request for admin mode, as for Delete User.
        if let Some(refusal) = self.merge_refusal(admin, duplicate, keep).await? {
            return Err(AppError::Refused(refusal.message().into()));
        }
        self.require_admin_mode(session).await?;
        // Ids and counts only: the duplicate's personal data leaves no trace here.
        let (actor, on_behalf_of) = (Some(admin.user.id), admin.impersonator);
        let audit = self.audit_record(AuditAction::UserMerged, actor, on_behalf_of, Some(duplicate), ip, String::new());
        let moves = self.db.merge_users(duplicate, keep, admin.user.id, audit.clone()).await.map_err(|e| match e {
            StoreError::MergeRefused(refusal) => AppError::Refused(refusal.message().into()),
            other => store_error(other),
        })?;
        crate::log_audit(&AuditRecord { detail: moves.audit_detail(keep), ..audit });
        Ok(moves)
    }

    /// Why `admin` may not merge `duplicate` into `keep` now, if they may
    /// not; the store applies the same rules again as it merges. A view of
    /// either past its time limit ends here rather than stand in the way.
    /// (A user who is gone is the store's `NotFound`.)
    async fn merge_refusal(
        &self,
        admin: &SignedIn,
        duplicate: UserId,
        keep: UserId,
    ) -> Result<Option<roster_domain::MergeRefusal>, AppError> {
        let mut parties = Vec::with_capacity(2);
        for id in [duplicate, keep] {
            let mut viewed = false;
            if let Some(view) = self.db.impersonation_of(id).await.map_err(store_error)? {
                if self.past_time_limit(&view) {
                    self.end_view_at_time_limit(&view).await?;
                } else {
                    viewed = true;
                }
            }
            parties.push(MergeParty { id, administers: self.administers(id).await?, viewed });
        }
        Ok(merge_refusal(admin.user.id, &parties[0], &parties[1]))
    }
}
