//! Admins viewing Roster as a user. Each change of who a browser is, and
//! the sessions it ends, happens in one transaction.

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{Timestamp, UserId};

/// An admin viewing Roster as a user, since `started_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Impersonation {
    pub admin: UserId,
    pub user: UserId,
    pub started_at: Timestamp,
}

/// One view per admin and per user: a second one is a conflict.
fn taken(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(e),
    }
}

const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, impersonator_id, created_at, last_seen_at, \
                              confirmed_at, public_id) VALUES ($1, $2, $3, $4, $4, $4, $5)";
/// The browser's next session, in place of `$5`: it keeps the sign-in (and
/// confirmation) time of the one it replaces, so that the absolute lifetime
/// still counts from the admin's sign-in, and where it is seen from. It is
/// another session in the Sessions lists (`$6`): the view, or the admin's
/// own again.
const REPLACE_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, impersonator_id, created_at, last_seen_at, \
                               confirmed_at, public_id, address, user_agent) SELECT $1, $2, $3, created_at, $4, \
                               confirmed_at, $6, address, user_agent FROM sessions WHERE token_hash = $5";

impl Db {
    /// The admin's browser becomes `user`'s session: the user's own
    /// sessions end, the admin's session `old_session` is replaced by
    /// `new_session`, and the impersonation is recorded with its `audit`
    /// row, at the audit's time. `Conflict` if the admin or the user is in
    /// another view already.
    pub async fn start_impersonation(
        &self,
        admin: UserId,
        user: UserId,
        old_session: &str,
        new_session: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let now = audit.at;
        let record = "INSERT INTO impersonations (admin_id, user_id, started_at) VALUES ($1, $2, $3)";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            sqlx::query(record).bind(admin.0).bind(user.0).bind(now.0).execute(&mut *tx).await.map_err(taken)?;
            sqlx::query(REPLACE_SESSION)
                .bind(new_session)
                .bind(user.0)
                .bind(admin.0)
                .bind(now.0)
                .bind(old_session)
                .bind(crate::sessions::new_public_id())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(old_session).execute(&mut *tx).await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Back to my view: the impersonation ends and `old_session` is replaced
    /// by the admin's own `new_session`, with `audit` (naming the user who
    /// was viewed), at the audit's time. Returns that user.
    pub async fn end_impersonation(
        &self,
        admin: UserId,
        old_session: &str,
        new_session: &str,
        audit: &AuditRecord,
    ) -> Result<Option<UserId>, StoreError> {
        let now = audit.at;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let user: Option<i64> = sqlx::query_scalar("DELETE FROM impersonations WHERE admin_id = $1 RETURNING user_id")
                .bind(admin.0)
                .fetch_optional(&mut *tx)
                .await?;
            sqlx::query(REPLACE_SESSION)
                .bind(new_session)
                .bind(admin.0)
                .bind(None::<i64>)
                .bind(now.0)
                .bind(old_session)
                .bind(crate::sessions::new_public_id())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(old_session).execute(&mut *tx).await?;
            let audit = AuditRecord { target_user_id: user.map(UserId), ..audit.clone() };
            insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(user.map(UserId))
        })
    }

    /// The view an admin is in, if any.
    pub async fn impersonation_by(&self, admin: UserId) -> Result<Option<Impersonation>, StoreError> {
        self.impersonation("SELECT admin_id, user_id, started_at FROM impersonations WHERE admin_id = $1", admin).await
    }

    /// The view of Roster as `user`, if an admin is in one.
    pub async fn impersonation_of(&self, user: UserId) -> Result<Option<Impersonation>, StoreError> {
        self.impersonation("SELECT admin_id, user_id, started_at FROM impersonations WHERE user_id = $1", user).await
    }

    async fn impersonation(&self, sql: &str, id: UserId) -> Result<Option<Impersonation>, StoreError> {
        let row: Option<(i64, i64, i64)> = on_pool!(self, pool => sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await?);
        Ok(row.map(|(admin, user, started_at)| Impersonation {
            admin: UserId(admin),
            user: UserId(user),
            started_at: Timestamp(started_at),
        }))
    }

    /// Ends a view without its admin: the sessions it gave become the
    /// admin's own again, each to get a new id on its next request. False if
    /// the view had ended already; else `audit` is written with it.
    pub async fn hand_back_view(&self, view: &Impersonation, audit: &AuditRecord) -> Result<bool, StoreError> {
        let sessions = "UPDATE sessions SET user_id = impersonator_id, impersonator_id = NULL, rotate = TRUE \
                        WHERE impersonator_id = $1 AND user_id = $2";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let ended = sqlx::query("DELETE FROM impersonations WHERE admin_id = $1 AND user_id = $2")
                .bind(view.admin.0)
                .bind(view.user.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(sessions).bind(view.admin.0).bind(view.user.0).execute(&mut *tx).await?;
            if ended == 1 {
                insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(ended == 1)
        })
    }

    /// Starts a session of `user` for the admin behind an impersonation
    /// that outlived their sign-out, with its `audit` row.
    pub async fn resume_impersonation(&self, admin: UserId, user: UserId, session: &str, audit: &AuditRecord) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query(INSERT_SESSION)
                .bind(session)
                .bind(user.0)
                .bind(admin.0)
                .bind(audit.at.0)
                .bind(crate::sessions::new_public_id())
                .execute(&mut *tx)
                .await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends every impersonation of `user` (or, with `as_admin`, by that
    /// admin) and the sessions it gave, writing `audit(admin, user)` for
    /// each; returns the (admin, user) pairs ended.
    pub async fn end_impersonations(
        &self,
        user: Option<UserId>,
        as_admin: Option<UserId>,
        audit: impl Fn(UserId, UserId) -> AuditRecord,
    ) -> Result<Vec<(UserId, UserId)>, StoreError> {
        let ended = "DELETE FROM impersonations WHERE user_id = $1 OR admin_id = $2 RETURNING admin_id, user_id";
        let sessions = "DELETE FROM sessions WHERE impersonator_id IS NOT NULL AND (user_id = $1 OR impersonator_id = $2)";
        let (user, admin) = (user.map_or(-1, |u| u.0), as_admin.map_or(-1, |a| a.0));
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let pairs: Vec<(i64, i64)> = sqlx::query_as(ended).bind(user).bind(admin).fetch_all(&mut *tx).await?;
            sqlx::query(sessions).bind(user).bind(admin).execute(&mut *tx).await?;
            for (admin, user) in &pairs {
                let audit = audit(UserId(*admin), UserId(*user));
                insert_audit!(&audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(pairs.into_iter().map(|(a, u)| (UserId(a), UserId(u))).collect())
        })
    }
}
