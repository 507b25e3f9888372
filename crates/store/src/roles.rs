//! Roles and the permissions they grant. The built-in roles (ids 1–3) are
//! fixed; the rest are the admins' own.

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{Permission, Role, RoleDefinition, RoleId, ValidRoleDraft};
use sqlx::{FromRow, QueryBuilder};
use std::collections::{BTreeSet, HashMap};

/// Fails with `Duplicate { field: "name" }` when another role has this
/// name in any case. A macro, as its body must compile for each engine.
macro_rules! refuse_taken_name {
    ($tx:expr, $name:expr, $except:expr) => {{
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM roles WHERE LOWER(name) = LOWER($1) AND id <> $2")
            .bind($name)
            .bind($except.map_or(0, |r: RoleId| r.0))
            .fetch_optional(&mut *$tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate { field: "name" });
        }
    }};
}

/// Makes role saves wait for each other (on PostgreSQL through the row lock
/// this write takes; SQLite's writers take turns anyway): two saves can then
/// not both find a name free.
macro_rules! serialize_role_saves {
    ($tx:expr) => {{
        sqlx::query(crate::user_edit::SERIALIZE_ADMIN_CHANGES).bind(RoleId::ADMIN.0).execute(&mut *$tx).await?;
    }};
}

/// Grants `permissions` to the role `role`.
macro_rules! grant {
    ($tx:expr, $role:expr, $permissions:expr) => {{
        let mut insert = QueryBuilder::new("INSERT INTO role_permissions (role_id, permission) ");
        insert.push_values($permissions, |mut row, p: &Permission| {
            row.push_bind($role).push_bind(p.key());
        });
        insert.build().execute(&mut *$tx).await?;
    }};
}

const GRANTED: &str = "SELECT permission FROM role_permissions WHERE role_id = $1";
const ROTATE_HOLDERS_SESSIONS: &str =
    "UPDATE sessions SET rotate = TRUE WHERE user_id IN (SELECT user_id FROM user_roles WHERE role_id = $1)";

/// Roles, their grants (role, permission) and holder counts (role, count).
type RoleTables = (Vec<RoleRecord>, Vec<(i64, String)>, Vec<(i64, i64)>);

#[derive(FromRow)]
struct RoleRecord {
    id: i64,
    name: String,
    builtin: bool,
    require_two_factor: bool,
    version: i64,
}

/// A user's roles in id order, what they grant (sorted) and whether any of
/// them requires two-factor.
#[derive(Default)]
pub(crate) struct HeldRoles {
    pub(crate) roles: Vec<Role>,
    pub(crate) permissions: Vec<Permission>,
    pub(crate) two_factor_required: bool,
}

impl Db {
    /// Every role, built-in first, then in creation order.
    pub async fn roles(&self) -> Result<Vec<Role>, StoreError> {
        let rows: Vec<(i64, String)> =
            on_pool!(self, pool => sqlx::query_as("SELECT id, name FROM roles ORDER BY id").fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(id, name)| Role { id: RoleId(id), name }).collect())
    }

    /// Every role with its permissions and how many users hold it.
    pub async fn role_definitions(&self) -> Result<Vec<RoleDefinition>, StoreError> {
        let (records, grants, holders): RoleTables = on_pool!(self, pool => {
            let records = sqlx::query_as("SELECT id, name, builtin, require_two_factor, version FROM roles ORDER BY id").fetch_all(pool).await?;
            let grants = sqlx::query_as("SELECT role_id, permission FROM role_permissions").fetch_all(pool).await?;
            let holders = sqlx::query_as("SELECT role_id, COUNT(*) FROM user_roles GROUP BY role_id").fetch_all(pool).await?;
            (records, grants, holders)
        });
        let mut permissions: HashMap<i64, Vec<Permission>> = HashMap::new();
        for (role, key) in grants {
            // Keys come only from `Permission::key`; an unknown one grants nothing.
            if let Some(p) = Permission::from_key(&key) {
                permissions.entry(role).or_default().push(p);
            }
        }
        let holders: HashMap<i64, i64> = holders.into_iter().collect();
        Ok(records
            .into_iter()
            .map(|r| {
                let mut granted = permissions.remove(&r.id).unwrap_or_default();
                granted.sort();
                RoleDefinition {
                    role: Role { id: RoleId(r.id), name: r.name },
                    built_in: r.builtin,
                    permissions: granted,
                    require_two_factor: r.require_two_factor,
                    holders: holders.get(&r.id).copied().unwrap_or(0),
                    version: r.version,
                }
            })
            .collect())
    }

    /// The roles that grant `permission`.
    pub async fn roles_granting(&self, permission: Permission) -> Result<Vec<RoleId>, StoreError> {
        let sql = "SELECT role_id FROM role_permissions WHERE permission = $1 ORDER BY role_id";
        let ids: Vec<i64> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(permission.key()).fetch_all(pool).await?);
        Ok(ids.into_iter().map(RoleId).collect())
    }

    /// What a user's roles grant, sorted.
    pub async fn permissions_of(&self, user: roster_domain::UserId) -> Result<Vec<Permission>, StoreError> {
        Ok(self.roles_and_permissions(user).await?.permissions)
    }

    /// A user's roles in id order and what they grant, sorted, in one query:
    /// every signed-in request asks.
    pub(crate) async fn roles_and_permissions(
        &self,
        user: roster_domain::UserId,
    ) -> Result<HeldRoles, StoreError> {
        let sql = "SELECT r.id, r.name, r.require_two_factor, rp.permission FROM user_roles ur \
                   JOIN roles r ON r.id = ur.role_id LEFT JOIN role_permissions rp ON rp.role_id = r.id \
                   WHERE ur.user_id = $1 ORDER BY r.id";
        let rows: Vec<(i64, String, bool, Option<String>)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(user.0).fetch_all(pool).await?);
        let mut held = HeldRoles::default();
        for (id, name, requires_two_factor, permission) in rows {
            if held.roles.last().is_none_or(|r| r.id.0 != id) {
                held.roles.push(Role { id: RoleId(id), name });
            }
            held.two_factor_required |= requires_two_factor;
            held.permissions.extend(permission.as_deref().and_then(Permission::from_key));
        }
        held.permissions.sort();
        held.permissions.dedup();
        Ok(held)
    }

    /// Creates a role, with its `audit` row; `Duplicate { field: "name" }`
    /// if the name (in any case) is taken.
    pub async fn create_role(&self, draft: &ValidRoleDraft, audit: &AuditRecord) -> Result<RoleId, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            serialize_role_saves!(tx);
            refuse_taken_name!(tx, &draft.name, None::<RoleId>);
            let id: i64 = sqlx::query_scalar("INSERT INTO roles (name, builtin) VALUES ($1, FALSE) RETURNING id")
                .bind(&draft.name)
                .fetch_one(&mut *tx)
                .await
                .map_err(name_taken)?;
            grant!(tx, id, &draft.permissions);
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(RoleId(id))
        })
    }

    /// Saves a role edited from `version`, with its `audit` row; returns the
    /// new version. `Conflict` if it changed since, `BuiltInRole` for the
    /// built-in ones.
    pub async fn update_role(
        &self,
        id: RoleId,
        version: i64,
        draft: &ValidRoleDraft,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            serialize_role_saves!(tx);
            let builtin: Option<bool> =
                sqlx::query_scalar("SELECT builtin FROM roles WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
            match builtin {
                None => return Err(StoreError::NotFound),
                Some(true) => return Err(StoreError::BuiltInRole),
                Some(false) => {}
            }
            refuse_taken_name!(tx, &draft.name, Some(id));
            let saved: Option<i64> = sqlx::query_scalar(
                "UPDATE roles SET name = $1, version = version + 1 WHERE id = $2 AND version = $3 RETURNING version",
            )
            .bind(&draft.name)
            .bind(id.0)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(name_taken)?;
            let Some(new_version) = saved else { return Err(StoreError::Conflict) };
            let granted: BTreeSet<String> =
                sqlx::query_scalar(GRANTED).bind(id.0).fetch_all(&mut *tx).await?.into_iter().collect();
            // New rights for its holders: their sessions get new ids, as at sign-in.
            if granted != draft.permissions.iter().map(|p| p.key().to_owned()).collect() {
                sqlx::query(ROTATE_HOLDERS_SESSIONS).bind(id.0).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(id.0).execute(&mut *tx).await?;
            grant!(tx, id.0, &draft.permissions);
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(new_version)
        })
    }

    /// Sets whether the role requires two-factor of its holders, if it still
    /// has `version` (built-in roles too: this is no change of their rights),
    /// with its `audit` row (the role's name put before its detail).
    /// Returns the new version; `Conflict` if the role changed since.
    pub async fn set_role_two_factor(
        &self,
        id: RoleId,
        version: i64,
        required: bool,
        audit: &AuditRecord,
    ) -> Result<i64, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let saved: Option<(i64, String)> = sqlx::query_as(
                "UPDATE roles SET require_two_factor = $1, version = version + 1 WHERE id = $2 AND version = $3 \
                 RETURNING version, name",
            )
            .bind(required)
            .bind(id.0)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((new_version, name)) = saved else {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM roles WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
                return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound });
            };
            // The audit row names the role, as the others of roles do.
            let audit = AuditRecord { detail: format!("role={name} {}", audit.detail), ..audit.clone() };
            insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(new_version)
        })
    }

    /// Whether a role the user holds requires two-factor.
    pub async fn two_factor_required(&self, user: roster_domain::UserId) -> Result<bool, StoreError> {
        Ok(self.roles_and_permissions(user).await?.two_factor_required)
    }

    /// How many holders of the role have no second factor: who it sends to
    /// set one up.
    pub async fn holders_without_two_factor(&self, id: RoleId) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id \
                   WHERE ur.role_id = $1 AND u.active AND NOT u.two_factor_enabled";
        Ok(on_pool!(self, pool => sqlx::query_scalar(sql).bind(id.0).fetch_one(pool).await?))
    }

    /// Deletes a role nobody holds, with its `audit` row (naming the role);
    /// returns its name. `RoleInUse(n)` while `n` users hold it.
    pub async fn delete_role(&self, id: RoleId, audit: &AuditRecord) -> Result<String, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // A write first: on PostgreSQL it locks the role until the delete.
            let role: Option<(String, bool)> =
                sqlx::query_as("UPDATE roles SET version = version + 1 WHERE id = $1 RETURNING name, builtin")
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((name, builtin)) = role else { return Err(StoreError::NotFound) };
            if builtin {
                return Err(StoreError::BuiltInRole);
            }
            let holders: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role_id = $1").bind(id.0).fetch_one(&mut *tx).await?;
            if holders > 0 {
                return Err(StoreError::RoleInUse(holders));
            }
            // A user given the role meanwhile makes the delete fail on its foreign key.
            sqlx::query("DELETE FROM roles WHERE id = $1").bind(id.0).execute(&mut *tx).await.map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::RoleInUse(1),
                _ => StoreError::Database(e),
            })?;
            let audit = AuditRecord { detail: format!("role={name}"), ..audit.clone() };
            insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(name)
        })
    }
}

/// The unique index on `roles.name` caught a race the check above missed.
fn name_taken(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate { field: "name" },
        _ => StoreError::Database(e),
    }
}
