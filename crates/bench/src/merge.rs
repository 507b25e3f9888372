//! The Merge part of `roster-bench search`: ⋮ Actions → Merge into… for a
//! customer with 10,000 tickets (each with a reply and logged hours),
//! through the server function over HTTP, as one transaction; then the
//! user kept is deleted with Delete User, so that a kept database stays as
//! it was seeded.

use crate::bulk::post;
use roster_domain::{Login, MergeMoves, RoleId, TicketState, MERGE_CONFIRMATION};
use roster_store::{Db, NewTicket, NewUser, Profile};
use std::time::Instant;

const TICKETS: usize = 10_000;

pub(crate) async fn merge_a_busy_duplicate(
    admin: &reqwest::Client,
    base: &str,
    db: &Db,
) -> Result<Vec<String>, String> {
    let now = roster_service::Clock::System.now();
    let tag = rand::random::<u32>();
    let customer = |login: String| -> Result<NewUser, String> {
        let login = Login::parse(&login).map_err(|e| e.to_string())?;
        Ok(NewUser { login, profile: Profile::default(), password_hash: None, roles: vec![RoleId::CUSTOMER] })
    };
    let duplicate =
        db.insert_user(&customer(format!("bench-duplicate-{tag}"))?, now).await.map_err(|e| e.to_string())?;
    let keep = db.insert_user(&customer(format!("bench-keep-{tag}"))?, now).await.map_err(|e| e.to_string())?;
    let tickets: Vec<NewTicket> = (0..TICKETS)
        .map(|n| NewTicket {
            customer: duplicate,
            title: format!("Bench ticket {n}"),
            state: TicketState::Open,
            articles: vec![(duplicate, "It broke again.".into())],
            time_entries: vec![(duplicate, 25)],
        })
        .collect();
    db.insert_tickets(&tickets, now).await.map_err(|e| e.to_string())?;

    let body = serde_json::json!({ "duplicate": duplicate, "keep": keep, "confirmation": MERGE_CONFIRMATION });
    let started = Instant::now();
    let moved: MergeMoves = post(admin, base, "merge_users", body).await?;
    let took = started.elapsed();
    let deleted: i64 =
        post(admin, base, "delete_user", serde_json::json!({ "id": keep, "confirmation": "DELETE" })).await?;
    Ok(vec![
        format!(
            "{:<34} {:>8.1} ms   {} tickets, {} replies, {} time entries moved",
            "Merge: a user with 10,000 tickets (HTTP)",
            took.as_secs_f64() * 1000.0,
            moved.tickets,
            moved.articles,
            moved.time_entries
        ),
        format!("  the user kept deleted again with Delete User: {deleted} tickets"),
    ])
}
