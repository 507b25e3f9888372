//! Where sealed values live, and rewriting them all at once. The store keeps
//! them as opaque text; the service seals and opens them (roster-service's
//! `sealing`).

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::UserId;

/// A place a sealed value is kept. Each value is sealed for its slot, so it
/// opens nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedSlot {
    /// The one value that proves the key at start-up.
    KeyCheck,
    /// The secret of a user's enabled authenticator app.
    Authenticator(UserId),
    /// The secret of an authenticator app being set up.
    PendingAuthenticator(UserId),
    /// A password in a tested import file, until the import hashes it (line
    /// `1` of import `0`). Kept a day at most; a key rotation does not
    /// carry it over (the file is tested again).
    ImportPassword(i64, i64),
}

impl Db {
    /// The stored key check, storing `sealed` first if there is none yet
    /// (of two instances starting at once, the first one's stays).
    pub async fn key_check_or_insert(&self, sealed: &str) -> Result<String, StoreError> {
        let insert = "INSERT INTO secret_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
        let select = "SELECT sealed FROM secret_key_check WHERE id = 1";
        on_pool!(self, pool => {
            sqlx::query(insert).bind(sealed).execute(pool).await?;
            Ok(sqlx::query_scalar(select).fetch_one(pool).await?)
        })
    }

    /// Rewrites sealed values in one transaction: `reseal` is given each
    /// slot and its stored text, and answers the new text, or `None` to leave
    /// it. Its first error rolls everything back. `audit` (given how many
    /// authenticator secrets changed) is written in the same transaction.
    /// Returns that number.
    pub async fn reseal_secrets<E: From<StoreError>>(
        &self,
        reseal: impl Fn(SealedSlot, &str) -> Result<Option<String>, E>,
        audit: Option<&(dyn Fn(u64) -> AuditRecord + Sync)>,
    ) -> Result<u64, E> {
        let rows = "SELECT user_id, secret, pending_secret FROM authenticator_apps ORDER BY user_id";
        let set_secret = "UPDATE authenticator_apps SET secret = $2 WHERE user_id = $1";
        let set_pending = "UPDATE authenticator_apps SET pending_secret = $2 WHERE user_id = $1";
        let key_check = "SELECT sealed FROM secret_key_check WHERE id = 1";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await.map_err(StoreError::from)?;
            if self.backend() == crate::Backend::Postgres {
                // Nobody sets up or enables an app meanwhile (SQLite's write lock does the same).
                sqlx::query("LOCK TABLE authenticator_apps IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
            }
            let check: Option<String> =
                sqlx::query_scalar(key_check).fetch_optional(&mut *tx).await.map_err(StoreError::from)?;
            if let Some(new) = check.map(|text| reseal(SealedSlot::KeyCheck, &text)).transpose()?.flatten() {
                sqlx::query("UPDATE secret_key_check SET sealed = $1 WHERE id = 1")
                    .bind(new)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from)?;
            }
            let apps: Vec<(i64, Option<String>, Option<String>)> =
                sqlx::query_as(rows).fetch_all(&mut *tx).await.map_err(StoreError::from)?;
            let mut changed = 0;
            for (user, secret, pending) in apps {
                let id = UserId(user);
                for (slot, text, sql) in [
                    (SealedSlot::Authenticator(id), secret, set_secret),
                    (SealedSlot::PendingAuthenticator(id), pending, set_pending),
                ] {
                    let Some(new) = text.map(|text| reseal(slot, &text)).transpose()?.flatten() else { continue };
                    sqlx::query(sql).bind(user).bind(new).execute(&mut *tx).await.map_err(StoreError::from)?;
                    changed += 1;
                }
            }
            if let Some(audit) = audit {
                let record = audit(changed);
                insert_audit!(&record).execute(&mut *tx).await.map_err(StoreError::from)?;
            }
            tx.commit().await.map_err(StoreError::from)?;
            Ok(changed)
        })
    }
}
