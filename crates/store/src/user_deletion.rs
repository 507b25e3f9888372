//! Deleting a user: what it would destroy, and doing it in one transaction.

use crate::bulk_runs::decide_one;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{BulkOutcome, BulkRules, UserId};

/// What deleting a user destroys and keeps, counted before it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionCounts {
    pub tickets: i64,
    /// Articles and time entries on other people's tickets, which are kept.
    pub kept_articles: i64,
    pub kept_time_entries: i64,
}

const COUNT_TICKETS: &str = "SELECT COUNT(*) FROM tickets WHERE customer_id = $1";
const COUNT_KEPT_ARTICLES: &str = "SELECT COUNT(*) FROM articles a JOIN tickets t ON t.id = a.ticket_id \
     WHERE a.author_id = $1 AND t.customer_id <> $1";
const COUNT_KEPT_TIME_ENTRIES: &str = "SELECT COUNT(*) FROM time_entries e JOIN tickets t ON t.id = e.ticket_id \
     WHERE e.user_id = $1 AND t.customer_id <> $1";

/// The statements of a deletion, in order, for the users `{users}` (`$1`
/// for one, or a list of ids: a bulk delete runs the same steps). Tickets go
/// with their articles and time entries; what the users wrote on others'
/// tickets stays, without its author; sessions end; the user rows go last,
/// taking roles and secondary organizations with them.
const DELETE_STEPS: [&str; 7] = [
    "DELETE FROM time_entries WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id IN ({users}))",
    "DELETE FROM articles WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id IN ({users}))",
    "DELETE FROM tickets WHERE customer_id IN ({users})",
    "UPDATE articles SET author_id = NULL WHERE author_id IN ({users})",
    "UPDATE time_entries SET user_id = NULL WHERE user_id IN ({users})",
    "DELETE FROM sessions WHERE user_id IN ({users}) OR impersonator_id IN ({users})",
    "DELETE FROM users WHERE id IN ({users})",
];

/// The steps of deleting `users` (SQL: `$1`, or a list of ids).
pub(crate) fn delete_steps(users: &str) -> impl Iterator<Item = String> + '_ {
    DELETE_STEPS.iter().map(move |step| step.replace("{users}", users))
}

impl Db {
    /// What deleting `id` would destroy, or `NotFound`.
    pub async fn deletion_counts(&self, id: UserId) -> Result<DeletionCounts, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let tickets = sqlx::query_scalar(COUNT_TICKETS).bind(id.0).fetch_one(&mut *tx).await?;
            let kept_articles = sqlx::query_scalar(COUNT_KEPT_ARTICLES).bind(id.0).fetch_one(&mut *tx).await?;
            let kept_time_entries = sqlx::query_scalar(COUNT_KEPT_TIME_ENTRIES).bind(id.0).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok(DeletionCounts { tickets, kept_articles, kept_time_entries })
        })
    }

    /// Deletes a user with their tickets (articles and time entries
    /// included) and sessions, and records `audit` with the number of
    /// tickets as its detail — all in one transaction, so a failure at any
    /// step leaves everything as it was. `rules` (for Delete) decide first,
    /// inside the transaction, as for each user of a bulk Delete: `Refused`
    /// says why not (yourself, the last active admin, admin mode).
    /// Returns the number of tickets deleted.
    pub async fn delete_user(&self, id: UserId, rules: &mut BulkRules, audit: AuditRecord) -> Result<i64, StoreError> {
        let tickets = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            match decide_one(&mut *tx, rules, id, audit.at).await? {
                BulkOutcome::Refused(refusal) => return Err(StoreError::Refused(refusal)),
                BulkOutcome::Change | BulkOutcome::Already => {}
            }
            let tickets: i64 = sqlx::query_scalar(COUNT_TICKETS).bind(id.0).fetch_one(&mut *tx).await?;
            for step in delete_steps("$1") {
                sqlx::query(&step).bind(id.0).execute(&mut *tx).await?;
            }
            let audit = AuditRecord { detail: format!("tickets={tickets}"), ..audit };
            crate::audit::insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            tickets
        });
        Ok(tickets)
    }
}
