use crate::FieldError;
use serde::{Deserialize, Serialize};

/// An email address: `local@domain.tld`, at most 150 characters, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 150;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let email = input.trim();
        let invalid = || FieldError::new("email", "Enter an email address like name@example.com.");
        if email.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("email", format!("Email must be at most {} characters.", Self::MAX_CHARS)));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email.to_owned()))
    }
}

crate::text::parsed_text!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["a@b.co", "first.last+tag@mail.example.org", " Mixed@Case.Example "] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse("Ann@Corp.Example").unwrap().normalized(), "ann@corp.example");
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "a@-b.com", "a\u{0}b@c.com"] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(140));
        assert!(Email::parse(&long).unwrap_err().message.contains("at most 150"));
    }
}
