//! The Users panel's search: filters, keyset pages and counts over either
//! engine. The text part differs per engine: words of three or more
//! characters go through a trigram index (FTS5 on SQLite, pg_trgm on
//! PostgreSQL; the `0002_user_search` migrations), shorter ones through an
//! index of every character and pair of characters (the
//! `0014_short_search_terms` migrations). The rest is the same SQL. No search
//! statement runs past `SEARCH_TIME_LIMIT`, nor on after its request is gone.

use crate::role_tokens::role_token;
use crate::search_document::postgres_search_text;
use crate::search_grams::gram_phrase;
use crate::users::{postgres_roles_columns, RoleCatalog, UserRowRecord, USER_ROW_COLUMNS};
use crate::{Backend, Db, StoreError};
use roster_domain::{PageCursor, Permission, RoleId, Timestamp, UserFacet, UserRow, UserSearch, UserSort};
use sqlx::FromRow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A search the store can run: the admin's view, its lower-cased words, and
/// the time now, which decides whose lock is in force.
#[derive(Clone, Copy, Debug)]
pub struct UserQuery<'a> {
    pub search: &'a UserSearch,
    pub words: &'a [String],
    pub now: Timestamp,
    /// The "No sign-in for N days" facet's line: no sign-in (or, for an
    /// account that never signed in, no creation) since this time.
    pub dormant_before: Timestamp,
}

impl UserQuery<'_> {
    /// Whether the search leaves anyone out: words, roles or facets.
    fn filters(&self) -> bool {
        !self.words.is_empty() || !self.search.roles.is_empty() || !self.search.facets.is_empty()
    }
}

/// Words of this many characters match through the trigram index; shorter
/// ones through the index of characters and pairs.
const TRIGRAM: usize = 3;
/// On SQLite, when a search has several parts (long words and roles, short
/// words, facets), each part's matches are counted up to this many, and
/// estimated past it, to pick the one that supplies the fewest candidates.
const CHOICE_COUNT_CAP: i64 = 10_000;
/// In an order other than by id, up to this many candidates are sorted by
/// key (about half a microsecond each); more are found by walking the
/// order's index first.
const SORT_AT_MOST: i64 = 50_000;
/// The sizes that pick a page's plan.
#[derive(Clone, Copy)]
struct PlanThresholds {
    /// `CHOICE_COUNT_CAP`.
    choice_count_cap: i64,
    /// `SORT_AT_MOST`.
    sort_at_most: i64,
    /// `WALK_BUDGET`.
    walk_budget: i64,
    /// `POSTGRES_WALK_BUDGET`.
    postgres_walk_budget: i64,
    /// `POSTGRES_COLLECT_AT_MOST`.
    postgres_collect_at_most: i64,
    /// `PROBE_WALK`.
    probe_walk: i64,
    /// `COMMON_ROLE`.
    common_role: i64,
    /// `SORTED_FIRST`.
    sorted_first: i64,
}

const THRESHOLDS: PlanThresholds = PlanThresholds {
    choice_count_cap: CHOICE_COUNT_CAP,
    sort_at_most: SORT_AT_MOST,
    walk_budget: WALK_BUDGET,
    postgres_walk_budget: POSTGRES_WALK_BUDGET,
    postgres_collect_at_most: POSTGRES_COLLECT_AT_MOST,
    probe_walk: PROBE_WALK,
    common_role: COMMON_ROLE,
    sorted_first: SORTED_FIRST,
};
/// The thresholds for tests whose few thousand users should take every
/// plan a million would.
#[cfg(feature = "testing")]
const SMALL_THRESHOLDS: PlanThresholds =
    PlanThresholds {
        choice_count_cap: 100,
        sort_at_most: 40,
        walk_budget: 60,
        postgres_walk_budget: 60,
        postgres_collect_at_most: 20,
        probe_walk: 12,
        common_role: 500,
        sorted_first: 25,
    };
#[cfg(feature = "testing")]
pub(crate) static SMALL_PLAN_THRESHOLDS: AtomicBool = AtomicBool::new(false);

/// The thresholds in force.
fn thresholds() -> PlanThresholds {
    #[cfg(feature = "testing")]
    if SMALL_PLAN_THRESHOLDS.load(Ordering::Relaxed) {
        return SMALL_THRESHOLDS;
    }
    THRESHOLDS
}
/// On SQLite, a role filter beside words of three or more characters is a
/// part of its own (`SqliteSources::roles`) when fewer users than this hold
/// its roles; roles more hold stay in the words' query.
const COMMON_ROLE: i64 = CHOICE_COUNT_CAP;
/// How many users in the view's order a filtered page looks at before
/// collecting its matches through the search's indexes instead: on SQLite
/// (a microsecond and a half each) and on PostgreSQL (a third of a
/// microsecond each, off the order's index alone).
const WALK_BUDGET: i64 = 20_000;
const POSTGRES_WALK_BUDGET: i64 = 150_000;
/// A sorted page with many matches first walks this many users of the
/// order (a few milliseconds): matches spread through it fill a page well
/// within it, and then nothing needs counting or collecting.
const PROBE_WALK: i64 = 3_000;
/// On SQLite, a collected search whose candidates have more to pass than
/// their driver checks looks for its page among this many of them first,
/// sorted by key alone (`page_of_first_by_key`).
const SORTED_FIRST: i64 = 500;
/// On PostgreSQL, when that first walk comes up short, a search whose
/// indexes hand out at most this many candidates has its matches collected
/// and sorted (several microseconds each: each is a row of the table)
/// rather than walked for further: about the time of the long walk.
const POSTGRES_COLLECT_AT_MOST: i64 = 15_000;
/// On PostgreSQL, a short word the planner expects in more users than this
/// is matched with LIKE, user by user; rarer ones through the index of pairs,
/// which then supplies the candidates.
const COMMON_SHORT_WORD: i64 = 60_000;
/// On SQLite, how many of a word's matches tell how common it is
/// (`words_worth_their_lists`), and what checking a candidate's document
/// costs against reading one user's entry in a trigram's list.
const WORD_SAMPLE: i64 = 1_000;
const CHECK_COST: f64 = 20.0;
/// No search statement runs longer: past it the admin is asked to narrow
/// the search. (PostgreSQL's statement_timeout in `PostgresPlan` says the same.)
const SEARCH_TIME_LIMIT: Duration = Duration::from_secs(2);
/// SQLite asks the progress handler every this many virtual machine steps
/// (some tens of microseconds).
const PROGRESS_STEPS: i32 = 10_000;

#[derive(FromRow)]
struct PageRecord {
    #[sqlx(flatten)]
    user: UserRowRecord,
    sort_key: String,
    /// The user's role tokens and every role, where the page's query read
    /// them with the row (`Db::page_roles`).
    #[sqlx(default)]
    role_tokens: Option<String>,
    #[sqlx(default)]
    role_catalog: Option<String>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// SQL text with its `$n` parameters, built up as filters are added.
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn new(now: Timestamp) -> Sql {
        // `$1` is always the time now (see USER_ROW_COLUMNS).
        Sql { text: String::new(), binds: vec![Bind::Int(now.0)] }
    }

    fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn text(&mut self, value: impl Into<String>) -> String {
        self.param(Bind::Text(value.into()))
    }

    fn int(&mut self, value: i64) -> String {
        self.param(Bind::Int(value))
    }

    fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }
}

/// Runs `$sql` as a query of `$kind` (`query_as` or `query_scalar`) with its
/// parameters, as `$fetch`.
macro_rules! run {
    ($conn:expr, $sql:expr, $kind:ident, $fetch:ident) => {{
        let mut query = sqlx::$kind(&$sql.text);
        for bind in &$sql.binds {
            query = match bind {
                Bind::Text(s) => query.bind(s.as_str()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        query.$fetch($conn).await?
    }};
}

/// What a sort orders by, besides the id that breaks ties.
struct SortKey {
    expression: Option<&'static str>,
    numeric: bool,
    descending: bool,
}

fn sort_key(sort: UserSort) -> SortKey {
    let (expression, numeric, descending) = match sort {
        UserSort::Newest => (None, false, true),
        UserSort::Oldest => (None, false, false),
        UserSort::Name => (Some("u.name_normalized"), false, false),
        UserSort::Login => (Some("u.login_normalized"), false, false),
        // '~' sorts after every lower-case ASCII address; the indexes use the same expressions.
        UserSort::Email => (Some("COALESCE(u.email_normalized, '~')"), false, false),
        UserSort::LastSignIn => (Some("COALESCE(u.last_login_at, 0)"), true, true),
    };
    SortKey { expression, numeric, descending }
}

/// `%word%` for LIKE with `\` as the escape character.
fn like_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 2);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// An FTS5 query matching documents that contain every one of `parts`
/// (each a phrase or a parenthesised OR of phrases).
fn fts5_and(parts: &[String]) -> String {
    parts.join(" AND ")
}

/// A word as an FTS5 phrase of the trigram index: found as a substring.
fn fts5_phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// Where a SQLite page's candidates come from, in id order; every other
/// part of the search is checked against each candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    /// The users table (its order's index, or a facet's).
    Users,
    /// The trigram index: words of three or more characters, and roles
    /// when the search has no such word.
    Main,
    /// The trigram index, for the role filter alone beside words of three
    /// or more characters (`SqliteSources::roles`).
    Roles,
    /// The index of characters and pairs: words of one or two characters.
    Grams,
}

/// The candidates of a part of a SQLite search that the trigram index
/// finds (its words, or its roles), the FTS5 query bound to `$2`.
const MAIN_PART: &str = "SELECT rowid AS id FROM user_search WHERE user_search MATCH $2";

/// A search's parts as SQLite's two indexes take them.
struct SqliteSources {
    /// FTS5 query over `user_search`: the long words, or else the role filter.
    main: Option<String>,
    /// The long words in `main`: all of them, or those worth reading their
    /// lists for (`words_worth_their_lists`).
    main_words: Vec<String>,
    /// FTS5 query over `user_search`: the role filter, beside long words.
    /// Apart from them, because FTS5 reads much of every term's list to
    /// intersect them: `"mo.roster" AND` the Admin role took 20 ms for
    /// 2,000 admins, whose token alone takes a tenth of a millisecond; the
    /// part with fewer candidates then drives and the other is checked.
    roles: Option<String>,
    /// FTS5 query over `user_search_grams`: the short words.
    grams: Option<String>,
    /// The part that supplies candidates, picked by how few it supplies.
    driver: Driver,
    /// Some part matches nobody: so does the search.
    nobody: bool,
    /// How many candidates the driver supplies, counted up to a cap and
    /// estimated past it (`fewest_candidates`); `i64::MAX` when not
    /// counted (one part).
    driver_matches: i64,
    /// Each part that could supply the candidates.
    parts: Vec<SearchPart>,
}

/// A search whose words are resolved for the engine, once, for its page and
/// its count both. On SQLite it holds its own connection, which it
/// interrupts when the search is dropped mid-query or runs past its time.
pub struct PreparedSearch<'a> {
    query: UserQuery<'a>,
    sqlite: Option<SqliteSources>,
    /// PostgreSQL: the short words few enough users contain for the index
    /// of pairs to find them; the others are matched with LIKE (reading the
    /// index for them would cost more than it saves).
    rare_short_words: Vec<String>,
    connection: Option<tokio::sync::Mutex<SearchConnection>>,
    /// The matches a capped count found, when they were fewer than its
    /// cap: the page is then read from them rather than searched for again
    /// (for a search few users match, finding them is most of its cost).
    counted: std::sync::Mutex<Option<Vec<i64>>>,
    /// On SQLite, when a capped count reached its cap with an index
    /// driving: how many matches it read and the last one's id
    /// (`count_matching_users`), which tell how many users match. A sorted
    /// page plans by them.
    counted_up_to: std::sync::Mutex<Option<(i64, i64)>>,
}

impl PreparedSearch<'_> {
    fn driver(&self) -> Driver {
        self.sqlite.as_ref().map_or(Driver::Users, |s| s.driver)
    }

    /// The column to order and page by id: with an index driving, its
    /// rowid, so the index hands out matches already in id order and a page
    /// stops reading after its last row.
    fn id_column(&self, driver: Driver) -> &'static str {
        if driver == Driver::Users { "u.id" } else { "s.rowid" }
    }

    fn matches_nobody(&self) -> bool {
        self.sqlite.as_ref().is_some_and(|s| s.nobody)
    }

    /// The words `driver`'s index does not find: each is checked in the
    /// candidate's lower-cased document.
    fn checked_words(&self, driver: Driver) -> Vec<&String> {
        let main_words = self.sqlite.as_ref().map_or(&[][..], |s| &s.main_words[..]);
        self.query
            .words
            .iter()
            .filter(|w| {
                let long = w.chars().count() >= TRIGRAM;
                !((driver == Driver::Main && main_words.contains(w)) || (!long && driver == Driver::Grams))
            })
            .collect()
    }

    /// Whether the role filter is in `driver`'s own index query: when the
    /// roles drive, or when the main query holds them (no long words).
    fn driver_has_roles(&self, driver: Driver) -> bool {
        let roles_apart = self.sqlite.as_ref().is_some_and(|s| s.roles.is_some());
        driver == Driver::Roles || (driver == Driver::Main && !roles_apart)
    }

    /// Whether a candidate `driver` supplies has more to pass: words, roles
    /// or facets its index query leaves out.
    fn checks_beyond(&self, driver: Driver) -> bool {
        let search = self.query.search;
        !self.checked_words(driver).is_empty()
            || (!search.roles.is_empty() && !self.driver_has_roles(driver))
            || !search.facets.is_empty()
    }
}

/// A SQLite connection kept for one search, with a progress handler that
/// stops its statement when the search is abandoned or past `SEARCH_TIME_LIMIT`.
struct SearchConnection {
    connection: sqlx::pool::PoolConnection<sqlx::Sqlite>,
    state: Arc<SearchState>,
    /// The highest user id, once asked (`last_user_id`).
    last_user: Option<i64>,
}

struct SearchState {
    deadline: Instant,
    /// A statement of this search is running.
    running: AtomicBool,
    /// The search was dropped while one ran.
    abandoned: AtomicBool,
}

impl SearchState {
    /// Whether SQLite may go on with the statement it runs (asked every
    /// `PROGRESS_STEPS` steps). Between this search's statements, and after
    /// it, the handler lets everything run.
    fn may_go_on(&self) -> bool {
        !self.running.load(Ordering::Relaxed)
            || (!self.abandoned.load(Ordering::Relaxed) && Instant::now() < self.deadline)
    }
}

impl SearchConnection {
    async fn open(pool: &sqlx::SqlitePool) -> Result<SearchConnection, StoreError> {
        let mut connection = pool.acquire().await?;
        let state = Arc::new(SearchState {
            deadline: Instant::now() + SEARCH_TIME_LIMIT,
            running: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
        });
        let watched = state.clone();
        connection.lock_handle().await?.set_progress_handler(PROGRESS_STEPS, move || watched.may_go_on());
        Ok(SearchConnection { connection, state, last_user: None })
    }
}

/// Runs `$sql` like `run!` on a `SearchConnection`, marked as running so its
/// progress handler may stop it; a statement it stopped is `SearchTooSlow`.
macro_rules! watched {
    ($search:expr, $sql:expr, $kind:ident, $fetch:ident) => {{
        let search: &mut SearchConnection = $search;
        let mut query = sqlx::$kind(&$sql.text);
        for bind in &$sql.binds {
            query = match bind {
                Bind::Text(s) => query.bind(s.as_str()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        search.state.running.store(true, Ordering::Relaxed);
        let result = query.$fetch(search.connection.as_mut()).await;
        search.state.running.store(false, Ordering::Relaxed);
        result.map_err(stopped_or_failed)?
    }};
}

/// 9 is SQLITE_INTERRUPT, what a progress handler's "stop" gives.
fn stopped_or_failed(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("9") => StoreError::SearchTooSlow,
        _ => StoreError::Database(e),
    }
}

impl Drop for SearchConnection {
    fn drop(&mut self) {
        if self.state.running.load(Ordering::Relaxed) {
            // Dropped mid-statement (the request went away): stop the
            // statement, and close the connection rather than hand it on
            // while it winds down.
            self.state.abandoned.store(true, Ordering::Relaxed);
            self.connection.close_on_drop();
        }
    }
}

impl Db {
    /// Resolves how the engine matches `query`'s words. On SQLite this
    /// picks the part of the search that supplies the fewest candidates,
    /// by counting each part's matches up to `CHOICE_COUNT_CAP`.
    pub async fn prepare_search<'a>(&self, query: UserQuery<'a>) -> Result<PreparedSearch<'a>, StoreError> {
        let pool = match &self.pool {
            crate::Pool::Sqlite(pool) => pool,
            crate::Pool::Postgres(pool) => {
                let rare_short_words = rare_short_words(pool, query.words, &query.search.roles).await?;
                return Ok(PreparedSearch {
                    query,
                    sqlite: None,
                    connection: None,
                    rare_short_words,
                    counted: Default::default(),
                    counted_up_to: Default::default(),
                });
            }
        };
        let mut connection = SearchConnection::open(pool).await?;
        let (long, short): (Vec<&String>, Vec<&String>) =
            query.words.iter().partition(|w| w.chars().count() >= TRIGRAM);
        let long = if long.len() > 1 { words_worth_their_lists(&mut connection, query.now, &long).await? } else { long };
        let main: Vec<String> = long.iter().map(|w| fts5_phrase(w)).collect();
        let roles = &query.search.roles;
        let roles = (!roles.is_empty()).then(|| {
            let tokens: Vec<String> = roles.iter().map(|r| fts5_phrase(&role_token(*r, Backend::Sqlite))).collect();
            format!("({})", tokens.join(" OR "))
        });
        let grams: Vec<String> = short.iter().map(|w| gram_phrase(w)).collect();
        let (main, roles) = match (main.is_empty(), roles) {
            (true, roles) => (roles, None),
            (false, None) => (Some(fts5_and(&main)), None),
            (false, Some(roles)) => {
                // Roles many hold stay in the main query: checking each of
                // their holders would cost more than the intersection.
                let common = thresholds().common_role;
                if count_candidates(&mut connection, query.now, MAIN_PART, &roles, common).await?.0 < common {
                    (Some(fts5_and(&main)), Some(roles))
                } else {
                    let mut main = main;
                    main.push(roles);
                    (Some(fts5_and(&main)), None)
                }
            }
        };
        let mut sources = SqliteSources {
            main_words: long.into_iter().cloned().collect(),
            main,
            roles,
            grams: (!grams.is_empty()).then(|| fts5_and(&grams)),
            driver: Driver::Users,
            nobody: false,
            driver_matches: i64::MAX,
            parts: Vec::new(),
        };
        // Facets that pick out few users have an index of their own.
        let narrow_facets: Vec<UserFacet> =
            query.search.facets.iter().copied().filter(|f| *f != UserFacet::NoTwoFactor).collect();
        let mut candidates = Vec::new();
        if let Some(roles) = &sources.roles {
            candidates.push(SearchPart { driver: Driver::Roles, select: MAIN_PART.to_owned(), parameter: roles.clone() });
        }
        if let Some(main) = &sources.main {
            candidates.push(SearchPart { driver: Driver::Main, select: MAIN_PART.to_owned(), parameter: main.clone() });
        }
        if let Some(grams) = &sources.grams {
            let select = "SELECT rowid AS id FROM user_search_grams WHERE user_search_grams MATCH $2".to_owned();
            candidates.push(SearchPart { driver: Driver::Grams, select, parameter: grams.clone() });
        }
        if !narrow_facets.is_empty() {
            let conditions: String = narrow_facets.iter().map(|f| facet_condition(*f, &query)).collect();
            let select = format!("SELECT u.id FROM users u WHERE $2 = $2{conditions}");
            candidates.push(SearchPart { driver: Driver::Users, select, parameter: String::new() });
        }
        if candidates.len() > 1 {
            // Which part supplies the fewest candidates: counted as far as
            // telling them apart needs, estimated past the cap.
            let (driver, fewest) =
                fewest_candidates(&mut connection, query.now, &candidates, thresholds().choice_count_cap).await?;
            sources.driver = driver;
            sources.driver_matches = fewest;
            sources.nobody = fewest == 0;
        } else if let Some(part) = candidates.first() {
            sources.driver = part.driver;
        }
        sources.parts = candidates;
        Ok(PreparedSearch {
            query,
            sqlite: Some(sources),
            connection: Some(tokio::sync::Mutex::new(connection)),
            rare_short_words: Vec::new(),
            counted: Default::default(),
            counted_up_to: Default::default(),
        })
    }

    /// The FROM and WHERE of a search over `users` (the table, or a subquery
    /// of it), without keyset or order. On SQLite, `driver` supplies the
    /// candidates and the other parts are checked against each.
    fn search_filter(
        &self,
        sql: &mut Sql,
        prepared: &PreparedSearch<'_>,
        rows: Rows<'_>,
        with_organization: bool,
        driver: Driver,
        walking: bool,
    ) {
        let query = &prepared.query;
        let Some(sources) = &prepared.sqlite else {
            let Rows::Users(users) = rows else { unreachable!("PostgreSQL reads the users' rows") };
            sql.push(&format!(" FROM {users} u"));
            if with_organization {
                sql.push(" LEFT JOIN organizations o ON o.id = u.organization_id");
            }
            sql.push(" WHERE TRUE");
            self.postgres_filter(sql, prepared, walking);
            return;
        };
        // The words the driver does not find are checked in the user's
        // lower-cased document, one lookup per candidate.
        let driver_alone = rows == Rows::DriverKeys;
        let checked = if driver_alone { Vec::new() } else { prepared.checked_words(driver) };
        let with_text = !checked.is_empty();
        let with_users = matches!(rows, Rows::Users(_));
        // Without the users' rows, the keys come from the documents' table
        // when it is read anyway and holds them, else from the order's own
        // narrow table.
        let key_table = match rows {
            Rows::SortKeys | Rows::DriverKeys if !with_text || text_sort_key(query.search.sort).is_none() => {
                Some(key_table(query.search.sort).expect("sorted by a key the store keeps apart"))
            }
            _ => None,
        };
        // CROSS JOIN keeps SQLite from reordering: the driver comes first,
        // then the document (so a candidate that fails a word costs no row
        // of `users`), then the user.
        let id = match driver {
            Driver::Main | Driver::Roles => {
                sql.push(" FROM user_search s");
                "s.rowid"
            }
            Driver::Grams => {
                sql.push(" FROM user_search_grams s");
                "s.rowid"
            }
            Driver::Users => {
                let Rows::Users(users) = rows else { unreachable!("the users table drives") };
                sql.push(&format!(" FROM {users} u"));
                "u.id"
            }
        };
        if with_text {
            sql.push(" CROSS JOIN user_search_text t");
        }
        if let Some(table) = key_table {
            sql.push(&format!(" CROSS JOIN {table} k"));
        }
        if with_users && driver != Driver::Users {
            sql.push(" CROSS JOIN users u");
        }
        if with_organization {
            sql.push(" LEFT JOIN organizations o ON o.id = u.organization_id");
        }
        sql.push(" WHERE TRUE");
        let fts = match driver {
            Driver::Main => sources.main.as_ref().map(|f| (f, "user_search")),
            Driver::Roles => sources.roles.as_ref().map(|f| (f, "user_search")),
            Driver::Grams => sources.grams.as_ref().map(|f| (f, "user_search_grams")),
            Driver::Users => None,
        };
        if let Some((fts, table)) = fts {
            let p = sql.text(fts.clone());
            sql.push(&format!(" AND s.{table} MATCH {p}"));
        }
        if with_text {
            sql.push(&format!(" AND t.user_id = {id}"));
        }
        if key_table.is_some() {
            sql.push(&format!(" AND k.user_id = {id}"));
        }
        if with_users && driver != Driver::Users {
            sql.push(&format!(" AND u.id = {id}"));
        }
        for word in checked {
            let p = sql.text(word.clone());
            sql.push(&format!(" AND instr(t.text, {p}) > 0"));
        }
        if driver_alone {
            return;
        }
        let roles = &query.search.roles;
        if !roles.is_empty() && !prepared.driver_has_roles(driver) {
            let ids: Vec<String> = roles.iter().map(|r| sql.int(r.0)).collect();
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = {id} AND r.role_id IN ({}))",
                ids.join(", ")
            ));
        }
        for facet in &query.search.facets {
            sql.push(&facet_condition(*facet, query));
        }
    }

    /// PostgreSQL's WHERE for a search's words, roles and facets.
    fn postgres_filter(&self, sql: &mut Sql, prepared: &PreparedSearch<'_>, walking: bool) {
        let query = &prepared.query;
        // Rare short words, all in one array, through the index of
        // characters and pairs; then every other word is checked with LIKE
        // user by user, kept off the trigram index (`|| ''`): a bitmap of
        // both indexes would work every candidate's pairs out again to
        // recheck it. Otherwise long words go through the trigram index.
        // A walk checks every word with LIKE alone.
        let pairs = !walking && !prepared.rare_short_words.is_empty();
        let document = if pairs { "(u.search_document || '')" } else { "u.search_document" };
        let mut short = Vec::new();
        for word in query.words {
            let text = postgres_search_text(word);
            if pairs && prepared.rare_short_words.contains(word) {
                short.push((ShortWordIndex::of(&text), sql.text(text)));
            } else {
                let p = sql.text(like_pattern(&text));
                sql.push(&format!(" AND {document} LIKE {p} ESCAPE '\\'"));
            }
        }
        for index in [ShortWordIndex::Characters, ShortWordIndex::Pairs] {
            let words: Vec<&str> = short.iter().filter(|(i, _)| *i == index).map(|(_, p)| p.as_str()).collect();
            if !words.is_empty() {
                sql.push(&format!(" AND {} @> ARRAY[{}]::TEXT[]", index.expression(), words.join(", ")));
            }
        }
        let roles = &query.search.roles;
        if !roles.is_empty() {
            // Through the search document's trigram index; next to the
            // index of pairs, in each user's own short `role_tokens` instead
            // (a bitmap of both would work the pairs out again to recheck).
            let column = if short.is_empty() { "u.search_document" } else { "u.role_tokens" };
            let tokens: Vec<String> = roles
                .iter()
                .map(|r| {
                    let p = sql.text(like_pattern(&role_token(*r, Backend::Postgres)));
                    format!("{column} LIKE {p} ESCAPE '\\'")
                })
                .collect();
            sql.push(&format!(" AND ({})", tokens.join(" OR ")));
        }
        for facet in &query.search.facets {
            sql.push(&facet_condition(*facet, query));
        }
    }

    /// Up to `limit` matching users in the view's order, after its cursor.
    /// `many_match` says whether a capped count found the result large.
    /// That picks the plan for orders other than by id: with few matches,
    /// collect them through the search's indexes and sort them; with many,
    /// walk the order's index and stop after the page. Many matches may
    /// still lie far down the order (every `berg6…` login sits among the
    /// 600,000s), so a filtered walk looks at no more than `WALK_BUDGET`
    /// users and, short of a full page, the matches are collected after all.
    /// Left to itself, a planner cannot tell and may walk every user looking
    /// for matches that are not there.
    pub async fn search_users(
        &self,
        prepared: &PreparedSearch<'_>,
        limit: i64,
        many_match: bool,
    ) -> Result<Vec<(UserRow, PageCursor)>, StoreError> {
        if prepared.matches_nobody() {
            return Ok(Vec::new());
        }
        let query = &prepared.query;
        let filtered = query.filters();
        let by_id = sort_key(query.search.sort).expression.is_none();
        let counted = prepared.counted.lock().expect("the remembered matches").take();
        let records: Vec<PageRecord> = match &self.pool {
            _ if counted.is_some() && !many_match => {
                self.page_of_matches(prepared, counted.as_deref().unwrap_or_default(), limit).await?
            }
            crate::Pool::Sqlite(_) => {
                let connection = prepared.connection.as_ref().expect("a SQLite search has its connection");
                let mut connection = connection.lock().await;
                if !many_match || by_id {
                    // Few matches are collected and sorted; in id order the
                    // driver hands them out in order and the page stops early.
                    let sql = self.page_sql(prepared, limit, Walk::No, prepared.driver())?;
                    watched!(&mut connection, sql, query_as, fetch_all)
                } else if !filtered {
                    // Everyone: the order's index, up to the page's end.
                    let sql = self.page_sql(prepared, limit, Walk::Order, Driver::Users)?;
                    watched!(&mut connection, sql, query_as, fetch_all)
                } else {
                    self.sorted_sqlite_page(&mut connection, prepared, limit).await?
                }
            }
            crate::Pool::Postgres(pool) if !filtered => {
                // Everyone, in the view's order: one page read off the
                // order's index, as long as its LIMIT. Nothing to guard or
                // plan for, so no transaction: a page deep in the list
                // costs two round trips (the page, its roles), not four.
                let sql = self.page_sql(prepared, limit, Walk::No, Driver::Users)?;
                run!(pool, sql, query_as, fetch_all)
            }
            crate::Pool::Postgres(pool) => {
                let filtered = !query.words.is_empty() || !query.search.roles.is_empty();
                let walked = match (many_match, filtered) {
                    (false, _) => None,
                    // Facets alone: the order's index, to the page's end.
                    (true, false) => Some(self.postgres_walk(pool, prepared, limit, None).await?),
                    (true, true) => self.postgres_walks(pool, prepared, limit).await?,
                };
                match walked {
                    Some(records) => records,
                    None => {
                        let sql = self.page_sql(prepared, limit, Walk::No, Driver::Users)?;
                        let mut search = PostgresPlan::CollectTheMatches.start(pool).await?;
                        let records = run!(search.connection.as_mut(), sql, query_as, fetch_all);
                        search.finish().await?;
                        records
                    }
                }
            }
        };
        let keys: Vec<(i64, String)> = records.iter().map(|r| (r.user.id, r.sort_key.clone())).collect();
        let read_with_the_page = records.iter().all(|r| r.role_tokens.is_some() && r.role_catalog.is_some());
        let rows = if read_with_the_page {
            // Every row holds the same catalog.
            let catalog = records.first().and_then(|r| r.role_catalog.as_deref()).unwrap_or("[]");
            let catalog = RoleCatalog::from_json(catalog)?;
            records
                .into_iter()
                .map(|r| {
                    let held = catalog.held(r.role_tokens.as_deref().unwrap_or_default());
                    r.user.into_row(held)
                })
                .collect()
        } else {
            self.with_roles(records.into_iter().map(|r| r.user).collect()).await?
        };
        Ok(rows
            .into_iter()
            .zip(keys)
            .map(|(row, (id, key))| (row, PageCursor { id: roster_domain::UserId(id), key }))
            .collect())
    }

    /// On PostgreSQL, the columns that read a page's roles with its rows
    /// (`postgres_roles_columns`), starting with a comma: a page costs one
    /// round trip, not two (the page, then its roles). SQLite asks after
    /// the page, which costs no trip.
    fn page_roles(&self, sql: &mut Sql) -> String {
        match self.backend() {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(", {}", postgres_roles_columns(&sql.text(Permission::AdminUser.key()))),
        }
    }

    /// A PostgreSQL page of a search many users match, found by walking
    /// the view's order. By name, login or email the walk reads the order's
    /// index alone: first a short walk, which matches spread through the
    /// order fill; then, unless collecting the matches reads few rows
    /// (`collect_candidates`), a long one, for matches bunched further down
    /// the order (every `chloé` sits among the `chloe.` logins). By
    /// creation or last sign-in (where matches follow each other by id) it
    /// reads rows: one walk of `WALK_BUDGET`. `None`: the walks came up short, and the matches are
    /// to be collected.
    async fn postgres_walks(
        &self,
        pool: &sqlx::PgPool,
        prepared: &PreparedSearch<'_>,
        limit: i64,
    ) -> Result<Option<Vec<PageRecord>>, StoreError> {
        let limits = thresholds();
        // The orders by name, login and email have indexes that hold what
        // a walk checks; by creation or last sign-in, each user walked is a
        // row of the table.
        let by_index = matches!(prepared.query.search.sort, UserSort::Name | UserSort::Login | UserSort::Email);
        if by_index {
            let probe = self.postgres_walk(pool, prepared, limit, Some(limits.probe_walk)).await?;
            if probe.len() as i64 == limit {
                return Ok(Some(probe));
            }
            // Matches seen in the short walk promise a page within the long
            // one; none seen, and collecting them may cost less.
            let sparse = probe.len() < 2;
            if sparse && self.collect_candidates(pool, prepared).await? <= limits.postgres_collect_at_most {
                return Ok(None);
            }
        }
        let budget = if by_index { limits.postgres_walk_budget } else { limits.walk_budget };
        let walk = self.postgres_walk(pool, prepared, limit, Some(budget)).await?;
        Ok((walk.len() as i64 == limit).then_some(walk))
    }

    /// How many rows of the table collecting the search's matches would
    /// read: the candidates its indexes hand out, before each is checked.
    /// Counted, not guessed (the planner's guesses for LIKE are poor): the
    /// collecting plan runs until its first match, which builds the
    /// candidates' bitmap in full, and EXPLAIN ANALYZE says how large it
    /// was. A few milliseconds. `i64::MAX` when no index narrows the search.
    async fn collect_candidates(&self, pool: &sqlx::PgPool, prepared: &PreparedSearch<'_>) -> Result<i64, StoreError> {
        // Common short words alone no index narrows (the trigram index would be read whole).
        let query = &prepared.query;
        let long_word = query.words.iter().any(|w| w.chars().count() >= TRIGRAM);
        if !long_word && prepared.rare_short_words.is_empty() && query.search.roles.is_empty() {
            return Ok(i64::MAX);
        }
        let mut sql = Sql::new(prepared.query.now);
        sql.push("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT 1 FROM users u WHERE TRUE");
        self.postgres_filter(&mut sql, prepared, false);
        sql.push(" LIMIT 1");
        let mut search = PostgresPlan::CountCandidates.start(pool).await?;
        let plan: serde_json::Value = run!(search.connection.as_mut(), sql, query_scalar, fetch_one);
        search.finish().await?;
        Ok(plan.get(0).and_then(|p| p.get("Plan")).and_then(bitmap_candidates).unwrap_or(i64::MAX))
    }

    /// The matches among the next `budget` users of the view's order (to
    /// its end: `None`), up to `limit`.
    async fn postgres_walk(
        &self,
        pool: &sqlx::PgPool,
        prepared: &PreparedSearch<'_>,
        limit: i64,
        budget: Option<i64>,
    ) -> Result<Vec<PageRecord>, StoreError> {
        let sql = self.postgres_walk_sql(prepared, limit, budget)?;
        let mut search = PostgresPlan::WalkTheOrder.start(pool).await?;
        let records = run!(search.connection.as_mut(), sql, query_as, fetch_all);
        search.finish().await?;
        Ok(records)
    }

    /// A PostgreSQL walk of the view's order. By name, login or email the
    /// walked users come off the order's index alone, which holds the
    /// search document and the facets' columns
    /// (`0021_covering_order_indexes`): a user checked costs an index
    /// entry, not a row of the table (a third of a microsecond, not
    /// several). The walk hands on its sort key by name, so the planner
    /// knows its users come in order and stops at the page's last match;
    /// only the page's users are then read from the table.
    fn postgres_walk_sql(&self, prepared: &PreparedSearch<'_>, limit: i64, budget: Option<i64>) -> Result<Sql, StoreError> {
        let mut sql = Sql::new(prepared.query.now);
        let Keyset { after, order, column, key } = self.keyset(&mut sql, prepared, "u.id", None)?;
        let direction = if key.descending { "DESC" } else { "ASC" };
        let (walk_key, walk_order) = match key.expression {
            Some(e) => (format!(", {e} AS walk_key"), format!(" ORDER BY u.walk_key {direction}, u.id {direction}")),
            None => (String::new(), format!(" ORDER BY u.id {direction}")),
        };
        // The dormant facet needs the creation time, which no order's index
        // holds: only a walk with it reads the table for it.
        let created = if prepared.query.search.facets.contains(&UserFacet::Dormant) { ", u.created_at" } else { "" };
        let mut walked = format!("SELECT u.id{walk_key}, {WALKED_COLUMNS}{created} FROM users u WHERE TRUE{after}{order}");
        if let Some(budget) = budget {
            let budget = sql.int(budget);
            walked.push_str(&format!(" LIMIT {budget}"));
        }
        let limit = sql.int(limit);
        let roles = self.page_roles(&mut sql);
        sql.push(&format!(
            "SELECT {USER_ROW_COLUMNS}, {column} AS sort_key{roles} FROM users u \
             LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id IN (SELECT u.id FROM ({walked}) u WHERE TRUE"
        ));
        self.postgres_filter(&mut sql, prepared, true);
        sql.push(&format!("{walk_order} LIMIT {limit}){order} LIMIT {limit}"));
        Ok(sql)
    }

    /// A SQLite page in an order other than by id, of a search many users
    /// match. First a short walk of the order: matches spread through it
    /// fill the page there. Then, if the best part of the search supplies
    /// few candidates, they are collected and sorted; if many, a longer
    /// walk, and only when that comes up short too, the collection (matches
    /// bunched far down the order: every `chloé` sits among the `chloe.`
    /// logins). A collection looks among the first candidates by key
    /// before it checks every one.
    async fn sorted_sqlite_page(
        &self,
        connection: &mut SearchConnection,
        prepared: &PreparedSearch<'_>,
        limit: i64,
    ) -> Result<Vec<PageRecord>, StoreError> {
        let limits = thresholds();
        // A walk is worth it where the share of users that match, as the
        // count found it, fills a page within the walk (or where nothing is
        // known of it): `çelik` with customers, 6,400 users, would walk
        // 3,000 users by name for the 19 among them (11 ms), then collect.
        let counted_up_to = *prepared.counted_up_to.lock().expect("the counted matches");
        let may_fill = |budget: i64| counted_up_to.is_none_or(|(n, last)| budget * n >= limit * last);
        let matches = match counted_up_to {
            Some((n, last)) => Some(estimated_candidates(n, last, last_user_id(connection, prepared.query.now).await?)),
            None => None,
        };
        if may_fill(limits.probe_walk) {
            if let Some(page) = self.walk_sqlite(connection, prepared, limit, limits.probe_walk).await? {
                return Ok(page);
            }
        }
        let sources = prepared.sqlite.as_ref().expect("a SQLite search has its sources");
        let (driver, candidates) = match matches {
            _ if sources.driver_matches < i64::MAX => (sources.driver, sources.driver_matches),
            // One part, which checks everything: its candidates are the
            // matches, whose number the count tells.
            Some(matches) if !prepared.checks_beyond(sources.driver) => (sources.driver, matches),
            _ => fewest_candidates(connection, prepared.query.now, &sources.parts, limits.choice_count_cap).await?,
        };
        if candidates >= limits.sort_at_most && may_fill(limits.walk_budget) {
            if let Some(page) = self.walk_sqlite(connection, prepared, limit, limits.walk_budget).await? {
                return Ok(page);
            }
        }
        if prepared.checks_beyond(driver) && self.sort_keys_apart(prepared, driver, Rows::DriverKeys).is_some() {
            // Enough of the first candidates to hold the page twice over, as
            // many as the count says pass: `sc` with agents, a tenth of
            // its candidates.
            let first = match matches {
                Some(matches) => {
                    let passing = (matches as f64 / candidates.max(1) as f64).clamp(1e-6, 1.0);
                    (limits.sorted_first as f64).max((2 * limit) as f64 / passing) as i64
                }
                None => limits.sorted_first,
            };
            if first < candidates {
                if let Some(page) = self.page_of_first_by_key(connection, prepared, limit, driver, first).await? {
                    return Ok(page);
                }
            }
        }
        let sql = self.page_sql(prepared, limit, Walk::No, driver)?;
        Ok(watched!(connection, sql, query_as, fetch_all))
    }

    /// The page among the driver's first `first` candidates in the
    /// view's order after the cursor, sorted by their keys alone before
    /// anything else of the search is checked. Checking a candidate costs a
    /// lookup of its document or row; sorting, a lookup of its key. Where
    /// most candidates pass (most of the 38,000 users with `ben` also have
    /// an `s`), a few hundred checks find the page, not 38,000. `None` when
    /// those hold less than a page and more candidates follow.
    async fn page_of_first_by_key(
        &self,
        connection: &mut SearchConnection,
        prepared: &PreparedSearch<'_>,
        limit: i64,
        driver: Driver,
        first: i64,
    ) -> Result<Option<Vec<PageRecord>>, StoreError> {
        let mut sql = Sql::new(prepared.query.now);
        let id = prepared.id_column(driver);
        let Keyset { after, order, .. } = self.keyset(&mut sql, prepared, id, self.sort_keys_apart(prepared, driver, Rows::DriverKeys))?;
        sql.push(&format!("SELECT {id}"));
        self.search_filter(&mut sql, prepared, Rows::DriverKeys, false, driver, false);
        let wanted = first;
        let first = sql.int(wanted);
        sql.push(&format!("{after}{order} LIMIT {first}"));
        let first: Vec<i64> = watched!(connection, sql, query_scalar, fetch_all);
        let all_candidates = (first.len() as i64) < wanted;
        let sql = self.page_sql(prepared, limit, Walk::Among(first), Driver::Users)?;
        let records: Vec<PageRecord> = watched!(connection, sql, query_as, fetch_all);
        Ok((all_candidates || records.len() as i64 == limit).then_some(records))
    }

    /// The expression of the view's sort key when `driver`'s candidates can
    /// be sorted without their users' rows (`rows`: `SortKeys` or
    /// `DriverKeys`): `k.key` from the order's narrow table, or the
    /// documents' copy when words are checked there anyway. `None` when the
    /// sort needs the rows (a facet, or the order by creation, which is the
    /// id) or the users drive.
    fn sort_keys_apart(&self, prepared: &PreparedSearch<'_>, driver: Driver, rows: Rows<'_>) -> Option<&'static str> {
        let search = prepared.query.search;
        if prepared.sqlite.is_none() || driver == Driver::Users || !search.facets.is_empty() {
            return None;
        }
        key_table(search.sort)?;
        match text_sort_key(search.sort) {
            Some(in_the_document) if rows == Rows::SortKeys && !prepared.checked_words(driver).is_empty() => {
                Some(in_the_document)
            }
            _ => Some("k.key"),
        }
    }

    /// The page found among the next `budget` users of the order after the
    /// cursor; `None` when they hold less than a page.
    async fn walk_sqlite(
        &self,
        connection: &mut SearchConnection,
        prepared: &PreparedSearch<'_>,
        limit: i64,
        budget: i64,
    ) -> Result<Option<Vec<PageRecord>>, StoreError> {
        let walk = if prepared.query.search.sort == UserSort::LastSignIn {
            // SQLite seeks an index by the key alone, and most users share
            // one key here (never signed in): the walk counts users instead.
            Walk::Budget(budget)
        } else {
            // Up to where the `budget`th user's key is: the walk stops as soon
            // as the page is full, often long before.
            let sql = self.walk_bound_sql(prepared, budget)?;
            let bound: Option<(String, i64)> = watched!(connection, sql, query_as, fetch_optional);
            Walk::UpTo(bound)
        };
        // No bound: fewer users are left, and the walk reaches the end.
        let complete = matches!(walk, Walk::UpTo(None));
        let sql = self.page_sql(prepared, limit, walk, Driver::Users)?;
        let records: Vec<PageRecord> = watched!(connection, sql, query_as, fetch_all);
        Ok((complete || records.len() as i64 == limit).then_some(records))
    }

    /// The sort key and id of the `budget`th user after the cursor in the
    /// view's order, read off the order's index alone: where a walk of the
    /// order stops. `None` when fewer users are left.
    fn walk_bound_sql(&self, prepared: &PreparedSearch<'_>, budget: i64) -> Result<Sql, StoreError> {
        let mut sql = Sql::new(prepared.query.now);
        let Keyset { after, order, column, .. } = self.keyset(&mut sql, prepared, "u.id", None)?;
        let offset = sql.int(budget - 1);
        sql.push(&format!("SELECT {column}, u.id FROM users u WHERE $1 = $1{after}{order} LIMIT 1 OFFSET {offset}"));
        Ok(sql)
    }

    /// The keyset condition after the view's cursor, the ORDER BY and the
    /// sort key column, for pages ordered by `id` (a column) and the view's sort.
    /// With `key_on`, the key is read there (from the sort keys `k` or the
    /// documents `t`) rather than from the users' rows.
    fn keyset(&self, sql: &mut Sql, prepared: &PreparedSearch<'_>, id: &str, key_on: Option<&'static str>) -> Result<Keyset, StoreError> {
        let query = &prepared.query;
        let mut key = sort_key(query.search.sort);
        if key_on.is_some() {
            key.expression = key_on;
        }
        let (op, direction) = if key.descending { ("<", "DESC") } else { (">", "ASC") };
        let mut after = String::new();
        if let Some(cursor) = &query.search.after {
            let after_id = sql.int(cursor.id.0);
            after = match key.expression {
                None => format!(" AND {id} {op} {after_id}"),
                Some(e) => {
                    let value = sort_value(sql, &key, &cursor.key)?;
                    format!(" AND ({e}, {id}) {op} ({value}, {after_id})")
                }
            };
        }
        let order = match key.expression {
            None => format!(" ORDER BY {id} {direction}"),
            Some(e) => format!(" ORDER BY {e} {direction}, {id} {direction}"),
        };
        let column = match (key.expression, key.numeric) {
            (None, _) => "''".to_owned(),
            (Some(e), true) => format!("CAST({e} AS TEXT)"),
            (Some(e), false) => e.to_owned(),
        };
        Ok(Keyset { after, order, column, key })
    }

    /// The query for a page, its candidates supplied by `driver` (the users
    /// table when walking the order).
    fn page_sql(&self, prepared: &PreparedSearch<'_>, limit: i64, walk: Walk, driver: Driver) -> Result<Sql, StoreError> {
        let mut sql = Sql::new(prepared.query.now);
        let id = prepared.id_column(driver);
        let Keyset { after, order, column, key } = self.keyset(&mut sql, prepared, id, None)?;
        let roles = self.page_roles(&mut sql);
        sql.push(&format!("SELECT {USER_ROW_COLUMNS}, {column} AS sort_key{roles}"));
        match walk {
            Walk::No if key.expression.is_some() && prepared.sqlite.is_some() => {
                // Sort the matches' keys and ids alone, then read the page's
                // rows: each match costs a lookup of its key in the order's
                // narrow table (of its document, where a word is checked
                // there: the document's row holds the keys too), not a
                // whole row.
                let key_on = self.sort_keys_apart(prepared, driver, Rows::SortKeys);
                let mut inner = Sql::new(prepared.query.now);
                inner.binds = std::mem::take(&mut sql.binds);
                let keys = self.keyset(&mut inner, prepared, id, key_on)?;
                inner.push(&format!("SELECT {id}"));
                let rows = if key_on.is_some() { Rows::SortKeys } else { Rows::Users("users") };
                self.search_filter(&mut inner, prepared, rows, false, driver, false);
                inner.push(&keys.after);
                inner.push(&keys.order);
                let limit = inner.int(limit);
                inner.push(&format!(" LIMIT {limit}"));
                sql.binds = inner.binds;
                sql.push(&format!(
                    " FROM users u LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id IN ({})",
                    inner.text
                ));
                sql.push(&order.replace(id, "u.id"));
                sql.push(&format!(" LIMIT {limit}"));
                return Ok(sql);
            }
            Walk::No => {
                self.search_filter(&mut sql, prepared, Rows::Users("users"), true, driver, false);
                sql.push(&after);
            }
            Walk::Budget(budget) => {
                let budget = sql.int(budget);
                let walked = format!("(SELECT * FROM users u WHERE TRUE{after}{order} LIMIT {budget})");
                self.search_filter(&mut sql, prepared, Rows::Users(&walked), true, Driver::Users, true);
            }
            Walk::Among(ids) => {
                let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                let ids = sql.text(format!("[{ids}]"));
                let among = format!("(SELECT * FROM users u WHERE u.id IN (SELECT value FROM json_each({ids})))");
                self.search_filter(&mut sql, prepared, Rows::Users(&among), true, Driver::Users, false);
                sql.push(&after);
            }
            Walk::Order => {
                self.search_filter(&mut sql, prepared, Rows::Users("users"), true, Driver::Users, true);
                sql.push(&after);
            }
            Walk::UpTo(bound) => {
                self.search_filter(&mut sql, prepared, Rows::Users("users"), true, Driver::Users, true);
                sql.push(&after);
                if let (Some((bound_key, bound_id)), Some(e)) = (bound, key.expression) {
                    // The key alone bounds the index range; key and id, exactly.
                    let op = if key.descending { ">=" } else { "<=" };
                    let value = sort_value(&mut sql, &key, &bound_key)?;
                    let bound_id = sql.int(bound_id);
                    sql.push(&format!(" AND {e} {op} {value} AND ({e}, u.id) {op} ({value}, {bound_id})"));
                }
            }
        }
        sql.push(&order);
        let limit = sql.int(limit);
        sql.push(&format!(" LIMIT {limit}"));
        Ok(sql)
    }

    /// How many users match, counting no further than `cap` when given.
    pub async fn count_matching_users(
        &self,
        prepared: &PreparedSearch<'_>,
        cap: Option<i64>,
    ) -> Result<i64, StoreError> {
        if prepared.matches_nobody() {
            return Ok(0);
        }
        // On SQLite, an index drives and no facet is asked: every match is
        // a user (the indexes follow `users`), so no row of `users` is read.
        let driver = prepared.driver();
        let rows = if prepared.sqlite.is_some() && driver != Driver::Users && prepared.query.search.facets.is_empty() {
            Rows::Matches
        } else {
            Rows::Users("users")
        };
        let mut sql = Sql::new(prepared.query.now);
        let Some(cap) = cap else {
            sql.push("SELECT COUNT(*) FROM (SELECT 1 AS one");
            self.search_filter(&mut sql, prepared, rows, false, driver, false);
            sql.push(") AS matches");
            return Ok(match &self.pool {
                crate::Pool::Sqlite(_) => {
                    let connection = prepared.connection.as_ref().expect("a SQLite search has its connection");
                    let mut connection = connection.lock().await;
                    watched!(&mut connection, sql, query_scalar, fetch_one)
                }
                crate::Pool::Postgres(pool) => {
                    let mut search = PostgresPlan::Free.start(pool).await?;
                    let n = run!(search.connection.as_mut(), sql, query_scalar, fetch_one);
                    search.finish().await?;
                    n
                }
            });
        };
        // Counted up to the cap by reading the matches' ids, which the page
        // then reads its rows from when they are fewer.
        sql.push(&format!("SELECT {} AS id", prepared.id_column(driver)));
        self.search_filter(&mut sql, prepared, rows, false, driver, false);
        let limit = sql.int(cap);
        sql.push(&format!(" LIMIT {limit}"));
        let ids: Vec<i64> = match &self.pool {
            crate::Pool::Sqlite(_) => {
                let connection = prepared.connection.as_ref().expect("a SQLite search has its connection");
                let mut connection = connection.lock().await;
                watched!(&mut connection, sql, query_scalar, fetch_all)
            }
            // Everyone, up to a cap: as quick as its cap is small.
            crate::Pool::Postgres(pool) if !prepared.query.filters() => run!(pool, sql, query_scalar, fetch_all),
            crate::Pool::Postgres(pool) => {
                let mut search = PostgresPlan::Free.start(pool).await?;
                let ids = run!(search.connection.as_mut(), sql, query_scalar, fetch_all);
                search.finish().await?;
                ids
            }
        };
        let n = ids.len() as i64;
        if n < cap {
            *prepared.counted.lock().expect("the remembered matches") = Some(ids);
        } else if prepared.sqlite.is_some() && driver != Driver::Users {
            // An index hands out its matches in id order: the count ended
            // this far through the ids.
            let last = ids.iter().copied().max().unwrap_or(1).max(1);
            *prepared.counted_up_to.lock().expect("the counted matches") = Some((n, last));
        }
        Ok(n)
    }

    /// A page of `matches` (all the search's matches, by id), in the
    /// view's order after its cursor.
    async fn page_of_matches(&self, prepared: &PreparedSearch<'_>, matches: &[i64], limit: i64) -> Result<Vec<PageRecord>, StoreError> {
        if matches.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(prepared.query.now);
        let Keyset { after, order, column, .. } = self.keyset(&mut sql, prepared, "u.id", None)?;
        let ids = matches.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let among = match self.backend() {
            Backend::Sqlite => format!("u.id IN (SELECT value FROM json_each({}))", sql.text(format!("[{ids}]"))),
            Backend::Postgres => format!("u.id = ANY(CAST({} AS BIGINT[]))", sql.text(format!("{{{ids}}}"))),
        };
        let roles = self.page_roles(&mut sql);
        sql.push(&format!(
            "SELECT {USER_ROW_COLUMNS}, {column} AS sort_key{roles} FROM users u LEFT JOIN organizations o ON o.id = u.organization_id \
             WHERE {among}{after}{order}"
        ));
        let limit = sql.int(limit);
        sql.push(&format!(" LIMIT {limit}"));
        Ok(match &self.pool {
            crate::Pool::Sqlite(_) => {
                let connection = prepared.connection.as_ref().expect("a SQLite search has its connection");
                let mut connection = connection.lock().await;
                watched!(&mut connection, sql, query_as, fetch_all)
            }
            crate::Pool::Postgres(pool) => run!(pool, sql, query_as, fetch_all),
        })
    }
}

impl Db {
    /// Runs `sql`, which answers with one number, as a search statement
    /// runs: stopped past `SEARCH_TIME_LIMIT`, or when dropped. For tests.
    #[cfg(feature = "testing")]
    pub(crate) async fn run_as_search(&self, sql: &str) -> Result<i64, StoreError> {
        let mut statement = Sql::new(Timestamp(0));
        statement.push(sql);
        statement.binds.clear();
        match &self.pool {
            crate::Pool::Sqlite(pool) => {
                let mut connection = SearchConnection::open(pool).await?;
                Ok(watched!(&mut connection, statement, query_scalar, fetch_one))
            }
            crate::Pool::Postgres(pool) => {
                let mut search = PostgresPlan::Free.start(pool).await?;
                let n = run!(search.connection.as_mut(), statement, query_scalar, fetch_one);
                search.finish().await?;
                Ok(n)
            }
        }
    }
}

/// What a SQLite search reads beside the candidates its driver supplies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows<'a> {
    /// The users table, or a subquery of it, as `u`.
    Users(&'a str),
    /// No row of `users`: the candidates' sort keys, and their documents
    /// where a word is checked; every part of the search checked.
    SortKeys,
    /// The driver's candidates and their sort keys alone, nothing checked.
    DriverKeys,
    /// No row of `users` and no key: every part of the search checked
    /// (for counting; a facet needs the rows).
    Matches,
}

/// How a page looks for its matches.
enum Walk {
    /// Collect every match through the driver, then sort.
    No,
    /// Look at the next this many users in the order only: the walk stops
    /// there even where many users share a sort key (the never signed in,
    /// by last sign-in).
    Budget(i64),
    /// Follow the order's index to the page's end (everyone: no filter).
    Order,
    /// Look at these users only (already after the cursor).
    Among(Vec<i64>),
    /// SQLite: follow the order's index up to this sort key and id (to the
    /// end when `None`), stopping once the page is full.
    UpTo(Option<(String, i64)>),
}

/// A page's keyset condition, order and sort key column.
struct Keyset {
    after: String,
    order: String,
    column: String,
    key: SortKey,
}

/// The narrow table that holds `sort`'s key by user id, if there is one
/// (`0027_sort_keys_apart`; read as `k.key`).
fn key_table(sort: UserSort) -> Option<&'static str> {
    match sort {
        UserSort::Name => Some("user_name_keys"),
        UserSort::Login => Some("user_login_keys"),
        UserSort::Email => Some("user_email_keys"),
        UserSort::LastSignIn => Some("user_last_sign_in_keys"),
        UserSort::Newest | UserSort::Oldest => None,
    }
}

/// The key of `sort` as the document table `t` holds it, if it does.
fn text_sort_key(sort: UserSort) -> Option<&'static str> {
    match sort {
        UserSort::Name => Some("t.name_key"),
        UserSort::Login => Some("t.login_key"),
        UserSort::Email => Some("t.email_key"),
        UserSort::Newest | UserSort::Oldest | UserSort::LastSignIn => None,
    }
}

/// A sort key from a cursor (or a walk's bound) as a parameter.
fn sort_value(sql: &mut Sql, key: &SortKey, text: &str) -> Result<String, StoreError> {
    Ok(if key.numeric {
        sql.int(text.parse::<i64>().map_err(|_| StoreError::BadCursor)?)
    } else {
        sql.text(text.to_owned())
    })
}

/// A part of a SQLite search that could supply the candidates: its SELECT
/// of their ids (in id order) and its parameter.
#[derive(Clone)]
struct SearchPart {
    driver: Driver,
    select: String,
    parameter: String,
}

/// The part of `parts` that supplies the fewest candidates, and how many:
/// each counted up to `cap` (or the fewest so far, when fewer), and past
/// `cap` estimated from where its `cap`th candidate is among the users'
/// ids (`Users` and `i64::MAX` when there is no part). An estimate costs
/// nothing more than the capped count; counting on to tell two common
/// parts apart cost up to 50 ms. It assumes a part's users are spread
/// through the ids, as users added over time are; where they are not (a
/// batch imported at once), a page may take longer, never find otherwise.
async fn fewest_candidates(
    connection: &mut SearchConnection,
    now: Timestamp,
    parts: &[SearchPart],
    cap: i64,
) -> Result<(Driver, i64), StoreError> {
    let mut fewest = (Driver::Users, i64::MAX);
    for part in parts {
        let limit = cap.min(fewest.1);
        let (n, last) = count_candidates(connection, now, &part.select, &part.parameter, limit).await?;
        let candidates = if n < limit {
            n
        } else if limit == cap {
            estimated_candidates(n, last, last_user_id(connection, now).await?)
        } else {
            continue;
        };
        if candidates < fewest.1 {
            fewest = (part.driver, candidates);
        }
    }
    Ok(fewest)
}

/// How many candidates a part supplies whose first `n` end at user `last`,
/// of users up to `users`: at least `n`.
fn estimated_candidates(n: i64, last: i64, users: i64) -> i64 {
    let estimate = n as f64 * users.max(1) as f64 / last.max(1) as f64;
    (estimate as i64).max(n)
}

/// The highest user id, which the ids of the users run up to: asked once
/// per search.
async fn last_user_id(connection: &mut SearchConnection, now: Timestamp) -> Result<i64, StoreError> {
    if let Some(last) = connection.last_user {
        return Ok(last);
    }
    let mut sql = Sql::new(now);
    sql.push("SELECT COALESCE(MAX(id), 0) FROM users WHERE $1 = $1");
    let last: i64 = watched!(connection, sql, query_scalar, fetch_one);
    connection.last_user = Some(last);
    Ok(last)
}

/// How many candidates a part's SELECT supplies, up to `cap`, and the
/// highest id among those counted.
async fn count_candidates(
    connection: &mut SearchConnection,
    now: Timestamp,
    select: &str,
    parameter: &str,
    cap: i64,
) -> Result<(i64, i64), StoreError> {
    let mut sql = Sql::new(now);
    sql.text(parameter);
    sql.int(cap);
    sql.push(&format!("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM ({select} LIMIT $3) AS c WHERE $1 = $1"));
    Ok(watched!(connection, sql, query_as, fetch_one))
}

/// Of several words of three or more characters, those worth their lists
/// in the trigram index: the others are checked in each candidate's
/// document instead. FTS5 reads the whole list of every trigram a query
/// names (about 0.05 µs a user, per trigram), while a candidate checked
/// costs about a microsecond: a word joins the rarer ones when the
/// candidates it rules out cost more to check than its lists cost to read.
/// `nordwind logistics sales berlin`: `berlin` and `nordwind` find 2,382
/// users in 18 ms, all four 100 users in 45 ms (`logistics` alone, 200,000
/// users, takes 68 ms); then two more words checked in 2,382 documents.
/// How many users a word finds is estimated from where its first
/// `WORD_SAMPLE` matches end among the users' ids.
async fn words_worth_their_lists<'w>(
    connection: &mut SearchConnection,
    now: Timestamp,
    words: &[&'w String],
) -> Result<Vec<&'w String>, StoreError> {
    let last_user = last_user_id(connection, now).await?;
    let users = last_user.max(1) as f64;
    let mut found = Vec::new();
    for word in words {
        let (n, last) = count_candidates(connection, now, MAIN_PART, &fts5_phrase(word), WORD_SAMPLE).await?;
        let users_found = if n < WORD_SAMPLE { n } else { estimated_candidates(n, last, last_user) };
        found.push((users_found as f64, *word));
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut worth = Vec::new();
    let mut candidates = users;
    for (users_found, word) in found {
        let share = (users_found / users).min(1.0);
        let ruled_out = candidates * (1.0 - share);
        let trigrams = (word.chars().count() + 1 - TRIGRAM) as f64;
        if worth.is_empty() || ruled_out * CHECK_COST > users_found * trigrams {
            worth.push(word);
            candidates *= share;
        }
    }
    Ok(worth)
}

/// The short words of a search that PostgreSQL's planner expects in at most
/// `COMMON_SHORT_WORD` users (from the index's statistics, by EXPLAIN). A
/// role filter the planner expects in fewer users than the rarest of
/// them supplies the candidates instead, through the trigram index: then
/// none is returned.
async fn rare_short_words(pool: &sqlx::PgPool, words: &[String], roles: &[RoleId]) -> Result<Vec<String>, StoreError> {
    let mut rare = Vec::new();
    let mut fewest = i64::MAX;
    for word in words.iter().filter(|w| w.chars().count() < TRIGRAM) {
        let text = postgres_search_text(word);
        let sql = format!("EXPLAIN SELECT 1 FROM users u WHERE {} @> ARRAY[$1]::TEXT[]", ShortWordIndex::of(&text).expression());
        let rows = estimated_rows(pool, &sql, &text).await?;
        if rows <= COMMON_SHORT_WORD {
            rare.push(word.clone());
            fewest = fewest.min(rows);
        }
    }
    if !rare.is_empty() && !roles.is_empty() {
        // The roles' users, added up, against the rarest short word.
        let sql = "EXPLAIN SELECT 1 FROM users u WHERE u.search_document LIKE $1";
        let mut with_roles = 0;
        for role in roles {
            with_roles += estimated_rows(pool, sql, &like_pattern(&role_token(*role, Backend::Postgres))).await?;
        }
        if with_roles < fewest {
            rare.clear();
        }
    }
    Ok(rare)
}

/// PostgreSQL's two indexes of short words (migration 0024).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ShortWordIndex {
    Characters,
    Pairs,
}

impl ShortWordIndex {
    /// The index that holds a short word, in its search text form.
    fn of(text: &str) -> ShortWordIndex {
        if text.chars().count() == 1 {
            ShortWordIndex::Characters
        } else {
            ShortWordIndex::Pairs
        }
    }

    /// The indexed expression, as a search names it.
    fn expression(self) -> &'static str {
        match self {
            ShortWordIndex::Characters => "roster_search_characters(u.search_document COLLATE \"C\")",
            ShortWordIndex::Pairs => "roster_search_pairs(u.search_document COLLATE \"C\")",
        }
    }
}

/// The rows PostgreSQL's planner expects `sql` (an EXPLAIN with one text
/// parameter) to return.
async fn estimated_rows(pool: &sqlx::PgPool, sql: &str, parameter: &str) -> Result<i64, StoreError> {
    let plan: Vec<String> = sqlx::query_scalar(sql).bind(parameter).fetch_all(pool).await?;
    Ok(plan
        .first()
        .and_then(|line| line.split("rows=").nth(1))
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(i64::MAX))
}

/// The rows a plan's bitmap hands its heap scan, from EXPLAIN ANALYZE's
/// JSON: an index's matches, the fewest of an AND, the sum of an OR. `None`
/// for a plan without a bitmap.
fn bitmap_candidates(node: &serde_json::Value) -> Option<i64> {
    let children = || node.get("Plans").and_then(|p| p.as_array()).into_iter().flatten();
    match node.get("Node Type").and_then(|t| t.as_str())? {
        "Bitmap Index Scan" => node.get("Actual Rows").and_then(|r| r.as_f64()).map(|r| r as i64),
        "BitmapAnd" => children().filter_map(bitmap_candidates).min(),
        "BitmapOr" => children().map(bitmap_candidates).sum(),
        _ => children().find_map(bitmap_candidates),
    }
}

/// What a PostgreSQL walk reads of each user besides the id and the sort
/// key: what the search's words, roles and facets check. The indexes of the
/// orders by name, login and email hold them (`0021_covering_order_indexes`).
const WALKED_COLUMNS: &str = "u.search_document, u.active, u.last_login_at, u.locked_until, u.two_factor_enabled";

/// The condition a facet adds; `$1` is the time now. The dormant line is
/// an integer the server worked out, written into the SQL.
fn facet_condition(facet: UserFacet, query: &UserQuery<'_>) -> String {
    match facet {
        UserFacet::Locked => " AND u.locked_until > $1".to_owned(),
        UserFacet::NoTwoFactor => " AND NOT u.two_factor_enabled".to_owned(),
        UserFacet::Inactive => " AND NOT u.active".to_owned(),
        UserFacet::NeverSignedIn => " AND u.last_login_at IS NULL".to_owned(),
        // The expression of the index `users_by_last_activity`.
        UserFacet::Dormant => format!(" AND COALESCE(u.last_login_at, u.created_at) < {}", query.dormant_before.0),
    }
}

/// How PostgreSQL should find a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PostgresPlan {
    /// As the planner likes (counts).
    Free,
    /// Many match: walk the order's index, stop after the page.
    WalkTheOrder,
    /// Few match: collect them through the search index, then sort.
    CollectTheMatches,
    /// How many candidates the collecting plan reads: its bitmap, never a
    /// scan of the table (which a LIMIT 1 would otherwise tempt).
    CountCandidates,
}

impl PostgresPlan {
    /// Starts a search's transaction, in one round trip: a search never
    /// holds a connection for long, stops at `SEARCH_TIME_LIMIT`, and
    /// follows the plan. Plans are made for each search's own words (a
    /// generic plan would ignore how selective they are), but only here:
    /// everywhere else, and above all in triggers and foreign-key checks,
    /// cached plans save most of the work. A client that goes away ends its
    /// statement within a tenth of a second (the server checks the socket).
    fn begin(self) -> &'static str {
        match self {
            PostgresPlan::Free => {
                "BEGIN; SET LOCAL statement_timeout = '2s'; SET LOCAL client_connection_check_interval = '100ms'; \
                 SET LOCAL plan_cache_mode = force_custom_plan; \
                 SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"
            }
            PostgresPlan::WalkTheOrder => {
                "BEGIN; SET LOCAL statement_timeout = '2s'; SET LOCAL client_connection_check_interval = '100ms'; \
                 SET LOCAL plan_cache_mode = force_custom_plan; \
                 SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; \
                 SET LOCAL enable_bitmapscan = off"
            }
            PostgresPlan::CollectTheMatches => {
                "BEGIN; SET LOCAL statement_timeout = '2s'; SET LOCAL client_connection_check_interval = '100ms'; \
                 SET LOCAL plan_cache_mode = force_custom_plan; \
                 SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; \
                 SET LOCAL enable_indexscan = off"
            }
            PostgresPlan::CountCandidates => {
                "BEGIN; SET LOCAL statement_timeout = '2s'; SET LOCAL client_connection_check_interval = '100ms'; \
                 SET LOCAL plan_cache_mode = force_custom_plan; \
                 SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off; \
                 SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off"
            }
        }
    }

    /// Starts a search's transaction of this plan on a connection of its own.
    async fn start(self, pool: &sqlx::PgPool) -> Result<PostgresSearch, StoreError> {
        let mut search = PostgresSearch { connection: pool.acquire().await?, finished: false };
        sqlx::Executor::execute(search.connection.as_mut(), self.begin()).await?;
        Ok(search)
    }
}

/// A PostgreSQL search statement's transaction. Dropped before it finished
/// (the request went away), its connection closes: the server notices
/// within `client_connection_check_interval` and stops the statement, and no
/// half-done transaction goes back to the pool.
struct PostgresSearch {
    connection: sqlx::pool::PoolConnection<sqlx::Postgres>,
    finished: bool,
}

impl PostgresSearch {
    async fn finish(mut self) -> Result<(), StoreError> {
        sqlx::Executor::execute(self.connection.as_mut(), "COMMIT").await?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for PostgresSearch {
    fn drop(&mut self) {
        if !self.finished {
            self.connection.close_on_drop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_candidates_of_a_plan_are_what_its_bitmap_hands_out() {
        let index = |rows: f64| serde_json::json!({ "Node Type": "Bitmap Index Scan", "Actual Rows": rows });
        let either = serde_json::json!({ "Node Type": "BitmapOr", "Plans": [index(100.0), index(50.0)] });
        let both = serde_json::json!({ "Node Type": "BitmapAnd", "Plans": [index(38_462.0), either] });
        let heap = serde_json::json!({ "Node Type": "Bitmap Heap Scan", "Plans": [both] });
        let plan = serde_json::json!({ "Node Type": "Limit", "Plans": [heap] });
        assert_eq!(bitmap_candidates(&plan), Some(150));
        assert_eq!(bitmap_candidates(&serde_json::json!({ "Node Type": "Seq Scan" })), None);
    }

    #[test]
    fn a_typed_word_is_never_a_role_token() {
        let token = role_token(RoleId::ADMIN, Backend::Postgres);
        assert_ne!(postgres_search_text(&token), token, "a typed word is lower-cased");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn fts5_words_are_quoted_phrases() {
        let parts = [fts5_phrase("anna"), format!("({} OR {})", fts5_phrase("o\"b"), fts5_phrase("x"))];
        assert_eq!(fts5_and(&parts), "\"anna\" AND (\"o\"\"b\" OR \"x\")");
    }
}

/// Server functions need futures that are `Send` for any lifetime of their
/// arguments; some sqlx calls (`raw_sql` on a pooled PostgreSQL connection)
/// give futures that are not, which only the app crate would notice.
#[cfg(test)]
#[allow(dead_code)]
mod futures_are_send {
    use super::*;

    fn send<F: std::future::Future + Send>(_: &F) {}

    fn prepare(db: &Db, search: &UserSearch) {
        send(&db.prepare_search(UserQuery { search, words: &[], now: Timestamp(0), dormant_before: Timestamp(0) }));
    }

    fn count(db: &Db, prepared: &PreparedSearch<'_>) {
        send(&db.count_matching_users(prepared, None));
    }

    fn page(db: &Db, prepared: &PreparedSearch<'_>) {
        send(&db.search_users(prepared, 1, false));
    }
}
