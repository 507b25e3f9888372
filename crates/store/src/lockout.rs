//! The failed-sign-in counter behind lockout. Every change is one atomic
//! statement, so concurrent attempts can neither lose a count nor slip a
//! success past a lock.

use crate::{on_pool, Db, StoreError};
use roster_domain::{Timestamp, UserId};

impl Db {
    /// Counts one failed sign-in (or wrong code); returns the new count.
    pub async fn record_failed_sign_in(&self, id: UserId, now: Timestamp) -> Result<i64, StoreError> {
        let sql = "UPDATE users SET failed_logins = failed_logins + 1, last_failed_login_at = $1 \
                   WHERE id = $2 RETURNING failed_logins";
        let count: Option<i32> =
            on_pool!(self, pool => sqlx::query_scalar(sql).bind(now.0).bind(id.0).fetch_optional(pool).await?);
        Ok(count.map_or(0, i64::from))
    }

    /// Records a completed sign-in and resets the counter, unless the account
    /// locked in the meantime: then nothing changes and the answer is false.
    pub async fn record_sign_in(&self, id: UserId, now: Timestamp, lockout_threshold: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE users SET last_login_at = $1, failed_logins = 0 WHERE id = $2 AND failed_logins < $3";
        let n = on_pool!(self, pool => {
            sqlx::query(sql).bind(now.0).bind(id.0).bind(lockout_threshold).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Unlocks a locked account; false when it was not locked (or is gone).
    pub async fn unlock_user(&self, id: UserId, lockout_threshold: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins >= $2";
        let n = on_pool!(self, pool => {
            sqlx::query(sql).bind(id.0).bind(lockout_threshold).execute(pool).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// The counter as stored, for tests and the Users panel's tooltip.
    pub async fn failed_sign_ins(&self, id: UserId) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT failed_logins FROM users WHERE id = $1";
        let n: Option<i32> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id.0).fetch_optional(pool).await?);
        Ok(n.map(i64::from))
    }
}
