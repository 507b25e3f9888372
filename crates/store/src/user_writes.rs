//! The statements that write a user's record, written once for both
//! engines and run inside a transaction someone else opened: New User and
//! Edit User use them one user at a time, an import a chunk at a time.

use crate::role_tokens::role_tokens;
use crate::search_grams::KeepGrams;
use crate::user_edit::UserUpdate;
use crate::users::{field_assignments, field_columns, NewUser};
use crate::{Backend, StoreError};
use roster_domain::Timestamp;
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};
use std::collections::{BTreeSet, HashMap};

/// Rows of one multi-row INSERT: well under SQLite's bind limit.
pub(crate) const INSERT_CHUNK: usize = 500;

/// PostgreSQL: a new user's search document, worked out by the INSERT that
/// adds them (`v` being the inserted row, `o` its organization), with the
/// function the trigger uses for later changes (migration 0017). Per row,
/// this costs a fraction of what the trigger does.
const POSTGRES_SEARCH_DOCUMENT: &str = "roster_search_document(v.first_name, v.last_name, v.login, v.email, \
     v.phone, v.mobile, o.name, v.department, v.city, v.note, v.role_tokens)";

const USER_ROLES: &str = "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id";
const SECONDARY_ORGANIZATIONS: &str = "SELECT organization_id FROM user_secondary_organizations WHERE user_id = $1";
const USER_ROLES_INSERT: &str = "INSERT INTO user_roles (user_id, role_id) ";
const SECONDARY_ORGANIZATIONS_INSERT: &str = "INSERT INTO user_secondary_organizations (user_id, organization_id) ";
/// A change of a user's rights gives their open sessions new ids (on
/// their next request), as signing in does.
const ROTATE_USER_SESSIONS: &str = "UPDATE sessions SET rotate = TRUE WHERE user_id = $1";

/// Writing users on a connection inside a transaction.
pub(crate) trait WriteUsers {
    /// Inserts users with their roles and secondary organizations, a chunk
    /// per statement; returns their ids in input order.
    fn insert_new_users(
        &mut self,
        backend: Backend,
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
                backend: Backend,
                users: &[NewUser],
                now: Timestamp,
            ) -> Result<Vec<i64>, StoreError> {
                let mut ids = Vec::with_capacity(users.len());
                let columns = format!(
                    "login, login_normalized, name_normalized, email, email_normalized, organization_id, vip, active, \
                     role_tokens, password_hash, created_at, updated_at, must_change_password, {}",
                    field_columns(""),
                );
                for chunk in users.chunks(INSERT_CHUNK) {
                    let mut insert = QueryBuilder::new(match backend {
                        Backend::Sqlite => format!("INSERT INTO users ({columns}) "),
                        Backend::Postgres => format!(
                            "INSERT INTO users ({columns}, search_document) SELECT {}, {POSTGRES_SEARCH_DOCUMENT} FROM (",
                            columns.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", "),
                        ),
                    });
                    insert.push_values(chunk.iter().enumerate(), |mut row, (i, u)| {
                        let p = &u.profile;
                        bind_user_values!(row, push_bind, u.login, p, &u.roles, u.password_hash.as_deref(), backend)
                            .push_bind(now.0)
                            .push_bind(now.0)
                            .push_bind(p.must_change_password.unwrap_or(false));
                        for value in p.fields.values() {
                            row.push_bind(value);
                        }
                        if backend == Backend::Postgres {
                            row.push_bind(i as i64);
                        }
                    });
                    if backend == Backend::Postgres {
                        // Ids are given in the order rows come: the input's, which
                        // the join with organizations would not keep by itself.
                        insert.push(format!(
                            ") AS v ({columns}, ordinal) LEFT JOIN organizations o ON o.id = v.organization_id \
                             ORDER BY v.ordinal"
                        ));
                    }
                    insert.push(" RETURNING id, login_normalized");
                    let returned: Vec<(i64, String)> =
                        insert.build_query_as().fetch_all(&mut *self).await.map_err(StoreError::from_write)?;
                    // RETURNING order is unspecified: match rows back by login.
                    let by_login: HashMap<String, i64> = returned.into_iter().map(|(id, l)| (l, id)).collect();
                    let chunk_ids: Vec<i64> = chunk.iter().map(|u| by_login[&u.login.normalized()]).collect();

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
