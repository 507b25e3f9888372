//! The statements that write a user's record, written once for both
//! engines and run inside a transaction someone else opened: New User and
//! Edit User use them one user at a time, an import a chunk at a time.

use crate::role_tokens::role_tokens;
use crate::search_grams::KeepGrams;
use crate::user_edit::UserUpdate;
use crate::users::{field_assignments, field_columns, NewUser};
use crate::search_document::{postgres_search_document, DocumentSource};
use crate::{Backend, StoreError};
use roster_domain::Timestamp;
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};
use std::collections::{BTreeSet, HashMap};

/// Rows of one multi-row INSERT: well under SQLite's bind limit.
pub(crate) const INSERT_CHUNK: usize = 500;

const USER_ROLES: &str = "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id";
const SECONDARY_ORGANIZATIONS: &str = "SELECT organization_id FROM user_secondary_organizations WHERE user_id = $1";
const USER_ROLES_INSERT: &str = "INSERT INTO user_roles (user_id, role_id) ";
const SECONDARY_ORGANIZATIONS_INSERT: &str = "INSERT INTO user_secondary_organizations (user_id, organization_id) ";
/// A change of a user's rights gives their open sessions new ids (on
/// their next request), as signing in does.
const ROTATE_USER_SESSIONS: &str = "UPDATE sessions SET rotate = TRUE WHERE user_id = $1";

/// How an engine adds the rows of new users (their roles come after).
pub(crate) trait InsertUserRows {
    /// Inserts the rows of `users` (at most `INSERT_CHUNK`), as created at
    /// `now`; their ids in input order, which is creation order.
    fn insert_user_rows(
        &mut self,
        users: &[NewUser],
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<Vec<i64>, StoreError>> + Send;
}

/// Writing users on a connection inside a transaction.
pub(crate) trait WriteUsers {
    /// Inserts users with their roles and secondary organizations, a chunk
    /// per statement; returns their ids in input order.
    fn insert_new_users(
        &mut self,
        users: &[NewUser],
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<Vec<i64>, StoreError>> + Send;

    /// Inserts `(user, role or organization)` pairs with `insert` (one of
    /// the two statements below), a chunk per statement.
    fn add_pairs(&mut self, insert: &str, pairs: &[(i64, i64)]) -> impl std::future::Future<Output = Result<(), StoreError>> + Send;

    /// Saves `update` over the user if they still have `version`, at `at`;
    /// their roles and secondary organizations are replaced, sessions get
    /// new ids if their roles changed, and end if the password did. The new
    /// version, or `None` if the user is gone or has another version. The
    /// caller then writes the user's short-word index (`write_grams`), once
    /// for all the users it saves.
    fn save_user_update(
        &mut self,
        backend: Backend,
        id: i64,
        version: i64,
        update: &UserUpdate,
        at: Timestamp,
    ) -> impl std::future::Future<Output = Result<Option<i64>, StoreError>> + Send;
}

/// A user's values before their plain fields, in the order both the
/// INSERT and the UPDATE name their columns (login to password hash), each
/// handed to `$bind`: a multi-row INSERT row's `push_bind`, or a
/// statement's `bind`.
macro_rules! bind_user_values {
    ($target:expr, $bind:ident, $login:expr, $profile:expr, $roles:expr, $password_hash:expr, $backend:expr) => {
        $target
            .$bind($login.as_str())
            .$bind($login.normalized())
            .$bind($profile.name_normalized())
            .$bind($profile.email.as_ref().map(|e| e.as_str()))
            .$bind($profile.email.as_ref().map(|e| e.normalized()))
            .$bind($profile.organization_id.map(|o| o.0))
            .$bind($profile.vip)
            .$bind($profile.active)
            .$bind(role_tokens($roles, $backend))
            .$bind($password_hash)
    };
}

/// The bodies are the same text for both engines; each is compiled for
/// its own connection type.
macro_rules! write_users_on {
    ($connection:ty) => {
        impl WriteUsers for $connection {
            async fn insert_new_users(
                &mut self,
                users: &[NewUser],
                now: Timestamp,
            ) -> Result<Vec<i64>, StoreError> {
                let mut ids = Vec::with_capacity(users.len());
                for chunk in users.chunks(INSERT_CHUNK) {
                    let chunk_ids = self.insert_user_rows(chunk, now).await?;
                    let roles: Vec<(i64, i64)> = chunk_ids
                        .iter()
                        .zip(chunk)
                        .flat_map(|(id, u)| u.roles.iter().map(move |r| (*id, r.0)))
                        .collect();
                    let secondary: Vec<(i64, i64)> = chunk_ids
                        .iter()
                        .zip(chunk)
                        .flat_map(|(id, u)| u.profile.secondary_organization_ids.iter().map(move |o| (*id, o.0)))
                        .collect();
                    self.add_pairs(USER_ROLES_INSERT, &roles).await?;
                    self.add_pairs(SECONDARY_ORGANIZATIONS_INSERT, &secondary).await?;
                    self.write_grams(&chunk_ids).await?;
                    ids.extend(chunk_ids);
                }
                Ok(ids)
            }

            async fn add_pairs(&mut self, insert: &str, pairs: &[(i64, i64)]) -> Result<(), StoreError> {
                for pairs in pairs.chunks(INSERT_CHUNK) {
                    let mut statement = QueryBuilder::new(insert);
                    statement.push_values(pairs, |mut row, (user, other)| {
                        row.push_bind(*user).push_bind(*other);
                    });
                    statement.build().execute(&mut *self).await?;
                }
                Ok(())
            }

            async fn save_user_update(
                &mut self,
                backend: Backend,
                id: i64,
                version: i64,
                update: &UserUpdate,
                at: Timestamp,
            ) -> Result<Option<i64>, StoreError> {
                let p = &update.profile;
                let sql = format!(
                    "UPDATE users SET login = $1, login_normalized = $2, name_normalized = $3, email = $4, \
                     email_normalized = $5, organization_id = $6, vip = $7, active = $8, role_tokens = $9, \
                     password_hash = COALESCE($10, password_hash), updated_at = $11, version = version + 1, \
                     must_change_password = COALESCE($14, must_change_password), \
                     activated_at = CASE WHEN $8 AND NOT active THEN $11 ELSE activated_at END, \
                     inactivity_deactivated_at = CASE WHEN $8 THEN NULL ELSE inactivity_deactivated_at END, {} \
                     WHERE id = $12 AND version = $13 RETURNING version",
                    field_assignments(15),
                );
                let query = sqlx::query_scalar(&sql);
                let mut save = bind_user_values!(query, bind, update.login, p, &update.roles, update.password_hash.as_deref(), backend)
                    .bind(at.0)
                    .bind(id)
                    .bind(version)
                    .bind(p.must_change_password);
                for value in p.fields.values() {
                    save = save.bind(value);
                }
                let saved: Option<i64> = save.fetch_optional(&mut *self).await.map_err(StoreError::from_write)?;
                let Some(new_version) = saved else { return Ok(None) };

                if update.roles.is_empty() {
                    return Err(StoreError::NoRoles);
                }
                // Roles and organizations are rewritten only when they change:
                // on SQLite each role row written re-indexes the user's search
                // document (a trigger keeps its role tokens), which an edit of
                // the city alone need not pay for.
                let old_roles: BTreeSet<i64> =
                    sqlx::query_scalar(USER_ROLES).bind(id).fetch_all(&mut *self).await?.into_iter().collect();
                if old_roles != update.roles.iter().map(|r| r.0).collect() {
                    sqlx::query(ROTATE_USER_SESSIONS).bind(id).execute(&mut *self).await?;
                    sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut *self).await?;
                    let roles: Vec<(i64, i64)> = update.roles.iter().map(|r| (id, r.0)).collect();
                    self.add_pairs(USER_ROLES_INSERT, &roles).await?;
                }
                let old_secondary: BTreeSet<i64> = sqlx::query_scalar(SECONDARY_ORGANIZATIONS)
                    .bind(id)
                    .fetch_all(&mut *self)
                    .await?
                    .into_iter()
                    .collect();
                if old_secondary != p.secondary_organization_ids.iter().map(|o| o.0).collect() {
                    sqlx::query("DELETE FROM user_secondary_organizations WHERE user_id = $1").bind(id).execute(&mut *self).await?;
                    let secondary: Vec<(i64, i64)> = p.secondary_organization_ids.iter().map(|o| (id, o.0)).collect();
                    self.add_pairs(SECONDARY_ORGANIZATIONS_INSERT, &secondary).await?;
                }
                if update.password_hash.is_some() {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *self).await?;
                }
                Ok(Some(new_version))
            }
        }
    };
}

write_users_on!(SqliteConnection);
write_users_on!(PgConnection);

/// The columns a new user's row is written with, before the plain fields.
const NEW_USER_COLUMNS: &str = "login, login_normalized, name_normalized, email, email_normalized, organization_id, \
     vip, active, role_tokens, password_hash, created_at, updated_at, must_change_password";

impl InsertUserRows for SqliteConnection {
    /// One multi-row INSERT; the search indexes follow by trigger.
    async fn insert_user_rows(&mut self, users: &[NewUser], now: Timestamp) -> Result<Vec<i64>, StoreError> {
        let mut insert = QueryBuilder::new(format!("INSERT INTO users ({NEW_USER_COLUMNS}, {}) ", field_columns("")));
        insert.push_values(users, |mut row, u| {
            let p = &u.profile;
            bind_user_values!(row, push_bind, u.login, p, &u.roles, u.password_hash.as_deref(), Backend::Sqlite)
                .push_bind(now.0)
                .push_bind(now.0)
                .push_bind(p.must_change_password.unwrap_or(false));
            for value in p.fields.values() {
                row.push_bind(value);
            }
        });
        insert.push(" RETURNING id, login_normalized");
        let returned: Vec<(i64, String)> = insert.build_query_as().fetch_all(&mut *self).await.map_err(StoreError::from_write)?;
        // RETURNING order is unspecified: match rows back by login.
        let by_login: HashMap<String, i64> = returned.into_iter().map(|(id, l)| (l, id)).collect();
        Ok(users.iter().map(|u| by_login[&u.login.normalized()]).collect())
    }
}

impl InsertUserRows for PgConnection {
    /// One COPY, with ids taken from the table's identity beforehand and
    /// each search document worked out here (`search_document.rs`), which
    /// costs the database nothing per row. Should the database lower-case
    /// text otherwise than Rust does (another locale), the documents go
    /// empty and the insert trigger works each out instead.
    async fn insert_user_rows(&mut self, users: &[NewUser], now: Timestamp) -> Result<Vec<i64>, StoreError> {
        let mut ids: Vec<i64> =
            sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1)")
                .bind(users.len() as i64)
                .fetch_all(&mut *self)
                .await?;
        ids.sort_unstable();
        let documents_here = search_documents_agree(self).await?;
        let organization_ids: Vec<i64> = users.iter().filter_map(|u| u.profile.organization_id.map(|o| o.0)).collect();
        let organizations: HashMap<i64, String> = if documents_here && !organization_ids.is_empty() {
            sqlx::query_as("SELECT id, name FROM organizations WHERE id = ANY($1)")
                .bind(&organization_ids)
                .fetch_all(&mut *self)
                .await?
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        let mut rows = CopyRows::default();
        for (id, u) in ids.iter().zip(users) {
            let p = &u.profile;
            let role_tokens = role_tokens(&u.roles, Backend::Postgres);
            let email = p.email.as_ref();
            rows.value(&id.to_string());
            rows.text(u.login.as_str());
            rows.text(&u.login.normalized());
            rows.text(&p.name_normalized());
            rows.optional(email.map(|e| e.as_str()));
            rows.optional(email.map(|e| e.normalized()).as_deref());
            rows.optional(p.organization_id.map(|o| o.0.to_string()).as_deref());
            rows.flag(p.vip);
            rows.flag(p.active);
            rows.text(&role_tokens);
            rows.optional(u.password_hash.as_deref());
            rows.value(&now.0.to_string());
            rows.value(&now.0.to_string());
            rows.flag(p.must_change_password.unwrap_or(false));
            for value in p.fields.values() {
                rows.text(value);
            }
            let document = if documents_here {
                postgres_search_document(&DocumentSource {
                    login: u.login.as_str(),
                    email: email.map(|e| e.as_str()),
                    organization: p.organization_id.and_then(|o| organizations.get(&o.0)).map(String::as_str),
                    fields: &p.fields,
                    role_tokens: &role_tokens,
                })
            } else {
                String::new()
            };
            rows.text(&document);
            rows.end_row();
        }
        let statement = format!("COPY users (id, {NEW_USER_COLUMNS}, {}, search_document) FROM STDIN", field_columns(""));
        let mut copy = self.copy_in_raw(&statement).await?;
        if let Err(e) = copy.send(rows.bytes).await {
            copy.abort("the rows could not be sent").await.ok();
            return Err(e.into());
        }
        copy.finish().await.map_err(StoreError::from_write)?;
        Ok(ids)
    }
}

/// Whether the database's `roster_search_document` writes what
/// `postgres_search_document` does, asked of letters whose lower case
/// depends on the locale.
async fn search_documents_agree(connection: &mut PgConnection) -> Result<bool, StoreError> {
    const PROBE: &str = "ÄÖÜ ẞ İ ΟΔΟΣ Ж Ø É-Ñ.Ç@X";
    let fields = roster_domain::UserFields { first_name: PROBE.to_owned(), ..Default::default() };
    let source = DocumentSource { login: PROBE, email: None, organization: None, fields: &fields, role_tokens: "" };
    let there: String = sqlx::query_scalar("SELECT roster_search_document($1, '', $1, NULL, '', '', NULL, '', '', '', '')")
        .bind(PROBE)
        .fetch_one(&mut *connection)
        .await?;
    Ok(postgres_search_document(&source) == there)
}

/// Rows in COPY's text format: tabs between values, a newline after each
/// row, `\N` for NULL, and backslash, tab, newline and carriage return
/// escaped within a value.
#[derive(Default)]
struct CopyRows {
    bytes: Vec<u8>,
    row_started: bool,
}

impl CopyRows {
    fn separate(&mut self) {
        if self.row_started {
            self.bytes.push(b'\t');
        }
        self.row_started = true;
    }

    /// A value that needs no escaping: a number, `t` or `f`, or `\N`.
    fn value(&mut self, value: &str) {
        self.separate();
        self.bytes.extend_from_slice(value.as_bytes());
    }

    fn text(&mut self, value: &str) {
        self.separate();
        for byte in value.bytes() {
            match byte {
                b'\\' => self.bytes.extend_from_slice(b"\\\\"),
                b'\t' => self.bytes.extend_from_slice(b"\\t"),
                b'\n' => self.bytes.extend_from_slice(b"\\n"),
                b'\r' => self.bytes.extend_from_slice(b"\\r"),
                other => self.bytes.push(other),
            }
        }
    }

    fn optional(&mut self, value: Option<&str>) {
        match value {
            Some(value) => self.text(value),
            None => self.value("\\N"),
        }
    }

    fn flag(&mut self, value: bool) {
        self.value(if value { "t" } else { "f" });
    }

    fn end_row(&mut self) {
        self.bytes.push(b'\n');
        self.row_started = false;
    }
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    #[test]
    fn copy_rows_escape_what_copy_reads_specially() {
        let mut rows = CopyRows::default();
        rows.value("7");
        rows.text("a\tb\nc\\d\re");
        rows.optional(None);
        rows.flag(true);
        rows.end_row();
        rows.text("");
        rows.end_row();
        assert_eq!(rows.bytes, b"7\ta\\tb\\nc\\\\d\\re\t\\N\tt\n\n");
    }
}
