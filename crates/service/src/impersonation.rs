//! View from user's perspective: the admin's browser becomes the user's
//! session — really, not as a simulation — until Back to my view, and
//! survives the admin signing out and in again. Everything done meanwhile
//! is audited with the admin behind it.

use crate::{require, store_error, Roster, SessionToken, SignedIn};
use roster_domain::{AppError, AuditAction, CurrentUser, ImpersonationReason, Permission, UserId};
use roster_store::{AuditRecord, Impersonation, StoreError};

fn refused(message: &str) -> AppError {
    AppError::Refused(message.to_owned())
}

impl Roster {
    /// Starts viewing Roster as `user`, for `reason` (audited): their
    /// sessions end, the admin's session is replaced by one of theirs (a new
    /// id). Returns its token and the user as the pages will see them. Needs
    /// `admin.user`; refused for yourself, while already viewing as someone
    /// (here or in another browser), for inactive or locked users, for other
    /// admins and for a user another admin is viewing Roster as.
    pub async fn start_impersonation(
        &self,
        session: Option<&SignedIn>,
        user: UserId,
        reason: &str,
        ip: Option<&str>,
    ) -> Result<(SessionToken, CurrentUser), AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let reason = ImpersonationReason::parse(reason)?;
        if admin.impersonator.is_some() {
            return Err(refused("You are already viewing Roster as another user. Go back to your view first."));
        }
        if admin.user.id == user {
            return Err(refused("You cannot view Roster from your own perspective."));
        }
        let Some(mut target) = self.db.current_user(user, Some(self.now())).await.map_err(store_error)? else {
            return Err(refused("Only active, unlocked users can be viewed from their perspective."));
        };
        if target.can(Permission::AdminUser) {
            return Err(refused("Other admins cannot be viewed from their perspective."));
        }
        self.refuse_overlapping_views(admin.user.id, user).await?;
        self.require_admin_mode(session).await?;
        let token = SessionToken::generate();
        let (old, new) = (admin.token.hash(), token.hash());
        let detail = format!("reason={:?}", reason.as_str());
        let audit = self.audit_record(AuditAction::ImpersonationStarted, Some(admin.user.id), None, Some(user), ip, detail);
        let started = self.db.start_impersonation(admin.user.id, user, &old, &new, &audit).await;
        started.map_err(|e| match e {
            StoreError::Conflict => refused("Another view of Roster began just now. Reload the page and try again."),
            e => store_error(e),
        })?;
        crate::log_audit(&audit);
        target.impersonator = Some(label(&admin.user));
        Ok((token, target))
    }

    /// One view per admin and one per user: a view still going on is
    /// refused, never silently ended; one past its time limit ends here.
    async fn refuse_overlapping_views(&self, admin: UserId, user: UserId) -> Result<(), AppError> {
        let mine = self.db.impersonation_by(admin).await.map_err(store_error)?;
        let theirs = self.db.impersonation_of(user).await.map_err(store_error)?;
        for view in [mine, theirs].into_iter().flatten() {
            if self.past_time_limit(&view) {
                self.end_view_at_time_limit(&view).await?;
                continue;
            }
            let name = |id| async move { self.db.current_user(id, None).await.map_err(store_error) };
            return Err(refused(&if view.admin == admin {
                let login = name(view.user).await?.map(|u| u.login).unwrap_or_default();
                format!(
                    "You are viewing Roster as {login} in another browser. \
                     Go back to your view there, or sign in again here to resume it."
                )
            } else {
                let other = name(view.admin).await?.map(|a| label(&a)).unwrap_or_else(|| "Another admin".into());
                format!("{other} is viewing Roster as this user. Try again once they are back in their own view.")
            }));
        }
        Ok(())
    }

    /// Whether a view has lasted as long as the settings allow.
    pub(crate) fn past_time_limit(&self, view: &Impersonation) -> bool {
        self.now().0 - view.started_at.0 > self.settings.impersonation_minutes * 60
    }

    /// Ends a view at its time limit: the admin's browsers in it are theirs
    /// again — the admin is not signed out for having stayed too long.
    pub(crate) async fn end_view_at_time_limit(&self, view: &Impersonation) -> Result<(), AppError> {
        let detail = "reason=time_limit".to_owned();
        let audit = self.audit_record(AuditAction::ImpersonationEnded, Some(view.admin), None, Some(view.user), None, detail);
        if self.db.hand_back_view(view, &audit).await.map_err(store_error)? {
            crate::log_audit(&audit);
        }
        Ok(())
    }

    /// Back to my view: the admin's own session again (a new id).
    pub async fn end_impersonation(
        &self,
        session: Option<&SignedIn>,
        ip: Option<&str>,
    ) -> Result<(SessionToken, CurrentUser), AppError> {
        let session = session.ok_or(AppError::Unauthenticated)?;
        let Some(admin) = session.impersonator else {
            return Err(refused("You are not viewing Roster as another user."));
        };
        let Some(me) = self.db.current_user(admin, None).await.map_err(store_error)? else {
            return Err(AppError::Unauthenticated);
        };
        let token = SessionToken::generate();
        let (old, new) = (session.token.hash(), token.hash());
        let detail = "reason=back_to_own_view".to_owned();
        let audit = self.audit_record(AuditAction::ImpersonationEnded, Some(admin), None, None, ip, detail);
        let user = self.db.end_impersonation(admin, &old, &new, &audit).await.map_err(store_error)?;
        crate::log_audit(&AuditRecord { target_user_id: user, ..audit });
        Ok((token, me))
    }

    /// "Ada Admin (admin)" while `admin` may still view Roster as `user`;
    /// `None` once they lost the right (or the view ended elsewhere).
    pub(crate) async fn impersonator_label(&self, admin: UserId, user: UserId) -> Result<Option<String>, AppError> {
        if self.db.impersonation_by(admin).await.map_err(store_error)?.map(|v| v.user) != Some(user) {
            return Ok(None);
        }
        let admin = self.db.current_user(admin, None).await.map_err(store_error)?;
        Ok(admin.filter(|a| a.can(Permission::AdminUser)).map(|a| label(&a)))
    }

    /// Ends the admin's view (and its sessions), audited with the reason.
    pub(crate) async fn end_impersonations_by(&self, admin: UserId, reason: &str) -> Result<(), AppError> {
        let audit = |admin, user| {
            let detail = format!("reason={reason}");
            self.audit_record(AuditAction::ImpersonationEnded, Some(admin), None, Some(user), None, detail)
        };
        for (admin, user) in self.db.end_impersonations(None, Some(admin), audit).await.map_err(store_error)? {
            crate::log_audit(&audit(admin, user));
        }
        Ok(())
    }

    /// When `user` signs in themselves, every view of Roster as them ends
    /// and those admins' browsers are signed out.
    pub(crate) async fn end_impersonations_of(&self, user: UserId, ip: Option<&str>) -> Result<(), AppError> {
        let audit = |admin, user| {
            let detail = "reason=user_signed_in".to_owned();
            self.audit_record(AuditAction::ImpersonationEnded, Some(admin), None, Some(user), ip, detail)
        };
        for (admin, user) in self.db.end_impersonations(Some(user), None, audit).await.map_err(store_error)? {
            crate::log_audit(&audit(admin, user));
        }
        Ok(())
    }

    /// At the admin's sign-in: the view they left by signing out, if it
    /// still may go on (audited). Returns the session token and the user.
    pub(crate) async fn resume_impersonation(&self, admin: UserId) -> Result<Option<(SessionToken, CurrentUser)>, AppError> {
        let Some(view) = self.db.impersonation_by(admin).await.map_err(store_error)? else { return Ok(None) };
        if self.past_time_limit(&view) {
            self.end_view_at_time_limit(&view).await?;
            return Ok(None);
        }
        let user = view.user;
        let Some(label) = self.impersonator_label(admin, user).await? else { return Ok(None) };
        let target = self.db.current_user(user, Some(self.now())).await.map_err(store_error)?;
        let Some(mut target) = target.filter(|t| !t.can(Permission::AdminUser)) else {
            self.end_impersonations_by(admin, "user_no_longer_eligible").await?;
            return Ok(None);
        };
        let token = SessionToken::generate();
        // The sign-in just audited carries the address.
        let audit = self.audit_record(AuditAction::ImpersonationResumed, Some(admin), None, Some(user), None, String::new());
        self.db.resume_impersonation(admin, user, &token.hash(), &audit).await.map_err(store_error)?;
        crate::log_audit(&audit);
        target.impersonator = Some(label);
        Ok(Some((token, target)))
    }
}

fn label(admin: &CurrentUser) -> String {
    format!("{} ({})", admin.display_name, admin.login)
}
