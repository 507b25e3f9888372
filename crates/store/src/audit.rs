use crate::{escape_like, on_pool, Db, StoreError};
use roster_domain::{AuditAction, AuditEntry, Timestamp, UserId, UserRef};
use sqlx::FromRow;

/// One line of the audit trail. Holds ids and counts, never secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    pub on_behalf_of_id: Option<UserId>,
    pub action: AuditAction,
    pub target_user_id: Option<UserId>,
    pub detail: String,
    pub ip: Option<String>,
}

#[derive(FromRow)]
struct AuditRow {
    at: i64,
    actor_id: Option<i64>,
    on_behalf_of_id: Option<i64>,
    action: String,
    target_user_id: Option<i64>,
    detail: String,
    ip: Option<String>,
}

/// The INSERT of one `AuditRecord`, ready to run on either engine; a macro
/// because the query's type differs per engine.
macro_rules! insert_audit {
    ($record:expr) => {{
        let e: &$crate::AuditRecord = $record;
        sqlx::query(
            "INSERT INTO audit_events (at, actor_id, on_behalf_of_id, action, target_user_id, detail, ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.at.0)
        .bind(e.actor_id.map(|u| u.0))
        .bind(e.on_behalf_of_id.map(|u| u.0))
        .bind(e.action.key())
        .bind(e.target_user_id.map(|u| u.0))
        .bind(e.detail.as_str())
        .bind(e.ip.as_deref())
    }};
}
pub(crate) use insert_audit;

/// One INSERT of several audit rows (at most a few hundred: each takes 7
/// parameters), as a query builder to `build()`.
macro_rules! insert_audits {
    ($records:expr) => {{
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO audit_events (at, actor_id, on_behalf_of_id, action, target_user_id, detail, ip) ",
        );
        insert.push_values($records, |mut row, e: &$crate::AuditRecord| {
            row.push_bind(e.at.0)
                .push_bind(e.actor_id.map(|u| u.0))
                .push_bind(e.on_behalf_of_id.map(|u| u.0))
                .push_bind(e.action.key())
                .push_bind(e.target_user_id.map(|u| u.0))
                .push_bind(e.detail.clone())
                .push_bind(e.ip.clone());
        });
        insert
    }};
}
pub(crate) use insert_audits;

impl Db {
    pub async fn record_audit(&self, e: &AuditRecord) -> Result<(), StoreError> {
        on_pool!(self, pool => insert_audit!(e).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The newest events first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = "SELECT at, actor_id, on_behalf_of_id, action, target_user_id, detail, ip FROM audit_events \
                   ORDER BY id DESC LIMIT $1";
        let rows: Vec<AuditRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(limit).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(AuditRecord {
                    at: Timestamp(r.at),
                    actor_id: r.actor_id.map(UserId),
                    on_behalf_of_id: r.on_behalf_of_id.map(UserId),
                    action: AuditAction::from_key(&r.action)?,
                    target_user_id: r.target_user_id.map(UserId),
                    detail: r.detail,
                    ip: r.ip,
                })
            })
            .collect())
    }
}

#[derive(FromRow)]
struct AuditEntryRow {
    id: i64,
    at: i64,
    action: String,
    actor_id: Option<i64>,
    actor_login: Option<String>,
    on_behalf_of_id: Option<i64>,
    behalf_login: Option<String>,
    target_user_id: Option<i64>,
    target_login: Option<String>,
    detail: String,
    ip: Option<String>,
}

/// The audit page's statement. Binds: $1 before, $2 action key, $3 needle,
/// $4 its LIKE pattern, $5 limit. The action test is written only when
/// filtering by one, so the planner can walk `audit_events_by_action`.
pub(crate) fn audit_page_sql(by_action: bool) -> String {
    let action = if by_action { "e.action = $2" } else { "$2 = ''" };
    format!(
        "SELECT e.id, e.at, e.action, e.actor_id, a.login AS actor_login, e.on_behalf_of_id, \
         b.login AS behalf_login, e.target_user_id, t.login AS target_login, e.detail, e.ip \
         FROM audit_events e \
         LEFT JOIN users a ON a.id = e.actor_id \
         LEFT JOIN users b ON b.id = e.on_behalf_of_id \
         LEFT JOIN users t ON t.id = e.target_user_id \
         WHERE e.id < $1 AND {action} \
         AND ($3 = '' OR a.login_normalized LIKE $4 ESCAPE '\\' OR b.login_normalized LIKE $4 ESCAPE '\\' \
              OR t.login_normalized LIKE $4 ESCAPE '\\' OR LOWER(COALESCE(e.ip, '')) LIKE $4 ESCAPE '\\' \
              OR LOWER(e.detail) LIKE $4 ESCAPE '\\') \
         ORDER BY e.id DESC LIMIT $5"
    )
}

fn user_ref(id: Option<i64>, login: Option<String>) -> Option<UserRef> {
    id.map(|id| UserRef { id: UserId(id), login })
}

impl Db {
    /// Up to `limit` events older than `before`, newest first: of `action`
    /// if given, and, when `needle` (lower-case) is not empty, naming a
    /// login, address or detail that contains it.
    pub async fn audit_page(
        &self,
        needle: &str,
        action: Option<AuditAction>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let sql = audit_page_sql(action.is_some());
        let action = action.map_or("", AuditAction::key);
        let pattern = format!("%{}%", escape_like(needle));
        let rows: Vec<AuditEntryRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(before.unwrap_or(i64::MAX))
                .bind(action)
                .bind(needle)
                .bind(&pattern)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(AuditEntry {
                    id: r.id,
                    at: Timestamp(r.at),
                    action: AuditAction::from_key(&r.action)?,
                    actor: user_ref(r.actor_id, r.actor_login),
                    on_behalf_of: user_ref(r.on_behalf_of_id, r.behalf_login),
                    target: user_ref(r.target_user_id, r.target_login),
                    detail: r.detail,
                    ip: r.ip,
                })
            })
            .collect())
    }
}
