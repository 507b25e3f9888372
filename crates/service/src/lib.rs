//! Roster's server-side behaviour, free of HTTP: server functions and the
//! CLI are thin adapters over the methods of [`Roster`].

mod account;
mod audit_log;
mod clock;
mod errors;
mod impersonation;
mod passwords;
mod roles;
pub mod sealing;
mod seed;
mod sessions;
pub mod settings;
mod sign_in;
mod user_deletion;
mod user_edit;
mod tickets;
mod two_factor;
mod unlock;
mod users;

pub use clock::Clock;
pub use errors::store_error;
pub use passwords::PasswordHasher;
pub use sealing::{SealingError, Sealer, SecretKey};
pub use seed::{demo_organization, demo_tickets, demo_user, DEMO_ORGANIZATIONS, DEMO_PASSWORD};
pub use sessions::{PendingSignIn, Session, SessionToken, SignedIn};
pub use settings::Settings;
pub use sign_in::SignInOutcome;
pub use users::{require, NewAccount};

use roster_domain::{AppError, AuditAction, Timestamp, UserId};
use roster_store::{AuditRecord, Db};
use std::sync::Arc;

/// Everything a request needs: the database, settings, hasher, clock and
/// the sealer of secrets at rest. Cheap to clone; one per process.
#[derive(Clone)]
pub struct Roster {
    pub db: Db,
    pub settings: Arc<Settings>,
    hasher: PasswordHasher,
    clock: Clock,
    sealer: Sealer,
}

impl Roster {
    pub fn new(db: Db, settings: Settings, hasher: PasswordHasher, clock: Clock, sealer: Sealer) -> Self {
        Roster { db, settings: Arc::new(settings), hasher, clock, sealer }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// Failed sign-ins in a row that lock an account.
    pub fn lockout_threshold(&self) -> i64 {
        i64::from(self.settings.lockout_threshold)
    }

    /// Audits a refused cross-site request (the path, never its content).
    pub async fn record_cross_site_refusal(&self, ip: Option<&str>, path: &str) -> Result<(), AppError> {
        let path: String = path.chars().take(200).collect();
        self.audit_with_detail(AuditAction::CrossSiteRefused, None, None, ip, format!("path={path}")).await
    }

    /// Audits something a signed-in user did, naming the admin behind it
    /// when they act from the user's perspective.
    async fn audit_session(
        &self,
        session: &SignedIn,
        action: AuditAction,
        detail: String,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let user = Some(session.user.id);
        self.audit_full(action, user, session.impersonator, user, ip, detail).await
    }

    async fn audit(
        &self,
        action: AuditAction,
        actor: Option<UserId>,
        target: Option<UserId>,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        self.audit_with_detail(action, actor, target, ip, String::new()).await
    }

    /// Records an audit event; `detail` holds names and counts, never
    /// personal data or secrets.
    async fn audit_with_detail(
        &self,
        action: AuditAction,
        actor: Option<UserId>,
        target: Option<UserId>,
        ip: Option<&str>,
        detail: String,
    ) -> Result<(), AppError> {
        self.audit_full(action, actor, None, target, ip, detail).await
    }

    async fn audit_full(
        &self,
        action: AuditAction,
        actor: Option<UserId>,
        on_behalf_of: Option<UserId>,
        target: Option<UserId>,
        ip: Option<&str>,
        detail: String,
    ) -> Result<(), AppError> {
        let record = AuditRecord {
            at: self.now(),
            actor_id: actor,
            on_behalf_of_id: on_behalf_of,
            action,
            target_user_id: target,
            detail,
            ip: ip.map(str::to_owned),
        };
        tracing::info!(action = action.key(), actor = ?actor, target = ?target, ip, detail = record.detail, "audit");
        self.db.record_audit(&record).await.map_err(store_error)
    }
}
