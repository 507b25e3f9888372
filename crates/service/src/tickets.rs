//! Tickets as customers and agents work on them. Every method checks the
//! caller's permissions and, for a single ticket, whether they may see it:
//! a ticket someone may not see is "not found", as if it did not exist.

use crate::{store_error, Roster, SignedIn};
use roster_domain::{
    valid_new_ticket, valid_reply, AppError, AuditAction, Hours, Permission, TicketState, TicketView, TicketsPage,
    UserId, TICKETS_PAGE_SIZE,
};
use roster_store::{AuditRecord, TicketRecord};

/// Whose tickets a caller sees.
enum Scope {
    Every,
    OwnOnly(UserId),
}

fn scope(session: Option<&SignedIn>) -> Result<(&SignedIn, Scope), AppError> {
    let session = session.ok_or(AppError::Unauthenticated)?;
    let user = &session.user;
    if user.can(Permission::TicketRead) {
        Ok((session, Scope::Every))
    } else if user.can(Permission::TicketCustomer) {
        Ok((session, Scope::OwnOnly(user.id)))
    } else {
        Err(AppError::Forbidden)
    }
}

impl Roster {
    /// A page of the tickets the caller may see, newest first: every ticket
    /// for `ticket.read`, their own for `ticket.customer`.
    pub async fn tickets(&self, session: Option<&SignedIn>, before: Option<i64>) -> Result<TicketsPage, AppError> {
        let (_, scope) = scope(session)?;
        let customer = match scope {
            Scope::Every => None,
            Scope::OwnOnly(me) => Some(me),
        };
        let mut tickets =
            self.db.tickets_page(customer, before, TICKETS_PAGE_SIZE + 1).await.map_err(store_error)?;
        let older = if tickets.len() > TICKETS_PAGE_SIZE as usize {
            tickets.truncate(TICKETS_PAGE_SIZE as usize);
            tickets.last().map(|t| t.number)
        } else {
            None
        };
        Ok(TicketsPage { tickets, older })
    }

    /// One ticket with its replies (and, for agents, the hours logged),
    /// and what the caller may do on it.
    pub async fn ticket(&self, session: Option<&SignedIn>, number: i64) -> Result<TicketView, AppError> {
        let (session, ticket) = self.visible_ticket(session, number).await?;
        let user = &session.user;
        let agent = user.can(Permission::TicketRead);
        let articles = self.db.articles(ticket.id).await.map_err(store_error)?;
        let time_entries = if agent { self.db.time_entries(ticket.id).await.map_err(store_error)? } else { vec![] };
        let can_reply = may_reply(user, &ticket);
        Ok(TicketView {
            number: ticket.number,
            title: ticket.title,
            state: ticket.state,
            customer: ticket.customer,
            created_at: ticket.created_at,
            articles,
            time_entries,
            can_reply,
            can_log_time: agent && user.can(Permission::TicketLogTime),
            can_change_state: agent && user.can(Permission::TicketChangeState),
        })
    }

    /// Opens a ticket as the caller, a customer. Returns its number.
    pub async fn open_ticket(
        &self,
        session: Option<&SignedIn>,
        title: &str,
        body: &str,
        ip: Option<&str>,
    ) -> Result<i64, AppError> {
        let session = crate::require(session, Permission::TicketCustomer)?;
        let (title, body) = valid_new_ticket(title, body).map_err(AppError::Validation)?;
        let audit = |number| self.ticket_audit(session, AuditAction::TicketCreated, session.user.id, number, String::new(), ip);
        let number = self.db.open_ticket(session.user.id, &title, &body, self.now(), audit).await.map_err(store_error)?;
        crate::log_audit(&audit(number));
        Ok(number)
    }

    /// Adds the caller's reply: agents with `ticket.reply` on any ticket they
    /// see, customers on their own.
    pub async fn reply_to_ticket(
        &self,
        session: Option<&SignedIn>,
        number: i64,
        body: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let (session, ticket) = self.visible_ticket(session, number).await?;
        if !may_reply(&session.user, &ticket) {
            return Err(AppError::Forbidden);
        }
        let body = valid_reply(body).map_err(|e| AppError::Validation(vec![e]))?;
        let audit = self.ticket_audit(session, AuditAction::TicketReplied, ticket.customer_id, number, String::new(), ip);
        self.db.add_article(ticket.id, session.user.id, &body, &audit).await.map_err(store_error)?;
        crate::log_audit(&audit);
        Ok(())
    }

    /// Logs hours the caller worked on a ticket. Needs `ticket.read` and
    /// `ticket.log_time`.
    pub async fn log_ticket_time(
        &self,
        session: Option<&SignedIn>,
        number: i64,
        hours: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let session = crate::require(session, Permission::TicketLogTime)?;
        let (session, ticket) = self.visible_ticket(Some(session), number).await?;
        if !session.user.can(Permission::TicketRead) {
            return Err(AppError::Forbidden);
        }
        let hours = Hours::parse(hours).map_err(|e| AppError::Validation(vec![e]))?;
        let detail = format!("hours={}", hours.to_string().trim_end_matches(" h"));
        let audit = self.ticket_audit(session, AuditAction::TicketTimeLogged, ticket.customer_id, number, detail, ip);
        self.db.log_time(ticket.id, session.user.id, hours, &audit).await.map_err(store_error)?;
        crate::log_audit(&audit);
        Ok(())
    }

    /// Sets a ticket's state. Needs `ticket.read` and `ticket.change_state`.
    pub async fn change_ticket_state(
        &self,
        session: Option<&SignedIn>,
        number: i64,
        state: TicketState,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let session = crate::require(session, Permission::TicketChangeState)?;
        let session = crate::require(Some(session), Permission::TicketRead)?;
        let (session, ticket) = self.visible_ticket(Some(session), number).await?;
        let audit = |before: TicketState| {
            let detail = format!("from={} to={}", before.key(), state.key());
            self.ticket_audit(session, AuditAction::TicketStateChanged, ticket.customer_id, number, detail, ip)
        };
        let before = self.db.set_ticket_state(ticket.id, state, self.now(), audit).await.map_err(store_error)?;
        crate::log_audit(&audit(before));
        Ok(())
    }

    /// The ticket numbered `number` if the caller may see it; `NotFound`
    /// both when it does not exist and when it is someone else's.
    async fn visible_ticket<'s>(
        &self,
        session: Option<&'s SignedIn>,
        number: i64,
    ) -> Result<(&'s SignedIn, TicketRecord), AppError> {
        let (session, scope) = scope(session)?;
        let ticket = self.db.ticket(number).await.map_err(store_error)?.ok_or(AppError::NotFound)?;
        match scope {
            Scope::OwnOnly(me) if ticket.customer_id != me => Err(AppError::NotFound),
            _ => Ok((session, ticket)),
        }
    }

    /// The audit row of a ticket change: the acting user, the admin behind
    /// them when viewing as them, and the ticket's customer as whom it concerns.
    fn ticket_audit(
        &self,
        session: &SignedIn,
        action: AuditAction,
        customer: UserId,
        number: i64,
        detail: String,
        ip: Option<&str>,
    ) -> AuditRecord {
        let detail = format!("ticket=#{number}{}{detail}", if detail.is_empty() { "" } else { " " });
        self.audit_record(action, Some(session.user.id), session.impersonator, Some(customer), ip, detail)
    }
}

/// Agents with `ticket.reply` answer any ticket they see; customers their own.
fn may_reply(user: &roster_domain::CurrentUser, ticket: &TicketRecord) -> bool {
    let agent = user.can(Permission::TicketRead) && user.can(Permission::TicketReply);
    let own = user.can(Permission::TicketCustomer) && ticket.customer_id == user.id;
    agent || own
}
