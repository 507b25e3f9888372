//! Reading a user for the Edit User dialog and saving it back, with the
//! version check that keeps two admins from overwriting each other and the
//! rule that an active admin always remains.

use crate::role_tokens::role_tokens;
use crate::users::{field_assignments, field_columns, Profile, StoredFields};
use crate::{escape_like, on_pool, AuditRecord, Db, StoreError};
use roster_domain::{EditableUser, Login, OrganizationId, PasswordInput, RoleId, Timestamp, UserDetails, UserId};
use sqlx::{FromRow, QueryBuilder};
use std::collections::BTreeSet;

/// A saved edit: everything the dialog edits. Parsed values only.
#[derive(Clone, Debug)]
pub struct UserUpdate {
    pub login: Login,
    pub profile: Profile,
    pub roles: Vec<RoleId>,
    /// A new Argon2 PHC string, or `None` to keep the current password.
    pub password_hash: Option<String>,
}

#[derive(FromRow)]
struct EditableRecord {
    id: i64,
    version: i64,
    login: String,
    email: Option<String>,
    organization: Option<String>,
    vip: bool,
    active: bool,
    has_password: bool,
    created_at: i64,
    updated_at: i64,
    #[sqlx(flatten)]
    fields: StoredFields,
}

/// Makes concurrent changes that could remove an admin wait for each other:
/// each touches the Admin role's row first, then checks what remains.
pub(crate) const SERIALIZE_ADMIN_CHANGES: &str = "UPDATE roles SET builtin = builtin WHERE id = $1";
/// Whether a user is an active admin at `$3`, as `ACTIVE_ADMINS` counts them
/// (a locked one is not, so editing them cannot be refused as removing the
/// last admin).
pub(crate) const IS_ACTIVE_ADMIN: &str = "SELECT u.active AND (u.locked_until IS NULL OR u.locked_until <= $3) \
     AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role_id = $2) FROM users u WHERE u.id = $1";
/// The active admins at `$1` (`$2`: the Admin role): active holders of the
/// role whom failed sign-ins do not lock out, so who can sign in as one.
macro_rules! active_admins {
    () => {
        "SELECT 1 FROM users u JOIN user_roles ur ON ur.user_id = u.id \
         WHERE ur.role_id = $2 AND u.active AND (u.locked_until IS NULL OR u.locked_until <= $1)"
    };
}
pub(crate) const ACTIVE_ADMINS: &str = active_admins!();
/// How many there are, with the same parameters.
pub(crate) const COUNT_ACTIVE_ADMINS: &str = concat!("SELECT COUNT(*) FROM (", active_admins!(), ") AS admins");
const USER_ROLES: &str = "SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id";
/// A change of a user's rights gives their open sessions new ids (on
/// their next request), as signing in does.
const ROTATE_USER_SESSIONS: &str = "UPDATE sessions SET rotate = TRUE WHERE user_id = $1";

impl Db {
    /// A user as the Edit User dialog shows them, or `None`.
    pub async fn editable_user(&self, id: UserId) -> Result<Option<EditableUser>, StoreError> {
        let sql = format!(
            "SELECT u.id, u.version, u.login, u.email, o.name AS organization, u.vip, u.active, \
             u.password_hash IS NOT NULL AS has_password, u.created_at, u.updated_at, {} \
             FROM users u LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id = $1",
            field_columns("u."),
        );
        let secondary = "SELECT o.name FROM user_secondary_organizations s JOIN organizations o \
                         ON o.id = s.organization_id WHERE s.user_id = $1 ORDER BY o.name_normalized";
        let (record, secondary, roles): (Option<EditableRecord>, Vec<String>, Vec<i64>) = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let record = sqlx::query_as(&sql).bind(id.0).fetch_optional(&mut *tx).await?;
            let secondary = sqlx::query_scalar(secondary).bind(id.0).fetch_all(&mut *tx).await?;
            let roles = sqlx::query_scalar(USER_ROLES).bind(id.0).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            (record, secondary, roles)
        });
        Ok(record.map(|r| EditableUser {
            id: UserId(r.id),
            version: r.version,
            has_password: r.has_password,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            details: UserDetails {
                login: r.login,
                email: r.email.unwrap_or_default(),
                organization: r.organization.unwrap_or_default(),
                secondary_organizations: secondary,
                vip: r.vip,
                active: r.active,
                roles: roles.into_iter().map(RoleId).collect(),
                password: PasswordInput::default(),
                fields: r.fields.0,
            },
        }))
    }

    /// Saves an edit made from `version`, with its audit row, at the row's
    /// time; a new password ends the user's sessions. Returns the new version.
    /// `Conflict` if the user changed since, `NotFound` if they are gone,
    /// `LastAdmin` if no active admin would remain; nothing changes then.
    pub async fn update_user(
        &self,
        id: UserId,
        version: i64,
        update: &UserUpdate,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        let backend = self.backend();
        let p = &update.profile;
        let sql = format!(
            "UPDATE users SET login = $1, login_normalized = $2, name_normalized = $3, email = $4, \
             email_normalized = $5, organization_id = $6, vip = $7, active = $8, role_tokens = $9, \
             password_hash = COALESCE($10, password_hash), updated_at = $11, version = version + 1, {} \
             WHERE id = $12 AND version = $13 RETURNING version",
            field_assignments(14),
        );
        let admin = RoleId::ADMIN.0;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query(SERIALIZE_ADMIN_CHANGES).bind(admin).execute(&mut *tx).await?;
            let was_active_admin: Option<bool> =
                sqlx::query_scalar(IS_ACTIVE_ADMIN).bind(id.0).bind(admin).bind(audit.at.0).fetch_optional(&mut *tx).await?;
            let Some(was_active_admin) = was_active_admin else { return Err(StoreError::NotFound) };
            let mut save = sqlx::query_scalar(&sql)
                .bind(update.login.as_str())
                .bind(update.login.normalized())
                .bind(p.name_normalized())
                .bind(p.email.as_ref().map(|e| e.as_str()))
                .bind(p.email.as_ref().map(|e| e.normalized()))
                .bind(p.organization_id.map(|o| o.0))
                .bind(p.vip)
                .bind(p.active)
                .bind(role_tokens(&update.roles, backend))
                .bind(update.password_hash.as_deref())
                .bind(audit.at.0)
                .bind(id.0)
                .bind(version);
            for value in p.fields.values() {
                save = save.bind(value);
            }
            let saved: Option<i64> = save.fetch_optional(&mut *tx).await.map_err(StoreError::from_write)?;
            let Some(new_version) = saved else { return Err(StoreError::Conflict) };

            let old_roles: BTreeSet<i64> =
                sqlx::query_scalar(USER_ROLES).bind(id.0).fetch_all(&mut *tx).await?.into_iter().collect();
            if old_roles != update.roles.iter().map(|r| r.0).collect() {
                sqlx::query(ROTATE_USER_SESSIONS).bind(id.0).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            if update.roles.is_empty() {
                return Err(StoreError::NoRoles);
            }
            let mut roles = QueryBuilder::new("INSERT INTO user_roles (user_id, role_id) ");
            roles.push_values(&update.roles, |mut row, role| {
                row.push_bind(id.0).push_bind(role.0);
            });
            roles.build().execute(&mut *tx).await?;

            sqlx::query("DELETE FROM user_secondary_organizations WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            if !p.secondary_organization_ids.is_empty() {
                let mut secondary = QueryBuilder::new("INSERT INTO user_secondary_organizations (user_id, organization_id) ");
                secondary.push_values(&p.secondary_organization_ids, |mut row, organization: &OrganizationId| {
                    row.push_bind(id.0).push_bind(organization.0);
                });
                secondary.build().execute(&mut *tx).await?;
            }

            crate::search_grams::KeepGrams::write_grams(&mut *tx, &[id.0]).await?;
            if was_active_admin {
                let left: i64 =
                    sqlx::query_scalar(COUNT_ACTIVE_ADMINS).bind(audit.at.0).bind(admin).fetch_one(&mut *tx).await?;
                if left == 0 {
                    return Err(StoreError::LastAdmin);
                }
            }
            if update.password_hash.is_some() {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
            }
            crate::audit::insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(new_version)
        })
    }

    /// Up to `limit` organization names containing `text` (any case), for
    /// the dialog's autocomplete; those starting with it come first.
    pub async fn organizations_matching(&self, text: &str, limit: i64) -> Result<Vec<String>, StoreError> {
        let escaped = escape_like(&text.trim().to_lowercase());
        let (pattern, prefix) = (format!("%{escaped}%"), format!("{escaped}%"));
        let sql = "SELECT name FROM organizations WHERE name_normalized LIKE $1 ESCAPE '\\' \
                   ORDER BY CASE WHEN name_normalized LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, name_normalized LIMIT $3";
        let names = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(&pattern)
            .bind(&prefix)
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(names)
    }
}
