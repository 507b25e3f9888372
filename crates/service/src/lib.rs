//! Roster's server-side behaviour, free of HTTP: server functions and the
//! CLI are thin adapters over the methods of [`Roster`].

mod account;
mod admin_rules;
mod audit_log;
mod bulk_actions;
mod clock;
mod dormant_accounts;
mod errors;
mod impersonation;
mod import_file;
mod lockout;
mod passwords;
mod required_actions;
mod roles;
pub mod sealing;
mod seed;
mod sessions;
pub mod settings;
mod sign_in;
mod step_up;
mod user_deletion;
mod user_edit;
mod user_export;
mod user_import;
mod user_merge;
mod user_sessions;
mod tickets;
mod two_factor;
mod users;

pub use bulk_actions::bulk_mark;
pub use clock::Clock;
pub use dormant_accounts::{job_holder_name, DormantRun, ASK_EVERY_SECONDS as DORMANT_ASK_EVERY_SECONDS};
pub use errors::store_error;
pub use passwords::PasswordHasher;
pub use sealing::{SealingError, Sealer, SecretKey};
pub use seed::{demo_organization, demo_tickets, demo_user, DEMO_ORGANIZATIONS, DEMO_PASSWORD};
pub use sessions::{PendingAction, PendingSignIn, Session, SessionClient, SessionToken, SignedIn};
pub use user_sessions::describe_browser;
pub use settings::Settings;
pub use sign_in::SignInOutcome;
pub use user_export::{export_header, neutralised, ExportStream};
pub use user_import::{import_mark, ImportUpload};
pub use users::{require, NewAccount};

use roster_domain::{AppError, AuditAction, Timestamp, UserId};
use roster_store::{AuditRecord, Db};
use std::sync::Arc;

pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

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
    /// The hasher's queue is limited as the settings say.
    pub fn new(db: Db, settings: Settings, hasher: PasswordHasher, clock: Clock, sealer: Sealer) -> Self {
        let hasher = hasher.with_queue_limit(settings.password_checks_queued as usize);
        Roster { db, settings: Arc::new(settings), hasher, clock, sealer }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The "No sign-in for N days" facet's line now (`dormant-after-days`).
    pub fn dormant_line(&self) -> Timestamp {
        Timestamp(self.now().0 - self.settings.dormant_after_days.max(1) * SECONDS_PER_DAY)
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// Audits `refused` cross-site requests from one address, the first of
    /// them at `first` to `path` (the path, never the content).
    pub async fn record_cross_site_refusals(
        &self,
        ip: Option<&str>,
        path: &str,
        refused: u64,
        first: Timestamp,
    ) -> Result<(), AppError> {
        let path: String = path.chars().take(200).collect();
        let record = AuditRecord {
            at: first,
            actor_id: None,
            on_behalf_of_id: None,
            action: AuditAction::CrossSiteRefused,
            target_user_id: None,
            detail: format!("path={path} refused={refused}"),
            ip: ip.map(str::to_owned),
        };
        self.write_audit(record).await
    }

    /// Audits a request refused for want of a permission: who (if anyone),
    /// what (the server function's path) and from where.
    pub async fn record_refusal(&self, session: Option<&SignedIn>, path: &str, ip: Option<&str>) -> Result<(), AppError> {
        let path: String = path.chars().take(200).collect();
        let (actor, on_behalf_of) = (session.map(|s| s.user.id), session.and_then(|s| s.impersonator));
        self.write_audit(self.audit_record(AuditAction::RequestRefused, actor, on_behalf_of, None, ip, format!("path={path}"))).await
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
        self.write_audit(self.session_audit_record(session, action, detail, ip)).await
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
        self.write_audit(self.audit_record(action, actor, None, target, ip, detail)).await
    }

    /// The audit row of something done now, for a change that writes it in
    /// its own transaction (then `log_audit` once it is done).
    fn audit_record(
        &self,
        action: AuditAction,
        actor: Option<UserId>,
        on_behalf_of: Option<UserId>,
        target: Option<UserId>,
        ip: Option<&str>,
        detail: String,
    ) -> AuditRecord {
        AuditRecord {
            at: self.now(),
            actor_id: actor,
            on_behalf_of_id: on_behalf_of,
            action,
            target_user_id: target,
            detail,
            ip: ip.map(str::to_owned),
        }
    }

    /// The audit row of what a signed-in user did, naming the admin behind
    /// it when they act from the user's perspective.
    fn session_audit_record(&self, session: &SignedIn, action: AuditAction, detail: String, ip: Option<&str>) -> AuditRecord {
        let user = Some(session.user.id);
        self.audit_record(action, user, session.impersonator, user, ip, detail)
    }

    async fn write_audit(&self, record: AuditRecord) -> Result<(), AppError> {
        log_audit(&record);
        self.db.record_audit(&record).await.map_err(store_error)
    }
}

/// The log line of an audit row.
fn log_audit(record: &AuditRecord) {
    let (action, actor, target) = (record.action.key(), record.actor_id, record.target_user_id);
    tracing::info!(action, actor = ?actor, target = ?target, ip = record.ip, detail = record.detail, "audit");
}
