use serde::{Deserialize, Serialize};

/// Where a ticket stands. Stored by `key`, which never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketState {
    New,
    Open,
    Pending,
    Closed,
}

impl TicketState {
    pub const ALL: [TicketState; 4] = [TicketState::New, TicketState::Open, TicketState::Pending, TicketState::Closed];

    pub fn key(self) -> &'static str {
        match self {
            TicketState::New => "new",
            TicketState::Open => "open",
            TicketState::Pending => "pending",
            TicketState::Closed => "closed",
        }
    }

    pub fn from_key(key: &str) -> Option<TicketState> {
        TicketState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A ticket as lists and previews show it: `#10042 Printer on fire`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub number: i64,
    pub title: String,
    pub state: TicketState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_keys_round_trip() {
        for s in TicketState::ALL {
            assert_eq!(TicketState::from_key(s.key()), Some(s));
        }
        assert_eq!(TicketState::from_key("Open"), None);
    }
}
