//! Edit User → Sessions and Profile → Sessions: every open session of a
//! user, and signing one out, or all of them. An ended session's browser is
//! signed out at its next request (the session layer finds no session).

use crate::account::NOT_DURING_A_VIEW;
use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, BulkAction, SessionId, Timestamp, UserId, UserSession, SESSION_LIST_LIMIT};
use roster_store::{ListedSession, SessionClient};

impl Roster {
    /// A user's open sessions, for an admin (`admin.user`).
    pub async fn user_sessions(&self, session: Option<&SignedIn>, user: UserId) -> Result<Vec<UserSession>, AppError> {
        let admin = require(session, roster_domain::Permission::AdminUser)?;
        if self.db.editable_user(user).await.map_err(store_error)?.is_none() {
            return Err(AppError::NotFound);
        }
        self.sessions_of(user, admin).await
    }

    /// The caller's own open sessions. During a view of Roster as a user,
    /// the user's: what they would see.
    pub async fn my_sessions(&self, session: Option<&SignedIn>) -> Result<Vec<UserSession>, AppError> {
        let me = session.ok_or(AppError::Unauthenticated)?;
        self.sessions_of(me.user.id, me).await
    }

    /// Signs out one of a user's sessions, for an admin. A view of Roster
    /// as the user ends as a view: the admin's browser is signed out.
    pub async fn end_user_session(
        &self,
        session: Option<&SignedIn>,
        user: UserId,
        id: &SessionId,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let admin = require(session, roster_domain::Permission::AdminUser)?;
        not_during_a_view(admin)?;
        if self.db.editable_user(user).await.map_err(store_error)?.is_none() {
            return Err(AppError::NotFound);
        }
        self.end_listed_session(admin, user, id, ip).await
    }

    /// Signs out one of the caller's own sessions (this browser's too).
    pub async fn end_my_session(&self, session: Option<&SignedIn>, id: &SessionId, ip: Option<&str>) -> Result<(), AppError> {
        let me = session.ok_or(AppError::Unauthenticated)?;
        not_during_a_view(me)?;
        self.end_listed_session(me, me.user.id, id, ip).await
    }

    /// Signs a user out everywhere, for an admin, by the rules of the bulk
    /// action of the same name (not yourself: that is Profile → Sessions).
    /// Views of Roster as the user end too. Returns how many sessions ended.
    pub async fn end_user_sessions(&self, session: Option<&SignedIn>, user: UserId, ip: Option<&str>) -> Result<u64, AppError> {
        let admin = require(session, roster_domain::Permission::AdminUser)?;
        not_during_a_view(admin)?;
        self.single_user_rules(admin, BulkAction::SignOutEverywhere, user).await?;
        let ended = self.db.delete_user_sessions(user).await.map_err(store_error)?;
        self.end_impersonations_of(user, ip).await?;
        let detail = format!("sessions={ended}");
        self.audit_with_detail(AuditAction::SessionsEnded, Some(admin.user.id), Some(user), ip, detail).await?;
        Ok(ended)
    }

    /// Signs the caller out everywhere but this browser; views of Roster
    /// as them end too. Returns how many sessions ended.
    pub async fn end_my_other_sessions(&self, session: Option<&SignedIn>, ip: Option<&str>) -> Result<u64, AppError> {
        let me = session.ok_or(AppError::Unauthenticated)?;
        not_during_a_view(me)?;
        let ended = self.db.delete_other_sessions(me.user.id, &me.token.hash()).await.map_err(store_error)?;
        self.end_impersonations_of(me.user.id, ip).await?;
        self.audit_session(me, AuditAction::SessionsEnded, format!("sessions={ended} kept=this_browser"), ip).await?;
        Ok(ended)
    }

    /// The sessions of `user` still in their time, as `asking` sees them.
    async fn sessions_of(&self, user: UserId, asking: &SignedIn) -> Result<Vec<UserSession>, AppError> {
        let now = self.now();
        let seen_after = Timestamp(now.0 - self.settings.session_idle_minutes * 60);
        let started_after = Timestamp(now.0 - self.settings.session_absolute_hours * 3600);
        let this_hash = asking.token.hash();
        let listed = self
            .db
            .user_sessions(user, &this_hash, seen_after, started_after, SESSION_LIST_LIMIT as i64)
            .await
            .map_err(store_error)?;
        let mut sessions = Vec::with_capacity(listed.len());
        for session in listed {
            let viewed_by = match session.impersonator {
                Some(admin) => Some(self.admin_label(admin).await?),
                None => None,
            };
            sessions.push(user_session(session, viewed_by));
        }
        Ok(sessions)
    }

    async fn end_listed_session(&self, actor: &SignedIn, user: UserId, id: &SessionId, ip: Option<&str>) -> Result<(), AppError> {
        let far_past = Timestamp(i64::MIN);
        // The session as listed: a view of Roster as the user ends as a view.
        let listed = self.db.user_sessions(user, "", far_past, far_past, i64::MAX).await.map_err(store_error)?;
        let Some(found) = listed.into_iter().find(|s| &s.id == id) else {
            return Err(AppError::Refused("This session has ended already.".into()));
        };
        match found.impersonator {
            Some(admin) => self.end_impersonations_by(admin, "signed_out_from_sessions").await?,
            None => {
                self.db.delete_listed_session(user, id).await.map_err(store_error)?;
            }
        }
        let detail = format!("session={id}");
        self.write_audit(self.audit_record(AuditAction::SessionEnded, Some(actor.user.id), actor.impersonator, Some(user), ip, detail))
            .await
    }

    /// "Ada Admin (admin)", or the id of an admin who is gone.
    async fn admin_label(&self, admin: UserId) -> Result<String, AppError> {
        let user = self.db.current_user(admin, None).await.map_err(store_error)?;
        Ok(user.map(|a| format!("{} ({})", a.display_name, a.login)).unwrap_or_else(|| format!("user {admin}")))
    }
}

/// Sessions are the signed-in person's to end, not an admin's viewing as them.
fn not_during_a_view(session: &SignedIn) -> Result<(), AppError> {
    match session.impersonator {
        Some(_) => Err(AppError::Refused(NOT_DURING_A_VIEW.into())),
        None => Ok(()),
    }
}

fn user_session(session: ListedSession, viewed_by: Option<String>) -> UserSession {
    UserSession {
        id: session.id,
        started: session.created_at,
        last_seen: session.last_seen_at,
        browser: describe_browser(&session.client),
        address: session.client.address,
        this_browser: session.this_browser,
        viewed_by,
    }
}

/// "Firefox 133 on Windows 10", from the User-Agent a browser sent.
pub fn describe_browser(client: &SessionClient) -> String {
    let Some(agent) = client.user_agent.as_deref().filter(|ua| !ua.trim().is_empty()) else {
        return "Unknown browser".to_owned();
    };
    let Some(found) = woothee::parser::Parser::new().parse(agent) else {
        return "Unknown browser".to_owned();
    };
    let major = found.version.split('.').next().unwrap_or_default();
    let name = if found.name == "UNKNOWN" { "Unknown browser" } else { found.name };
    let browser = if major.is_empty() || found.version == "UNKNOWN" { name.to_owned() } else { format!("{name} {major}") };
    let os = match (found.os, found.os_version.as_ref()) {
        ("UNKNOWN", _) => return browser,
        (os, version) if os.starts_with("Windows") || version == "UNKNOWN" || version.is_empty() => os.to_owned(),
        (os, version) => format!("{os} {version}"),
    };
    format!("{browser} on {os}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(agent: &str) -> String {
        describe_browser(&SessionClient { address: None, user_agent: Some(agent.to_owned()) })
    }

    #[test]
    fn browsers_are_named_with_their_major_version_and_system() {
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(described(firefox), "Firefox 133 on Windows 10");
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(described(chrome), "Chrome 131 on Linux");
        assert_eq!(describe_browser(&SessionClient::default()), "Unknown browser");
        assert_eq!(described("curl/8.5.0"), "HTTP Library curl");
        assert_eq!(described("\u{1}"), "Unknown browser");
    }
}
