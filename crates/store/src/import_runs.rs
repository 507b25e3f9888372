//! Import CSV: a tested file's rows, and one chunk of them written in one
//! transaction, each row checked again against the users as they are then.

use crate::audit::{insert_audit, insert_audits};
use crate::user_edit::UserUpdate;
use crate::search_grams::KeepGrams;
use crate::user_writes::WriteUsers;
use crate::users::NewUser;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{
    ImportOutcome, ImportPlan, ImportPlanCounts, ImportProblem, ImportRunId, ImportRunState, Permission, Timestamp,
    UserId,
};
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashSet;

/// Imports older than this are dropped when the next file is tested
/// (unless one is still writing).
const KEEP_RUNS_SECONDS: i64 = 24 * 60 * 60;
/// Rows per INSERT while a test run records them (8 parameters each).
const STAGE_CHUNK: usize = 500;

/// An import as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRunRecord {
    pub id: ImportRunId,
    pub admin_id: UserId,
    pub file_name: String,
    pub update_existing: bool,
    pub state: ImportRunState,
    pub problem: Option<String>,
    /// The file's columns not imported, as its header names them.
    pub ignored_columns: Vec<String>,
    pub needs_admin_mode: bool,
    pub planned: ImportPlanCounts,
    pub created: i64,
    pub updated: i64,
    pub refused: i64,
    pub started_at: Option<Timestamp>,
    pub heartbeat_at: Option<Timestamp>,
}

#[derive(FromRow)]
struct RunRow {
    id: i64,
    admin_id: i64,
    file_name: String,
    update_existing: bool,
    state: String,
    problem: Option<String>,
    ignored_columns: String,
    needs_admin_mode: bool,
    plan_create: i64,
    plan_update: i64,
    plan_unchanged: i64,
    plan_invalid: i64,
    created: i64,
    updated: i64,
    refused: i64,
    started_at: Option<i64>,
    heartbeat_at: Option<i64>,
}

const RUN_COLUMNS: &str = "id, admin_id, file_name, update_existing, state, problem, ignored_columns, needs_admin_mode, plan_create, \
     plan_update, plan_unchanged, plan_invalid, created, updated, refused, started_at, heartbeat_at";

impl RunRow {
    fn record(self) -> Result<ImportRunRecord, StoreError> {
        let state = ImportRunState::from_key(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("import {}: state {}", self.id, self.state)))?;
        Ok(ImportRunRecord {
            id: ImportRunId(self.id),
            admin_id: UserId(self.admin_id),
            file_name: self.file_name,
            update_existing: self.update_existing,
            state,
            problem: self.problem,
            ignored_columns: serde_json::from_str(&self.ignored_columns).unwrap_or_default(),
            needs_admin_mode: self.needs_admin_mode,
            planned: ImportPlanCounts {
                create: self.plan_create,
                update: self.plan_update,
                unchanged: self.plan_unchanged,
                invalid: self.plan_invalid,
            },
            created: self.created,
            updated: self.updated,
            refused: self.refused,
            started_at: self.started_at.map(Timestamp),
            heartbeat_at: self.heartbeat_at.map(Timestamp),
        })
    }
}

/// A row as the test run leaves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedRow {
    pub line: i64,
    pub login: String,
    pub plan: ImportPlan,
    /// The user an update is for, with the version the test run saw.
    pub user: Option<(UserId, i64)>,
    /// What to write, as the service encodes it (passwords sealed).
    pub details: Option<String>,
    pub problems: Vec<ImportProblem>,
}

/// A row with what the import made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRowRecord {
    pub staged: StagedRow,
    pub outcome: Option<ImportOutcome>,
    pub reason: Option<String>,
}

#[derive(FromRow)]
struct StagedRowRow {
    line: i64,
    login: String,
    plan: String,
    user_id: Option<i64>,
    version: Option<i64>,
    details: Option<String>,
    problems: String,
    outcome: Option<String>,
    reason: Option<String>,
}

impl StagedRowRow {
    fn record(self) -> Result<ImportRowRecord, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("import row at line {}", self.line));
        let plan = ImportPlan::from_key(&self.plan).ok_or_else(corrupt)?;
        let outcome = match &self.outcome {
            Some(key) => Some(ImportOutcome::from_key(key).ok_or_else(corrupt)?),
            None => None,
        };
        let problems: Vec<(String, String)> = serde_json::from_str(&self.problems).map_err(|_| corrupt())?;
        Ok(ImportRowRecord {
            staged: StagedRow {
                line: self.line,
                login: self.login,
                plan,
                user: self.user_id.zip(self.version).map(|(id, v)| (UserId(id), v)),
                details: self.details,
                problems: problems.into_iter().map(|(column, message)| ImportProblem { column, message }).collect(),
            },
            outcome,
            reason: self.reason,
        })
    }
}

/// A user the file names (by login or email) who exists already.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingUser {
    pub id: UserId,
    pub version: i64,
    pub login_normalized: String,
    pub email_normalized: Option<String>,
    /// Holds a role that administers users.
    pub administers: bool,
}

/// What a chunk writes for a row that still passes.
#[derive(Clone, Debug)]
pub enum ImportWrite {
    Create(NewUser),
    Update { id: UserId, version: i64, update: UserUpdate },
}

/// A row of a chunk: what to write, or why it is refused before the
/// transaction (its password would not open, say); and its audit event
/// (the user is filled in once known).
#[derive(Clone, Debug)]
pub struct ImportChunkRow {
    pub line: i64,
    pub write: Result<ImportWrite, String>,
    pub audit: AuditRecord,
}

/// Why a chunk refuses a row that passed the test run.
pub mod refusals {
    pub const LOGIN_TAKEN: &str = "Another user took this login or email after the test run.";
    pub const EDITED: &str = "The user was edited or deleted after the test run.";
    pub const ADMIN: &str = "The user became an admin after the test run; change admins one at a time in Edit User.";
}

/// SQL that says whether user `u` administers users (holds a role with the permission).
fn administers_sql() -> String {
    format!(
        "EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions p ON p.role_id = ur.role_id \
         WHERE ur.user_id = u.id AND p.permission = '{}')",
        Permission::AdminUser.key()
    )
}

impl Db {
    /// Records a new test run (dropping finished ones older than a day).
    pub async fn create_import_run(
        &self,
        admin: UserId,
        file_name: &str,
        update_existing: bool,
        now: Timestamp,
    ) -> Result<ImportRunId, StoreError> {
        let id = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query("DELETE FROM import_runs WHERE created_at < $1 AND state <> $2")
                .bind(now.0 - KEEP_RUNS_SECONDS)
                .bind(ImportRunState::Running.key())
                .execute(&mut *tx)
                .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO import_runs (admin_id, file_name, update_existing, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(admin.0)
            .bind(file_name)
            .bind(update_existing)
            .bind(ImportRunState::Tested.key())
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            id
        });
        Ok(ImportRunId(id))
    }

    /// Adds a test run's rows.
    pub async fn add_import_rows(&self, run: ImportRunId, rows: &[StagedRow]) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            for chunk in rows.chunks(STAGE_CHUNK) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO import_rows (run_id, line, login, plan, user_id, version, details, problems) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    let problems: Vec<(&str, &str)> =
                        r.problems.iter().map(|p| (p.column.as_str(), p.message.as_str())).collect();
                    row.push_bind(run.0)
                        .push_bind(r.line)
                        .push_bind(r.login.clone())
                        .push_bind(r.plan.key())
                        .push_bind(r.user.map(|(id, _)| id.0))
                        .push_bind(r.user.map(|(_, v)| v))
                        .push_bind(r.details.clone())
                        .push_bind(serde_json::to_string(&problems).unwrap_or_else(|_| "[]".into()));
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends a test run: its counts (or why the file could not be read), and
    /// its audit event.
    pub async fn finish_import_test(
        &self,
        run: ImportRunId,
        planned: ImportPlanCounts,
        needs_admin_mode: bool,
        ignored_columns: &[String],
        problem: Option<&str>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        let state = if problem.is_some() { ImportRunState::Unreadable } else { ImportRunState::Tested };
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query(
                "UPDATE import_runs SET plan_create = $2, plan_update = $3, plan_unchanged = $4, plan_invalid = $5, \
                 needs_admin_mode = $6, problem = $7, state = $8, ignored_columns = $9 WHERE id = $1",
            )
            .bind(run.0)
            .bind(planned.create)
            .bind(planned.update)
            .bind(planned.unchanged)
            .bind(planned.invalid)
            .bind(needs_admin_mode)
            .bind(problem)
            .bind(state.key())
            .bind(serde_json::to_string(ignored_columns).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn import_run(&self, run: ImportRunId) -> Result<Option<ImportRunRecord>, StoreError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM import_runs WHERE id = $1");
        let row: Option<RunRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(run.0).fetch_optional(pool).await?);
        row.map(RunRow::record).transpose()
    }

    /// Up to `limit` rows after line `after`, in file order; with
    /// `worth_a_look`, only those with problems or refused.
    pub async fn import_rows(
        &self,
        run: ImportRunId,
        after: i64,
        limit: i64,
        worth_a_look: bool,
    ) -> Result<Vec<ImportRowRecord>, StoreError> {
        let filter = if worth_a_look { "AND (plan = 'invalid' OR outcome = 'refused')" } else { "" };
        let sql = format!(
            "SELECT line, login, plan, user_id, version, details, problems, outcome, reason FROM import_rows \
             WHERE run_id = $1 AND line > $2 {filter} ORDER BY line LIMIT $3"
        );
        let rows: Vec<StagedRowRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(run.0).bind(after).bind(limit).fetch_all(pool).await?);
        rows.into_iter().map(StagedRowRow::record).collect()
    }

    /// The rows an import has still to write, the next `limit` in file order.
    pub async fn pending_import_rows(&self, run: ImportRunId, limit: i64) -> Result<Vec<StagedRow>, StoreError> {
        let sql = "SELECT line, login, plan, user_id, version, details, problems, outcome, reason FROM import_rows \
                   WHERE run_id = $1 AND outcome IS NULL AND plan IN ('create', 'update') ORDER BY line LIMIT $2";
        let rows: Vec<StagedRowRow> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(run.0).bind(limit).fetch_all(pool).await?);
        rows.into_iter().map(|r| r.record().map(|r| r.staged)).collect()
    }

    /// The users with any of these logins or emails (normalized).
    pub async fn users_by_login_or_email(
        &self,
        logins: &[String],
        emails: &[String],
    ) -> Result<Vec<ExistingUser>, StoreError> {
        let mut found = Vec::new();
        for (column, keys) in [("login_normalized", logins), ("email_normalized", emails)] {
            for chunk in keys.chunks(STAGE_CHUNK) {
                let rows: Vec<(i64, i64, String, Option<String>, bool)> = on_pool!(self, pool => {
                    let mut q = QueryBuilder::new(format!(
                        "SELECT u.id, u.version, u.login_normalized, u.email_normalized, {} AS administers \
                         FROM users u WHERE u.{column} IN (",
                        administers_sql()
                    ));
                    let mut list = q.separated(", ");
                    for key in chunk {
                        list.push_bind(key.clone());
                    }
                    q.push(")");
                    q.build_query_as().fetch_all(pool).await?
                });
                found.extend(rows.into_iter().map(|(id, version, login_normalized, email_normalized, administers)| {
                    ExistingUser { id: UserId(id), version, login_normalized, email_normalized, administers }
                }));
            }
        }
        let mut seen = HashSet::new();
        found.retain(|u| seen.insert(u.id));
        Ok(found)
    }

    /// Starts writing a tested import, or takes up one that stalled (no
    /// chunk since `stalled_before`). False if it is neither.
    pub async fn start_import_run(
        &self,
        run: ImportRunId,
        now: Timestamp,
        stalled_before: Timestamp,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let started = sqlx::query(
                "UPDATE import_runs SET state = $2, started_at = COALESCE(started_at, $3), heartbeat_at = $3 \
                 WHERE id = $1 AND (state = $4 OR (state = $2 AND heartbeat_at < $5))",
            )
            .bind(run.0)
            .bind(ImportRunState::Running.key())
            .bind(now.0)
            .bind(ImportRunState::Tested.key())
            .bind(stalled_before.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if started == 1 {
                insert_audit!(audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(started == 1)
        })
    }

    /// Stops a running import after the chunk under way; audited with
    /// `ended` of the run as it stops. `NotFound` unless it was running.
    pub async fn cancel_import_run(
        &self,
        run: ImportRunId,
        ended: impl FnOnce(&ImportRunRecord) -> AuditRecord,
    ) -> Result<ImportRunRecord, StoreError> {
        let sql = format!("UPDATE import_runs SET state = $2 WHERE id = $1 AND state = $3 RETURNING {RUN_COLUMNS}");
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let row: Option<RunRow> = sqlx::query_as(&sql)
                .bind(run.0)
                .bind(ImportRunState::Cancelled.key())
                .bind(ImportRunState::Running.key())
                .fetch_optional(&mut *tx)
                .await?;
            let record = row.ok_or(StoreError::NotFound)?.record()?;
            // What was not written never will be: its details (sealed passwords among them) go.
            sqlx::query("UPDATE import_rows SET details = NULL WHERE run_id = $1").bind(run.0).execute(&mut *tx).await?;
            let event = ended(&record);
            insert_audit!(&event).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(record)
        })
    }

    /// Writes one chunk of a running import in one transaction: each row
    /// is checked against the users as they are now (a login taken meanwhile,
    /// a user edited or made an admin since the test run refuses that row,
    /// not the chunk), then the rest are written with an audit event each.
    /// The run's counts move on; the last chunk finishes it, audited with
    /// `ended`. `NotFound` if the run is no longer running.
    pub async fn write_import_chunk(
        &self,
        run: ImportRunId,
        rows: Vec<ImportChunkRow>,
        now: Timestamp,
        ended: impl FnOnce(&ImportRunRecord) -> AuditRecord,
    ) -> Result<ImportRunRecord, StoreError> {
        let backend = self.backend();
        let lines = rows.iter().map(|r| r.line.to_string()).collect::<Vec<_>>().join(",");
        let count_sql = format!(
            "UPDATE import_runs SET created = created + $2, updated = updated + $3, refused = refused + $4, \
             state = CASE WHEN EXISTS (SELECT 1 FROM import_rows WHERE run_id = $1 AND outcome IS NULL \
             AND plan IN ('create', 'update')) THEN state ELSE $5 END WHERE id = $1 RETURNING {RUN_COLUMNS}"
        );
        // Completed with the ids of the chunk's updates (integers only).
        let administers = format!("SELECT u.id FROM users u WHERE {} AND u.id", administers_sql());
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Two instances writing the same import take turns here.
            let running = sqlx::query("UPDATE import_runs SET heartbeat_at = $2 WHERE id = $1 AND state = $3")
                .bind(run.0)
                .bind(now.0)
                .bind(ImportRunState::Running.key())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if running == 0 {
                return Err(StoreError::NotFound);
            }
            // Rows another instance wrote meanwhile are left alone.
            let pending: HashSet<i64> = if lines.is_empty() {
                HashSet::new()
            } else {
                sqlx::query_scalar(&format!(
                    "SELECT line FROM import_rows WHERE run_id = $1 AND outcome IS NULL AND line IN ({lines})"
                ))
                .bind(run.0)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect()
            };
            let mut refused: Vec<(i64, String)> = Vec::new();
            let mut creates: Vec<(NewUser, AuditRecord, i64)> = Vec::new();
            let mut updates: Vec<(UserId, i64, UserUpdate, AuditRecord, i64)> = Vec::new();
            for row in rows.into_iter().filter(|r| pending.contains(&r.line)) {
                match row.write {
                    Err(reason) => refused.push((row.line, reason)),
                    Ok(ImportWrite::Create(user)) => creates.push((user, row.audit, row.line)),
                    Ok(ImportWrite::Update { id, version, update }) => updates.push((id, version, update, row.audit, row.line)),
                }
            }

            // A login or email is taken by someone else than the row's own user.
            let mut keys: Vec<String> = Vec::new();
            for (user, _, _) in &creates {
                keys.push(user.login.normalized());
                keys.extend(user.profile.email.as_ref().map(|e| e.normalized()));
            }
            for (_, _, update, _, _) in &updates {
                keys.push(update.login.normalized());
                keys.extend(update.profile.email.as_ref().map(|e| e.normalized()));
            }
            let mut holders: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            for chunk in keys.chunks(STAGE_CHUNK) {
                for column in ["login_normalized", "email_normalized"] {
                    let mut q = QueryBuilder::new(format!("SELECT {column}, id FROM users WHERE {column} IN ("));
                    let mut list = q.separated(", ");
                    for key in chunk {
                        list.push_bind(key.clone());
                    }
                    q.push(")");
                    let found: Vec<(String, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
                    holders.extend(found);
                }
            }
            let taken = |login: &str, email: Option<&str>, own: Option<i64>| {
                [Some(login), email].into_iter().flatten().any(|key| holders.get(key).is_some_and(|holder| Some(*holder) != own))
            };

            let mut audits = Vec::new();
            let (mut updated_lines, mut updated_ids) = (Vec::new(), Vec::new());
            let admins: HashSet<i64> = if updates.is_empty() {
                HashSet::new()
            } else {
                let ids = updates.iter().map(|(id, ..)| id.0.to_string()).collect::<Vec<_>>().join(",");
                sqlx::query_scalar(&format!("{administers} IN ({ids})")).fetch_all(&mut *tx).await?.into_iter().collect()
            };
            for (id, version, update, audit, line) in updates {
                let email = update.profile.email.as_ref().map(|e| e.normalized());
                if taken(&update.login.normalized(), email.as_deref(), Some(id.0)) {
                    refused.push((line, refusals::LOGIN_TAKEN.to_owned()));
                    continue;
                }
                if admins.contains(&id.0) {
                    refused.push((line, refusals::ADMIN.to_owned()));
                    continue;
                }
                match tx.save_user_update(backend, id.0, version, &update, now).await? {
                    Some(_) => {
                        audits.push(AuditRecord { target_user_id: Some(id), ..audit });
                        updated_lines.push(line);
                        updated_ids.push(id.0);
                    }
                    None => refused.push((line, refusals::EDITED.to_owned())),
                }
            }
            tx.write_grams(&updated_ids).await?;
            let (mut new_users, mut create_audits, mut created_lines) = (Vec::new(), Vec::new(), Vec::new());
            for (user, audit, line) in creates {
                let email = user.profile.email.as_ref().map(|e| e.normalized());
                if taken(&user.login.normalized(), email.as_deref(), None) {
                    refused.push((line, refusals::LOGIN_TAKEN.to_owned()));
                } else {
                    new_users.push(user);
                    create_audits.push(audit);
                    created_lines.push(line);
                }
            }
            let ids = tx.insert_new_users(&new_users, now).await?;
            audits.extend(create_audits.into_iter().zip(&ids).map(|(audit, id)| AuditRecord { target_user_id: Some(UserId(*id)), ..audit }));
            for chunk in audits.chunks(STAGE_CHUNK / 2) {
                insert_audits!(chunk).build().execute(&mut *tx).await?;
            }

            let list = |lines: &[i64]| lines.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            for (outcome, lines) in [(ImportOutcome::Created, &created_lines), (ImportOutcome::Updated, &updated_lines)] {
                if !lines.is_empty() {
                    sqlx::query(&format!(
                        "UPDATE import_rows SET outcome = $2, details = NULL WHERE run_id = $1 AND line IN ({})",
                        list(lines)
                    ))
                    .bind(run.0)
                    .bind(outcome.key())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            for (line, reason) in &refused {
                sqlx::query("UPDATE import_rows SET outcome = $3, reason = $4, details = NULL WHERE run_id = $1 AND line = $2")
                    .bind(run.0)
                    .bind(*line)
                    .bind(ImportOutcome::Refused.key())
                    .bind(reason.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            let row: RunRow = sqlx::query_as(&count_sql)
                .bind(run.0)
                .bind(created_lines.len() as i64)
                .bind(updated_lines.len() as i64)
                .bind(refused.len() as i64)
                .bind(ImportRunState::Finished.key())
                .fetch_one(&mut *tx)
                .await?;
            let record = row.record()?;
            if record.state == ImportRunState::Finished {
                let event = ended(&record);
            insert_audit!(&event).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(record)
        })
    }
}
