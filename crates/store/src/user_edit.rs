//! Reading a user for the Edit User dialog and saving it back, with the
//! version check that keeps two admins from overwriting each other and the
//! rule that an active admin always remains.

use crate::search_grams::KeepGrams;
use crate::user_writes::WriteUsers;
use crate::users::{field_columns, Profile, StoredFields};
use crate::{escape_like, on_pool, AuditRecord, Db, StoreError};
use roster_domain::{EditableUser, Login, PasswordInput, RoleId, Timestamp, UserDetails, UserId};
use sqlx::FromRow;
use std::collections::HashMap;

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
    must_change_password: bool,
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

impl Db {
    /// A user as the Edit User dialog shows them, or `None`.
    pub async fn editable_user(&self, id: UserId) -> Result<Option<EditableUser>, StoreError> {
        Ok(self.editable_users(&[id]).await?.pop())
    }

    /// The users among `ids` who exist, as the Edit User dialog shows them,
    /// in id order (at most a few hundred ids: they are written into the SQL).
    pub async fn editable_users(&self, ids: &[UserId]) -> Result<Vec<EditableUser>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Integers only: nothing else can be written into the statements.
        let list = ids.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT u.id, u.version, u.login, u.email, o.name AS organization, u.vip, u.active, \
             u.password_hash IS NOT NULL AS has_password, u.must_change_password, u.created_at, u.updated_at, {} \
             FROM users u LEFT JOIN organizations o ON o.id = u.organization_id WHERE u.id IN ({list}) ORDER BY u.id",
            field_columns("u."),
        );
        let secondary = format!(
            "SELECT s.user_id, o.name FROM user_secondary_organizations s JOIN organizations o \
             ON o.id = s.organization_id WHERE s.user_id IN ({list}) ORDER BY s.user_id, o.name_normalized"
        );
        let roles = format!("SELECT user_id, role_id FROM user_roles WHERE user_id IN ({list}) ORDER BY user_id, role_id");
        let (records, secondary, roles): (Vec<EditableRecord>, Vec<(i64, String)>, Vec<(i64, i64)>) = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let records = sqlx::query_as(&sql).fetch_all(&mut *tx).await?;
            let secondary = sqlx::query_as(&secondary).fetch_all(&mut *tx).await?;
            let roles = sqlx::query_as(&roles).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            (records, secondary, roles)
        });
        let mut secondary_of: HashMap<i64, Vec<String>> = HashMap::new();
        for (user, name) in secondary {
            secondary_of.entry(user).or_default().push(name);
        }
        let mut roles_of: HashMap<i64, Vec<RoleId>> = HashMap::new();
        for (user, role) in roles {
            roles_of.entry(user).or_default().push(RoleId(role));
        }
        Ok(records
            .into_iter()
            .map(|r| EditableUser {
                id: UserId(r.id),
                version: r.version,
                has_password: r.has_password,
                created_at: Timestamp(r.created_at),
                updated_at: Timestamp(r.updated_at),
                details: UserDetails {
                    secondary_organizations: secondary_of.remove(&r.id).unwrap_or_default(),
                    roles: roles_of.remove(&r.id).unwrap_or_default(),
                    login: r.login,
                    email: r.email.unwrap_or_default(),
                    organization: r.organization.unwrap_or_default(),
                    vip: r.vip,
                    active: r.active,
                    password: PasswordInput::default(),
                    must_change_password: r.must_change_password,
                    fields: r.fields.0,
                },
            })
            .collect())
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
        let admin = RoleId::ADMIN.0;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            sqlx::query(SERIALIZE_ADMIN_CHANGES).bind(admin).execute(&mut *tx).await?;
            let was_active_admin: Option<bool> =
                sqlx::query_scalar(IS_ACTIVE_ADMIN).bind(id.0).bind(admin).bind(audit.at.0).fetch_optional(&mut *tx).await?;
            let Some(was_active_admin) = was_active_admin else { return Err(StoreError::NotFound) };
            let saved = tx.save_user_update(backend, id.0, version, update, audit.at).await?;
            let Some(new_version) = saved else { return Err(StoreError::Conflict) };
            tx.write_grams(&[id.0]).await?;
            if was_active_admin {
                let left: i64 =
                    sqlx::query_scalar(COUNT_ACTIVE_ADMINS).bind(audit.at.0).bind(admin).fetch_one(&mut *tx).await?;
                if left == 0 {
                    return Err(StoreError::LastAdmin);
                }
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
