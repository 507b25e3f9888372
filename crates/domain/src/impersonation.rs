//! What an admin gives to enter a user's view of Roster.

use crate::text::is_one_line;
use crate::FieldError;

/// Longest reason for a view, in characters: a sentence, not a report.
pub const MAX_IMPERSONATION_REASON_CHARS: usize = 200;

/// Why an admin views Roster as a user: one line, required. It goes to the
/// audit log and nowhere else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpersonationReason(String);

impl ImpersonationReason {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let refuse = |message: String| Err(FieldError::new("reason", message));
        if text.is_empty() {
            return refuse("Say why you are viewing Roster as this user.".into());
        }
        if !is_one_line(text) {
            return refuse("Keep the reason to one line.".into());
        }
        if text.chars().count() > MAX_IMPERSONATION_REASON_CHARS {
            return refuse(format!("At most {MAX_IMPERSONATION_REASON_CHARS} characters."));
        }
        Ok(ImpersonationReason(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_one_trimmed_line_of_at_most_the_limit() {
        assert_eq!(ImpersonationReason::parse("  Ticket #12 ").unwrap().as_str(), "Ticket #12");
        let longest = "é".repeat(MAX_IMPERSONATION_REASON_CHARS);
        assert_eq!(ImpersonationReason::parse(&longest).unwrap().as_str(), longest);
        for bad in ["", " \t ", "two\nlines", "a\0b", &"x".repeat(MAX_IMPERSONATION_REASON_CHARS + 1)] {
            assert_eq!(ImpersonationReason::parse(bad).unwrap_err().field, "reason", "{bad:?}");
        }
    }
}
