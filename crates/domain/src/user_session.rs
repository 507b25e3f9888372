use crate::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A session as the Sessions list names it. Not its cookie, nor anything
/// the cookie could be worked out from: a random id of its own, which stays
/// the same when the session is given a new cookie.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    /// The characters of an id Roster gives: 32 lower-case hexadecimal digits.
    pub fn parse(text: &str) -> Option<SessionId> {
        (text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| SessionId(text.to_owned()))
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One open session of a user, as Edit User → Sessions and Profile →
/// Sessions list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSession {
    pub id: SessionId,
    pub started: Timestamp,
    pub last_seen: Timestamp,
    /// The address it was last seen from (none for one that predates
    /// Roster keeping it).
    pub address: Option<String>,
    /// Browser and system, e.g. "Firefox 133 on Windows 10"; "Unknown
    /// browser" when the browser did not say.
    pub browser: String,
    /// The session of the browser asking.
    pub this_browser: bool,
    /// An admin viewing Roster as the user: the admin's name and login.
    pub viewed_by: Option<String>,
}

/// Most sessions a list shows: the most recently seen first. A user has
/// this many only if something signs in on their behalf in a loop.
pub const SESSION_LIST_LIMIT: usize = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ids_of_roster_shape_parse() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(SessionId::parse(id), Some(SessionId(id.to_owned())));
        for bad in ["", "0123", &id.to_uppercase(), &format!("{id}0"), "0123456789abcdef0123456789abcdeg", "' OR 1=1 --"] {
            assert_eq!(SessionId::parse(bad), None, "{bad}");
        }
    }
}
