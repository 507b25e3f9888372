use crate::{TicketSummary, UserId};
use serde::{Deserialize, Serialize};

/// What the admin must type to confirm a deletion.
pub const DELETE_CONFIRMATION: &str = "DELETE";

/// How many of a customer's tickets the Delete User dialog lists by name.
pub const DELETION_PREVIEW_TICKETS: usize = 5;

/// Everything deleting a user would destroy or change, for the Delete User
/// dialog to say before the admin confirms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionPreview {
    pub id: UserId,
    pub login: String,
    pub name: String,
    /// The user's own tickets, deleted with their articles and time entries.
    pub tickets: i64,
    /// The first few of them, newest first.
    pub first_tickets: Vec<TicketSummary>,
    /// Replies the user wrote on other people's tickets: kept, shown as
    /// written by "Deleted user".
    pub kept_articles: i64,
    /// Hours the user logged on other people's tickets: kept, likewise.
    pub kept_time_entries: i64,
    /// Why this user cannot be deleted, if they cannot.
    pub refusal: Option<String>,
}
