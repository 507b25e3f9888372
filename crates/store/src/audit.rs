use crate::{on_pool, Db, StoreError};
use roster_domain::{AuditAction, Timestamp, UserId};
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
