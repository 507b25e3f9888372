//! Import CSV: a file of users is first tested, row by row, without
//! touching anyone; the admin reads the report, then imports the rows that
//! passed, a chunk per transaction.

use serde::{Deserialize, Serialize};

/// The largest file an import takes: room for `MAX_IMPORT_ROWS` exported
/// users with every field filled.
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;
/// Rows (users) in one file, at most.
pub const MAX_IMPORT_ROWS: usize = 100_000;
/// Rows an import writes per transaction: new users are inserted a chunk
/// per statement; an update is a user's own statements, so fewer of them
/// make a transaction, which then holds SQLite's one writer no longer than
/// a fraction of a second.
pub const IMPORT_CHUNK: usize = 500;
pub const IMPORT_UPDATE_CHUNK: usize = 200;
/// Rows with problems the report page lists; the CSV report has them all.
pub const IMPORT_REPORT_ROWS: i64 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ImportRunId(pub i64);

impl std::fmt::Display for ImportRunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What the test run found a row would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportPlan {
    Create,
    Update,
    /// A user the file describes as they are.
    Unchanged,
    /// A row with problems; it is never imported.
    Invalid,
}

impl ImportPlan {
    pub const ALL: [ImportPlan; 4] = [ImportPlan::Create, ImportPlan::Update, ImportPlan::Unchanged, ImportPlan::Invalid];

    pub fn key(self) -> &'static str {
        match self {
            ImportPlan::Create => "create",
            ImportPlan::Update => "update",
            ImportPlan::Unchanged => "unchanged",
            ImportPlan::Invalid => "invalid",
        }
    }

    pub fn from_key(key: &str) -> Option<ImportPlan> {
        ImportPlan::ALL.into_iter().find(|p| p.key() == key)
    }

    /// As the test run's report says it.
    pub fn label(self) -> &'static str {
        match self {
            ImportPlan::Create => "Would create",
            ImportPlan::Update => "Would update",
            ImportPlan::Unchanged => "Unchanged",
            ImportPlan::Invalid => "Invalid",
        }
    }
}

/// What the import did with a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportOutcome {
    Created,
    Updated,
    /// Refused when its chunk ran (the reason says why): someone took the
    /// login meanwhile, edited the user, made them an admin…
    Refused,
}

impl ImportOutcome {
    pub const ALL: [ImportOutcome; 3] = [ImportOutcome::Created, ImportOutcome::Updated, ImportOutcome::Refused];

    pub fn key(self) -> &'static str {
        match self {
            ImportOutcome::Created => "created",
            ImportOutcome::Updated => "updated",
            ImportOutcome::Refused => "refused",
        }
    }

    pub fn from_key(key: &str) -> Option<ImportOutcome> {
        ImportOutcome::ALL.into_iter().find(|o| o.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportOutcome::Created => "Created",
            ImportOutcome::Updated => "Updated",
            ImportOutcome::Refused => "Refused",
        }
    }
}

/// Where an import stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportRunState {
    /// The file could not be read; `problem` says why, and nothing more happens.
    Unreadable,
    /// Tested; the report is ready and nothing is written yet.
    Tested,
    Running,
    Finished,
    Cancelled,
}

impl ImportRunState {
    pub const ALL: [ImportRunState; 5] = [
        ImportRunState::Unreadable,
        ImportRunState::Tested,
        ImportRunState::Running,
        ImportRunState::Finished,
        ImportRunState::Cancelled,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ImportRunState::Unreadable => "unreadable",
            ImportRunState::Tested => "tested",
            ImportRunState::Running => "running",
            ImportRunState::Finished => "finished",
            ImportRunState::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<ImportRunState> {
        ImportRunState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A problem of a row, under the column of the file it is about (as the
/// file's header names it), or of the row as a whole (`column` empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub column: String,
    pub message: String,
}

/// How many rows of a test run would do what.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlanCounts {
    pub create: i64,
    pub update: i64,
    pub unchanged: i64,
    pub invalid: i64,
}

impl ImportPlanCounts {
    pub fn count(&mut self, plan: ImportPlan) {
        match plan {
            ImportPlan::Create => self.create += 1,
            ImportPlan::Update => self.update += 1,
            ImportPlan::Unchanged => self.unchanged += 1,
            ImportPlan::Invalid => self.invalid += 1,
        }
    }

    /// Rows the import will write.
    pub fn to_write(&self) -> i64 {
        self.create + self.update
    }

    pub fn total(&self) -> i64 {
        self.create + self.update + self.unchanged + self.invalid
    }
}

/// An import as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRun {
    pub id: ImportRunId,
    pub file_name: String,
    pub update_existing: bool,
    pub state: ImportRunState,
    /// Why the file could not be read (state `Unreadable`).
    pub problem: Option<String>,
    /// The file's columns that are not imported, as its header names them.
    pub ignored_columns: Vec<String>,
    pub planned: ImportPlanCounts,
    pub created: i64,
    pub updated: i64,
    pub refused: i64,
    /// Seconds since the import started writing (for its rate).
    pub seconds: Option<i64>,
    /// The import needs admin mode (it sets passwords or gives admin
    /// roles), and the admin who asks is not in it now: the page asks for
    /// their password with the Import button.
    pub needs_admin_mode: bool,
    /// Running, but no instance has written a chunk for a while: it stopped
    /// (the server restarted) and may be taken up again.
    pub stalled: bool,
}

impl ImportRun {
    /// Rows written or refused so far.
    pub fn done(&self) -> i64 {
        self.created + self.updated + self.refused
    }

    /// "1,200 rows a second, about 40 s left", once there is a rate.
    pub fn pace(&self) -> Option<String> {
        let seconds = self.seconds.filter(|s| *s > 0)?;
        let done = self.done();
        let rate = done / seconds;
        let left = (self.planned.to_write() - done).max(0);
        let eta = if rate > 0 { format!(", about {} s left", (left + rate - 1) / rate) } else { String::new() };
        Some(format!("{} rows a second{eta}", crate::group_thousands(rate)))
    }
}

/// One row of the report: what the test run planned, its problems, and
/// what the import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowReport {
    /// The line of the file the row starts on (the header is line 1).
    pub line: i64,
    pub login: String,
    pub plan: ImportPlan,
    pub problems: Vec<ImportProblem>,
    pub outcome: Option<ImportOutcome>,
    /// Why the import refused it.
    pub reason: Option<String>,
}

/// The import page: the run and the rows worth a look (problems first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub run: ImportRun,
    pub rows: Vec<ImportRowReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back() {
        for plan in ImportPlan::ALL {
            assert_eq!(ImportPlan::from_key(plan.key()), Some(plan));
        }
        for outcome in ImportOutcome::ALL {
            assert_eq!(ImportOutcome::from_key(outcome.key()), Some(outcome));
        }
        for state in ImportRunState::ALL {
            assert_eq!(ImportRunState::from_key(state.key()), Some(state));
        }
        assert_eq!(ImportPlan::from_key("Create"), None);
    }

    #[test]
    fn counts_and_pace() {
        let mut planned = ImportPlanCounts::default();
        for plan in [ImportPlan::Create, ImportPlan::Create, ImportPlan::Update, ImportPlan::Invalid, ImportPlan::Unchanged] {
            planned.count(plan);
        }
        assert_eq!((planned.to_write(), planned.total()), (3, 5));
        let run = ImportRun {
            id: ImportRunId(1),
            file_name: "users.csv".into(),
            update_existing: true,
            state: ImportRunState::Running,
            problem: None,
            ignored_columns: Vec::new(),
            planned: ImportPlanCounts { create: 3000, ..planned },
            created: 1000,
            updated: 0,
            refused: 0,
            seconds: Some(2),
            needs_admin_mode: false,
            stalled: false,
        };
        assert_eq!(run.pace().as_deref(), Some("500 rows a second, about 5 s left"));
        assert_eq!(ImportRun { seconds: Some(0), ..run }.pace(), None);
    }
}
