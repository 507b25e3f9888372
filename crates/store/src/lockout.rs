//! Failed sign-ins and the locks they bring. Each change is one atomic
//! statement (a lock is a compare-and-set on the count of locks), so
//! concurrent attempts can neither lose a count, lock twice, nor slip a
//! success past a lock.

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use crate::bulk_runs::decide_one;
use roster_domain::{BulkOutcome, BulkRules, Timestamp, UserId};

/// `users.locked_until` names a lock in force at `$1`.
pub(crate) const LOCKED_AT: &str = "locked_until > $1";
/// The opposite: no lock, or one that has lifted by `$1`.
pub(crate) const NOT_LOCKED_AT: &str = "(locked_until IS NULL OR locked_until <= $1)";

/// Where an account stood after a failure was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures since the last lock or success, this one included.
    pub failures: i64,
    /// Locks so far without a successful sign-in between them.
    pub lockouts: i64,
}

impl Db {
    /// Counts one failed sign-in (or wrong code or password check) of an
    /// account that is not locked at `now`. `None` when it is locked (its
    /// failures do not count: guessing through a lock does not make it
    /// longer) or gone.
    pub async fn record_failed_sign_in(&self, id: UserId, now: Timestamp) -> Result<Option<FailureCount>, StoreError> {
        let sql = format!(
            "UPDATE users SET failed_logins = failed_logins + 1, last_failed_login_at = $1 \
             WHERE id = $2 AND {NOT_LOCKED_AT} RETURNING failed_logins, lockouts"
        );
        let row: Option<(i32, i32)> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(now.0).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(|(failures, lockouts)| FailureCount { failures: failures.into(), lockouts: lockouts.into() }))
    }

    /// Locks the account until `until` if it has reached `threshold`
    /// failures and no one locked it since `seen` was read, writing `audit`
    /// with the lock; true when this call locked it. The failure count
    /// starts again.
    pub async fn lock_account(
        &self,
        id: UserId,
        seen: FailureCount,
        threshold: i64,
        until: Timestamp,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE users SET locked_until = $1, lockouts = lockouts + 1, failed_logins = 0 \
                   WHERE id = $2 AND lockouts = $3 AND failed_logins >= $4";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let n = sqlx::query(sql)
                .bind(until.0)
                .bind(id.0)
                .bind(seen.lockouts)
                .bind(threshold)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Records a completed sign-in and clears failures and past locks,
    /// unless the account is locked at `now`: then nothing changes and the
    /// answer is false.
    pub async fn record_sign_in(&self, id: UserId, now: Timestamp) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE users SET last_login_at = $1, failed_logins = 0, lockouts = 0, locked_until = NULL \
             WHERE id = $2 AND {NOT_LOCKED_AT}"
        );
        let n = on_pool!(self, pool => sqlx::query(&sql).bind(now.0).bind(id.0).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Forgets failures and past locks after the right password, unless a
    /// lock is in force at `now` (that one stands).
    pub async fn clear_failures(&self, id: UserId, now: Timestamp) -> Result<(), StoreError> {
        let sql = format!("UPDATE users SET failed_logins = 0, lockouts = 0 WHERE id = $2 AND {NOT_LOCKED_AT}");
        on_pool!(self, pool => sqlx::query(&sql).bind(now.0).bind(id.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Lifts a lock in force at the audit's time and forgets past ones,
    /// writing `audit` in the same transaction; false (and nothing written)
    /// when the account was not locked (or is gone). `rules` (for Unlock)
    /// decide first, inside the transaction, as for each user of a bulk
    /// Unlock.
    pub async fn unlock_user(&self, id: UserId, rules: &mut BulkRules, audit: &AuditRecord) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE users SET failed_logins = 0, lockouts = 0, locked_until = NULL WHERE id = $2 AND {LOCKED_AT}"
        );
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            match decide_one(&mut *tx, rules, id, audit.at).await {
                Ok(BulkOutcome::Change) => {}
                Ok(BulkOutcome::Already) | Err(StoreError::NotFound) => return Ok(false),
                Ok(BulkOutcome::Refused(refusal)) => return Err(StoreError::Refused(refusal)),
                Err(other) => return Err(other),
            }
            let n = sqlx::query(&sql).bind(audit.at.0).bind(id.0).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Until when the account is locked at `now`: `Ok(None)` when it is
    /// gone, `Some(None)` when it is not locked.
    pub async fn locked_until(&self, id: UserId, now: Timestamp) -> Result<Option<Option<Timestamp>>, StoreError> {
        let sql = "SELECT locked_until FROM users WHERE id = $1";
        let row: Option<Option<i64>> =
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(|until| until.filter(|until| *until > now.0).map(Timestamp)))
    }

    /// The user with this login, in any case (not an email address that
    /// reads the same).
    pub async fn user_with_login(&self, login: &str) -> Result<Option<UserId>, StoreError> {
        let sql = "SELECT id FROM users WHERE login_normalized = $1";
        let id: Option<i64> =
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(login.to_lowercase()).fetch_optional(pool).await?);
        Ok(id.map(UserId))
    }

    /// The failures counted toward the next lock, for tests.
    pub async fn failed_sign_ins(&self, id: UserId) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT failed_logins FROM users WHERE id = $1";
        let n: Option<i32> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id.0).fetch_optional(pool).await?);
        Ok(n.map(i64::from))
    }
}
