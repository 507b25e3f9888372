use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("DATABASE_URL must start with sqlite: or postgres:")]
    UnsupportedUrl,
    /// A unique column already holds this value; `field` names the input.
    #[error("{field} is already used by another user")]
    Duplicate { field: &'static str },
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (its version moved on).
    #[error("changed since it was read")]
    Conflict,
    /// The change would leave no active admin.
    #[error("the last active admin must remain")]
    LastAdmin,
    /// Every user has at least one role.
    #[error("a user needs at least one role")]
    NoRoles,
    /// Built-in roles cannot be changed or deleted.
    #[error("built-in roles cannot be changed")]
    BuiltInRole,
    /// Users still hold the role: how many.
    #[error("{0} users hold the role")]
    RoleInUse(i64),
    /// A page cursor that no page of this order could have produced.
    #[error("page cursor does not fit the sort order")]
    BadCursor,
    /// The rules of user actions refuse this one (`BulkRules`).
    #[error("refused: {0:?}")]
    Refused(roster_domain::BulkRefusal),
    /// The rules of a merge refuse it (`merge_refusal`).
    #[error("merge refused: {0:?}")]
    MergeRefused(roster_domain::MergeRefusal),
    /// The role an action gives or takes was deleted.
    #[error("the role no longer exists")]
    RoleGone,
    /// A stored value this version of Roster cannot read.
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    /// A search ran past its time limit and was stopped.
    #[error("the search ran past its time limit")]
    SearchTooSlow,
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// The database gave up on a statement that ran past its time limit.
    pub fn is_timeout(&self) -> bool {
        // 57014: PostgreSQL's query_canceled, raised by statement_timeout.
        matches!(self, StoreError::SearchTooSlow)
            || matches!(self, StoreError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some("57014"))
    }

    /// The text held a character the database cannot store (PostgreSQL
    /// refuses NUL). Input checks refuse such text first; this is the backstop.
    pub fn is_unstorable_text(&self) -> bool {
        // 22021: character_not_in_repertoire.
        matches!(self, StoreError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some("22021"))
    }

    /// Turns unique-constraint violations into `Duplicate`, naming the input
    /// the constraint guards; other errors pass through.
    pub(crate) fn from_write(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                // SQLite names the column, PostgreSQL the constraint; both contain it.
                let what = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
                for field in ["login", "email"] {
                    if what.contains(&format!("{field}_normalized")) {
                        return StoreError::Duplicate { field };
                    }
                }
            }
        }
        StoreError::Database(e)
    }
}
