//! The Users panel's search: filters, keyset pages and counts over either
//! engine. The text part differs per engine (FTS5 trigram on SQLite, pg_trgm
//! on PostgreSQL; see the `0002_user_search` migrations); the rest is the
//! same SQL.

use crate::users::{UserRowRecord, USER_ROW_COLUMNS};
use crate::{on_pool, Backend, Db, StoreError};
use roster_domain::{PageCursor, UserFacet, UserRow, UserSearch, UserSort};
use sqlx::FromRow;

/// A search the store can run: the admin's view, its lower-cased words, and
/// the lockout threshold that decides who counts as locked.
#[derive(Clone, Copy, Debug)]
pub struct UserQuery<'a> {
    pub search: &'a UserSearch,
    pub words: &'a [String],
    pub lockout_threshold: i64,
}

/// Words shorter than this cannot use a trigram index and are matched by
/// scanning instead; the results are the same.
const TRIGRAM: usize = 3;

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
    fn new(threshold: i64) -> Sql {
        // `$1` is always the lockout threshold (see USER_ROW_COLUMNS).
        Sql { text: String::new(), binds: vec![Bind::Int(threshold)] }
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

/// An FTS5 query matching every word as a substring: `"w1" AND "w2"`.
fn fts5_query<'a>(words: impl Iterator<Item = &'a String>) -> String {
    words.map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect::<Vec<_>>().join(" AND ")
}

impl Db {
    /// The FROM and WHERE of a search, without keyset or order.
    fn search_filter(&self, sql: &mut Sql, query: &UserQuery<'_>, with_organization: bool) {
        let short: Vec<&String> = query.words.iter().filter(|w| w.chars().count() < TRIGRAM).collect();
        let backend = self.backend();
        sql.push(" FROM users u");
        if with_organization {
            sql.push(" LEFT JOIN organizations o ON o.id = u.organization_id");
        }
        sql.push(" WHERE TRUE");
        match backend {
            Backend::Sqlite => {
                let long: Vec<&String> = query.words.iter().filter(|w| w.chars().count() >= TRIGRAM).collect();
                if !long.is_empty() {
                    let p = sql.text(fts5_query(long.into_iter()));
                    sql.push(&format!(" AND u.id IN (SELECT rowid FROM user_search WHERE user_search MATCH {p})"));
                }
                for word in short {
                    // LIKE ignores case for ASCII letters, which short words are in practice.
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
        if !roles.is_empty() {
            let names: Vec<String> = roles.iter().map(|r| sql.text(r.name())).collect();
            sql.push(&format!(
                " AND u.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
                 WHERE r.name IN ({}))",
                names.join(", ")
            ));
        }
        for facet in &query.search.facets {
            sql.push(match facet {
                UserFacet::Locked => " AND u.failed_logins >= $1",
                UserFacet::NoTwoFactor => " AND NOT u.two_factor_enabled",
                UserFacet::Inactive => " AND NOT u.active",
                UserFacet::NeverSignedIn => " AND u.last_login_at IS NULL",
            });
        }
    }

    /// Up to `limit` matching users in the view's order, after its cursor.
    /// `many_match` says a count found the result large; PostgreSQL then
    /// walks the order's index instead of collecting every match first.
    pub async fn search_users(
        &self,
        query: &UserQuery<'_>,
        limit: i64,
        many_match: bool,
    ) -> Result<Vec<(UserRow, PageCursor)>, StoreError> {
        let key = sort_key(query.search.sort);
        let mut sql = Sql::new(query.lockout_threshold);
        let sort_key_column = match (key.expression, key.numeric) {
            (None, _) => "''".to_owned(),
            (Some(e), true) => format!("CAST({e} AS TEXT)"),
            (Some(e), false) => e.to_owned(),
        };
        sql.push(&format!("SELECT {USER_ROW_COLUMNS}, {sort_key_column} AS sort_key"));
        self.search_filter(&mut sql, query, true);

        let (op, direction) = if key.descending { ("<", "DESC") } else { (">", "ASC") };
        if let Some(after) = &query.search.after {
            let id = sql.int(after.id.0);
            match key.expression {
                None => sql.push(&format!(" AND u.id {op} {id}")),
                Some(e) => {
                    let value = if key.numeric {
                        let n = after.key.parse::<i64>().map_err(|_| StoreError::BadCursor)?;
                        sql.int(n)
                    } else {
                        sql.text(after.key.clone())
                    };
                    sql.push(&format!(" AND ({e}, u.id) {op} ({value}, {id})"));
                }
            }
        }
        let order = match key.expression {
            None => format!(" ORDER BY u.id {direction}"),
            Some(e) => format!(" ORDER BY {e} {direction}, u.id {direction}"),
        };
        sql.push(&order);
        let limit = sql.int(limit);
        sql.push(&format!(" LIMIT {limit}"));

        let records: Vec<PageRecord> = match &self.pool {
            crate::Pool::Sqlite(pool) => run!(pool, sql, query_as, fetch_all),
            crate::Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                postgres_search_settings(&mut tx, many_match).await?;
                let records = run!(&mut *tx, sql, query_as, fetch_all);
                tx.commit().await?;
                records
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

    /// How many users match, counting no further than `cap` when given.
    pub async fn count_matching_users(&self, query: &UserQuery<'_>, cap: Option<i64>) -> Result<i64, StoreError> {
        let mut sql = Sql::new(query.lockout_threshold);
        sql.push("SELECT COUNT(*) FROM (SELECT 1 AS one");
        self.search_filter(&mut sql, query, false);
        if let Some(cap) = cap {
            let cap = sql.int(cap);
            sql.push(&format!(" LIMIT {cap}"));
        }
        sql.push(") AS matches");
        let n: i64 = match &self.pool {
            crate::Pool::Sqlite(pool) => run!(pool, sql, query_scalar, fetch_one),
            crate::Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                postgres_search_settings(&mut tx, false).await?;
                let n = run!(&mut *tx, sql, query_scalar, fetch_one);
                tx.commit().await?;
                n
            }
        };
        Ok(n)
    }

    /// The naive search a plain SQL panel would run: `LIKE '%word%'` over six
    /// columns. For benchmarks only, as the baseline the index is measured against.
    pub async fn count_matching_users_naively(&self, word: &str) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM users WHERE lower(first_name) LIKE $1 OR lower(last_name) LIKE $1 \
                   OR login_normalized LIKE $1 OR email_normalized LIKE $1 OR phone LIKE $1 OR lower(city) LIKE $1";
        let pattern = like_pattern(&word.to_lowercase());
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(&pattern).fetch_one(pool).await?);
        Ok(n)
    }
}

/// A search never holds a connection for long, and each query is planned
/// for its own words rather than from a generic plan.
async fn postgres_search_settings(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    many_match: bool,
) -> Result<(), StoreError> {
    sqlx::query("SET LOCAL statement_timeout = '10s'").execute(&mut **tx).await?;
    if many_match {
        sqlx::query("SET LOCAL enable_bitmapscan = off").execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let words = vec!["anna".to_owned(), "o\"brien".to_owned()];
        assert_eq!(fts5_query(words.iter()), "\"anna\" AND \"o\"\"brien\"");
    }
}
