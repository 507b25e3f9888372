//! Tickets with their articles and time entries: enough helpdesk data for
//! the Users panel to show what deleting a customer destroys.

use crate::{on_pool, Db, StoreError};
use roster_domain::{TicketState, TicketSummary, Timestamp, UserId};
use sqlx::QueryBuilder;
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

/// The first ticket's number; numbers then count up.
const FIRST_TICKET_NUMBER: i64 = 10_001;
/// Rows per multi-row INSERT: well under SQLite's bind limit.
const INSERT_CHUNK: usize = 500;

impl Db {
    /// Inserts tickets, numbered after the highest number so far, with their
    /// articles and time entries, in one transaction; returns the numbers.
    pub async fn insert_tickets(&self, tickets: &[NewTicket], now: Timestamp) -> Result<Vec<i64>, StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let highest: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM tickets").fetch_one(&mut *tx).await?;
            let first = highest.map_or(FIRST_TICKET_NUMBER, |n| n + 1);
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
        Ok(rows
            .into_iter()
            .map(|(number, title, state)| TicketSummary {
                number,
                title,
                // Only Roster writes states, always through `key`.
                state: TicketState::from_key(&state).unwrap_or(TicketState::Open),
            })
            .collect())
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
}
