#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, TicketState, TicketView, TicketsPage};

/// A page of the tickets the caller may see, newest first, before the
/// number `before`: every ticket for agents, their own for customers.
#[server(endpoint = "list_tickets", input = JsonCall, output = JsonCall)]
pub async fn list_tickets(before: Option<i64>) -> Result<TicketsPage, AppError> {
    serve(async |call| call.roster.tickets(call.signed_in(), before).await).await
}

/// One ticket, if the caller may see it (otherwise `NotFound`).
#[server(endpoint = "get_ticket", input = JsonCall, output = JsonCall)]
pub async fn get_ticket(number: i64) -> Result<TicketView, AppError> {
    serve(async |call| call.roster.ticket(call.signed_in(), number).await).await
}

/// Opens a ticket as the caller. Needs `ticket.customer`. Returns its number.
#[server(endpoint = "open_ticket", input = JsonCall, output = JsonCall)]
pub async fn open_ticket(title: String, body: String) -> Result<i64, AppError> {
    serve(async |call| call.roster.open_ticket(call.signed_in(), &title, &body, call.ip()).await).await
}

/// Adds the caller's reply. Agents need `ticket.reply`; customers may
/// answer their own tickets.
#[server(endpoint = "reply_to_ticket", input = JsonCall, output = JsonCall)]
pub async fn reply_to_ticket(number: i64, body: String) -> Result<(), AppError> {
    serve(async |call| call.roster.reply_to_ticket(call.signed_in(), number, &body, call.ip()).await).await
}

/// Logs hours worked (`1.5`, `1:30`). Needs `ticket.read` and `ticket.log_time`.
#[server(endpoint = "log_ticket_time", input = JsonCall, output = JsonCall)]
pub async fn log_ticket_time(number: i64, hours: String) -> Result<(), AppError> {
    serve(async |call| call.roster.log_ticket_time(call.signed_in(), number, &hours, call.ip()).await).await
}

/// Sets a ticket's state. Needs `ticket.read` and `ticket.change_state`.
#[server(endpoint = "change_ticket_state", input = JsonCall, output = JsonCall)]
pub async fn change_ticket_state(number: i64, state: TicketState) -> Result<(), AppError> {
    serve(async |call| call.roster.change_ticket_state(call.signed_in(), number, state, call.ip()).await).await
}
