use crate::{without_control_characters, FieldError, Timestamp};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Where a ticket stands. Stored by `key`, which never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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

    pub fn label(self) -> &'static str {
        match self {
            TicketState::New => "New",
            TicketState::Open => "Open",
            TicketState::Pending => "Pending",
            TicketState::Closed => "Closed",
        }
    }
}

/// Read as the derived `Serialize` writes it: the variant's name, `"Open"`.
/// Written out because the derived reader is several times the size in the
/// browser's module: it also reads forms of an enum that Roster never sends.
impl<'de> Deserialize<'de> for TicketState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const NAMES: &[&str] = &["New", "Open", "Pending", "Closed"];
        let name = String::deserialize(deserializer)?;
        match name.as_str() {
            "New" => Ok(TicketState::New),
            "Open" => Ok(TicketState::Open),
            "Pending" => Ok(TicketState::Pending),
            "Closed" => Ok(TicketState::Closed),
            _ => Err(D::Error::unknown_variant(&name, NAMES)),
        }
    }
}

/// A ticket as lists and previews show it: `#10042 Printer on fire`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub number: i64,
    pub title: String,
    pub state: TicketState,
}

/// One line of the Tickets (or My tickets) list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketListItem {
    pub number: i64,
    pub title: String,
    pub state: TicketState,
    /// The customer's name ("Deleted user" cannot happen: deleting a
    /// customer deletes their tickets).
    pub customer: String,
    pub updated_at: Timestamp,
}

/// A page of tickets, newest first, and where the next (older) page starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketsPage {
    pub tickets: Vec<TicketListItem>,
    /// The number to pass as `before` for the next page, if there is one.
    pub older: Option<i64>,
}

pub const TICKETS_PAGE_SIZE: i64 = 50;

/// One reply on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleView {
    /// The author's name, or "Deleted user".
    pub author: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// Hours someone logged on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeEntryView {
    pub user: String,
    pub hours: Hours,
    pub created_at: Timestamp,
}

/// A ticket as its page shows it, with what the viewer may do on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    pub number: i64,
    pub title: String,
    pub state: TicketState,
    pub customer: String,
    pub created_at: Timestamp,
    pub articles: Vec<ArticleView>,
    /// Empty unless the viewer may see time (agents).
    pub time_entries: Vec<TimeEntryView>,
    pub can_reply: bool,
    pub can_log_time: bool,
    pub can_change_state: bool,
}

impl TicketView {
    pub fn total_hours(&self) -> Hours {
        Hours(self.time_entries.iter().map(|e| e.hours.0).sum())
    }
}

/// Hours worked, in hundredths of an hour so sums stay exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hours(pub i64);

/// The most one entry may log: a long day.
pub const MAX_HOURS_PER_ENTRY: i64 = 24;

impl Hours {
    /// Reads what an agent types: `1.5`, `1,5`, `0.25`, `2`, or `1:30`.
    pub fn parse(typed: &str) -> Result<Hours, FieldError> {
        let error = || FieldError::new("hours", "Enter hours like 1.5 or 1:30, between 0.01 and 24.");
        let typed = typed.trim();
        let centihours = if let Some((h, m)) = typed.split_once(':') {
            let (h, m): (i64, i64) = (h.parse().map_err(|_| error())?, m.parse().map_err(|_| error())?);
            if !(0..60).contains(&m) || h < 0 || m.to_string().len() > 2 {
                return Err(error());
            }
            // Minutes to hundredths, rounded to the nearest.
            h.checked_mul(100).and_then(|h| h.checked_add((m * 100 + 30) / 60)).ok_or_else(error)?
        } else {
            let (whole, fraction) = typed.split_once(['.', ',']).unwrap_or((typed, ""));
            if whole.is_empty() && fraction.is_empty() || fraction.len() > 2 || !fraction.chars().all(|c| c.is_ascii_digit()) {
                return Err(error());
            }
            let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| error())? };
            let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| error())?;
            whole.checked_mul(100).and_then(|w| w.checked_add(fraction)).ok_or_else(error)?
        };
        if centihours <= 0 || centihours > MAX_HOURS_PER_ENTRY * 100 {
            return Err(error());
        }
        Ok(Hours(centihours))
    }
}

impl fmt::Display for Hours {
    /// `1.5 h`, `0.25 h`, `2 h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, hundredths) = (self.0 / 100, self.0 % 100);
        match hundredths {
            0 => write!(f, "{whole} h"),
            n if n % 10 == 0 => write!(f, "{whole}.{} h", n / 10),
            n => write!(f, "{whole}.{n:02} h"),
        }
    }
}

pub const MAX_TICKET_TITLE_CHARS: usize = 200;
pub const MAX_ARTICLE_CHARS: usize = 20_000;

/// A reply's text, checked: not blank, not huge.
pub fn valid_reply(body: &str) -> Result<String, FieldError> {
    let cleaned = without_control_characters(body);
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        Err(FieldError::new("body", "Write a reply first."))
    } else if trimmed.chars().count() > MAX_ARTICLE_CHARS {
        Err(FieldError::new("body", format!("Keep it under {MAX_ARTICLE_CHARS} characters.")))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// A new ticket's title and first message, every problem at once.
pub fn valid_new_ticket(title: &str, body: &str) -> Result<(String, String), Vec<FieldError>> {
    let title = without_control_characters(title).split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = Vec::new();
    if title.is_empty() {
        errors.push(FieldError::new("title", "Enter a title."));
    } else if title.chars().count() > MAX_TICKET_TITLE_CHARS {
        errors.push(FieldError::new("title", format!("Use at most {MAX_TICKET_TITLE_CHARS} characters.")));
    }
    let body = match without_control_characters(body).trim() {
        "" => Err(FieldError::new("body", "Describe what happened.")),
        _ => valid_reply(body),
    };
    match body {
        Ok(body) if errors.is_empty() => Ok((title, body)),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.push(e);
            Err(errors)
        }
    }
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

    #[test]
    fn states_read_back_as_written_and_an_unknown_one_is_an_error() {
        for s in TicketState::ALL {
            let written = serde_json::to_string(&s).unwrap();
            assert_eq!(written, format!("\"{s:?}\""));
            assert_eq!(serde_json::from_str::<TicketState>(&written).unwrap(), s);
        }
        let unknown = serde_json::from_str::<TicketState>("\"open\"").unwrap_err();
        assert!(unknown.to_string().contains("unknown variant `open`"), "{unknown}");
        assert!(serde_json::from_str::<TicketState>("3").is_err());
    }

    #[test]
    fn hours_are_read_as_agents_type_them() {
        for (typed, centihours) in [("1.5", 150), ("1,5", 150), ("0.25", 25), ("2", 200), (".5", 50), ("1:30", 150), ("0:20", 33), (" 24 ", 2400)] {
            assert_eq!(Hours::parse(typed), Ok(Hours(centihours)), "{typed:?}");
        }
        for bad in ["", "0", "-1", "24.01", "1.234", "abc", "1:60", "1:5x", "99999999999999999999", "1.-5", "184467440737095517:00"] {
            assert!(Hours::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hours_display_without_trailing_zeros() {
        assert_eq!(Hours(150).to_string(), "1.5 h");
        assert_eq!(Hours(25).to_string(), "0.25 h");
        assert_eq!(Hours(200).to_string(), "2 h");
    }

    #[test]
    fn new_tickets_need_a_title_and_a_message() {
        let errors = valid_new_ticket("  ", " ").unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["title", "body"]);
        assert_eq!(valid_new_ticket(" Printer   on fire ", " Help \n").unwrap(), ("Printer on fire".into(), "Help".into()));
        assert!(valid_reply(&"x".repeat(MAX_ARTICLE_CHARS + 1)).is_err());
    }

    #[test]
    fn pasted_control_characters_leave_titles_and_messages_but_line_breaks_stay() {
        let (title, body) = valid_new_ticket("Printer\0 on fire", "It\u{7} beeps").unwrap();
        assert_eq!((title.as_str(), body.as_str()), ("Printer on fire", "It beeps"));
        assert_eq!(valid_reply("First\r\n\tthen").unwrap(), "First\r\n\tthen");
        assert!(valid_reply("\0\u{1b}").is_err(), "nothing left to send");
    }
}
