//! Import CSV. A test run reads the file and checks every row as the New
//! User and Edit User dialogs would, writing no user: it records what each
//! row would do and its problems, under the file's own column names. The
//! import then writes the rows that passed in the background, a chunk per
//! transaction, each row checked again as it is written; its page shows
//! the progress. The import belongs to the admin who tested the file.

use crate::import_file::{read_import_file, too_large, Column, FileRow, ImportFile};
use crate::user_export::{csv_lines, ExportStream};
use crate::users::require;
use crate::{store_error, Roster, SignedIn};
use futures::StreamExt;
use roster_domain::{
    is_one_line, AppError, AuditAction, EditableUser, FieldError, ImportPlan, ImportPlanCounts,
    ImportProblem, ImportReport, ImportRowReport, ImportRun, ImportRunId, ImportRunState, Password, PasswordInput,
    Permission, Role, RoleId, UserDetails, UserFields, UserId, ValidUserDetails, IMPORT_CHUNK, IMPORT_REPORT_ROWS, IMPORT_UPDATE_CHUNK,
};
use roster_store::{
    AuditRecord, ExistingUser, ImportChunkRow, ImportRowRecord, ImportRunRecord, ImportWrite, NewUser, Profile,
    SealedSlot, StagedRow, StoreError, UserUpdate,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A running import nobody has written a chunk of for this long has
/// stopped (its server went away); its page offers to go on.
const STALLED_SECONDS: i64 = 60;
/// Characters of a file's name kept.
const FILE_NAME_CHARS: usize = 200;

/// What a row that passed will write: the dialog's details (any password
/// sealed) and, for an update, the fields that change.
#[derive(Serialize, Deserialize)]
struct StagedDetails {
    details: UserDetails,
    changed: Vec<String>,
}

/// A file as uploaded for a test run.
pub struct ImportUpload<'a> {
    pub file_name: &'a str,
    /// Its bytes; at most `MAX_IMPORT_BYTES` and one more are kept.
    pub bytes: &'a [u8],
    /// Its whole size, kept or not.
    pub size: usize,
    /// Rows for users who exist update them (else they are invalid).
    pub update_existing: bool,
}

/// What an import's audit events say of it.
pub fn import_mark(run: ImportRunId) -> String {
    format!("import={run};")
}

impl Roster {
    /// Reads and tests a file: every row is checked and recorded with what
    /// it would do, and nothing else is written. A file that cannot be
    /// read is recorded with why. Returns the import, whose page shows the
    /// report. Needs `admin.user`.
    pub async fn test_import(
        &self,
        session: Option<&SignedIn>,
        upload: ImportUpload<'_>,
        ip: Option<&str>,
    ) -> Result<ImportRunId, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let ImportUpload { file_name, bytes, size, update_existing } = upload;
        let file_name: String = file_name.chars().filter(|c| !c.is_control()).take(FILE_NAME_CHARS).collect();
        let file_name = if file_name.trim().is_empty() { "users.csv".to_owned() } else { file_name };
        let run = self.db.create_import_run(admin.user.id, &file_name, update_existing, self.now()).await.map_err(store_error)?;
        let audit = |detail: String| {
            self.audit_record(AuditAction::ImportTested, Some(admin.user.id), admin.impersonator, None, ip, detail)
        };
        let mark = import_mark(run);
        let read = if size > bytes.len() { Err(too_large(size)) } else { read_import_file(bytes) };
        let file = match read {
            Ok(file) => file,
            Err(problem) => {
                let event = audit(format!("{mark} file={file_name}; unreadable: {problem}"));
                let planned = ImportPlanCounts::default();
                self.db.finish_import_test(run, planned, false, &[], Some(&problem), &event).await.map_err(store_error)?;
                crate::log_audit(&event);
                return Ok(run);
            }
        };
        let tested = self.test_rows(admin, run, &file, update_existing).await?;
        self.db.add_import_rows(run, &tested.rows).await.map_err(store_error)?;
        let p = tested.planned;
        let counts = format!("create={} update={} unchanged={} invalid={}", p.create, p.update, p.unchanged, p.invalid);
        let event = audit(format!("{mark} file={file_name}; {counts}"));
        self.db
            .finish_import_test(run, p, tested.needs_admin_mode, &file.ignored, None, &event)
            .await
            .map_err(store_error)?;
        crate::log_audit(&event);
        Ok(run)
    }

    /// Each row of the file, decided.
    async fn test_rows(
        &self,
        admin: &SignedIn,
        run: ImportRunId,
        file: &ImportFile,
        update_existing: bool,
    ) -> Result<TestedRows, AppError> {
        let roles = self.db.roles().await.map_err(store_error)?;
        let admin_roles = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
        let key = |row: &FileRow, column: Column| {
            file.values(row).find(|(c, _)| *c == column).map(|(_, v)| v.trim().to_lowercase()).filter(|v| !v.is_empty())
        };
        let logins: Vec<String> = file.rows.iter().filter_map(|r| key(r, Column::Login)).collect();
        let emails: Vec<String> = file.rows.iter().filter_map(|r| key(r, Column::Email)).collect();
        let existing = self.db.users_by_login_or_email(&logins, &emails).await.map_err(store_error)?;
        let by_login: HashMap<&str, &ExistingUser> = existing.iter().map(|u| (u.login_normalized.as_str(), u)).collect();
        let by_email: HashMap<&str, &ExistingUser> =
            existing.iter().filter_map(|u| u.email_normalized.as_deref().map(|e| (e, u))).collect();

        // The users the file names, as their dialog shows them: a few hundred a query.
        let mut editable: HashMap<UserId, EditableUser> = HashMap::new();
        let ids: Vec<UserId> = existing.iter().map(|u| u.id).collect();
        for chunk in ids.chunks(IMPORT_CHUNK) {
            editable.extend(self.db.editable_users(chunk).await.map_err(store_error)?.into_iter().map(|u| (u.id, u)));
        }
        let mut tested = TestedRows { rows: Vec::with_capacity(file.rows.len()), planned: Default::default(), needs_admin_mode: false };
        let (mut seen_logins, mut seen_emails) = (HashMap::new(), HashMap::new());
        for row in &file.rows {
            let mut problems = Vec::new();
            let (login, email) = (key(row, Column::Login), key(row, Column::Email));
            let header = |column: Column| file.header(column).unwrap_or_default().to_owned();
            let problem = |column: Column, message: String| ImportProblem { column: header(column), message };
            for (column, value, seen) in [(Column::Login, &login, &mut seen_logins), (Column::Email, &email, &mut seen_emails)] {
                if let Some(value) = value {
                    if let Some(first) = seen.insert(value.clone(), row.line) {
                        let what = if column == Column::Login { "login" } else { "email" };
                        problems.push(problem(column, format!("Line {first} has this {what} too.")));
                    }
                }
            }
            let by_this_login = login.as_deref().and_then(|l| by_login.get(l)).copied();
            let by_this_email = email.as_deref().and_then(|e| by_email.get(e)).copied();
            let matched = by_this_login.or(by_this_email);
            if let (Some(user), Some(other)) = (matched, by_this_email) {
                if user.id != other.id {
                    problems.push(problem(Column::Email, "Another user has this email.".into()));
                }
            }
            let matched_column = if by_this_login.is_some() { Column::Login } else { Column::Email };
            let before: Option<&EditableUser> = matched.and_then(|user| editable.get(&user.id));
            let base = before.as_ref().map_or_else(UserDetails::default, |b| b.details.clone());
            let (details, typed_problems) = typed_details(file, row, base, &roles);
            problems.extend(typed_problems);
            let valid = match details.validate() {
                Ok(valid) => Some(valid),
                Err(errors) => {
                    problems.extend(errors.into_iter().map(|e| column_problem(file, e)));
                    None
                }
            };
            let changed: Option<Vec<String>> = match (&valid, &before) {
                (Some(valid), Some(before)) => Some(valid.changed_from(&before.details).into_iter().map(str::to_owned).collect()),
                _ => None,
            };
            // A row that changes nothing is fine whoever it names; changing
            // an existing user needs the tick, and is not for yourself or admins.
            if let (Some(user), Some(changed)) = (matched, &changed) {
                let refusal = if changed.is_empty() {
                    None
                } else if !update_existing {
                    Some("A user with this login or email exists. Tick “Update existing users” to update them.")
                } else if user.id == admin.user.id {
                    Some("This is you: change your own account in Profile.")
                } else if user.administers {
                    Some("This user is an admin: change admins one at a time in Edit User.")
                } else {
                    None
                };
                if let Some(message) = refusal {
                    problems.push(problem(matched_column, message.into()));
                }
            }
            let login_shown = details.login.trim().to_owned();
            let (plan, user, staged) = match (valid.is_some() && problems.is_empty(), &before, changed) {
                (true, Some(before), Some(changed)) if changed.is_empty() => {
                    (ImportPlan::Unchanged, Some((before.id, before.version)), None)
                }
                (true, Some(before), Some(changed)) => {
                    (ImportPlan::Update, Some((before.id, before.version)), Some((details, changed)))
                }
                (true, None, _) => (ImportPlan::Create, None, Some((details, Vec::new()))),
                _ => (ImportPlan::Invalid, None, None),
            };
            let details = match staged {
                Some((mut details, changed)) => {
                    let gives_admin = details.roles.iter().any(|r| admin_roles.contains(r));
                    if gives_admin || !details.password.0.is_empty() {
                        tested.needs_admin_mode = true;
                    }
                    if !details.password.0.is_empty() {
                        details.password = PasswordInput(self.seal(SealedSlot::ImportPassword(run.0, row.line), &details.password.0));
                    }
                    Some(serde_json::to_string(&StagedDetails { details, changed }).map_err(|_| AppError::Internal)?)
                }
                None => None,
            };
            tested.planned.count(plan);
            tested.rows.push(StagedRow { line: row.line, login: login_shown, plan, user, details, problems });
        }
        Ok(tested)
    }

    /// An import and the rows worth a look (those with problems, or
    /// refused), the first `IMPORT_REPORT_ROWS`. Needs `admin.user`; the
    /// caller's imports only.
    pub async fn import_report(&self, session: Option<&SignedIn>, run: ImportRunId) -> Result<ImportReport, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let record = self.own_import(admin, run).await?;
        let rows = self.db.import_rows(run, 0, IMPORT_REPORT_ROWS, true).await.map_err(store_error)?;
        let mut view = self.import_run_view(&record);
        view.needs_admin_mode = record.needs_admin_mode && !self.in_admin_mode(admin);
        Ok(ImportReport { run: view, rows: rows.into_iter().map(row_report).collect() })
    }

    /// Starts writing a tested import (or goes on with one that stalled),
    /// in the background; returns at once. Admin mode when the file sets
    /// passwords or gives admin roles. Needs `admin.user`; the caller's
    /// imports only.
    pub async fn start_import(&self, session: Option<&SignedIn>, run: ImportRunId, ip: Option<&str>) -> Result<(), AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let record = self.own_import(admin, run).await?;
        let stalled = self.import_run_view(&record).stalled;
        if record.state != ImportRunState::Tested && !stalled {
            return Err(AppError::Refused("This import is not waiting to run.".into()));
        }
        if record.needs_admin_mode {
            self.require_admin_mode(session).await?;
        }
        let p = record.planned;
        let detail = format!("{} file={}; create={} update={}", import_mark(run), record.file_name, p.create, p.update);
        let audit = self.audit_record(AuditAction::ImportStarted, Some(admin.user.id), admin.impersonator, None, ip, detail);
        let stalled_before = roster_domain::Timestamp(self.now().0 - STALLED_SECONDS);
        if !self.db.start_import_run(run, self.now(), stalled_before, &audit).await.map_err(store_error)? {
            return Err(AppError::Refused("This import is not waiting to run.".into()));
        }
        crate::log_audit(&audit);
        let (roster, writer) = (self.clone(), ImportWriter { admin: admin.user.id, on_behalf_of: admin.impersonator, ip: ip.map(str::to_owned) });
        tokio::spawn(async move {
            if let Err(e) = roster.write_import(run, &writer).await {
                tracing::error!(run = run.0, error = ?e, "an import stopped; its page offers to go on");
            }
        });
        Ok(())
    }

    /// Writes every pending chunk of a running import, until it finishes
    /// or is cancelled.
    async fn write_import(&self, run: ImportRunId, writer: &ImportWriter) -> Result<(), AppError> {
        loop {
            let mut pending = self.db.pending_import_rows(run, IMPORT_CHUNK as i64).await.map_err(store_error)?;
            // Up to the chunk's share of updates (the rows after wait for the next chunk).
            if let Some(past) = pending.iter().enumerate().filter(|(_, r)| r.user.is_some()).nth(IMPORT_UPDATE_CHUNK).map(|(i, _)| i) {
                pending.truncate(past);
            }
            let roles: Vec<RoleId> = self.db.roles().await.map_err(store_error)?.into_iter().map(|r| r.id).collect();
            let mut rows = Vec::with_capacity(pending.len());
            let mut organizations: Vec<String> = Vec::new();
            let mut ready = Vec::with_capacity(pending.len());
            for staged in pending {
                let prepared = self.prepared_row(run, &staged, &roles).await;
                if let Ok(row) = &prepared {
                    organizations.extend(row.valid.organization.iter().cloned());
                    organizations.extend(row.valid.secondary_organizations.iter().cloned());
                }
                ready.push((staged, prepared));
            }
            let names: Vec<&str> = organizations.iter().map(String::as_str).collect();
            let ids = self.db.organizations_named(&names, self.now()).await.map_err(store_error)?;
            let organization_ids: HashMap<String, roster_domain::OrganizationId> =
                organizations.iter().map(|n| n.trim().to_lowercase()).zip(ids).collect();
            for (staged, prepared) in ready {
                let detail = match (&staged.user, &prepared) {
                    (Some(_), Ok(row)) => format!("{} fields={}", import_mark(run), row.changed.join(",")),
                    _ => import_mark(run),
                };
                let action = if staged.user.is_some() { AuditAction::UserUpdated } else { AuditAction::UserCreated };
                let write = prepared.map(|PreparedRow { valid, password_hash, .. }| {
                    let organization = |name: &String| organization_ids[&name.trim().to_lowercase()];
                    let profile = Profile {
                        email: valid.email.clone(),
                        organization_id: valid.organization.as_ref().map(organization),
                        secondary_organization_ids: valid.secondary_organizations.iter().map(organization).collect(),
                        vip: valid.vip,
                        active: valid.active,
                        // An imported password is one the admin knows: the user replaces it.
                        must_change_password: password_hash.is_some().then_some(true),
                        fields: valid.fields.clone(),
                    };
                    let (login, roles) = (valid.login, valid.roles);
                    match staged.user {
                        Some((id, version)) => {
                            ImportWrite::Update { id, version, update: UserUpdate { login, profile, roles, password_hash } }
                        }
                        None => ImportWrite::Create(NewUser { login, profile, password_hash, roles }),
                    }
                });
                let audit = self.audit_record(action, Some(writer.admin), writer.on_behalf_of, None, writer.ip.as_deref(), detail);
                rows.push(ImportChunkRow { line: staged.line, write, audit });
            }
            let ended = |r: &ImportRunRecord| self.import_ended(r, writer);
            let record = match self.db.write_import_chunk(run, rows, self.now(), ended).await {
                Ok(record) => record,
                // Cancelled (or finished by another instance) meanwhile.
                Err(StoreError::NotFound) => return Ok(()),
                Err(e) => return Err(store_error(e)),
            };
            if record.state != ImportRunState::Running {
                if record.state == ImportRunState::Finished {
                    crate::log_audit(&self.import_ended(&record, writer));
                }
                return Ok(());
            }
        }
    }

    /// A staged row made ready to write: checked again, its password
    /// opened and hashed; or why it cannot be written.
    async fn prepared_row(
        &self,
        run: ImportRunId,
        staged: &StagedRow,
        roles: &[RoleId],
    ) -> Result<PreparedRow, String> {
        let gone = || "The test run's record of this row is unreadable; test the file again.".to_owned();
        let staged_details: StagedDetails = serde_json::from_str(staged.details.as_deref().ok_or_else(gone)?).map_err(|_| gone())?;
        let mut details = staged_details.details;
        let sealed = std::mem::take(&mut details.password.0);
        let password = if sealed.is_empty() {
            None
        } else {
            let opened = self
                .open(SealedSlot::ImportPassword(run.0, staged.line), &sealed)
                .map_err(|_| "The password of this row can no longer be read (the server's key changed); test the file again.".to_owned())?;
            Some(Password::parse(&opened).map_err(|e| e.message)?)
        };
        let valid = details.validate().map_err(|errors| errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" "))?;
        if valid.roles.iter().any(|r| !roles.contains(r)) {
            return Err("A role of this row was deleted after the test run.".into());
        }
        let password_hash = match &password {
            Some(p) => Some(self.hasher().hash(p).await.map_err(|e| e.to_string())?),
            None => None,
        };
        Ok(PreparedRow { valid, changed: staged_details.changed, password_hash })
    }

    fn import_ended(&self, r: &ImportRunRecord, writer: &ImportWriter) -> AuditRecord {
        let how = if r.state == ImportRunState::Cancelled { "cancelled" } else { "finished" };
        let detail = format!("{} created={} updated={} refused={}; {how}", import_mark(r.id), r.created, r.updated, r.refused);
        self.audit_record(AuditAction::ImportEnded, Some(writer.admin), writer.on_behalf_of, None, writer.ip.as_deref(), detail)
    }

    /// Stops a running import after the chunk under way; what was written
    /// stays. Needs `admin.user`; the caller's imports only.
    pub async fn cancel_import(&self, session: Option<&SignedIn>, run: ImportRunId, ip: Option<&str>) -> Result<(), AppError> {
        let admin = require(session, Permission::AdminUser)?;
        self.own_import(admin, run).await?;
        let writer = ImportWriter { admin: admin.user.id, on_behalf_of: admin.impersonator, ip: ip.map(str::to_owned) };
        match self.db.cancel_import_run(run, |r| self.import_ended(r, &writer)).await {
            Ok(record) => {
                crate::log_audit(&self.import_ended(&record, &writer));
                Ok(())
            }
            Err(StoreError::NotFound) => Err(AppError::Refused("This import is not running.".into())),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Every row of an import as CSV: its line, login, what the test run
    /// found, what the import did, and each problem under its column (one
    /// line per problem). Needs `admin.user`; the caller's imports only.
    pub async fn import_rows_report(&self, session: Option<&SignedIn>, run: ImportRunId) -> Result<ExportStream, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        self.own_import(admin, run).await?;
        let header = ["Line", "Login", "Test run", "Import", "Column", "Problem"];
        let mut first = vec![0xEF, 0xBB, 0xBF]; // UTF-8's byte order mark, as Export CSV has it.
        first.extend(csv_lines([header.map(str::to_owned).to_vec()])?);
        let roster = self.clone();
        let pages = futures::stream::try_unfold(Some(0), move |after| {
            let roster = roster.clone();
            async move {
                let Some(after) = after else { return Ok(None) };
                let rows = roster.db.import_rows(run, after, 1_000, false).await.map_err(store_error)?;
                let next = (rows.len() == 1_000).then(|| rows.last().map_or(after, |r| r.staged.line));
                let lines = rows.into_iter().map(row_report).flat_map(|r| {
                    let base = [r.line.to_string(), r.login, r.plan.label().to_owned(), r.outcome.map_or("", |o| o.label()).to_owned()];
                    let mut problems: Vec<(String, String)> =
                        r.problems.into_iter().map(|p| (p.column, p.message)).chain(r.reason.map(|reason| (String::new(), reason))).collect();
                    if problems.is_empty() {
                        problems.push(Default::default());
                    }
                    problems.into_iter().map(move |(column, message)| [base.to_vec(), vec![column, message]].concat())
                });
                Ok(Some((csv_lines(lines)?, next)))
            }
        });
        Ok(Box::pin(futures::stream::once(async move { Ok(first) }).chain(pages)))
    }

    /// The import, if it is the caller's (anyone else's is "not found").
    async fn own_import(&self, admin: &SignedIn, run: ImportRunId) -> Result<ImportRunRecord, AppError> {
        match self.db.import_run(run).await.map_err(store_error)? {
            Some(record) if record.admin_id == admin.user.id => Ok(record),
            _ => Err(AppError::NotFound),
        }
    }

    fn import_run_view(&self, r: &ImportRunRecord) -> ImportRun {
        let now = self.now().0;
        ImportRun {
            id: r.id,
            file_name: r.file_name.clone(),
            update_existing: r.update_existing,
            state: r.state,
            problem: r.problem.clone(),
            ignored_columns: r.ignored_columns.clone(),
            planned: r.planned,
            created: r.created,
            updated: r.updated,
            refused: r.refused,
            seconds: r.started_at.map(|t| now - t.0),
            needs_admin_mode: r.needs_admin_mode,
            stalled: r.state == ImportRunState::Running && r.heartbeat_at.is_none_or(|t| now - t.0 > STALLED_SECONDS),
        }
    }
}

/// Who writes an import, for its audit events.
struct ImportWriter {
    admin: UserId,
    on_behalf_of: Option<UserId>,
    ip: Option<String>,
}

/// A row ready to write.
struct PreparedRow {
    valid: ValidUserDetails,
    /// The fields an update changes, as its test run found them.
    changed: Vec<String>,
    password_hash: Option<String>,
}

struct TestedRows {
    rows: Vec<StagedRow>,
    planned: ImportPlanCounts,
    needs_admin_mode: bool,
}

/// `base` with the row's values over it, and the problems of values that
/// are not even of their kind (a VIP that is neither yes nor no, a role
/// that does not exist). A blank Roles keeps `base`'s roles.
fn typed_details(file: &ImportFile, row: &FileRow, mut details: UserDetails, roles: &[Role]) -> (UserDetails, Vec<ImportProblem>) {
    let mut problems = Vec::new();
    let problem = |column: Column, message: &str| ImportProblem {
        column: file.header(column).unwrap_or_default().to_owned(),
        message: message.to_owned(),
    };
    if row.values.len() > file.positions.len() && row.values[file.positions.len()..].iter().any(|v| !v.trim().is_empty()) {
        let message = format!("This row has {} values; the header names {} columns.", row.values.len(), file.positions.len());
        problems.push(ImportProblem { column: String::new(), message });
    }
    if row.values.len() < file.positions.len() {
        let message = format!("This row has {} values; the header names {} columns.", row.values.len(), file.positions.len());
        problems.push(ImportProblem { column: String::new(), message });
    }
    for (column, value) in file.values(row) {
        match column {
            Column::Login => details.login = value.to_owned(),
            Column::Email => details.email = value.to_owned(),
            Column::Organization => details.organization = value.to_owned(),
            Column::SecondaryOrganizations => {
                details.secondary_organizations = value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect();
            }
            Column::Vip | Column::Active => match yes_or_no(value) {
                Some(yes) if column == Column::Vip => details.vip = yes,
                Some(yes) => details.active = yes,
                None => problems.push(problem(column, "Write yes or no.")),
            },
            Column::Field(i) => *details.fields.values_mut()[i] = value.to_owned(),
            Column::Roles => {
                let names: Vec<&str> = value.split([',', '~']).map(str::trim).filter(|v| !v.is_empty()).collect();
                if names.is_empty() {
                    continue;
                }
                let mut ids = Vec::new();
                for name in names {
                    match roles.iter().find(|r| r.name.to_lowercase() == name.to_lowercase()) {
                        Some(role) => ids.push(role.id),
                        None if is_one_line(name) && name.chars().count() <= 100 => {
                            problems.push(problem(column, &format!("No role is named “{name}”.")))
                        }
                        None => problems.push(problem(column, "No role has this name.")),
                    }
                }
                details.roles = ids;
            }
            Column::Password => details.password = PasswordInput(value.to_owned()),
        }
    }
    (details, problems)
}

/// `yes`/`no` as Export CSV writes them, and what spreadsheets and Zammad
/// write (`true`, `1`, `x`…); blank is no.
fn yes_or_no(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "ja" => Some(true),
        "no" | "n" | "false" | "0" | "" | "nein" => Some(false),
        _ => None,
    }
}

/// A dialog error under the column it is about: the file's own header for
/// it, or the dialog's label when the file has no such column.
fn column_problem(file: &ImportFile, error: FieldError) -> ImportProblem {
    let column = match error.field.as_str() {
        "login" => Some(Column::Login),
        "email" => Some(Column::Email),
        "organization" => Some(Column::Organization),
        "secondary_organizations" => Some(Column::SecondaryOrganizations),
        "vip" => Some(Column::Vip),
        "active" => Some(Column::Active),
        "roles" => Some(Column::Roles),
        "password" => Some(Column::Password),
        name => UserFields::RULES.iter().position(|r| r.name == name).map(Column::Field),
    };
    let label = |column: Column| match column {
        Column::Field(i) => UserFields::RULES[i].label,
        Column::Login => "Login",
        Column::Email => "Email",
        Column::Organization => "Organization",
        Column::SecondaryOrganizations => "Secondary organizations",
        Column::Vip => "VIP",
        Column::Active => "Active",
        Column::Roles => "Roles",
        Column::Password => "Password",
    };
    let column = column.map(|c| file.header(c).unwrap_or(label(c)).to_owned()).unwrap_or_default();
    ImportProblem { column, message: error.message }
}

fn row_report(r: ImportRowRecord) -> ImportRowReport {
    ImportRowReport {
        line: r.staged.line,
        login: r.staged.login,
        plan: r.staged.plan,
        problems: r.staged.problems,
        outcome: r.outcome,
        reason: r.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_no_in_the_words_files_use() {
        for yes in ["yes", "YES", " true", "1", "x", "Ja"] {
            assert_eq!(yes_or_no(yes), Some(true), "{yes}");
        }
        for no in ["no", "False", "0", "", "nein"] {
            assert_eq!(yes_or_no(no), Some(false), "{no}");
        }
        assert_eq!(yes_or_no("maybe"), None);
    }

    #[test]
    fn values_land_in_the_dialogs_fields_and_bad_ones_under_their_column() {
        let file = read_import_file(b"login,firstname,VIP,roles,Secondary organizations\nann,Ann,maybe,Agent~Nope,\"A, B\"\n").unwrap();
        let roles = [Role { id: RoleId::AGENT, name: "Agent".into() }];
        let (details, problems) = typed_details(&file, &file.rows[0], UserDetails::default(), &roles);
        assert_eq!((details.login.as_str(), details.fields.first_name.as_str()), ("ann", "Ann"));
        assert_eq!(details.secondary_organizations, ["A", "B"]);
        let columns: Vec<(&str, &str)> = problems.iter().map(|p| (p.column.as_str(), p.message.as_str())).collect();
        assert_eq!(columns, [("VIP", "Write yes or no."), ("roles", "No role is named “Nope”.")]);
        let error = column_problem(&file, FieldError::new("first_name", "Too long."));
        assert_eq!(error.column, "firstname", "the file's own header");
        assert_eq!(column_problem(&file, FieldError::new("email", "x")).column, "Email", "the dialog's label otherwise");
    }
}
