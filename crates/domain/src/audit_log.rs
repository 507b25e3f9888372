use crate::{is_one_line, AuditAction, FieldError, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// Events on one page of the audit log.
pub const AUDIT_PAGE_SIZE: usize = 50;
/// The longest text the audit log searches for.
pub const MAX_AUDIT_SEARCH_CHARS: usize = 100;

/// One view of the audit log: the text searched for (a login, an address
/// or a word of the details), the kind of event, and where the page starts.
/// It is the page's address and the server function's argument at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub text: String,
    pub action: Option<AuditAction>,
    /// Only events older than this one (its id); `None` is the newest page.
    pub before: Option<i64>,
}

impl AuditQuery {
    /// Reads `?q=…&action=…&before=…`; unknown values are dropped.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        AuditQuery {
            text: get("q").unwrap_or_default(),
            action: get("action").and_then(|key| AuditAction::from_key(&key)),
            before: get("before").and_then(|id| id.parse().ok()).filter(|id: &i64| *id > 0),
        }
    }

    /// The audit log's address for this view.
    pub fn href(&self) -> String {
        let mut pairs = Vec::new();
        if !self.text.is_empty() {
            pairs.push(("q", self.text.clone()));
        }
        if let Some(action) = self.action {
            pairs.push(("action", action.key().to_owned()));
        }
        if let Some(before) = self.before {
            pairs.push(("before", before.to_string()));
        }
        let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        if query.is_empty() { "/admin/audit".to_owned() } else { format!("/admin/audit?{query}") }
    }

    /// The same search from its newest event.
    pub fn first_page(&self) -> AuditQuery {
        AuditQuery { before: None, ..self.clone() }
    }

    /// The searched text, trimmed and lower-cased, or why it cannot be searched.
    pub fn needle(&self) -> Result<String, FieldError> {
        let text = self.text.trim();
        if text.chars().count() > MAX_AUDIT_SEARCH_CHARS {
            return Err(FieldError::new("q", format!("Search for at most {MAX_AUDIT_SEARCH_CHARS} characters.")));
        }
        if !is_one_line(text) {
            return Err(FieldError::new("q", "The search cannot contain control characters."));
        }
        Ok(text.to_lowercase())
    }
}

/// A user an event names: their login, or none when they were deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: UserId,
    pub login: Option<String>,
}

impl UserRef {
    pub fn label(&self) -> String {
        self.login.clone().unwrap_or_else(|| format!("Deleted user #{}", self.id))
    }
}

/// One event as the audit log shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub action: AuditAction,
    /// Who did it (none: someone not signed in, e.g. a failed sign-in).
    pub actor: Option<UserRef>,
    /// The admin behind an impersonation.
    pub on_behalf_of: Option<UserRef>,
    /// Whom it was done to.
    pub target: Option<UserRef>,
    /// Names and counts, never personal data or secrets.
    pub detail: String,
    pub ip: Option<String>,
}

/// A page of the audit log, newest first, and the view of the next older page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub older: Option<AuditQuery>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(href: &str) -> AuditQuery {
        let query = href.split_once('?').map_or("", |(_, q)| q);
        let pairs: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        AuditQuery::from_query(|k| pairs.get(k).cloned())
    }

    #[test]
    fn a_view_survives_the_round_trip_through_its_url() {
        let view = AuditQuery { text: "ann & 10.0.0.1".into(), action: Some(AuditAction::UserUnlocked), before: Some(42) };
        assert_eq!(parse(&view.href()), view);
        assert_eq!(AuditQuery::default().href(), "/admin/audit");
        assert_eq!(parse("/admin/audit?action=nonsense&before=-3"), AuditQuery::default());
    }

    #[test]
    fn searches_are_bounded() {
        let long = AuditQuery { text: "x".repeat(MAX_AUDIT_SEARCH_CHARS + 1), ..Default::default() };
        assert_eq!(long.needle().unwrap_err().field, "q");
        let control = AuditQuery { text: "a\u{7}".into(), ..Default::default() };
        assert!(control.needle().is_err());
        assert_eq!(AuditQuery { text: " Ann ".into(), ..Default::default() }.needle().unwrap(), "ann");
    }

    #[test]
    fn deleted_users_are_named_by_id() {
        assert_eq!(UserRef { id: UserId(7), login: None }.label(), "Deleted user #7");
    }
}
