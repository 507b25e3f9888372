//! Merging a duplicate user into the user kept: what would move, and
//! moving it and deleting the duplicate in one transaction.

use crate::search_grams::KeepGrams;
use crate::user_edit::SERIALIZE_ADMIN_CHANGES;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{merge_refusal, Hours, MergeMoves, MergeParty, Permission, RoleId, UserId};

/// What a merge moves, and what goes with the duplicate, counted before it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeCounts {
    pub moves: MergeMoves,
    /// The duplicate's open sessions, which end.
    pub sessions: i64,
    /// Whether the duplicate has two-factor on; their methods are deleted.
    pub two_factor: bool,
}

// In every statement `$1` is the duplicate and `$2` the user kept.
const COUNT_TICKETS: &str = "SELECT COUNT(*) FROM tickets WHERE customer_id = $1";
const COUNT_ARTICLES: &str = "SELECT COUNT(*) FROM articles WHERE author_id = $1";
const COUNT_TIME_ENTRIES: &str =
    "SELECT COUNT(*), CAST(COALESCE(SUM(centihours), 0) AS BIGINT) FROM time_entries WHERE user_id = $1";
/// The duplicate's organization, when the user kept has none.
const ORGANIZATION: &str = "SELECT o.name FROM users d JOIN organizations o ON o.id = d.organization_id \
     WHERE d.id = $1 AND (SELECT k.organization_id FROM users k WHERE k.id = $2) IS NULL";
/// The ids of the duplicate's organizations (their own and their secondary
/// ones) that the user kept has no tie to, with the duplicate's own counted
/// as the kept user's when they have none (as the merge makes it).
macro_rules! joining_organizations {
    () => {
        "SELECT organization_id FROM user_secondary_organizations WHERE user_id = $1 \
         UNION SELECT organization_id FROM users WHERE id = $1 AND organization_id IS NOT NULL \
         EXCEPT SELECT organization_id FROM user_secondary_organizations WHERE user_id = $2 \
         EXCEPT SELECT COALESCE(k.organization_id, d.organization_id) FROM users k, users d WHERE k.id = $2 AND d.id = $1"
    };
}
const SECONDARY_ORGANIZATIONS: &str =
    concat!("SELECT name FROM organizations WHERE id IN (", joining_organizations!(), ") ORDER BY name");
/// The duplicate's roles that the user kept lacks.
const NEW_ROLES: &str = "SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
     WHERE ur.user_id = $1 AND ur.role_id NOT IN (SELECT role_id FROM user_roles WHERE user_id = $2) ORDER BY r.id";
const COUNT_SESSIONS: &str = "SELECT COUNT(*) FROM sessions WHERE user_id = $1";
const TWO_FACTOR: &str = "SELECT two_factor_enabled FROM users WHERE id = $1";
/// Both users as the rules see them (`$3`: the permission of admins).
const PARTIES: &str = "SELECT u.id, \
     EXISTS (SELECT 1 FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id \
             WHERE ur.user_id = u.id AND rp.permission = $3) AS administers, \
     EXISTS (SELECT 1 FROM impersonations i WHERE i.user_id = u.id) AS viewed \
     FROM users u WHERE u.id IN ($1, $2)";

/// The statements that move the duplicate's rows to the user kept, in
/// order. Rows move by their user columns, so tickets keep their ids and
/// numbers; the user kept takes the duplicate's organization if they have
/// none, and gains the duplicate's other organizations and roles.
const MOVE_STEPS: [&str; 6] = [
    "UPDATE tickets SET customer_id = $2 WHERE customer_id = $1",
    "UPDATE articles SET author_id = $2 WHERE author_id = $1",
    "UPDATE time_entries SET user_id = $2 WHERE user_id = $1",
    "UPDATE users SET organization_id = (SELECT d.organization_id FROM users d WHERE d.id = $1) \
     WHERE id = $2 AND organization_id IS NULL",
    concat!(
        "INSERT INTO user_secondary_organizations (user_id, organization_id) SELECT $2, organization_id FROM (",
        joining_organizations!(),
        ") AS joining"
    ),
    "INSERT INTO user_roles (user_id, role_id) SELECT $2, role_id FROM user_roles \
     WHERE user_id = $1 AND role_id NOT IN (SELECT role_id FROM user_roles WHERE user_id = $2)",
];

/// Then the duplicate's sessions end, and their row goes last, taking their
/// roles, organizations and second factors with it (`$1`: the duplicate).
const DELETE_DUPLICATE: [&str; 2] =
    ["DELETE FROM sessions WHERE user_id = $1 OR impersonator_id = $1", "DELETE FROM users WHERE id = $1"];

/// Counts what merging `$dup` into `$keep` moves and loses, in the
/// transaction `$tx`.
macro_rules! count_merge {
    ($tx:expr, $dup:expr, $keep:expr) => {{
        let (dup, keep) = ($dup.0, $keep.0);
        let tickets = sqlx::query_scalar(COUNT_TICKETS).bind(dup).fetch_one(&mut *$tx).await?;
        let articles = sqlx::query_scalar(COUNT_ARTICLES).bind(dup).fetch_one(&mut *$tx).await?;
        let (time_entries, centihours): (i64, i64) =
            sqlx::query_as(COUNT_TIME_ENTRIES).bind(dup).fetch_one(&mut *$tx).await?;
        let organization = sqlx::query_scalar(ORGANIZATION).bind(dup).bind(keep).fetch_optional(&mut *$tx).await?;
        let secondary_organizations =
            sqlx::query_scalar(SECONDARY_ORGANIZATIONS).bind(dup).bind(keep).fetch_all(&mut *$tx).await?;
        let roles = sqlx::query_scalar(NEW_ROLES).bind(dup).bind(keep).fetch_all(&mut *$tx).await?;
        let sessions = sqlx::query_scalar(COUNT_SESSIONS).bind(dup).fetch_one(&mut *$tx).await?;
        let two_factor = sqlx::query_scalar(TWO_FACTOR).bind(dup).fetch_one(&mut *$tx).await?;
        let moves = MergeMoves {
            tickets,
            articles,
            time_entries,
            hours: Hours(centihours),
            organization,
            secondary_organizations,
            roles,
        };
        MergeCounts { moves, sessions, two_factor }
    }};
}

impl Db {
    /// What merging `duplicate` into `keep` would move and lose, or
    /// `NotFound` if either is gone.
    pub async fn merge_counts(&self, duplicate: UserId, keep: UserId) -> Result<MergeCounts, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id IN ($1, $2)")
                .bind(duplicate.0)
                .bind(keep.0)
                .fetch_one(&mut *tx)
                .await?;
            if found < if duplicate == keep { 1 } else { 2 } {
                return Err(StoreError::NotFound);
            }
            let counts = count_merge!(tx, duplicate, keep);
            tx.commit().await?;
            Ok(counts)
        })
    }

    /// Merges `duplicate` into `keep`: the duplicate's tickets, replies,
    /// time entries, organizations and roles move to `keep`, the duplicate
    /// is deleted, and `audit` is recorded with the kept user's id and the
    /// counts as its detail — all in one transaction, so a failure at any
    /// step leaves both users as they were. The rules of a merge run by
    /// `admin` decide first, inside the transaction: `MergeRefused` says
    /// why not, `NotFound` that either user is gone. Returns what moved.
    pub async fn merge_users(
        &self,
        duplicate: UserId,
        keep: UserId,
        admin: UserId,
        audit: AuditRecord,
    ) -> Result<MergeMoves, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Waits for changes to who is an admin, as the other admin rules do.
            sqlx::query(SERIALIZE_ADMIN_CHANGES).bind(RoleId::ADMIN.0).execute(&mut *tx).await?;
            let rows: Vec<(i64, bool, bool)> = sqlx::query_as(PARTIES)
                .bind(duplicate.0)
                .bind(keep.0)
                .bind(Permission::AdminUser.key())
                .fetch_all(&mut *tx)
                .await?;
            let party = |id: UserId| {
                let row = rows.iter().find(|r| r.0 == id.0).ok_or(StoreError::NotFound)?;
                Ok::<_, StoreError>(MergeParty { id, administers: row.1, viewed: row.2 })
            };
            let (dup, kept) = (party(duplicate)?, party(keep)?);
            if let Some(refusal) = merge_refusal(admin, &dup, &kept) {
                return Err(StoreError::MergeRefused(refusal));
            }
            let counts = count_merge!(tx, duplicate, keep);
            for step in MOVE_STEPS {
                sqlx::query(step).bind(duplicate.0).bind(keep.0).execute(&mut *tx).await?;
            }
            for step in DELETE_DUPLICATE {
                sqlx::query(step).bind(duplicate.0).execute(&mut *tx).await?;
            }
            // The kept user changed: an Edit User dialog open on them sees a new version.
            sqlx::query("UPDATE users SET updated_at = $1, version = version + 1 WHERE id = $2")
                .bind(audit.at.0)
                .bind(keep.0)
                .execute(&mut *tx)
                .await?;
            if !counts.moves.roles.is_empty() {
                // New rights: their open sessions get new ids, as after an edit.
                sqlx::query("UPDATE sessions SET rotate = TRUE WHERE user_id = $1").bind(keep.0).execute(&mut *tx).await?;
            }
            // Their organization may be new, and it is part of what search reads.
            tx.write_grams(&[keep.0]).await?;
            let audit = AuditRecord { detail: counts.moves.audit_detail(keep), ..audit };
            crate::audit::insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(counts.moves)
        })
    }
}
