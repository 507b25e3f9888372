//! SQLite's index of short words: every character and every pair of
//! adjacent characters of each user's search document, so a search for `ü`,
//! `ß`, `-` or `qz` reads one index term instead of every document (see the
//! `0014_short_search_terms` migration). PostgreSQL computes the same in an
//! expression index and needs nothing from here.

use crate::StoreError;
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};
use std::future::Future;

/// Put around every character of a document; never part of a typed word.
const MARK: char = '\u{E001}';
/// Users whose grams are written per statement.
const BATCH: usize = 500;

/// The text the grams index tokenizes for `document`: `⁅a⁆b⁆c⁆`, whose
/// trigrams are `⁅a⁆`, `a⁆b`, `⁅b⁆`, `b⁆c`, … — one per character, one per pair.
pub(crate) fn spread(document: &str) -> String {
    let mut out = String::with_capacity(document.len() * 4 + 3);
    out.push(MARK);
    for c in document.chars() {
        out.push(c);
        out.push(MARK);
    }
    out
}

/// The index term that finds `word`, a word of one or two characters, as
/// an FTS5 phrase: `⁅c⁆` for one character, `a⁆b` for two.
pub(crate) fn gram_phrase(word: &str) -> String {
    let mut chars = word.chars();
    let term = match (chars.next(), chars.next(), chars.next()) {
        (Some(c), None, _) => format!("{MARK}{c}{MARK}"),
        (Some(a), Some(b), None) => format!("{a}{MARK}{b}"),
        _ => unreachable!("only words of one or two characters have a gram"),
    };
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// Writes the grams of these users afresh from their current documents, and
/// the documents lower-cased with the users' sort keys (and those keys
/// alone, per order), in the caller's transaction. Every change to what
/// `user_search_documents` shows of a user comes through here.
pub(crate) async fn write_grams(conn: &mut SqliteConnection, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(BATCH) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let docs: Vec<UserDocument> = sqlx::query_as(&format!(
            "SELECT d.id, d.document, u.name_normalized, u.login_normalized, COALESCE(u.email_normalized, '~') \
             FROM user_search_documents d JOIN users u ON u.id = d.id WHERE d.id IN ({list})"
        ))
        .fetch_all(&mut *conn)
        .await?;
        sqlx::query(&format!("DELETE FROM user_search_grams WHERE rowid IN ({list})")).execute(&mut *conn).await?;
        if docs.is_empty() {
            continue;
        }
        let mut insert = QueryBuilder::new("INSERT INTO user_search_grams (rowid, grams) ");
        insert.push_values(&docs, |mut row, (id, document, ..)| {
            row.push_bind(*id).push_bind(spread(document));
        });
        insert.build().execute(&mut *conn).await?;
        let mut insert =
            QueryBuilder::new("INSERT OR REPLACE INTO user_search_text (user_id, text, name_key, login_key, email_key) ");
        insert.push_values(&docs, |mut row, (id, document, name, login, email)| {
            row.push_bind(*id).push_bind(document.to_lowercase()).push_bind(name).push_bind(login).push_bind(email);
        });
        insert.build().execute(&mut *conn).await?;
        // Each order's keys again, narrow, for sorting many candidates.
        for (table, key) in SORT_KEY_TABLES {
            let mut insert = QueryBuilder::new(format!("INSERT OR REPLACE INTO {table} (user_id, key) "));
            insert.push_values(&docs, |mut row, doc| {
                row.push_bind(doc.0).push_bind(key(doc));
            });
            insert.build().execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// A user's document with its keys: id, document, name, login and email keys.
type UserDocument = (i64, String, String, String, String);

/// The narrow tables of sort keys (`0027_sort_keys_apart`), each with the
/// key it holds.
const SORT_KEY_TABLES: [(&str, fn(&UserDocument) -> &str); 3] = [
    ("user_name_keys", |d| &d.2),
    ("user_login_keys", |d| &d.3),
    ("user_email_keys", |d| &d.4),
];

/// Keeping a user's short-word index true, on whichever engine a
/// transaction runs (on PostgreSQL the index keeps itself).
pub(crate) trait KeepGrams {
    fn write_grams(&mut self, ids: &[i64]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl KeepGrams for SqliteConnection {
    fn write_grams(&mut self, ids: &[i64]) -> impl Future<Output = Result<(), StoreError>> + Send {
        write_grams(self, ids)
    }
}

impl KeepGrams for PgConnection {
    async fn write_grams(&mut self, _ids: &[i64]) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Writes the grams of the users a migration left pending, in batches that
/// each commit, so an interrupted start resumes where it stopped.
pub(crate) async fn write_pending_grams(pool: &sqlx::SqlitePool) -> Result<u64, StoreError> {
    let mut written = 0;
    loop {
        let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM user_search_grams_pending ORDER BY user_id LIMIT 5000")
            .fetch_all(&mut *tx)
            .await?;
        if ids.is_empty() {
            return Ok(written);
        }
        write_grams(&mut tx, &ids).await?;
        let last = ids[ids.len() - 1];
        sqlx::query("DELETE FROM user_search_grams_pending WHERE user_id <= $1").bind(last).execute(&mut *tx).await?;
        tx.commit().await?;
        written += ids.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_document_holds_each_character_and_pair_as_a_trigram() {
        let spread: Vec<char> = spread("Aü-").chars().collect();
        let trigrams: Vec<String> = spread.windows(3).map(|w| w.iter().collect()).collect();
        for word in ["A", "ü", "-", "Aü", "ü-"] {
            let phrase = gram_phrase(word);
            let term = &phrase[1..phrase.len() - 1];
            assert!(trigrams.iter().any(|t| t == term), "{word} → {term:?} not in {trigrams:?}");
        }
        assert!(!trigrams.iter().any(|t| *t == gram_phrase("A-")[1..gram_phrase("A-").len() - 1]), "no pair that is not adjacent");
    }

    #[test]
    fn quotes_in_a_gram_are_escaped() {
        assert_eq!(gram_phrase("\""), format!("\"{MARK}\"\"{MARK}\""));
    }
}
