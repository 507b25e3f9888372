//! Roster's storage: one `Db` over SQLite (embedded default) or PostgreSQL.
//!
//! Queries are written once with `$1`-style parameters, which both engines
//! accept, and run through `on_pool!` against whichever pool is configured.
//! Where the engines need different SQL, the function says so.

mod audit;
mod bulk_runs;
mod dormant_accounts;
mod error;
mod impersonation;
mod import_runs;
mod lockout;
mod role_tokens;
mod roles;
mod sealed;
mod search_document;
mod search_grams;
mod sessions;
mod tickets;
mod two_factor;
#[cfg(feature = "testing")]
pub mod testing;
mod user_deletion;
mod user_edit;
mod user_export;
mod user_merge;
mod user_search;
mod user_writes;
mod users;

pub use audit::AuditRecord;
pub use bulk_runs::{BulkChunk, BulkRefusalRecord, BulkRunRecord, BulkTargetRecord};
pub use dormant_accounts::DormantAccount;
pub use error::StoreError;
pub use impersonation::Impersonation;
pub use import_runs::{refusals as import_refusals, ExistingUser, ImportChunkRow, ImportRowRecord, ImportRunRecord, ImportWrite, StagedRow};
pub use lockout::FailureCount;
pub use sealed::SealedSlot;
pub use sessions::{ListedSession, SessionClient, SessionRecord};
pub use tickets::{NewTicket, TicketRecord};
pub use two_factor::AuthenticatorSecret;
pub use user_deletion::DeletionCounts;
pub use user_edit::UserUpdate;
pub use user_export::ExportDetails;
pub use user_merge::MergeCounts;
pub use user_search::{PreparedSearch, UserQuery};
pub use users::{Credentials, NewUser, Profile};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// How much of a SQLite database is read through memory mapping (SQLite's
/// own ceiling, 2 GiB less 64 KiB; a larger value is cut to it).
const SQLITE_MMAP_SIZE: u64 = 0x7fff_0000;

/// PostgreSQL's search indexes, which a bulk load into a (nearly) empty
/// table builds at the end instead of growing them user by user; `migrate`
/// makes sure they exist. As the migrations 0002, 0024, 0021 and 0023 create
/// them, longest to build first (`finish_bulk_load` builds two at a time):
/// the pairs, the trigrams, the characters, then the orders' and the last
/// activity's.
const BULK_BUILT_INDEXES: [(&str, &str); 7] = [
    (
        "users_search_pairs",
        "CREATE INDEX IF NOT EXISTS users_search_pairs ON users USING gin (roster_search_pairs(search_document COLLATE \"C\"))",
    ),
    ("users_search", "CREATE INDEX IF NOT EXISTS users_search ON users USING gin (search_document public.gin_trgm_ops)"),
    (
        "users_search_characters",
        "CREATE INDEX IF NOT EXISTS users_search_characters ON users \
         USING gin (roster_search_characters(search_document COLLATE \"C\"))",
    ),
    (
        "users_by_email",
        "CREATE INDEX IF NOT EXISTS users_by_email ON users ((COALESCE(email_normalized, '~')), id) \
         INCLUDE (email_normalized, search_document, active, last_login_at, locked_until, two_factor_enabled)",
    ),
    (
        "users_by_name",
        "CREATE INDEX IF NOT EXISTS users_by_name ON users (name_normalized, id) \
         INCLUDE (search_document, active, last_login_at, locked_until, two_factor_enabled)",
    ),
    (
        "users_by_login",
        "CREATE INDEX IF NOT EXISTS users_by_login ON users (login_normalized, id) \
         INCLUDE (search_document, active, last_login_at, locked_until, two_factor_enabled)",
    ),
    (
        "users_by_last_activity",
        "CREATE INDEX IF NOT EXISTS users_by_last_activity ON users ((COALESCE(last_login_at, created_at)))",
    ),
];

/// Which engine a `Db` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The connection pool of the engine a `Db` talks to.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The one connection pool of a process.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
}

/// Runs `$body` with `$pool` bound to the concrete pool. The body is compiled
/// once per engine, so it must produce the same type on both.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match &$db.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// How a transaction that will write begins on each engine.
pub(crate) trait BeginWrite {
    const STATEMENT: &'static str;
}

/// SQLite takes its one write lock at once, waiting its turn under the busy
/// timeout. A deferred transaction takes it at its first write instead, and
/// when another writer committed after this one first read, SQLite can only
/// answer "database is locked" (no wait helps then): fifty writers at once
/// met exactly that.
impl BeginWrite for sqlx::SqlitePool {
    const STATEMENT: &'static str = "BEGIN IMMEDIATE";
}

/// PostgreSQL locks rows as it writes them.
impl BeginWrite for sqlx::PgPool {
    const STATEMENT: &'static str = "BEGIN";
}

/// The statement that begins a writing transaction on `pool`'s engine.
pub(crate) fn begin_write<P: BeginWrite>(_pool: &P) -> &'static str {
    P::STATEMENT
}

/// Begins a transaction on `pool` with `statement`, in a task of its own.
///
/// sqlx (0.8.6, and 0.9.0 too: its issue #4393) counts a PostgreSQL
/// transaction as begun only once BEGIN has answered. A request dropped while
/// BEGIN is on its way (its client went away, a timeout fired) leaves the
/// session inside a transaction nothing will end, and the pool hands that
/// connection on: the next borrower's writes land in it, hold their locks,
/// and are lost when the connection closes. Run as a task, BEGIN always
/// finishes; a transaction nobody waits for any more is then dropped, and
/// sqlx rolls it back as it does any other.
pub(crate) async fn begin<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    statement: &'static str,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(statement).await })
        .await
        .map_err(|_| sqlx::Error::WorkerCrashed)?
}

/// `text` for a LIKE pattern with `ESCAPE '\\'`: its own `%`, `_` and `\\`
/// match literally.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

impl Db {
    /// Connects to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::connect_postgres(PgConnectOptions::from_str(url)?).await
        } else if url.starts_with("sqlite:") {
            Self::connect_sqlite(SqliteConnectOptions::from_str(url)?).await
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    async fn connect_sqlite(options: SqliteConnectOptions) -> Result<Db, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Reads through the operating system's page cache in place, not
            // copied a page at a time into each connection's own small cache:
            // a search that looks up thousands of users' documents takes half
            // the time. 2 GiB is SQLite's own ceiling; beyond it, files are read.
            .pragma("mmap_size", SQLITE_MMAP_SIZE.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Db { pool: Pool::Sqlite(pool) })
    }

    async fn connect_postgres(options: PgConnectOptions) -> Result<Db, StoreError> {
        Self::connect_postgres_with(options, 16).await
    }

    async fn connect_postgres_with(options: PgConnectOptions, connections: u32) -> Result<Db, StoreError> {
        // sqlx pings each pooled connection before handing it out (its
        // default): a round trip before every statement, the larger part of
        // what a deep page costs. It stays: pinging only connections that sat
        // idle a while let one the database had just ended fail the next
        // request (BENCHMARKS.md, "PostgreSQL deep pages and Export CSV").
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Db { pool: Pool::Postgres(pool) })
    }

    /// The pool itself, for SQL the store has no function for.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Brings the schema up to date. A failure leaves the database as the
    /// failed migration's transaction found it; callers must not carry on.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::migrate!("./migrations/sqlite").run(pool).await?;
                let written = search_grams::write_pending_grams(pool).await?;
                if written > 0 {
                    tracing::info!(users = written, "indexed the short search terms of existing users");
                }
            }
            Pool::Postgres(pool) => {
                sqlx::migrate!("./migrations/postgres").run(pool).await?;
                // A bulk load that stopped half-way left them out.
                for (_, create) in BULK_BUILT_INDEXES {
                    sqlx::query(create).execute(pool).await?;
                }
                // The planner knows an expression index's keys only once the
                // table is analysed, and autovacuum analyses after rows change,
                // not after an index is built: a migration or a load that built
                // an index of short words anew left searches for them to be
                // planned blind (some then ran into the time limit).
                let unanalysed = "SELECT EXISTS (SELECT 1 FROM users) AND (SELECT COUNT(DISTINCT tablename) FROM pg_stats \
                                  WHERE schemaname = current_schema() \
                                  AND tablename IN ('users_search_characters', 'users_search_pairs')) < 2";
                if sqlx::query_scalar::<_, bool>(unanalysed).fetch_one(pool).await? {
                    sqlx::query("ANALYZE users").execute(pool).await?;
                }
            }
        }
        Ok(())
    }

    /// Brings the query planner's statistics up to date, as after a bulk
    /// load; the planner then knows how selective each search is.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::query("ANALYZE").execute(pool).await?.rows_affected(),
            // VACUUM also marks pages all-visible, so index-only scans skip the heap.
            Pool::Postgres(pool) => sqlx::query("VACUUM (ANALYZE) users, user_roles, organizations").execute(pool).await?.rows_affected(),
        };
        Ok(())
    }

    /// Tells PostgreSQL's planner how large the tables have grown, in the
    /// middle of a bulk load. Plans made while a table looked empty (those of
    /// foreign-key checks and triggers among them) scan it whole for every
    /// row inserted, so a load that never refreshes them slows down as it
    /// grows. SQLite's plans here do not depend on table sizes: nothing to do.
    pub async fn refresh_statistics_during_load(&self) -> Result<(), StoreError> {
        if let Pool::Postgres(pool) = &self.pool {
            sqlx::query("ANALYZE users, user_roles, organizations, tickets").execute(pool).await?;
        }
        Ok(())
    }

    /// Prepares a bulk load of `adding` users: on PostgreSQL, when the load
    /// outgrows what the table holds, the search indexes are dropped, to be
    /// built once at the end (`finish_bulk_load`) rather than grown user by
    /// user. SQLite: nothing to do. Searches stay correct meanwhile, only slow.
    pub async fn start_bulk_load(&self, adding: u64) -> Result<(), StoreError> {
        if let Pool::Postgres(pool) = &self.pool {
            let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
            if adding > users as u64 {
                for (name, _) in BULK_BUILT_INDEXES {
                    sqlx::query(&format!("DROP INDEX IF EXISTS {name}")).execute(pool).await?;
                }
            }
        }
        Ok(())
    }

    /// Builds the search indexes a bulk load dropped, with room to sort,
    /// on two connections, each taking the next index on the list when it
    /// is done with one: PostgreSQL builds an index on one core, and the
    /// list's longest builds come first, so neither core waits long for
    /// the other at the end.
    pub async fn finish_bulk_load(&self) -> Result<(), StoreError> {
        if let Pool::Postgres(pool) = &self.pool {
            let next = &std::sync::atomic::AtomicUsize::new(0);
            let builder = || async move {
                let mut connection = pool.acquire().await?;
                sqlx::query("SET maintenance_work_mem = '512MB'").execute(&mut *connection).await?;
                while let Some((_, create)) = BULK_BUILT_INDEXES.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    sqlx::query(create).execute(&mut *connection).await?;
                }
                sqlx::query("RESET maintenance_work_mem").execute(&mut *connection).await?;
                Ok::<(), StoreError>(())
            };
            tokio::try_join!(builder(), builder())?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

#[cfg(test)]
mod tests {
    /// The storage tests drop a transaction while it begins through `begin`
    /// alone; this holds every other transaction of the store to the same path.
    #[test]
    fn every_transaction_begins_through_begin() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut direct = Vec::new();
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let allowed = usize::from(name == "lib.rs");
            let found = text.matches(concat!("begin_with", "(")).count() + text.matches(concat!(".begin()", ".await")).count();
            if found != allowed {
                direct.push(format!("{name}: {found}"));
            }
        }
        assert!(direct.is_empty(), "transactions begun other than through `begin`: {direct:?}");
    }
}
