//! Tickets with their articles (replies) and time entries.

use crate::audit::insert_audit;
use crate::{on_pool, AuditRecord, Db, StoreError};
use roster_domain::{
    full_name, ArticleView, Hours, TicketListItem, TicketState, TicketSummary, TimeEntryView, Timestamp, UserId,
};
use sqlx::{FromRow, QueryBuilder};
use std::collections::HashMap;

/// A ticket to insert, with what has happened on it so far.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub customer: UserId,
    pub title: String,
    pub state: TicketState,
    /// Replies in order: who wrote them and what.
    pub articles: Vec<(UserId, String)>,
    /// Work logged: by whom, in hundredths of an hour.
    pub time_entries: Vec<(UserId, i64)>,
}

/// Marks a ticket updated inside a transaction; `NotFound` if it is gone.
macro_rules! touch {
    ($tx:expr, $ticket:expr, $now:expr) => {{
        let touched = sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind($now.0)
            .bind($ticket)
            .execute(&mut *$tx)
            .await?;
        if touched.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
    }};
}

/// Takes the next `count` ticket numbers inside the caller's transaction and
/// returns the first. The counter row only counts up (migration 0016), so a
/// number is never given twice, not even after its ticket is deleted; its
/// row lock makes concurrent openers on PostgreSQL take turns, as SQLite's
/// writers do anyway (`BEGIN IMMEDIATE`).
macro_rules! take_ticket_numbers {
    ($tx:expr, $count:expr) => {{
        let count = $count as i64;
        let last: i64 = sqlx::query_scalar("UPDATE ticket_numbers SET last_given = last_given + $1 RETURNING last_given")
            .bind(count)
            .fetch_one(&mut *$tx)
            .await?;
        last - count + 1
    }};
}
/// One article (the opening message or a reply).
const INSERT_ARTICLE: &str = "INSERT INTO articles (ticket_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)";
/// Rows per multi-row INSERT: well under SQLite's bind limit.
const INSERT_CHUNK: usize = 500;

impl Db {
    /// Inserts tickets, numbered after the last number given, with their
    /// articles and time entries, in one transaction; returns the numbers.
    pub async fn insert_tickets(&self, tickets: &[NewTicket], now: Timestamp) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let first = take_ticket_numbers!(tx, tickets.len());
            let numbers: Vec<i64> = (first..).take(tickets.len()).collect();
            let numbered: Vec<(i64, &NewTicket)> = numbers.iter().copied().zip(tickets).collect();
            let mut ids: HashMap<i64, i64> = HashMap::new();
            for chunk in numbered.chunks(INSERT_CHUNK) {
                let mut insert =
                    QueryBuilder::new("INSERT INTO tickets (number, title, state, customer_id, created_at, updated_at) ");
                insert.push_values(chunk, |mut row, (number, t)| {
                    row.push_bind(*number)
                        .push_bind(t.title.as_str())
                        .push_bind(t.state.key())
                        .push_bind(t.customer.0)
                        .push_bind(now.0)
                        .push_bind(now.0);
                });
                insert.push(" RETURNING number, id");
                let returned: Vec<(i64, i64)> = insert.build_query_as().fetch_all(&mut *tx).await?;
                ids.extend(returned);
            }
            let articles: Vec<(i64, &UserId, &String)> = numbered
                .iter()
                .flat_map(|(number, t)| t.articles.iter().map(|(author, body)| (ids[number], author, body)))
                .collect();
            for chunk in articles.chunks(INSERT_CHUNK) {
                let mut insert = QueryBuilder::new("INSERT INTO articles (ticket_id, author_id, body, created_at) ");
                insert.push_values(chunk, |mut row, (ticket, author, body)| {
                    row.push_bind(*ticket).push_bind(author.0).push_bind(body.as_str()).push_bind(now.0);
                });
                insert.build().execute(&mut *tx).await?;
            }
            let entries: Vec<(i64, &UserId, &i64)> = numbered
                .iter()
                .flat_map(|(number, t)| t.time_entries.iter().map(|(user, hours)| (ids[number], user, hours)))
                .collect();
            for chunk in entries.chunks(INSERT_CHUNK) {
                let mut insert = QueryBuilder::new("INSERT INTO time_entries (ticket_id, user_id, centihours, created_at) ");
                insert.push_values(chunk, |mut row, (ticket, user, centihours)| {
                    row.push_bind(*ticket).push_bind(user.0).push_bind(**centihours).push_bind(now.0);
                });
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(numbers)
        })
    }

    /// A customer's tickets, newest first, at most `limit`.
    pub async fn tickets_of(&self, customer: UserId, limit: i64) -> Result<Vec<TicketSummary>, StoreError> {
        let sql = "SELECT number, title, state FROM tickets WHERE customer_id = $1 ORDER BY id DESC LIMIT $2";
        let rows: Vec<(i64, String, String)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(customer.0).bind(limit).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(number, title, state)| TicketSummary { number, title, state: state_of(&state) }).collect())
    }

    /// Who wrote each article of a ticket, in order (`None`: a deleted user).
    pub async fn article_authors(&self, number: i64) -> Result<Vec<Option<UserId>>, StoreError> {
        let sql = "SELECT a.author_id FROM articles a JOIN tickets t ON t.id = a.ticket_id WHERE t.number = $1 ORDER BY a.id";
        let rows: Vec<Option<i64>> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(number).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|a| a.map(UserId)).collect())
    }

    /// Who logged each time entry of a ticket, with the hundredths of an hour.
    pub async fn time_entries_of(&self, number: i64) -> Result<Vec<(Option<UserId>, i64)>, StoreError> {
        let sql = "SELECT e.user_id, e.centihours FROM time_entries e JOIN tickets t ON t.id = e.ticket_id \
                   WHERE t.number = $1 ORDER BY e.id";
        let rows: Vec<(Option<i64>, i64)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(number).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(u, h)| (u.map(UserId), h)).collect())
    }

    /// How many tickets, articles and time entries exist in all.
    pub async fn count_helpdesk_rows(&self) -> Result<(i64, i64, i64), StoreError> {
        let sql = "SELECT (SELECT COUNT(*) FROM tickets), (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM time_entries)";
        let counts = on_pool!(self, pool => sqlx::query_as(sql).fetch_one(pool).await?);
        Ok(counts)
    }

    /// A page of tickets, newest first, before the number `before`:
    /// every ticket, or only `customer`'s.
    pub async fn tickets_page(
        &self,
        customer: Option<UserId>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<TicketListItem>, StoreError> {
        // Two statements, so each engine walks the index that fits: the
        // customer's tickets, or all tickets by number.
        let filter = if customer.is_some() { "t.customer_id = $1" } else { "$1 = 0" };
        let sql = format!(
            "SELECT t.number, t.title, t.state, t.updated_at, u.first_name, u.last_name, u.login \
             FROM tickets t JOIN users u ON u.id = t.customer_id \
             WHERE {filter} AND t.number < $2 ORDER BY t.number DESC LIMIT $3"
        );
        let rows: Vec<TicketListRecord> = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(customer.map_or(0, |c| c.0))
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await?);
        Ok(rows
            .into_iter()
            .map(|r| TicketListItem {
                number: r.number,
                title: r.title,
                state: state_of(&r.state),
                customer: person(&r.first_name, &r.last_name, &r.login),
                updated_at: Timestamp(r.updated_at),
            })
            .collect())
    }

    /// The ticket numbered `number`, without its articles.
    pub async fn ticket(&self, number: i64) -> Result<Option<TicketRecord>, StoreError> {
        let sql = "SELECT t.id, t.number, t.title, t.state, t.customer_id, t.created_at, u.first_name, u.last_name, u.login \
                   FROM tickets t JOIN users u ON u.id = t.customer_id WHERE t.number = $1";
        let row: Option<TicketRow> = on_pool!(self, pool => sqlx::query_as(sql).bind(number).fetch_optional(pool).await?);
        Ok(row.map(|r| TicketRecord {
            id: r.id,
            number: r.number,
            title: r.title,
            state: state_of(&r.state),
            customer_id: UserId(r.customer_id),
            customer: person(&r.first_name, &r.last_name, &r.login),
            created_at: Timestamp(r.created_at),
        }))
    }

    /// A ticket's replies in order, with their authors' names.
    pub async fn articles(&self, ticket: i64) -> Result<Vec<ArticleView>, StoreError> {
        let sql = "SELECT a.body, a.created_at, u.first_name, u.last_name, u.login FROM articles a \
                   LEFT JOIN users u ON u.id = a.author_id WHERE a.ticket_id = $1 ORDER BY a.id";
        let rows: Vec<(String, i64, PersonColumn, PersonColumn, PersonColumn)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(ticket).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(body, at, first, last, login)| ArticleView {
                author: maybe_person(first, last, login),
                body,
                created_at: Timestamp(at),
            })
            .collect())
    }

    /// The hours logged on a ticket in order, with who logged them.
    pub async fn time_entries(&self, ticket: i64) -> Result<Vec<TimeEntryView>, StoreError> {
        let sql = "SELECT e.centihours, e.created_at, u.first_name, u.last_name, u.login FROM time_entries e \
                   LEFT JOIN users u ON u.id = e.user_id WHERE e.ticket_id = $1 ORDER BY e.id";
        let rows: Vec<(i64, i64, PersonColumn, PersonColumn, PersonColumn)> =
            on_pool!(self, pool => sqlx::query_as(sql).bind(ticket).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(centihours, at, first, last, login)| TimeEntryView {
                user: maybe_person(first, last, login),
                hours: Hours(centihours),
                created_at: Timestamp(at),
            })
            .collect())
    }

    /// Opens a ticket for `customer` with its first message, and writes
    /// `audit(number)` with it; returns its number.
    pub async fn open_ticket(
        &self,
        customer: UserId,
        title: &str,
        body: &str,
        now: Timestamp,
        audit: impl FnOnce(i64) -> AuditRecord,
    ) -> Result<i64, StoreError> {
        let insert = "INSERT INTO tickets (number, title, state, customer_id, created_at, updated_at) \
                      VALUES ($1, $2, $3, $4, $5, $5) RETURNING id, number";
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            let number = take_ticket_numbers!(tx, 1);
            let (id, number): (i64, i64) = sqlx::query_as(insert)
                .bind(number)
                .bind(title)
                .bind(TicketState::New.key())
                .bind(customer.0)
                .bind(now.0)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(INSERT_ARTICLE)
                .bind(id)
                .bind(customer.0)
                .bind(body)
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
            let audit = audit(number);
            insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(number)
        })
    }

    /// Adds a reply by `author` and marks the ticket updated, with `audit`,
    /// at its time.
    pub async fn add_article(&self, ticket: i64, author: UserId, body: &str, audit: &AuditRecord) -> Result<(), StoreError> {
        let now = audit.at;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            touch!(tx, ticket, now);
            sqlx::query(INSERT_ARTICLE)
                .bind(ticket)
                .bind(author.0)
                .bind(body)
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Logs `hours` worked by `user` and marks the ticket updated, with
    /// `audit`, at its time.
    pub async fn log_time(&self, ticket: i64, user: UserId, hours: Hours, audit: &AuditRecord) -> Result<(), StoreError> {
        let now = audit.at;
        on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            touch!(tx, ticket, now);
            sqlx::query("INSERT INTO time_entries (ticket_id, user_id, centihours, created_at) VALUES ($1, $2, $3, $4)")
                .bind(ticket)
                .bind(user.0)
                .bind(hours.0)
                .bind(now.0)
                .execute(&mut *tx)
                .await?;
            insert_audit!(audit).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets a ticket's state, writing `audit(the state it had)` with it;
    /// returns the state it had.
    pub async fn set_ticket_state(
        &self,
        ticket: i64,
        state: TicketState,
        now: Timestamp,
        audit: impl FnOnce(TicketState) -> AuditRecord,
    ) -> Result<TicketState, StoreError> {
        let before: Option<String> = on_pool!(self, pool => {
            let mut tx = crate::begin(pool, crate::begin_write(pool)).await?;
            // Writing first takes PostgreSQL's row lock (SQLite's writers take
            // turns anyway), so the state read next is the one being replaced.
            touch!(tx, ticket, now);
            let before: Option<String> =
                sqlx::query_scalar("SELECT state FROM tickets WHERE id = $1").bind(ticket).fetch_optional(&mut *tx).await?;
            sqlx::query("UPDATE tickets SET state = $1 WHERE id = $2")
                .bind(state.key())
                .bind(ticket)
                .execute(&mut *tx)
                .await?;
            let Some(before) = before else { return Err(StoreError::NotFound) };
            let audit = audit(state_of(&before));
            insert_audit!(&audit).execute(&mut *tx).await?;
            tx.commit().await?;
            Some(before)
        });
        before.map(|s| state_of(&s)).ok_or(StoreError::NotFound)
    }
}

/// First name, last name or login of someone who may have been deleted.
type PersonColumn = Option<String>;

/// A ticket as its page starts from.
#[derive(Clone, Debug)]
pub struct TicketRecord {
    pub id: i64,
    pub number: i64,
    pub title: String,
    pub state: TicketState,
    pub customer_id: UserId,
    pub customer: String,
    pub created_at: Timestamp,
}

#[derive(FromRow)]
struct TicketRow {
    id: i64,
    number: i64,
    title: String,
    state: String,
    customer_id: i64,
    created_at: i64,
    first_name: String,
    last_name: String,
    login: String,
}

#[derive(FromRow)]
struct TicketListRecord {
    number: i64,
    title: String,
    state: String,
    updated_at: i64,
    first_name: String,
    last_name: String,
    login: String,
}

fn state_of(key: &str) -> TicketState {
    // Only Roster writes states, always through `key`.
    TicketState::from_key(key).unwrap_or(TicketState::Open)
}

/// A person's name, or their login when they have none.
fn person(first: &str, last: &str, login: &str) -> String {
    let name = full_name(first, last);
    if name.is_empty() { login.to_owned() } else { name }
}

/// Like [`person`], for authors who may have been deleted.
fn maybe_person(first: Option<String>, last: Option<String>, login: Option<String>) -> String {
    match login {
        Some(login) => person(&first.unwrap_or_default(), &last.unwrap_or_default(), &login),
        None => "Deleted user".to_owned(),
    }
}
