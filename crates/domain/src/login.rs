use crate::FieldError;
use serde::{Deserialize, Serialize};

/// A user's login name: 1–100 characters of letters, digits and `. _ - +`.
/// Unique case-insensitively; kept as typed, compared through `normalized`.
/// No `@`: sign-in takes a login or an email, and a login shaped like
/// someone else's email would shadow it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Login(String);

impl Login {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let login = input.trim();
        if login.is_empty() {
            return Err(FieldError::new("login", "Login is required."));
        }
        if login.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("login", format!("Login must be at most {} characters.", Self::MAX_CHARS)));
        }
        if login.contains('@') {
            return Err(FieldError::new("login", "A login cannot contain @ (people can sign in with their email)."));
        }
        if let Some(bad) = login.chars().find(|c| !(c.is_alphanumeric() || "._-+".contains(*c))) {
            let message = format!("Login may contain letters, digits and . _ - + but not {bad:?}.");
            return Err(FieldError::new("login", message));
        }
        Ok(Login(login.to_owned()))
    }
}

crate::text::parsed_text!(Login);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_usual_logins_and_trims_them() {
        for ok in ["admin", "j.doe", "anna_b-2", "x", "müller", "a+b.corp"] {
            assert_eq!(Login::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Login::parse("  admin \n").unwrap().as_str(), "admin");
    }

    #[test]
    fn refuses_empty_long_and_odd_characters() {
        assert_eq!(Login::parse("   ").unwrap_err().message, "Login is required.");
        assert!(Login::parse(&"a".repeat(101)).is_err());
        assert!(Login::parse(&"a".repeat(100)).is_ok());
        for bad in ["two words", "semi;colon", "<script>", "quote'"] {
            let err = Login::parse(bad).unwrap_err();
            assert_eq!(err.field, "login", "{bad}");
        }
    }

    #[test]
    fn refuses_an_at_sign_so_no_login_looks_like_an_email() {
        for bad in ["ann@example.com", "@", "ann@"] {
            let err = Login::parse(bad).unwrap_err();
            assert_eq!(err.field, "login", "{bad}");
            assert!(err.message.contains("cannot contain @"), "{}", err.message);
        }
    }

    #[test]
    fn compares_case_insensitively_through_normalized() {
        assert_eq!(Login::parse("Admin").unwrap().normalized(), Login::parse("aDMIN").unwrap().normalized());
    }
}
