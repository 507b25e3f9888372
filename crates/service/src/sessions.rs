use crate::{store_error, Roster};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use roster_domain::{AppError, AuditAction, CurrentUser, Permission, RequiredAction, Timestamp, UserId};
pub use roster_store::SessionClient;
use sha2::{Digest, Sha256};
use std::fmt;

/// The secret in a session cookie: 256 random bits. Only its SHA-256 is
/// stored, so the sessions table cannot be replayed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

const TOKEN_BYTES: usize = 32;
/// A session is marked as used at most this often, to spare the database a
/// write per request; idle timeouts are therefore this coarse.
const TOUCH_EVERY_SECONDS: i64 = 60;

impl SessionToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts a cookie value only if it has the shape Roster issues.
    pub fn from_cookie(value: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(value).ok()?;
        (decoded.len() == TOKEN_BYTES).then(|| SessionToken(value.to_owned()))
    }

    pub fn as_cookie_value(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        Sha256::digest(self.0.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// How long an id replaced by a new one goes on working.
const REPLACED_ID_GRACE_SECONDS: i64 = 30;

/// How long the code step may take after the password step.
const CODE_STEP_SECONDS: i64 = 5 * 60;

/// What a request's cookie stands for.
#[derive(Clone, Debug)]
pub enum Session {
    SignedIn(SignedIn),
    /// The password step passed; the code step is next, and nothing else
    /// is allowed.
    AwaitingCode(PendingSignIn),
    /// Signed in, but a required action comes first: the session allows
    /// only that step (and signing out).
    ActionRequired(PendingAction),
}

/// A signed-in session that owes `action` before it grants anything else.
#[derive(Clone, Debug)]
pub struct PendingAction {
    /// The session as it will be once the step is done. Only the step's
    /// own functions may use it.
    pub session: SignedIn,
    pub action: RequiredAction,
}

/// A sign-in that still owes a code.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub token: SessionToken,
    pub user: UserId,
}

/// A request's valid session and the user it belongs to.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub token: SessionToken,
    pub user: CurrentUser,
    /// The admin behind an impersonation, if any.
    pub impersonator: Option<UserId>,
    /// When the person behind it last proved who they are (see `step_up`).
    pub confirmed_at: Timestamp,
}

impl Roster {
    /// The session a cookie names, if it is still valid. Expired sessions and
    /// sessions of users who are gone or inactive are deleted on sight. (A
    /// lock from failed sign-ins keeps new sign-ins out, not open sessions:
    /// else anyone could sign an admin out by guessing.) A view past its time
    /// limit ends here, and a session whose user's rights changed comes back
    /// with a new token: the browser must be given it.
    pub async fn resolve_session(&self, token: &SessionToken) -> Result<Option<Session>, AppError> {
        self.resolve_session_from(token, &SessionClient::default()).await
    }

    /// `resolve_session` for a request from `client`: its address and
    /// browser are kept with the session for the Sessions lists (written
    /// when they change, or with the periodic mark of use).
    pub async fn resolve_session_from(&self, token: &SessionToken, client: &SessionClient) -> Result<Option<Session>, AppError> {
        let hash = token.hash();
        let Some(mut record) = self.db.session(&hash).await.map_err(store_error)? else { return Ok(None) };
        let now = self.now();
        if record.awaiting_code {
            if now.0 - record.created_at.0 > CODE_STEP_SECONDS {
                self.db.delete_session(&hash).await.map_err(store_error)?;
                return Ok(None);
            }
            return Ok(Some(Session::AwaitingCode(PendingSignIn { token: token.clone(), user: record.user_id })));
        }
        if let Some(admin) = record.impersonator_id {
            let view = self.db.impersonation_by(admin).await.map_err(store_error)?;
            if let Some(view) = view.filter(|v| v.user == record.user_id && self.past_time_limit(v)) {
                // The session is the admin's own again, with a new id below.
                self.end_view_at_time_limit(&view).await?;
                let Some(own) = self.db.session(&hash).await.map_err(store_error)? else { return Ok(None) };
                record = own;
            }
        }
        // An id replaced by a new one works a few seconds more, for the
        // requests that were already on their way with it.
        if record.replaced_at.is_some_and(|at| now.0 - at.0 > REPLACED_ID_GRACE_SECONDS) {
            self.db.delete_session(&hash).await.map_err(store_error)?;
            return Ok(None);
        }
        let idle = now.0 - record.last_seen_at.0 > self.settings.session_idle_minutes * 60;
        let too_old = now.0 - record.created_at.0 > self.settings.session_absolute_hours * 3600;
        let user = if idle || too_old {
            None
        } else {
            self.db.current_user(record.user_id, None).await.map_err(store_error)?
        };
        let Some(user) = user else {
            self.db.delete_session(&hash).await.map_err(store_error)?;
            return Ok(None);
        };
        // Only what the request says counts: one without a User-Agent
        // leaves the browser as it was, and writes nothing for it.
        let differs = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
        let moved = differs(&client.address, &record.client.address) || differs(&client.user_agent, &record.client.user_agent);
        if moved || now.0 - record.last_seen_at.0 >= TOUCH_EVERY_SECONDS {
            self.db.touch_session(&hash, now, client).await.map_err(store_error)?;
        }
        let mut user = user;
        if let Some(admin) = record.impersonator_id {
            // What the user owes is theirs to do, not the viewing admin's.
            user.required_action = None;
            // The admin's rights are checked on every request; losing them ends the view.
            // So does the user becoming an admin (a role of theirs now grants
            // `admin.user`): admins are never viewed from their perspective.
            if user.can(Permission::AdminUser) {
                self.end_impersonations_by(admin, "user_became_admin").await?;
                return Ok(None);
            }
            match self.impersonator_label(admin, user.id).await? {
                Some(label) => user.impersonator = Some(label),
                None => {
                    self.end_impersonations_by(admin, "admin_lost_access").await?;
                    return Ok(None);
                }
            }
        }
        // The user's rights changed since this id was issued: a new one,
        // which the session layer hands the browser. A request that lost the
        // race to rotate goes on under the old id, as during its grace.
        let mut token = token.clone();
        if record.rotate {
            let renewed = SessionToken::generate();
            if self.db.rotate_session(&hash, &renewed.hash(), now).await.map_err(store_error)? {
                token = renewed;
            }
        }
        let signed_in = SignedIn { token, user, impersonator: record.impersonator_id, confirmed_at: record.confirmed_at };
        // Checked on every request, so a step an admin asks for (or a role
        // that now requires two-factor) stops open sessions too.
        if let Some(action) = signed_in.user.required_action {
            return Ok(Some(Session::ActionRequired(PendingAction { session: signed_in, action })));
        }
        Ok(Some(Session::SignedIn(signed_in)))
    }

    /// Starts a new session for a user who has just proved who they are
    /// (`awaiting_code`: by password, with a code still to come).
    pub(crate) async fn start_session(&self, user: UserId, awaiting_code: bool) -> Result<SessionToken, AppError> {
        let token = SessionToken::generate();
        self.db.insert_session(&token.hash(), user, self.now(), awaiting_code).await.map_err(store_error)?;
        Ok(token)
    }

    /// Drops a sign-in that was waiting for its code.
    pub async fn abandon_sign_in(&self, pending: &PendingSignIn) -> Result<(), AppError> {
        self.db.delete_session(&pending.token.hash()).await.map_err(store_error)?;
        Ok(())
    }

    /// Ends this session on the server: its cookie is worthless afterwards.
    pub async fn sign_out(&self, session: &SignedIn, ip: Option<&str>) -> Result<(), AppError> {
        self.db.delete_session(&session.token.hash()).await.map_err(store_error)?;
        self.audit_session(session, AuditAction::SignedOut, String::new(), ip).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_roster_shaped_cookies_parse() {
        let a = SessionToken::generate();
        assert_ne!(a, SessionToken::generate());
        assert_eq!(SessionToken::from_cookie(a.as_cookie_value()), Some(a.clone()));
        assert_eq!(a.hash().len(), 64);
        for bad in ["", "short", "not base64 at all!!", &"A".repeat(200)] {
            assert!(SessionToken::from_cookie(bad).is_none(), "{bad}");
        }
        assert_eq!(format!("{a:?}"), "SessionToken(<redacted>)");
    }
}
