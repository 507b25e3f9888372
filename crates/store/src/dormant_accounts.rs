//! Dormant accounts: deactivating accounts without a sign-in for long, and
//! the lease on scheduled work that lets one instance of several do it.

use crate::audit::insert_audits;
use crate::user_edit::SERIALIZE_ADMIN_CHANGES;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{Permission, RoleId, Timestamp, UserId};
use std::collections::BTreeSet;

/// An account Roster deactivated for inactivity: who, and when they last
/// signed in (`None`: never).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DormantAccount {
    pub id: UserId,
    pub last_sign_in: Option<Timestamp>,
}

impl Db {
    /// Takes the lease on the scheduled job `name` for `holder` until
    /// `lease_until`, if nobody holds it at `now` and it last ran before
    /// `due_before`. One atomic UPDATE: of several instances asking at once,
    /// one gets it. Whether `holder` does the work now.
    pub async fn take_job_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        lease_until: Timestamp,
        due_before: Timestamp,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE scheduled_jobs SET holder = $2, lease_until = $3 \
                   WHERE name = $1 AND lease_until <= $4 AND last_run_at < $5";
        let taken = on_pool!(self, pool => sqlx::query(sql)
            .bind(name).bind(holder).bind(lease_until.0).bind(now.0).bind(due_before.0)
            .execute(pool).await?.rows_affected());
        Ok(taken == 1)
    }

    /// Records that `holder` finished the job at `at`, and gives the lease back.
    pub async fn finish_job(&self, name: &str, holder: &str, at: Timestamp) -> Result<(), StoreError> {
        let sql = "UPDATE scheduled_jobs SET last_run_at = $3, lease_until = 0, holder = NULL WHERE name = $1 AND holder = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(name).bind(holder).bind(at.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Deactivates up to `limit` active accounts nobody has signed in to
    /// since `before` (counting from creation for one never signed in to,
    /// and from an admin's last re-activation), each with its audit row
    /// (`audit`, naming the user, its detail followed by the last sign-in).
    /// Admins only with `include_admins`, and never the last active ones:
    /// if every active admin is dormant, all of them stay. One transaction.
    pub async fn deactivate_dormant(
        &self,
        before: Timestamp,
        include_admins: bool,
        limit: i64,
        audit: &AuditRecord,
    ) -> Result<Vec<DormantAccount>, StoreError> {
        let administers = format!(
            "EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id \
             WHERE ur.user_id = u.id AND rp.permission = '{}')",
            Permission::AdminUser.key()
        );
        // The first condition is the expression of `users_by_last_activity`.
        let dormant = format!(
            "SELECT u.id, u.last_login_at, {administers} AS administers FROM users u \
             WHERE COALESCE(u.last_login_at, u.created_at) < $1 AND u.active AND COALESCE(u.activated_at, 0) < $1{} \
             ORDER BY u.id LIMIT $2",
            if include_admins { String::new() } else { format!(" AND NOT {administers}") },
        );
        let admins_left = format!(
            "SELECT u.id FROM users u WHERE u.active AND (u.locked_until IS NULL OR u.locked_until <= $1) AND {administers}"
        );
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Waits for admin changes in flight, as they wait for this.
            sqlx::query(SERIALIZE_ADMIN_CHANGES).bind(RoleId::ADMIN.0).execute(&mut *tx).await?;
            let mut found: Vec<(i64, Option<i64>, bool)> =
                sqlx::query_as(&dormant).bind(before.0).bind(limit).fetch_all(&mut *tx).await?;
            if found.iter().any(|(_, _, admin)| *admin) {
                let active_admins: BTreeSet<i64> =
                    sqlx::query_scalar(&admins_left).bind(audit.at.0).fetch_all(&mut *tx).await?.into_iter().collect();
                let dormant_admins: BTreeSet<i64> = found.iter().filter(|f| f.2).map(|f| f.0).collect();
                if active_admins.is_subset(&dormant_admins) {
                    tracing::warn!("every active admin is dormant: none is deactivated, so someone can still sign in as one");
                    found.retain(|(_, _, admin)| !admin);
                }
            }
            if found.is_empty() {
                return Ok(Vec::new());
            }
            let ids = found.iter().map(|f| f.0.to_string()).collect::<Vec<_>>().join(",");
            // Integers only are written into the statement.
            sqlx::query(&format!(
                "UPDATE users SET active = FALSE, inactivity_deactivated_at = $1, updated_at = $1, version = version + 1 \
                 WHERE id IN ({ids})"
            ))
            .bind(audit.at.0)
            .execute(&mut *tx)
            .await?;
            let records: Vec<AuditRecord> = found
                .iter()
                .map(|(id, last, _)| {
                    let last = last.map_or("never".to_owned(), |at| at.to_string());
                    let detail = format!("{} last_sign_in={last}", audit.detail);
                    AuditRecord { target_user_id: Some(UserId(*id)), detail, ..audit.clone() }
                })
                .collect();
            insert_audits!(&records).build().execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(found.into_iter().map(|(id, last, _)| DormantAccount { id: UserId(id), last_sign_in: last.map(Timestamp) }).collect())
        })
    }
}
