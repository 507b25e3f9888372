//! Dormant accounts: deactivating accounts nobody has signed in to for
//! `deactivate-dormant-after-days`, on a schedule that works with several
//! instances: each asks every few minutes, and the one that takes the lease
//! row (an atomic UPDATE) does the work, at most once an hour.

use crate::{store_error, Roster, SECONDS_PER_DAY};
use rand::RngCore;
use roster_domain::{AppError, AuditAction, Timestamp};

/// The job's row in `scheduled_jobs`.
const JOB: &str = "deactivate_dormant";
/// How often the work is done, across all instances.
const RUN_EVERY_SECONDS: i64 = 3_600;
/// How often each instance asks whether it is due.
pub const ASK_EVERY_SECONDS: u64 = 300;
/// How long a lease lasts: an instance that dies holding it blocks the job
/// no longer than this.
const LEASE_SECONDS: i64 = 600;
/// Accounts deactivated per transaction.
const CHUNK: i64 = 500;

/// A name for this instance in the lease row, random per process.
pub fn job_holder_name() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("instance-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What one turn of the job did.
#[derive(Debug, PartialEq, Eq)]
pub enum DormantRun {
    /// `deactivate-dormant-after-days` is 0.
    Off,
    /// Another instance holds the lease, or the job ran less than an hour ago.
    NotDue,
    /// This many accounts were deactivated.
    Deactivated(usize),
}

impl Roster {
    /// One turn of the scheduled job, as `holder`: deactivates every active
    /// account without a sign-in for `deactivate-dormant-after-days` (admins
    /// only if `deactivate-dormant-admins`, never the last active ones), each
    /// audited as "Deactivated for inactivity". `force` runs it even if it
    /// ran within the hour (the command line's `deactivate-dormant`), though
    /// never beside another instance's run.
    pub async fn deactivate_dormant_accounts(&self, holder: &str, force: bool) -> Result<DormantRun, AppError> {
        let days = self.settings.deactivate_dormant_after_days;
        if days <= 0 {
            return Ok(DormantRun::Off);
        }
        let now = self.now();
        let due_before = if force { Timestamp(i64::MAX) } else { Timestamp(now.0 - RUN_EVERY_SECONDS + ASK_EVERY_SECONDS as i64) };
        let lease_until = Timestamp(now.0 + LEASE_SECONDS);
        if !self.db.take_job_lease(JOB, holder, now, lease_until, due_before).await.map_err(store_error)? {
            return Ok(DormantRun::NotDue);
        }
        let before = Timestamp(now.0 - days * SECONDS_PER_DAY);
        let include_admins = self.settings.deactivate_dormant_admins;
        let audit = self.audit_record(AuditAction::DeactivatedForInactivity, None, None, None, None, format!("days={days}"));
        let mut deactivated = 0;
        loop {
            let chunk = self.db.deactivate_dormant(before, include_admins, CHUNK, &audit).await.map_err(store_error)?;
            for account in &chunk {
                tracing::info!(user = account.id.0, days, "deactivated for inactivity");
            }
            deactivated += chunk.len();
            // Each chunk deactivates someone or ends the work: admins kept
            // back may fill a chunk, so a short one is no sign of the end.
            if chunk.is_empty() {
                break;
            }
        }
        self.db.finish_job(JOB, holder, now).await.map_err(store_error)?;
        Ok(DormantRun::Deactivated(deactivated))
    }
}
