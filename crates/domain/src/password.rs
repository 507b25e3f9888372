use crate::FieldError;
use std::fmt;

/// A new password that meets Roster's policy (NIST SP 800-63B): 8–128
/// characters of any kind, not on the common-passwords list. No composition
/// rules, no truncation. Deliberately neither `Serialize` nor `Debug`-visible.
#[derive(Clone)]
pub struct Password(String);

/// Frequently breached passwords, refused outright (lower-cased).
const COMMON_PASSWORDS: &[&str] = &[
    "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd",
    "12345678", "123456789", "1234567890", "12345678910", "87654321", "11111111", "00000000",
    "qwertyui", "qwertyuiop", "qwerty123", "qwerty12", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx",
    "zaq12wsx", "asdfghjk", "asdfghjkl", "iloveyou", "iloveyou1", "sunshine", "princess",
    "football", "baseball", "welcome1", "welcome123", "letmein1", "letmein123", "trustno1",
    "superman", "starwars", "whatever", "computer", "michelle", "jennifer", "corvette",
    "mercedes", "dragon123", "monkey123", "abc12345", "abcd1234", "abcdefgh", "changeme",
    "changeme1", "administrator", "admin123", "admin1234", "adminadmin", "rootroot",
    "secret123", "default1", "master123", "internet", "samsung1", "liverpool", "chelsea1",
    "aa123456", "a1b2c3d4", "q1w2e3r4", "passpass", "testtest", "test1234", "helpdesk",
    "helpdesk1", "roster123", "zammad123",
];

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;
    /// Anything longer is refused before it is even counted or hashed.
    pub const MAX_BYTES: usize = Self::MAX_CHARS * 4;

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let err = |m: String| FieldError::new("password", m);
        if input.len() > Self::MAX_BYTES || input.chars().count() > Self::MAX_CHARS {
            return Err(err(format!("Password must be at most {} characters.", Self::MAX_CHARS)));
        }
        if input.chars().count() < Self::MIN_CHARS {
            return Err(err(format!("Password must be at least {} characters.", Self::MIN_CHARS)));
        }
        if COMMON_PASSWORDS.contains(&input.to_lowercase().as_str()) {
            return Err(err("This password is too common. Choose another.".into()));
        }
        Ok(Password(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_characters_within_length() {
        for ok in ["correct horse", "ünïcødé!", "🔑🔑🔑🔑🔑🔑🔑🔑", "        x", &"x".repeat(128)] {
            assert_eq!(Password::parse(ok).unwrap().expose(), ok);
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"é".repeat(129)).is_err());
        assert!(Password::parse("🔑🔑🔑🔑🔑🔑🔑").is_err(), "7 characters are too few");
    }

    #[test]
    fn refuses_short_long_and_common() {
        assert!(Password::parse("short").unwrap_err().message.contains("at least 8"));
        assert!(Password::parse(&"x".repeat(129)).unwrap_err().message.contains("at most 128"));
        assert!(Password::parse(&"x".repeat(100_000)).unwrap_err().message.contains("at most 128"));
        assert!(Password::parse("Password123").unwrap_err().message.contains("too common"));
    }

    #[test]
    fn never_shows_itself_in_debug_output() {
        assert_eq!(format!("{:?}", Password::parse("hunter2hunter2").unwrap()), "Password(<redacted>)");
    }
}
