use crate::{on_pool, Db, StoreError};
use roster_domain::{Timestamp, UserId};
use sqlx::FromRow;

/// A stored session, found by the SHA-256 of its cookie token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub impersonator_id: Option<UserId>,
    /// Signed in with a password, but a code is still owed.
    pub awaiting_code: bool,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// When its user last proved who they are: the sign-in, or a later
    /// re-entry of their password.
    pub confirmed_at: Timestamp,
    /// Its user's rights changed: the next request gives it a new id.
    pub rotate: bool,
    /// When it was given a new id: the old one works a few seconds more.
    pub replaced_at: Option<Timestamp>,
}

#[derive(FromRow)]
struct SessionRow {
    user_id: i64,
    impersonator_id: Option<i64>,
    awaiting_code: bool,
    created_at: i64,
    last_seen_at: i64,
    confirmed_at: Option<i64>,
    rotate: bool,
    replaced_at: Option<i64>,
}

impl Db {
    /// Stores a new session; `awaiting_code` for one that still owes a code.
    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: Timestamp,
        awaiting_code: bool,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO sessions (token_hash, user_id, awaiting_code, created_at, last_seen_at, confirmed_at) \
                   VALUES ($1, $2, $3, $4, $4, $4)";
        on_pool!(self, pool => {
            sqlx::query(sql).bind(token_hash).bind(user_id.0).bind(awaiting_code).bind(now.0).execute(pool).await?.rows_affected()
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let sql = "SELECT user_id, impersonator_id, awaiting_code, created_at, last_seen_at, confirmed_at, rotate, replaced_at \
                   FROM sessions WHERE token_hash = $1";
        let row: Option<SessionRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).fetch_optional(pool).await?);
        Ok(row.map(|r| SessionRecord {
            user_id: UserId(r.user_id),
            impersonator_id: r.impersonator_id.map(UserId),
            awaiting_code: r.awaiting_code,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            confirmed_at: Timestamp(r.confirmed_at.unwrap_or(r.created_at)),
            rotate: r.rotate,
            replaced_at: r.replaced_at.map(Timestamp),
        }))
    }

    /// Records that the session's user proved who they are at `now`; false
    /// when the session is gone (or has a new id since).
    pub async fn confirm_session(&self, token_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let sql = "UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(now.0).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Gives a session marked `rotate` the id `new_hash`: a copy under the
    /// new id, and the old row marked replaced at `now` (it works a few
    /// seconds more, for requests already on their way). False if another
    /// request rotated it first (or it is gone).
    pub async fn rotate_session(&self, old_hash: &str, new_hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let mark = "UPDATE sessions SET rotate = FALSE, replaced_at = $2 WHERE token_hash = $1 AND rotate";
        let copy = "INSERT INTO sessions (token_hash, user_id, impersonator_id, awaiting_code, created_at, last_seen_at, \
                    confirmed_at) SELECT $2, user_id, impersonator_id, awaiting_code, created_at, last_seen_at, confirmed_at \
                    FROM sessions WHERE token_hash = $1";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let marked = sqlx::query(mark).bind(old_hash).bind(now.0).execute(&mut *tx).await?.rows_affected() == 1;
            if marked {
                sqlx::query(copy).bind(old_hash).bind(new_hash).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(marked)
        })
    }

    pub async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(now.0).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Returns whether a session was there to delete.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(token_hash).execute(pool).await?.rows_affected());
        Ok(n > 0)
    }

    /// Ends every session of a user; returns how many there were.
    pub async fn delete_user_sessions(&self, user_id: UserId) -> Result<u64, StoreError> {
        let sql = "DELETE FROM sessions WHERE user_id = $1";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user_id.0).execute(pool).await?.rows_affected());
        Ok(n)
    }
}
