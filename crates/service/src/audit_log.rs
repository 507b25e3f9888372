use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditPage, AuditQuery, Permission, AUDIT_PAGE_SIZE};

impl Roster {
    /// A page of the audit log, newest first. Needs `admin.user`.
    pub async fn audit_log(&self, session: Option<&SignedIn>, query: &AuditQuery) -> Result<AuditPage, AppError> {
        require(session, Permission::AdminUser)?;
        let needle = query.needle()?;
        let limit = AUDIT_PAGE_SIZE as i64 + 1;
        let mut entries =
            self.db.audit_page(&needle, query.action, query.before, limit).await.map_err(store_error)?;
        let older = (entries.len() > AUDIT_PAGE_SIZE).then(|| {
            entries.truncate(AUDIT_PAGE_SIZE);
            AuditQuery { before: entries.last().map(|e| e.id), ..query.clone() }
        });
        Ok(AuditPage { entries, older })
    }
}
