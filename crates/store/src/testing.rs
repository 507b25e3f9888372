//! Throwaway databases for tests: a fresh SQLite file, and a fresh schema in
//! the PostgreSQL server named by `ROSTER_TEST_POSTGRES_URL` when it is set.

use crate::Db;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, PgConnection};
use std::str::FromStr;

/// A migrated database that lives as long as this value.
pub struct TestDb {
    pub db: Db,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// How to reach a PostgreSQL schema from outside `db`'s pool.
    postgres: Option<PgConnectOptions>,
}

impl TestDb {
    /// Runs a query that answers with one number on a connection of its
    /// own, outside `db`'s pool: what another server instance would see.
    /// PostgreSQL only.
    pub async fn count_from_outside(&self, sql: &str) -> i64 {
        let options = self.postgres.as_ref().expect("a PostgreSQL test database");
        let mut outside = PgConnection::connect_with(options).await.expect("connect from outside the pool");
        let n = sqlx::query_scalar(sql).fetch_one(&mut outside).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        outside.close().await.ok();
        n
    }
}

/// The PostgreSQL server tests use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("ROSTER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

/// A fresh, migrated SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = SqliteConnectOptions::new().filename(dir.path().join("roster.db"));
    let db = Db::connect_sqlite(options).await.expect("open SQLite");
    db.migrate().await.expect("migrate SQLite");
    TestDb { db, name: "sqlite", _dir: Some(dir), postgres: None }
}

/// A fresh, migrated schema on the test PostgreSQL server, or `None` (with a
/// loud note) when none is configured. `ROSTER_REQUIRE_POSTGRES=1` turns the
/// note into a failure, so CI cannot silently skip PostgreSQL.
pub async fn postgres() -> Option<TestDb> {
    postgres_with_connections(16).await
}

/// As `postgres`, with a pool of `connections` connections; with one, each
/// request gets the very connection the one before it had.
pub async fn postgres_with_connections(connections: u32) -> Option<TestDb> {
    let Some(url) = postgres_url() else {
        assert!(
            std::env::var("ROSTER_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "ROSTER_REQUIRE_POSTGRES=1 but ROSTER_TEST_POSTGRES_URL is not set"
        );
        eprintln!("NOTE: ROSTER_TEST_POSTGRES_URL is not set; this test ran on SQLite only");
        return None;
    };
    let schema = format!("roster_test_{:016x}", rand::random::<u64>());
    let mut admin = PgConnection::connect(&url).await.expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut admin).await.expect("create test schema");
    // Tests migrate side by side; the one extension they share is created
    // once, under a lock, rather than raced by every migration.
    sqlx::query("SELECT pg_advisory_lock(7438)").execute(&mut admin).await.expect("lock");
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        .execute(&mut admin)
        .await
        .expect("create pg_trgm");
    sqlx::query("SELECT pg_advisory_unlock(7438)").execute(&mut admin).await.expect("unlock");
    admin.close().await.ok();
    // Named after the schema, so a test can find (and cut) this database's connections.
    let options = PgConnectOptions::from_str(&url)
        .expect("PostgreSQL URL")
        .options([("search_path", schema.as_str())])
        .application_name(&schema);
    let db = Db::connect_postgres_with(options.clone(), connections).await.expect("open PostgreSQL");
    db.migrate().await.expect("migrate PostgreSQL");
    Some(TestDb { db, name: "postgres", _dir: None, postgres: Some(options) })
}

/// Every engine available to this test run: SQLite always, PostgreSQL when set.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// Runs one statement directly, for tests that need a state no store
/// function creates yet; returns how many rows it touched.
pub async fn execute(db: &Db, sql: &str) -> u64 {
    crate::on_pool!(db, pool => sqlx::query(sql).execute(pool).await.map(|r| r.rows_affected()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs one query that answers with one number, for tests that read the
/// database's own catalog.
pub async fn count(db: &Db, sql: &str) -> i64 {
    crate::on_pool!(db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Runs one query that answers with one text column, for tests that read
/// what is stored as a database dump would show it.
pub async fn texts(db: &Db, sql: &str) -> Vec<String> {
    crate::on_pool!(db, pool => sqlx::query_scalar::<_, String>(sql).fetch_all(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// How the database would run the audit log's page for one kind of event,
/// as the engine's plan text (for tests that an index is used).
pub async fn audit_page_plan(db: &Db, action: roster_domain::AuditAction) -> String {
    // SQLite's plan is rows whose fourth column describes a step; PostgreSQL's, one text column.
    let (explain, column) = match db.backend() {
        crate::Backend::Sqlite => ("EXPLAIN QUERY PLAN", 3),
        crate::Backend::Postgres => ("EXPLAIN", 0),
    };
    let sql = format!("{explain} {}", crate::audit::audit_page_sql(true));
    let lines: Result<Vec<String>, sqlx::Error> = crate::on_pool!(db, pool => {
        let query = sqlx::query(&sql).bind(i64::MAX).bind(action.key()).bind("").bind("%%").bind(50_i64);
        query.fetch_all(pool).await.map(|rows| rows.iter().map(|r| sqlx::Row::get::<String, _>(r, column)).collect())
    });
    lines.expect("plan").join("\n")
}

/// Ends every other PostgreSQL connection of `db`'s pool on the server side,
/// as a database restart would; returns how many. Nothing on SQLite.
pub async fn terminate_connections(db: &Db) -> u64 {
    let sql = "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
               WHERE application_name = current_setting('application_name') AND pid <> pg_backend_pid()";
    match &db.pool {
        crate::Pool::Postgres(pool) => {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.expect("terminate connections");
            n as u64
        }
        crate::Pool::Sqlite(_) => 0,
    }
}

/// The server-side ids of `db`'s pool's PostgreSQL connections now open, in
/// order; empty on SQLite. A connection the pool had to close (one dropped
/// half-way through a query, say) is missing from a later answer.
pub async fn connection_ids(db: &Db) -> Vec<i32> {
    let sql = "SELECT pid FROM pg_stat_activity WHERE application_name = current_setting('application_name') ORDER BY pid";
    match &db.pool {
        crate::Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.expect("list connections"),
        crate::Pool::Sqlite(_) => Vec::new(),
    }
}

/// Starts a transaction on `db` as the store does, with a BEGIN that takes
/// half a second to answer, and drops it a tenth of a second in: a request
/// whose client went away while its transaction began. PostgreSQL only.
pub async fn drop_a_transaction_while_it_begins(db: &Db) {
    let crate::Pool::Postgres(pool) = &db.pool else { panic!("a PostgreSQL test database") };
    let slow_begin = crate::begin(pool, "BEGIN; SELECT pg_sleep(0.5)");
    let cut = tokio::time::timeout(std::time::Duration::from_millis(100), slow_begin).await;
    assert!(cut.is_err(), "BEGIN answered before the request was dropped");
}

/// Runs `sql`, which answers with one number, as the Users panel runs a
/// search statement: stopped past the search time limit, or when dropped.
pub async fn run_as_search(db: &Db, sql: &str) -> Result<i64, crate::StoreError> {
    db.run_as_search(sql).await
}

/// How many connections `db`'s pool holds, idle or busy. A connection closes
/// (and leaves the count) only once its statement has ended.
pub fn pool_size(db: &Db) -> u32 {
    crate::on_pool!(db, pool => pool.size())
}

/// How many PostgreSQL statements containing `marker` are running now, on
/// any connection. PostgreSQL only.
pub async fn running_statements(db: &Db, marker: &str) -> i64 {
    let crate::Pool::Postgres(pool) = &db.pool else { panic!("a PostgreSQL test database") };
    let sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() \
               AND position($1 in query) > 0";
    sqlx::query_scalar(sql).bind(marker).fetch_one(pool).await.expect("read pg_stat_activity")
}

/// Makes every search in this process plan as if the database held a
/// million users (small driver counts, short walks), or not: the results
/// must be the same either way, only the plans differ.
pub fn plan_searches_as_if_large(on: bool) {
    crate::user_search::SMALL_PLAN_THRESHOLDS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The rules of a single-user `action` as an admin in admin mode applies
/// them, an admin who is nobody in the database (so never "yourself").
pub fn rules_for(action: roster_domain::BulkAction) -> roster_domain::BulkRules {
    roster_domain::BulkRules {
        action,
        me: roster_domain::UserId(0),
        admin_roles: vec![roster_domain::RoleId::ADMIN],
        active_admins: 0,
        admin_mode: true,
    }
}
