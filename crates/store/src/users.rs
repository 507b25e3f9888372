use crate::audit::insert_audit;
use crate::user_edit::ACTIVE_ADMINS;
use crate::user_writes::WriteUsers;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{
    CurrentUser, Email, Login, OrganizationId, Permission, RequiredAction, Role, RoleId, Timestamp, UserFields, UserId,
    UserRow,
};
use sqlx::{ColumnIndex, Decode, FromRow, QueryBuilder, Row, Type};
use std::collections::HashMap;

/// A user to insert. Parsed values only: the store trusts its types.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub login: Login,
    pub profile: Profile,
    /// An Argon2 PHC string; `None` means the user cannot sign in yet.
    pub password_hash: Option<String>,
    pub roles: Vec<RoleId>,
}

/// What an admin can read and edit about a user besides login and roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub email: Option<Email>,
    pub organization_id: Option<OrganizationId>,
    pub secondary_organization_ids: Vec<OrganizationId>,
    pub vip: bool,
    /// Inactive users cannot sign in; their data stays.
    pub active: bool,
    /// "Must change password at next sign-in"; `None` keeps what the user
    /// has (no for a new user).
    pub must_change_password: Option<bool>,
    /// Each in the column of the same name.
    pub fields: UserFields,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            email: None,
            organization_id: None,
            secondary_organization_ids: Vec::new(),
            vip: false,
            active: true,
            must_change_password: None,
            fields: UserFields::default(),
        }
    }
}

impl Profile {
    /// The name-order sort key: "last first", lower-cased.
    pub(crate) fn name_normalized(&self) -> String {
        roster_domain::full_name(&self.fields.last_name, &self.fields.first_name).to_lowercase()
    }
}

/// The plain fields, each read from the column of the same name (for
/// `#[sqlx(flatten)]`).
pub(crate) struct StoredFields(pub(crate) UserFields);

impl<'r, R: Row> FromRow<'r, R> for StoredFields
where
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let mut fields = UserFields::default();
        for (rule, value) in UserFields::RULES.iter().zip(fields.values_mut()) {
            *value = row.try_get(rule.name)?;
        }
        Ok(StoredFields(fields))
    }
}

/// The plain fields' columns, each with `prefix` (`"u."`), comma-separated,
/// in the order of `UserFields::values`.
pub(crate) fn field_columns(prefix: &str) -> String {
    UserFields::RULES.iter().map(|rule| format!("{prefix}{}", rule.name)).collect::<Vec<_>>().join(", ")
}

/// `first_name = $14, last_name = $15, …`: the plain fields set from
/// parameters numbered from `first`, in the order of `UserFields::values`.
pub(crate) fn field_assignments(first: usize) -> String {
    let assignments = UserFields::RULES.iter().enumerate().map(|(i, rule)| format!("{} = ${}", rule.name, first + i));
    assignments.collect::<Vec<_>>().join(", ")
}

/// What sign-in needs to decide. Never leaves the server.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub id: UserId,
    pub password_hash: Option<String>,
    pub active: bool,
    /// Until when failed sign-ins lock the account (it may be past).
    pub locked_until: Option<Timestamp>,
    /// Whether a code must follow the password.
    pub two_factor: bool,
}

/// The columns of a `UserRow`, selected from `users u LEFT JOIN organizations o`
/// with the time now bound to `$1` (a lock that has lifted is no lock).
pub(crate) const USER_ROW_COLUMNS: &str = "u.id, u.login, u.first_name, u.last_name, u.email, o.name AS organization, \
     u.active, CASE WHEN u.locked_until > $1 THEN u.locked_until END AS locked_until, u.last_failed_login_at, \
     u.two_factor_enabled, u.last_login_at, u.created_at, \
     u.inactivity_deactivated_at IS NOT NULL AND NOT u.active AS deactivated_for_inactivity";

#[derive(FromRow)]
pub(crate) struct UserRowRecord {
    pub(crate) id: i64,
    login: String,
    first_name: String,
    last_name: String,
    email: Option<String>,
    organization: Option<String>,
    active: bool,
    locked_until: Option<i64>,
    last_failed_login_at: Option<i64>,
    two_factor_enabled: bool,
    last_login_at: Option<i64>,
    created_at: i64,
    deactivated_for_inactivity: bool,
}

#[derive(FromRow)]
struct RoleOfUser {
    user_id: i64,
    role_id: i64,
    name: String,
    administers: bool,
}

impl Db {
    /// Inserts one user with their roles, in one transaction.
    pub async fn insert_user(&self, user: &NewUser, now: Timestamp) -> Result<UserId, StoreError> {
        let ids = self.insert_users(std::slice::from_ref(user), now).await?;
        Ok(ids[0])
    }

    /// Creates a user and writes `audit` (naming them) in the same
    /// transaction, at the audit's time.
    pub async fn create_user(&self, user: &NewUser, audit: &AuditRecord) -> Result<UserId, StoreError> {
        let ids = self.insert_users_audited(std::slice::from_ref(user), audit.at, Some(audit)).await?;
        Ok(ids[0])
    }

    /// Inserts users with their roles in one transaction, a chunk per
    /// statement; returns their ids in input order.
    pub async fn insert_users(&self, users: &[NewUser], now: Timestamp) -> Result<Vec<UserId>, StoreError> {
        self.insert_users_audited(users, now, None).await
    }

    async fn insert_users_audited(
        &self,
        users: &[NewUser],
        now: Timestamp,
        audit: Option<&AuditRecord>,
    ) -> Result<Vec<UserId>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let ids: Vec<UserId> = tx.insert_new_users(users, now).await?.into_iter().map(UserId).collect();
            if let Some(audit) = audit {
                let audit = AuditRecord { target_user_id: ids.first().copied(), ..audit.clone() };
                insert_audit!(&audit).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?);
        Ok(n)
    }

    /// Active admins (see `ACTIVE_ADMINS`) at `now`, counted no
    /// further than `up_to`: whether there is none, one or several takes two
    /// index lookups, where an exact count reads every admin's row.
    pub async fn count_active_admins(&self, up_to: i64, now: Timestamp) -> Result<i64, StoreError> {
        let sql = format!("SELECT COUNT(*) FROM ({ACTIVE_ADMINS} LIMIT $3) AS admins");
        let n = on_pool!(self, pool => sqlx::query_scalar(&sql)
            .bind(now.0)
            .bind(RoleId::ADMIN.0)
            .bind(up_to)
            .fetch_one(pool)
            .await?);
        Ok(n)
    }

    /// Looks a user up by login or email, case-insensitively.
    pub async fn credentials(&self, login_or_email: &str) -> Result<Option<Credentials>, StoreError> {
        let key = login_or_email.trim().to_lowercase();
        let columns = "id, password_hash, active, locked_until, two_factor_enabled";
        let sql = format!(
            "SELECT {columns} FROM users WHERE login_normalized = $1 \
             UNION ALL SELECT {columns} FROM users WHERE email_normalized = $1 LIMIT 1"
        );
        let row: Option<(i64, Option<String>, bool, Option<i64>, bool)> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(&key).fetch_optional(pool).await?);
        Ok(row.map(|(id, password_hash, active, locked_until, two_factor)| Credentials {
            id: UserId(id),
            password_hash,
            active,
            locked_until: locked_until.map(Timestamp),
            two_factor,
        }))
    }

    /// The ids of the organizations with these names, in input order,
    /// creating those that do not exist yet.
    pub async fn organizations_named(&self, names: &[&str], now: Timestamp) -> Result<Vec<OrganizationId>, StoreError> {
        let insert = "INSERT INTO organizations (name, name_normalized, created_at) VALUES ($1, $2, $3) \
                      ON CONFLICT (name_normalized) DO NOTHING";
        let select = "SELECT id FROM organizations WHERE name_normalized = $1";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let mut ids = Vec::with_capacity(names.len());
            for name in names {
                let normalized = name.trim().to_lowercase();
                sqlx::query(insert).bind(name.trim()).bind(&normalized).bind(now.0).execute(&mut *tx).await?;
                let id: i64 = sqlx::query_scalar(select).bind(&normalized).fetch_one(&mut *tx).await?;
                ids.push(OrganizationId(id));
            }
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// The user a session belongs to, if they exist and are active; with
    /// `unlocked_at`, only if failed sign-ins do not lock them then. (A lock
    /// keeps new sign-ins out; the sessions already open go on.)
    pub async fn current_user(&self, id: UserId, unlocked_at: Option<Timestamp>) -> Result<Option<CurrentUser>, StoreError> {
        // Every request runs this: only the columns the session needs, no joins.
        let sql = match unlocked_at {
            None => "SELECT login, first_name, last_name, must_change_password, two_factor_enabled FROM users \
                     WHERE id = $1 AND active",
            Some(_) => "SELECT login, first_name, last_name, must_change_password, two_factor_enabled FROM users \
                        WHERE id = $1 AND active AND (locked_until IS NULL OR locked_until <= $2)",
        };
        let row: Option<(String, String, String, bool, bool)> = on_pool!(self, pool => {
            let query = sqlx::query_as(sql).bind(id.0);
            let query = match unlocked_at {
                Some(now) => query.bind(now.0),
                None => query,
            };
            query.fetch_optional(pool).await?
        });
        let Some((login, first_name, last_name, must_change_password, has_two_factor)) = row else { return Ok(None) };
        let held = self.roles_and_permissions(id).await?;
        let display_name = roster_domain::full_name(&first_name, &last_name);
        let required_action = RequiredAction::first(must_change_password, held.two_factor_required, has_two_factor);
        Ok(Some(CurrentUser {
            id,
            login,
            display_name,
            roles: held.roles,
            permissions: held.permissions,
            impersonator: None,
            out_of_recovery_codes: false,
            required_action,
        }))
    }

    /// Attaches each row's roles with one query for the whole page.
    pub(crate) async fn with_roles(&self, rows: Vec<UserRowRecord>) -> Result<Vec<UserRow>, StoreError> {
        let mut held: HashMap<i64, HeldRoles> = HashMap::new();
        if !rows.is_empty() {
            let found: Vec<RoleOfUser> = on_pool!(self, pool => {
                let mut q = QueryBuilder::new(
                    "SELECT ur.user_id, ur.role_id, r.name, EXISTS (SELECT 1 FROM role_permissions p \
                     WHERE p.role_id = r.id AND p.permission = ",
                );
                q.push_bind(Permission::AdminUser.key());
                q.push(") AS administers FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id IN (");
                let mut ids = q.separated(", ");
                for row in &rows {
                    ids.push_bind(row.id);
                }
                q.push(") ORDER BY r.id");
                q.build_query_as().fetch_all(pool).await?
            });
            for r in found {
                let user = held.entry(r.user_id).or_default();
                user.administers |= r.administers;
                user.roles.push(Role { id: RoleId(r.role_id), name: r.name });
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let roles = held.remove(&r.id).unwrap_or_default();
                r.into_row(roles)
            })
            .collect())
    }
}

/// The roles a user holds, by id, and whether any of them administers users.
#[derive(Default, Debug, PartialEq)]
pub(crate) struct HeldRoles {
    roles: Vec<Role>,
    administers: bool,
}

/// The columns a PostgreSQL page reads its users' roles from: each user's
/// role tokens, kept in the row for the search, and the catalog of roles,
/// worked out once for the page (an InitPlan) however many rows repeat it.
/// Asking `user_roles` for each row took a quarter of a millisecond of a
/// deep page's 0.45. `permission` is the placeholder bound to
/// `Permission::AdminUser`'s key.
pub(crate) fn postgres_roles_columns(permission: &str) -> String {
    format!(
        "u.role_tokens, (SELECT COALESCE(json_agg(json_build_array(r.id, r.name, EXISTS (SELECT 1 FROM role_permissions p \
         WHERE p.role_id = r.id AND p.permission = {permission})) ORDER BY r.id), '[]')::TEXT FROM roles r) AS role_catalog"
    )
}

/// Every role by id: its name, and whether it administers users.
pub(crate) struct RoleCatalog(HashMap<i64, (String, bool)>);

impl RoleCatalog {
    /// Reads the `role_catalog` column: `[[id, name, administers], …]`.
    pub(crate) fn from_json(text: &str) -> Result<RoleCatalog, StoreError> {
        let roles: Vec<(i64, String, bool)> =
            serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("the roles: {e}")))?;
        Ok(RoleCatalog(roles.into_iter().map(|(id, name, administers)| (id, (name, administers))).collect()))
    }

    /// The roles a PostgreSQL `users.role_tokens` names, by id.
    pub(crate) fn held(&self, tokens: &str) -> HeldRoles {
        let mut held = HeldRoles::default();
        for id in crate::role_tokens::postgres_roles_of_tokens(tokens) {
            // A role missing from the catalog is not shown (none is deleted while held).
            if let Some((name, administers)) = self.0.get(&id.0) {
                held.administers |= administers;
                held.roles.push(Role { id, name: name.clone() });
            }
        }
        held
    }
}

impl UserRowRecord {
    pub(crate) fn into_row(self, held: HeldRoles) -> UserRow {
        let r = self;
        UserRow {
            id: UserId(r.id),
            roles: held.roles,
            administers: held.administers,
            login: r.login,
            first_name: r.first_name,
            last_name: r.last_name,
            email: r.email,
            organization: r.organization,
            active: r.active,
            deactivated_for_inactivity: r.deactivated_for_inactivity,
            locked_until: r.locked_until.map(Timestamp),
            last_failed_sign_in_at: r.last_failed_login_at.map(Timestamp),
            two_factor: r.two_factor_enabled,
            last_login_at: r.last_login_at.map(Timestamp),
            created_at: Timestamp(r.created_at),
            sole_active_admin: false,
        }
    }
}

impl Db {
    /// The user's password hash (`None`: no password, or no such user).
    pub async fn password_hash(&self, id: UserId) -> Result<Option<String>, StoreError> {
        let sql = "SELECT password_hash FROM users WHERE id = $1";
        let hash: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id.0).fetch_optional(pool).await?);
        Ok(hash.flatten())
    }

    /// Swaps a hash for a stronger one of the same password, unless the
    /// password changed meanwhile.
    pub async fn replace_password_hash(&self, id: UserId, old: &str, new: &str) -> Result<(), StoreError> {
        let sql = "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(id.0).bind(old).bind(new).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Sets a new password and ends every session of the user but the one
    /// whose token hash is `old_session`, which goes on as `new_session`,
    /// with its `audit` row, in one transaction.
    pub async fn change_password(
        &self,
        id: UserId,
        hash: &str,
        old_session: &str,
        new_session: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Their own new password is the one asked for: the flag goes, and
            // the version moves on so an Edit User dialog opened before cannot tick it back.
            sqlx::query(
                "UPDATE users SET password_hash = $2, updated_at = $3, must_change_password = FALSE, \
                 version = version + CASE WHEN must_change_password THEN 1 ELSE 0 END WHERE id = $1",
            )
                .bind(id.0).bind(hash).bind(audit.at.0).execute(&mut *tx).await?;
            sqlx::query("UPDATE sessions SET token_hash = $2 WHERE token_hash = $1")
                .bind(old_session).bind(new_session).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(id.0).bind(new_session).execute(&mut *tx).await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_with_a_page_keep_their_order_names_and_whether_one_administers() {
        let catalog = RoleCatalog::from_json(r#"[[1, "Admin", true], [3, "Customer", false], [7, "Tier \"2\" – Ümlaut\\", false]]"#).unwrap();
        let tokens = crate::role_tokens::role_tokens(&[RoleId(7), RoleId(1)], crate::Backend::Postgres);
        let held = catalog.held(&tokens);
        let names: Vec<&str> = held.roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(held.roles.iter().map(|r| r.id).collect::<Vec<_>>(), [RoleId(1), RoleId(7)]);
        assert_eq!(names, ["Admin", "Tier \"2\" – Ümlaut\\"]);
        assert!(held.administers);
        let customer = catalog.held(&crate::role_tokens::role_tokens(&[RoleId(3)], crate::Backend::Postgres));
        assert_eq!(customer.roles.len(), 1);
        assert!(!customer.administers);
        assert_eq!(catalog.held(""), HeldRoles::default());
        assert!(matches!(RoleCatalog::from_json("not json"), Err(StoreError::Corrupt(_))));
    }
}
