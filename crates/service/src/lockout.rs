//! Locks from failed sign-ins: each lifts itself after a wait that grows
//! with every lock in a row (1, 5, 15, 60 minutes by default), optionally
//! ending in one that waits for an admin. Sign-in, the code step and every
//! check of a signed-in user's password count toward the same lock.

use crate::{require, store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, BulkAction, BulkRules, Permission, Timestamp, UserId, LOCKED_UNTIL_UNLOCKED};
use roster_store::FailureCount;

impl Roster {
    /// Failed sign-ins in a row that lock an account.
    pub fn lockout_threshold(&self) -> i64 {
        i64::from(self.settings.lockout_threshold)
    }

    /// Until when a lock lasts that follows `lockouts` earlier locks in a row.
    fn lock_ends(&self, lockouts: i64) -> Timestamp {
        let settings = &self.settings;
        let permanent = settings.lockout_permanent_after > 0 && lockouts >= i64::from(settings.lockout_permanent_after);
        let waits = &settings.lockout_wait_seconds;
        let wait = usize::try_from(lockouts).ok().and_then(|n| waits.get(n.min(waits.len().saturating_sub(1))));
        match wait {
            Some(seconds) if !permanent => Timestamp(self.now().0 + i64::from(*seconds)),
            _ => LOCKED_UNTIL_UNLOCKED,
        }
    }

    /// Counts a failed attempt (audited as `action`, `by` the signed-in user
    /// who made it, and the admin behind them in a view), and locks the account when it reaches the
    /// threshold; returns whether this attempt locked it. Attempts while a
    /// lock is in force are audited but not counted: they cannot make it longer.
    pub(crate) async fn count_failure(
        &self,
        user: UserId,
        action: AuditAction,
        by: Option<&SignedIn>,
        ip: Option<&str>,
    ) -> Result<bool, AppError> {
        let counted = self.db.record_failed_sign_in(user, self.now()).await.map_err(store_error)?;
        let (actor, on_behalf_of) = (by.map(|s| s.user.id), by.and_then(|s| s.impersonator));
        self.write_audit(self.audit_record(action, actor, on_behalf_of, Some(user), ip, String::new())).await?;
        let Some(seen @ FailureCount { failures, lockouts }) = counted else { return Ok(false) };
        if failures < self.lockout_threshold() {
            return Ok(false);
        }
        let until = self.lock_ends(lockouts);
        let until_text = if until == LOCKED_UNTIL_UNLOCKED { "unlocked".to_owned() } else { until.0.to_string() };
        let detail = format!("failures={failures} lock={} until={until_text}", lockouts + 1);
        let audit = self.audit_record(AuditAction::AccountLocked, None, None, Some(user), ip, detail);
        let threshold = self.lockout_threshold();
        let locked = self.db.lock_account(user, seen, threshold, until, &audit).await.map_err(store_error)?;
        if locked {
            crate::log_audit(&audit);
        }
        Ok(locked)
    }

    /// Until when the user is locked now, if they are (`Err` if they are gone).
    pub(crate) async fn locked_until(&self, user: UserId) -> Result<Option<Timestamp>, AppError> {
        self.db.locked_until(user, self.now()).await.map_err(store_error)?.ok_or(AppError::Unauthenticated)
    }

    /// ⋮ Actions → Unlock: lifts a user's lock at once (and forgets earlier
    /// locks, so the next waits a minute again). Needs `admin.user`.
    pub async fn unlock_user(&self, session: Option<&SignedIn>, user: UserId, ip: Option<&str>) -> Result<(), AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let action = BulkAction::Unlock;
        let mut rules = self.single_user_rules(admin, action, user).await?;
        let audit = self.audit_record(AuditAction::UserUnlocked, Some(admin.user.id), None, Some(user), ip, String::new());
        if !self.db.unlock_user(user, &mut rules, &audit).await.map_err(crate::errors::action_error(action))? {
            return Err(AppError::Refused("This user is not locked.".into()));
        }
        crate::log_audit(&audit);
        Ok(())
    }

    /// `roster-server unlock --login NAME`: the way back in when every admin
    /// is locked out. Returns whether there was a lock to lift; audited
    /// either way, as done from the command line.
    pub async fn unlock_from_command_line(&self, login: &str) -> Result<bool, AppError> {
        // The login as stored, not as new logins are parsed: it may be older
        // than today's rules (one with an `@`, say).
        let login = login.trim();
        let Some(user) = self.db.user_with_login(login).await.map_err(store_error)? else {
            return Err(AppError::Refused(format!("No user has the login {login}.")));
        };
        let audit = |was_locked| {
            let detail = format!("by=command_line was_locked={was_locked}");
            self.audit_record(AuditAction::UserUnlocked, None, None, Some(user), None, detail)
        };
        // The rules of Unlock, for nobody in particular: the command line is the way in of last resort.
        let admin_roles = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
        let mut rules = BulkRules { action: BulkAction::Unlock, me: UserId(0), admin_roles, active_admins: 0, admin_mode: true };
        let unlocked = self.db.unlock_user(user, &mut rules, &audit(true)).await.map_err(store_error)?;
        if unlocked {
            crate::log_audit(&audit(true));
        } else {
            // Nothing changed, but the attempt is on record too.
            self.write_audit(audit(false)).await?;
        }
        Ok(unlocked)
    }
}

/// What a signed-in user is told when their password cannot be checked.
pub(crate) fn locked_message(until: Timestamp) -> String {
    if until == LOCKED_UNTIL_UNLOCKED {
        "Too many wrong passwords: your account is locked until an admin unlocks it.".to_owned()
    } else {
        format!("Too many wrong passwords: your account is locked until {until}. Try again then.")
    }
}
