//! The Users panel's search: filters, keyset pages and counts over either
//! engine. The text part differs per engine (FTS5 trigram on SQLite, pg_trgm
//! on PostgreSQL; see the `0002_user_search` migrations); the rest is the
//! same SQL.

use crate::role_tokens::role_token;
use crate::users::{UserRowRecord, USER_ROW_COLUMNS};
use crate::{Backend, Db, StoreError};
use roster_domain::{PageCursor, RoleId, Timestamp, UserFacet, UserRow, UserSearch, UserSort};
use sqlx::FromRow;

/// A search the store can run: the admin's view, its lower-cased words, and
/// the time now, which decides whose lock is in force.
#[derive(Clone, Copy, Debug)]
pub struct UserQuery<'a> {
    pub search: &'a UserSearch,
    pub words: &'a [String],
    pub now: Timestamp,
}

/// Words of this many characters match through the trigram index directly.
const TRIGRAM: usize = 3;
/// On SQLite, a two-character word on its own matches through the trigrams
/// that start with it; next to a longer word, or with one character, it is
/// checked against the candidates (a one-character word matches most users
/// anyway, so a page fills at once). PostgreSQL checks both kinds.
const INDEXED_PREFIX: usize = 2;
/// More trigrams than this after a two-character prefix: scan instead.
const MAX_PREFIX_TERMS: i64 = 1_000;
/// On PostgreSQL, how many users in the view's order a filtered page looks
/// at before collecting its matches through the search index instead.
const WALK_BUDGET: i64 = 50_000;

#[derive(FromRow)]
struct PageRecord {
    #[sqlx(flatten)]
    user: UserRowRecord,
    sort_key: String,
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

/// The form PostgreSQL's search document takes (`roster_search_text` in the
/// migration): lower case, punctuation mapped to upper-case letters.
fn postgres_search_text(word: &str) -> String {
    const FROM: &str = ".@-_+'/,:;()#&!?*=";
    const TO: &str = "DAHUPQSCKJLRNEXYZW";
    word.to_lowercase().chars().map(|c| FROM.find(c).map_or(c, |i| TO.as_bytes()[i] as char)).collect()
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

/// An FTS5 query matching documents that contain, for every word, any of
/// its alternatives as a substring: `("w1") AND ("a" OR "b")`.
fn fts5_query(words: &[&Vec<String>]) -> String {
    let phrase = |w: &String| format!("\"{}\"", w.replace('"', "\"\""));
    words
        .iter()
        .map(|alternatives| format!("({})", alternatives.iter().map(phrase).collect::<Vec<_>>().join(" OR ")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How each word of a search is matched on SQLite.
enum SqliteWord {
    /// Through the index: any of these trigrams.
    Indexed(Vec<String>),
    /// By scanning each candidate's document.
    Scanned(String),
}

/// A search whose words are resolved for the engine, once, for its page and
/// its count both.
pub struct PreparedSearch<'a> {
    query: UserQuery<'a>,
    sqlite_words: Vec<SqliteWord>,
}

impl PreparedSearch<'_> {
    /// The SQLite words that go through the index, each as its alternatives.
    fn indexed_words(&self) -> Vec<&Vec<String>> {
        self.sqlite_words
            .iter()
            .filter_map(|w| match w {
                SqliteWord::Indexed(terms) => Some(terms),
                SqliteWord::Scanned(_) => None,
            })
            .collect()
    }

    /// The column to order and page by id: on SQLite with indexed words, the
    /// FTS5 table's rowid, so the index hands out matches already in id order
    /// and a page stops reading after its last row.
    fn id_column(&self) -> &'static str {
        if self.indexed_words().is_empty() { "u.id" } else { "s.rowid" }
    }
}

impl Db {
    /// Resolves how the engine matches `query`'s words (on SQLite this reads
    /// the index's vocabulary for two-character words).
    pub async fn prepare_search<'a>(&self, query: UserQuery<'a>) -> Result<PreparedSearch<'a>, StoreError> {
        let sqlite_words = self.sqlite_words(query.words, &query.search.roles).await?;
        Ok(PreparedSearch { query, sqlite_words })
    }

    /// Decides, word by word, how SQLite matches a search; two-character
    /// words become the list of indexed trigrams that start with them.
    /// A role filter becomes one more indexed word: any of the roles' tokens.
    async fn sqlite_words(&self, words: &[String], roles: &[RoleId]) -> Result<Vec<SqliteWord>, StoreError> {
        let crate::Pool::Sqlite(pool) = &self.pool else { return Ok(Vec::new()) };
        let sql = "SELECT term FROM user_search_terms WHERE term >= $1 AND term < $2 LIMIT $3";
        let mut out = Vec::with_capacity(words.len());
        // Listing a prefix's trigrams reads their whole posting lists; when a
        // longer word already narrows the candidates, checking them is cheaper.
        let any_long = words.iter().any(|w| w.chars().count() >= TRIGRAM);
        for word in words {
            let chars = word.chars().count();
            if chars >= TRIGRAM {
                out.push(SqliteWord::Indexed(vec![word.clone()]));
            } else if chars == INDEXED_PREFIX && !any_long {
                let terms: Vec<String> = sqlx::query_scalar(sql)
                    .bind(word.as_str())
                    .bind(format!("{word}\u{10FFFF}"))
                    .bind(MAX_PREFIX_TERMS + 1)
                    .fetch_all(pool)
                    .await?;
                out.push(if terms.len() as i64 > MAX_PREFIX_TERMS {
                    SqliteWord::Scanned(word.clone())
                } else {
                    SqliteWord::Indexed(terms)
                });
            } else {
                out.push(SqliteWord::Scanned(word.clone()));
            }
        }
        if !roles.is_empty() {
            out.push(SqliteWord::Indexed(roles.iter().map(|r| role_token(*r, Backend::Sqlite)).collect()));
        }
        Ok(out)
    }

    /// The FROM and WHERE of a search over `users` (the table, or a subquery
    /// of it), without keyset or order.
    fn search_filter(&self, sql: &mut Sql, prepared: &PreparedSearch<'_>, users: &str, with_organization: bool) {
        let backend = self.backend();
        let (query, sqlite_words) = (&prepared.query, &prepared.sqlite_words);
        let indexed = prepared.indexed_words();
        // CROSS JOIN keeps SQLite from reordering: the search index drives.
        if indexed.is_empty() {
            sql.push(&format!(" FROM {users} u"));
        } else {
            sql.push(&format!(" FROM user_search s CROSS JOIN {users} u"));
        }
        if with_organization {
            sql.push(" LEFT JOIN organizations o ON o.id = u.organization_id");
        }
        sql.push(" WHERE TRUE");
        match backend {
            Backend::Sqlite => {
                if indexed.iter().any(|terms| terms.is_empty()) {
                    // A two-character word no trigram starts with: nobody matches.
                    sql.push(" AND FALSE");
                } else if !indexed.is_empty() {
                    let p = sql.text(fts5_query(&indexed));
                    sql.push(&format!(" AND s.user_search MATCH {p} AND u.id = s.rowid"));
                }
                for word in sqlite_words.iter().filter_map(|w| match w {
                    SqliteWord::Scanned(word) => Some(word),
                    SqliteWord::Indexed(_) => None,
                }) {
                    // LIKE ignores case for ASCII letters, which one-letter words are in practice.
                    let p = sql.text(like_pattern(word));
                    sql.push(&format!(
                        " AND (SELECT d.document FROM user_search_documents d WHERE d.id = u.id) LIKE {p} ESCAPE '\\'"
                    ));
                }
            }
            Backend::Postgres => {
                for word in query.words {
                    let p = sql.text(like_pattern(&postgres_search_text(word)));
                    sql.push(&format!(" AND u.search_document LIKE {p} ESCAPE '\\'"));
                }
            }
        }
        let roles = &query.search.roles;
        if backend == Backend::Postgres && !roles.is_empty() {
            let tokens: Vec<String> = roles
                .iter()
                .map(|r| {
                    let p = sql.text(like_pattern(&role_token(*r, Backend::Postgres)));
                    format!("u.search_document LIKE {p} ESCAPE '\\'")
                })
                .collect();
            sql.push(&format!(" AND ({})", tokens.join(" OR ")));
        }
        for facet in &query.search.facets {
            sql.push(match facet {
                UserFacet::Locked => " AND u.locked_until > $1",
                UserFacet::NoTwoFactor => " AND NOT u.two_factor_enabled",
                UserFacet::Inactive => " AND NOT u.active",
                UserFacet::NeverSignedIn => " AND u.last_login_at IS NULL",
            });
        }
    }

    /// Up to `limit` matching users in the view's order, after its cursor.
    /// `many_match` says whether a capped count found the result large. On
    /// PostgreSQL that picks the plan: with few matches, collect them through
    /// the search index and sort them; with many, walk the order's index and
    /// stop after the page. Many matches may still lie far down the order
    /// (every `berg6…` login sits among the 600,000s), so a filtered walk
    /// looks at no more than `WALK_BUDGET` users and, short of a full page,
    /// the matches are collected after all. Left to itself, the planner
    /// cannot tell and may walk every user looking for matches that are not
    /// there.
    pub async fn search_users(
        &self,
        prepared: &PreparedSearch<'_>,
        limit: i64,
        many_match: bool,
    ) -> Result<Vec<(UserRow, PageCursor)>, StoreError> {
        let records: Vec<PageRecord> = match &self.pool {
            crate::Pool::Sqlite(pool) => {
                let sql = self.page_sql(prepared, limit, None)?;
                run!(pool, sql, query_as, fetch_all)
            }
            crate::Pool::Postgres(pool) => {
                let filtered = !prepared.query.words.is_empty() || !prepared.query.search.roles.is_empty();
                let mut walked = None;
                if many_match {
                    let budget = filtered.then_some(WALK_BUDGET);
                    let sql = self.page_sql(prepared, limit, budget)?;
                    let mut tx = crate::begin(pool, PostgresPlan::WalkTheOrder.begin()).await?;
                    let records: Vec<PageRecord> = run!(&mut *tx, sql, query_as, fetch_all);
                    tx.commit().await?;
                    walked = Some(records);
                }
                match walked {
                    Some(records) if !filtered || records.len() as i64 == limit => records,
                    _ => {
                        let sql = self.page_sql(prepared, limit, None)?;
                        let mut tx = crate::begin(pool, PostgresPlan::CollectTheMatches.begin()).await?;
                        let records = run!(&mut *tx, sql, query_as, fetch_all);
                        tx.commit().await?;
                        records
                    }
                }
            }
        };
        let keys: Vec<(i64, String)> = records.iter().map(|r| (r.user.id, r.sort_key.clone())).collect();
        let rows = self.with_roles(records.into_iter().map(|r| r.user).collect()).await?;
        Ok(rows
            .into_iter()
            .zip(keys)
            .map(|(row, (id, key))| (row, PageCursor { id: roster_domain::UserId(id), key }))
            .collect())
    }

    /// The query for a page. With `walk_budget`, only that many users after
    /// the cursor, in the view's order, are looked at.
    fn page_sql(&self, prepared: &PreparedSearch<'_>, limit: i64, walk_budget: Option<i64>) -> Result<Sql, StoreError> {
        let query = &prepared.query;
        let key = sort_key(query.search.sort);
        let mut sql = Sql::new(query.now);
        let id = prepared.id_column();
        let (op, direction) = if key.descending { ("<", "DESC") } else { (">", "ASC") };
        let mut after = String::new();
        if let Some(cursor) = &query.search.after {
            let after_id = sql.int(cursor.id.0);
            after = match key.expression {
                None => format!(" AND {id} {op} {after_id}"),
                Some(e) => {
                    let value = if key.numeric {
                        let n = cursor.key.parse::<i64>().map_err(|_| StoreError::BadCursor)?;
                        sql.int(n)
                    } else {
                        sql.text(cursor.key.clone())
                    };
                    format!(" AND ({e}, {id}) {op} ({value}, {after_id})")
                }
            };
        }
        let order = match key.expression {
            None => format!(" ORDER BY {id} {direction}"),
            Some(e) => format!(" ORDER BY {e} {direction}, {id} {direction}"),
        };
        let sort_key_column = match (key.expression, key.numeric) {
            (None, _) => "''".to_owned(),
            (Some(e), true) => format!("CAST({e} AS TEXT)"),
            (Some(e), false) => e.to_owned(),
        };
        sql.push(&format!("SELECT {USER_ROW_COLUMNS}, {sort_key_column} AS sort_key"));
        match walk_budget {
            None => {
                self.search_filter(&mut sql, prepared, "users", true);
                sql.push(&after);
            }
            Some(budget) => {
                let budget = sql.int(budget);
                let walked = format!("(SELECT * FROM users u WHERE TRUE{after}{order} LIMIT {budget})");
                self.search_filter(&mut sql, prepared, &walked, true);
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
        let mut sql = Sql::new(prepared.query.now);
        sql.push("SELECT COUNT(*) FROM (SELECT 1 AS one");
        self.search_filter(&mut sql, prepared, "users", false);
        if let Some(cap) = cap {
            let cap = sql.int(cap);
            sql.push(&format!(" LIMIT {cap}"));
        }
        sql.push(") AS matches");
        let n: i64 = match &self.pool {
            crate::Pool::Sqlite(pool) => run!(pool, sql, query_scalar, fetch_one),
            crate::Pool::Postgres(pool) => {
                let mut tx = crate::begin(pool, PostgresPlan::Free.begin()).await?;
                let n = run!(&mut *tx, sql, query_scalar, fetch_one);
                tx.commit().await?;
                n
            }
        };
        Ok(n)
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
}

impl PostgresPlan {
    /// Starts a search's transaction, in one round trip: a search never
    /// holds a connection for long, and follows the plan. Plans are made
    /// for each search's own words (a generic plan would ignore how
    /// selective they are), but only here: everywhere else, and above all in
    /// triggers and foreign-key checks, cached plans save most of the work.
    fn begin(self) -> &'static str {
        match self {
            PostgresPlan::Free => "BEGIN; SET LOCAL statement_timeout = '10s'; SET LOCAL plan_cache_mode = force_custom_plan",
            PostgresPlan::WalkTheOrder => {
                "BEGIN; SET LOCAL statement_timeout = '10s'; SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_bitmapscan = off"
            }
            PostgresPlan::CollectTheMatches => {
                "BEGIN; SET LOCAL statement_timeout = '10s'; SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL enable_indexscan = off"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn postgres_words_map_punctuation_like_the_migration() {
        assert_eq!(postgres_search_text("S.E@Corp-x_y"), "sDeAcorpHxUy");
        assert_eq!(postgres_search_text("chloé"), "chloé");
    }

    #[test]
    fn fts5_words_are_quoted_phrases() {
        let (anna, brien) = (vec!["anna".to_owned()], vec!["o\"b".to_owned(), "o\"r".to_owned()]);
        assert_eq!(fts5_query(&[&anna, &brien]), "(\"anna\") AND (\"o\"\"b\" OR \"o\"\"r\")");
    }
}
