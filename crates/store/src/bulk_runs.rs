//! Bulk actions: a run, the users it covers with the version each had when
//! it was previewed, and one chunk of it applied in one transaction, each
//! user decided by the domain's `BulkRules` inside that transaction.

use crate::lockout::LOCKED_AT;
use crate::user_deletion::delete_steps;
use crate::user_edit::{COUNT_ACTIVE_ADMINS, SERIALIZE_ADMIN_CHANGES};
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{
    BulkAction, BulkOutcome, BulkRefusal, BulkRules, BulkRunId, BulkRunState, BulkTarget, RoleId, Timestamp, UserId,
};
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;

/// A previewed or running bulk action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRunRecord {
    pub id: BulkRunId,
    pub admin_id: UserId,
    pub action: BulkAction,
    pub view: String,
    pub state: BulkRunState,
    pub total: i64,
    pub changed: i64,
    pub already: i64,
    pub refused: i64,
    /// When its first chunk ran.
    pub started_at: Option<Timestamp>,
}

#[derive(FromRow)]
struct RunRow {
    id: i64,
    admin_id: i64,
    action: String,
    view: String,
    state: String,
    total: i64,
    changed: i64,
    already: i64,
    refused: i64,
    started_at: Option<i64>,
}

impl RunRow {
    fn record(self) -> Result<BulkRunRecord, StoreError> {
        let unreadable = || StoreError::Corrupt(format!("bulk run {}: {} / {}", self.id, self.action, self.state));
        Ok(BulkRunRecord {
            id: BulkRunId(self.id),
            admin_id: UserId(self.admin_id),
            action: BulkAction::from_key(&self.action).ok_or_else(unreadable)?,
            state: BulkRunState::from_key(&self.state).ok_or_else(unreadable)?,
            view: self.view,
            total: self.total,
            changed: self.changed,
            already: self.already,
            refused: self.refused,
            started_at: self.started_at.map(Timestamp),
        })
    }
}

const RUN_COLUMNS: &str = "id, admin_id, action, view, state, total, changed, already, refused, started_at";

/// A user as the rules see them, with their login for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkTargetRecord {
    pub target: BulkTarget,
    pub login: String,
}

#[derive(FromRow)]
struct TargetRow {
    id: i64,
    version: i64,
    login: String,
    active: bool,
    locked: bool,
    two_factor_enabled: bool,
    has_sessions: bool,
}

/// A user a run refused, for the report: `login` is `None` once they are gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRefusalRecord {
    pub id: UserId,
    pub login: Option<String>,
    pub refusal: BulkRefusal,
}

/// What one chunk did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkChunk {
    /// The run's counts after it.
    pub run: BulkRunRecord,
    pub refusals: Vec<BulkRefusalRecord>,
}

/// Runs older than this are dropped when the next preview is made.
const KEEP_RUNS_SECONDS: i64 = 24 * 60 * 60;

/// Ids as SQL: a list of integers, which cannot carry anything else.
fn id_list(ids: impl IntoIterator<Item = i64>) -> String {
    ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

fn target_sql(ids: &str) -> String {
    format!(
        "SELECT u.id, u.version, u.login, u.active, COALESCE(u.{LOCKED_AT}, FALSE) AS locked, u.two_factor_enabled, \
         EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id) AS has_sessions FROM users u WHERE u.id IN ({ids})"
    )
}

fn roles_sql(ids: &str) -> String {
    format!("SELECT user_id, role_id FROM user_roles WHERE user_id IN ({ids}) ORDER BY user_id, role_id")
}

/// The targets from their rows and their roles, by id.
fn targets_from(rows: Vec<TargetRow>, roles: Vec<(i64, i64)>) -> HashMap<UserId, BulkTargetRecord> {
    let mut by_user: HashMap<i64, Vec<RoleId>> = HashMap::new();
    for (user, role) in roles {
        by_user.entry(user).or_default().push(RoleId(role));
    }
    rows.into_iter()
        .map(|r| {
            let target = BulkTarget {
                id: UserId(r.id),
                version: r.version,
                active: r.active,
                locked: r.locked,
                roles: by_user.remove(&r.id).unwrap_or_default(),
                has_two_factor: r.two_factor_enabled,
                has_sessions: r.has_sessions,
            };
            (UserId(r.id), BulkTargetRecord { target, login: r.login })
        })
        .collect()
}

/// Deciding users by the rules inside a transaction, on either engine:
/// a bulk chunk decides its users so, and a single-user action its one.
pub(crate) trait DecideUsers {
    /// Makes changes that could remove an admin wait for each other (see
    /// `SERIALIZE_ADMIN_CHANGES`), then counts the active admins into `rules`.
    fn count_admins_for(
        &mut self,
        rules: &mut BulkRules,
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// The users among `ids` as the rules see them at `now`.
    fn targets(
        &mut self,
        ids: &[i64],
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<HashMap<UserId, BulkTargetRecord>, StoreError>> + Send;
}

macro_rules! decide_users_on {
    ($connection:ty) => {
        impl DecideUsers for $connection {
            async fn count_admins_for(&mut self, rules: &mut BulkRules, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query(SERIALIZE_ADMIN_CHANGES).bind(RoleId::ADMIN.0).execute(&mut *self).await?;
                rules.active_admins =
                    sqlx::query_scalar(COUNT_ACTIVE_ADMINS).bind(now.0).bind(RoleId::ADMIN.0).fetch_one(&mut *self).await?;
                Ok(())
            }

            async fn targets(&mut self, ids: &[i64], now: Timestamp) -> Result<HashMap<UserId, BulkTargetRecord>, StoreError> {
                if ids.is_empty() {
                    return Ok(HashMap::new());
                }
                let list = id_list(ids.iter().copied());
                let rows: Vec<TargetRow> = sqlx::query_as(&target_sql(&list)).bind(now.0).fetch_all(&mut *self).await?;
                let roles: Vec<(i64, i64)> = sqlx::query_as(&roles_sql(&list)).fetch_all(&mut *self).await?;
                Ok(targets_from(rows, roles))
            }
        }
    };
}

decide_users_on!(sqlx::SqliteConnection);
decide_users_on!(sqlx::PgConnection);

/// How `rules` decide the user `id` as they are now, inside the caller's
/// transaction — exactly as a bulk chunk decides each of its users. The
/// single-user actions (Delete User, Unlock, removing a user's two-factor)
/// go through here, so one set of rules holds for one user and for many.
/// `NotFound` if the user is gone.
pub(crate) async fn decide_one<C: DecideUsers + Send>(
    connection: &mut C,
    rules: &mut BulkRules,
    id: UserId,
    now: Timestamp,
) -> Result<BulkOutcome, StoreError> {
    connection.count_admins_for(rules, now).await?;
    let found = connection.targets(&[id.0], now).await?.remove(&id).ok_or(StoreError::NotFound)?;
    Ok(rules.outcome(&found.target, found.target.version))
}

/// What a statement of a change takes as its one parameter, if any.
#[derive(Clone, Copy)]
enum Parameter {
    None,
    /// The time of the change.
    Time,
    /// The role the action gives or takes.
    Role,
}

/// The statements that do `action` to the users `ids` (an id list).
fn change_steps(action: BulkAction, ids: &str) -> Vec<(String, Parameter)> {
    use Parameter::{None as Nothing, Role, Time};
    let edited = (format!("UPDATE users SET updated_at = $1, version = version + 1 WHERE id IN ({ids})"), Time);
    // A change of rights gives the users' open sessions new ids, as an edit does.
    let rotate = (format!("UPDATE sessions SET rotate = TRUE WHERE user_id IN ({ids})"), Nothing);
    match action {
        BulkAction::Activate | BulkAction::Deactivate => {
            let active = action == BulkAction::Activate;
            // Made active again, an account's days without a sign-in start anew.
            let activated = if active {
                ", activated_at = CASE WHEN active THEN activated_at ELSE $1 END, inactivity_deactivated_at = NULL"
            } else {
                ""
            };
            let sql = format!(
                "UPDATE users SET active = {active}, updated_at = $1, version = version + 1{activated} WHERE id IN ({ids})"
            );
            vec![(sql, Time)]
        }
        BulkAction::AddRole(_) => vec![
            (format!("INSERT INTO user_roles (user_id, role_id) SELECT id, $1 FROM users WHERE id IN ({ids})"), Role),
            edited,
            rotate,
        ],
        BulkAction::RemoveRole(_) => {
            vec![(format!("DELETE FROM user_roles WHERE role_id = $1 AND user_id IN ({ids})"), Role), edited, rotate]
        }
        BulkAction::Unlock => {
            vec![(format!("UPDATE users SET failed_logins = 0, lockouts = 0, locked_until = NULL WHERE id IN ({ids})"), Nothing)]
        }
        BulkAction::SignOutEverywhere => vec![(format!("DELETE FROM sessions WHERE user_id IN ({ids})"), Nothing)],
        BulkAction::RemoveTwoFactor => vec![
            (format!("DELETE FROM authenticator_apps WHERE user_id IN ({ids}) AND secret IS NOT NULL"), Nothing),
            (format!("DELETE FROM recovery_codes WHERE user_id IN ({ids})"), Nothing),
            (format!("UPDATE users SET two_factor_enabled = FALSE WHERE id IN ({ids})"), Nothing),
            (format!("DELETE FROM sessions WHERE user_id IN ({ids})"), Nothing),
        ],
        BulkAction::Delete => delete_steps(ids).map(|sql| (sql, Nothing)).collect(),
    }
}

impl Db {
    /// Starts a run of `action` for `admin`, previewed now, with no users
    /// yet; runs older than a day are dropped first.
    pub async fn create_bulk_run(
        &self,
        admin: UserId,
        action: BulkAction,
        view: &str,
        now: Timestamp,
    ) -> Result<BulkRunId, StoreError> {
        let id = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query("DELETE FROM bulk_runs WHERE created_at < $1")
                .bind(now.0 - KEEP_RUNS_SECONDS)
                .execute(&mut *tx)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO bulk_runs (admin_id, action, view, state, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(admin.0)
            .bind(action.key())
            .bind(view)
            .bind(BulkRunState::Previewed.key())
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        });
        Ok(BulkRunId(id))
    }

    /// Adds the users among `ids` that exist to a previewed run, each with
    /// their version now. Returns how many it added.
    pub async fn add_bulk_run_users(&self, run: BulkRunId, ids: &[UserId]) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "INSERT INTO bulk_run_users (run_id, user_id, version) SELECT $1, id, version FROM users \
             WHERE id IN ({}) ON CONFLICT DO NOTHING",
            id_list(ids.iter().map(|id| id.0))
        );
        let added = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let added = sqlx::query(&sql).bind(run.0).execute(&mut *tx).await?.rows_affected();
            sqlx::query("UPDATE bulk_runs SET total = total + $2 WHERE id = $1")
                .bind(run.0)
                .bind(added as i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            added
        });
        Ok(added)
    }

    /// A run, or `None`.
    pub async fn bulk_run(&self, run: BulkRunId) -> Result<Option<BulkRunRecord>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM bulk_runs WHERE id = $1");
        let row: Option<RunRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(run.0).fetch_optional(pool).await?);
        row.map(RunRow::record).transpose()
    }

    /// Up to `limit` of a run's users after `after`, in id order, each with
    /// the version they had when previewed.
    pub async fn bulk_run_users(
        &self,
        run: BulkRunId,
        after: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<(UserId, i64)>, StoreError> {
        let sql = "SELECT user_id, version FROM bulk_run_users WHERE run_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3";
        let rows: Vec<(i64, i64)> = on_pool!(self, pool => sqlx::query_as(sql)
            .bind(run.0)
            .bind(after.map_or(i64::MIN, |u| u.0))
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows.into_iter().map(|(id, version)| (UserId(id), version)).collect())
    }

    /// The users among `ids` as the rules see them at `now`.
    pub async fn bulk_targets(
        &self,
        ids: &[UserId],
        now: Timestamp,
    ) -> Result<HashMap<UserId, BulkTargetRecord>, StoreError> {
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        on_pool!(self, pool => pool.acquire().await?.targets(&ids, now).await)
    }

    /// The tickets of the users `ids`, which deleting them deletes.
    pub async fn tickets_of_users(&self, ids: &[UserId]) -> Result<i64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let sql = format!("SELECT COUNT(*) FROM tickets WHERE customer_id IN ({})", id_list(ids.iter().map(|id| id.0)));
        let n = on_pool!(self, pool => sqlx::query_scalar(&sql).fetch_one(pool).await?);
        Ok(n)
    }

    /// Marks a previewed run as running, with `audit` (its start); `false`
    /// if it was not waiting to start.
    pub async fn start_bulk_run(&self, run: BulkRunId, audit: &AuditRecord) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let started = sqlx::query("UPDATE bulk_runs SET state = $2, started_at = $4 WHERE id = $1 AND state = $3")
                .bind(run.0)
                .bind(BulkRunState::Running.key())
                .bind(BulkRunState::Previewed.key())
                .bind(audit.at.0)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if started {
                crate::audit::insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(started)
        })
    }

    /// Ends a run that has not ended, with `ended(run)` as its audit event.
    /// Returns the run as it stands.
    pub async fn cancel_bulk_run(
        &self,
        run: BulkRunId,
        ended: impl FnOnce(&BulkRunRecord) -> AuditRecord,
    ) -> Result<BulkRunRecord, StoreError> {
        let sql = format!("UPDATE bulk_runs SET state = $2 WHERE id = $1 AND state IN ($3, $4) RETURNING {RUN_COLUMNS}");
        let record = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let row: Option<RunRow> = sqlx::query_as(&sql)
                .bind(run.0)
                .bind(BulkRunState::Cancelled.key())
                .bind(BulkRunState::Previewed.key())
                .bind(BulkRunState::Running.key())
                .fetch_optional(&mut *tx)
                .await?;
            let record = match row {
                Some(row) => {
                    let record = row.record()?;
                    let event = ended(&record);
                    crate::audit::insert_audit!(&event).execute(&mut *tx).await?;
                    record
                }
                None => {
                    let sql = format!("SELECT {RUN_COLUMNS} FROM bulk_runs WHERE id = $1");
                    let row: Option<RunRow> = sqlx::query_as(&sql).bind(run.0).fetch_optional(&mut *tx).await?;
                    row.ok_or(StoreError::NotFound)?.record()?
                }
            };
            tx.commit().await?;
            record
        });
        Ok(record)
    }

    /// Applies a running run to its next `limit` users in one transaction:
    /// each is decided by `rules` (which learn the active admins first) as
    /// they are now, the changed ones get `audit` (with `detail_of(user,
    /// tickets)` as detail), and the run's counts move on. When no user is
    /// left, the run finishes with `ended(run)` as its audit event.
    /// A failure changes nothing. `NotFound` if the run is not running.
    pub async fn run_bulk_chunk(
        &self,
        run: BulkRunId,
        rules: &mut BulkRules,
        limit: i64,
        audit: &AuditRecord,
        detail_of: impl Fn(i64) -> String,
        ended: impl FnOnce(&BulkRunRecord) -> AuditRecord,
    ) -> Result<BulkChunk, StoreError> {
        let now = audit.at;
        let role = match rules.action {
            BulkAction::AddRole(role) | BulkAction::RemoveRole(role) => Some(role.0),
            _ => None,
        };
        let count_sql = format!(
            "UPDATE bulk_runs SET changed = changed + $2, already = already + $3, refused = refused + $4, \
             state = CASE WHEN EXISTS (SELECT 1 FROM bulk_run_users WHERE run_id = $1 AND outcome IS NULL) \
             THEN state ELSE $5 END WHERE id = $1 RETURNING {RUN_COLUMNS}"
        );
        let chunk = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Two requests for the same run take turns here.
            let running = sqlx::query("UPDATE bulk_runs SET state = state WHERE id = $1 AND state = $2")
                .bind(run.0)
                .bind(BulkRunState::Running.key())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if running == 0 {
                return Err(StoreError::NotFound);
            }
            if let Some(role) = role {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM roles WHERE id = $1").bind(role).fetch_optional(&mut *tx).await?;
                if exists.is_none() {
                    return Err(StoreError::RoleGone);
                }
            }
            tx.count_admins_for(rules, now).await?;
            let pending: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT user_id, version FROM bulk_run_users WHERE run_id = $1 AND outcome IS NULL ORDER BY user_id LIMIT $2",
            )
            .bind(run.0)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let ids: Vec<i64> = pending.iter().map(|(id, _)| *id).collect();
            let mut targets = tx.targets(&ids, now).await?;

            let (mut changed, mut already, mut refusals) = (Vec::new(), Vec::new(), Vec::new());
            for (id, version) in &pending {
                let id = UserId(*id);
                let Some(found) = targets.remove(&id) else {
                    refusals.push(BulkRefusalRecord { id, login: None, refusal: BulkRefusal::DeletedSincePreview });
                    continue;
                };
                match rules.outcome(&found.target, *version) {
                    BulkOutcome::Change => changed.push(id.0),
                    BulkOutcome::Already => already.push(id.0),
                    BulkOutcome::Refused(refusal) => {
                        refusals.push(BulkRefusalRecord { id, login: Some(found.login), refusal })
                    }
                }
            }

            if !changed.is_empty() {
                let ids = id_list(changed.iter().copied());
                // Counted before a delete takes them away.
                let tickets: HashMap<i64, i64> = if rules.action == BulkAction::Delete {
                    let sql = format!("SELECT customer_id, COUNT(*) FROM tickets WHERE customer_id IN ({ids}) GROUP BY customer_id");
                    sqlx::query_as::<_, (i64, i64)>(&sql).fetch_all(&mut *tx).await?.into_iter().collect()
                } else {
                    HashMap::new()
                };
                for (sql, parameter) in change_steps(rules.action, &ids) {
                    let step = sqlx::query(&sql);
                    let step = match parameter {
                        Parameter::None => step,
                        Parameter::Time => step.bind(now.0),
                        Parameter::Role => step.bind(role.unwrap_or_default()),
                    };
                    step.execute(&mut *tx).await?;
                }
                let mut events = QueryBuilder::new(
                    "INSERT INTO audit_events (at, actor_id, on_behalf_of_id, action, target_user_id, detail, ip) ",
                );
                events.push_values(&changed, |mut row, id| {
                    row.push_bind(now.0)
                        .push_bind(audit.actor_id.map(|u| u.0))
                        .push_bind(audit.on_behalf_of_id.map(|u| u.0))
                        .push_bind(audit.action.key())
                        .push_bind(*id)
                        .push_bind(detail_of(tickets.get(id).copied().unwrap_or(0)))
                        .push_bind(audit.ip.clone());
                });
                events.build().execute(&mut *tx).await?;
            }

            let mark = |outcome: &str, reason: Option<&str>, ids: &str| {
                format!(
                    "UPDATE bulk_run_users SET outcome = '{outcome}', reason = {} WHERE run_id = $1 AND user_id IN ({ids})",
                    reason.map_or("NULL".to_owned(), |r| format!("'{r}'"))
                )
            };
            let mut marks = Vec::new();
            if !changed.is_empty() {
                marks.push(mark("changed", None, &id_list(changed.iter().copied())));
            }
            if !already.is_empty() {
                marks.push(mark("already", None, &id_list(already.iter().copied())));
            }
            for refusal in roster_domain::BulkRefusal::ALL {
                let ids: Vec<i64> = refusals.iter().filter(|r| r.refusal == refusal).map(|r| r.id.0).collect();
                if !ids.is_empty() {
                    marks.push(mark("refused", Some(refusal.key()), &id_list(ids)));
                }
            }
            for sql in marks {
                sqlx::query(&sql).bind(run.0).execute(&mut *tx).await?;
            }
            let row: RunRow = sqlx::query_as(&count_sql)
                .bind(run.0)
                .bind(changed.len() as i64)
                .bind(already.len() as i64)
                .bind(refusals.len() as i64)
                .bind(BulkRunState::Finished.key())
                .fetch_one(&mut *tx)
                .await?;
            let record = row.record()?;
            if record.state == BulkRunState::Finished {
                let event = ended(&record);
                crate::audit::insert_audit!(&event).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            BulkChunk { run: record, refusals }
        });
        Ok(chunk)
    }

    /// Up to `limit` of the users a run refused, after `after`, in id
    /// order, with their logins (`None` for users gone since).
    pub async fn bulk_run_refusals(
        &self,
        run: BulkRunId,
        after: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<BulkRefusalRecord>, StoreError> {
        let sql = "SELECT b.user_id, u.login, b.reason FROM bulk_run_users b LEFT JOIN users u ON u.id = b.user_id \
                   WHERE b.run_id = $1 AND b.outcome = 'refused' AND b.user_id > $2 ORDER BY b.user_id LIMIT $3";
        let rows: Vec<(i64, Option<String>, Option<String>)> = on_pool!(self, pool => sqlx::query_as(sql)
            .bind(run.0)
            .bind(after.map_or(i64::MIN, |u| u.0))
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .filter_map(|(id, login, reason)| {
                let refusal = BulkRefusal::from_key(reason.as_deref()?)?;
                Some(BulkRefusalRecord { id: UserId(id), login, refusal })
            })
            .collect())
    }
}
