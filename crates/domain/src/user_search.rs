//! What the admin asks the Users panel for: search text, roles, facets, sort
//! and page. The same value is the URL's query string, the server function's
//! argument and the store's input, so a link restores exactly one view.

use crate::{is_one_line, FieldError, RoleId, UserId, UserRow};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest search text accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;
/// Most words a search may have; each one narrows the result.
pub const MAX_SEARCH_WORDS: usize = 8;
/// The Users panel shows this many users per page.
pub const PAGE_SIZE: usize = 50;
/// Counting stops here on the first answer; the exact figure follows.
pub const COUNT_CAP: i64 = 1_000;

/// A yes/no property an admin can narrow the list to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum UserFacet {
    Locked,
    NoTwoFactor,
    Inactive,
    NeverSignedIn,
    /// No sign-in for the server's `dormant-after-days` (counted from the
    /// account's creation for one that never signed in).
    Dormant,
}

impl UserFacet {
    pub const ALL: [UserFacet; 5] =
        [UserFacet::Locked, UserFacet::NoTwoFactor, UserFacet::Inactive, UserFacet::NeverSignedIn, UserFacet::Dormant];

    /// The facet's name in URLs.
    pub fn key(self) -> &'static str {
        match self {
            UserFacet::Locked => "locked",
            UserFacet::NoTwoFactor => "no-2fa",
            UserFacet::Inactive => "inactive",
            UserFacet::NeverSignedIn => "never-signed-in",
            UserFacet::Dormant => "dormant",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserFacet::Locked => "Locked",
            UserFacet::NoTwoFactor => "No two-factor",
            UserFacet::Inactive => "Inactive",
            UserFacet::NeverSignedIn => "Never signed in",
            UserFacet::Dormant => "No recent sign-in",
        }
    }

    /// The label the panel shows, with the server's number of days in the
    /// one that depends on it: "No sign-in for 90 days".
    pub fn label_with(self, dormant_after_days: i64) -> String {
        match self {
            UserFacet::Dormant if dormant_after_days == 1 => "No sign-in for 1 day".to_owned(),
            UserFacet::Dormant => format!("No sign-in for {dormant_after_days} days"),
            other => other.label().to_owned(),
        }
    }

    pub fn from_key(key: &str) -> Option<UserFacet> {
        UserFacet::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// The order of the list. Every order ends with the id, so it is total and
/// pages never overlap or skip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Newest,
    Oldest,
    /// Last name, then first name, A to Z.
    Name,
    Login,
    /// A to Z; users without an email come last.
    Email,
    /// Most recent first; users who never signed in come last.
    LastSignIn,
}

impl UserSort {
    pub const ALL: [UserSort; 6] =
        [UserSort::Newest, UserSort::Oldest, UserSort::Name, UserSort::Login, UserSort::Email, UserSort::LastSignIn];

    pub fn key(self) -> &'static str {
        match self {
            UserSort::Newest => "newest",
            UserSort::Oldest => "oldest",
            UserSort::Name => "name",
            UserSort::Login => "login",
            UserSort::Email => "email",
            UserSort::LastSignIn => "last-sign-in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserSort::Newest => "Newest first",
            UserSort::Oldest => "Oldest first",
            UserSort::Name => "Name (A–Z)",
            UserSort::Login => "Login (A–Z)",
            UserSort::Email => "Email (A–Z)",
            UserSort::LastSignIn => "Last sign-in (recent first)",
        }
    }

    pub fn from_key(key: &str) -> Option<UserSort> {
        UserSort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Where the next page starts: just after the user `id`, whose sort key was
/// `key` (empty for the id orders). Written `id` or `id.key` in URLs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageCursor {
    pub id: UserId,
    pub key: String,
}

impl fmt::Display for PageCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() { write!(f, "{}", self.id) } else { write!(f, "{}.{}", self.id, self.key) }
    }
}

impl PageCursor {
    pub fn parse(text: &str) -> Option<PageCursor> {
        let (id, key) = text.split_once('.').unwrap_or((text, ""));
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        Some(PageCursor { id: UserId(id), key: key.to_owned() })
    }
}

/// One view of the Users panel. Every field may be left out of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSearch {
    /// Words separated by spaces; a user matches when every word is a
    /// substring (ignoring case) of one of their searchable attributes.
    pub text: String,
    /// Users holding any of these roles; empty means every role.
    pub roles: Vec<RoleId>,
    /// Users having every one of these properties.
    pub facets: Vec<UserFacet>,
    pub sort: UserSort,
    /// Start after this user; `None` is the first page.
    pub after: Option<PageCursor>,
}

impl UserSearch {
    /// The lower-cased words to match, or why the text cannot be searched.
    pub fn words(&self) -> Result<Vec<String>, FieldError> {
        if self.text.chars().count() > MAX_SEARCH_CHARS {
            return Err(FieldError::new("q", format!("Search for at most {MAX_SEARCH_CHARS} characters.")));
        }
        let words: Vec<String> = self.text.split_whitespace().map(str::to_lowercase).collect();
        if words.len() > MAX_SEARCH_WORDS {
            return Err(FieldError::new("q", format!("Search for at most {MAX_SEARCH_WORDS} words.")));
        }
        if !words.iter().all(|w| is_one_line(w)) {
            return Err(FieldError::new("q", "Search text cannot contain control characters."));
        }
        Ok(words)
    }

    /// The same view from its first page.
    pub fn first_page(&self) -> UserSearch {
        UserSearch { after: None, ..self.clone() }
    }

    pub fn has_role(&self, role: RoleId) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_facet(&self, facet: UserFacet) -> bool {
        self.facets.contains(&facet)
    }

    /// This view with `role` switched on or off, from the first page.
    pub fn toggle_role(&self, role: RoleId) -> UserSearch {
        let mut next = self.first_page();
        toggle(&mut next.roles, role);
        next
    }

    /// This view with `facet` switched on or off, from the first page.
    pub fn toggle_facet(&self, facet: UserFacet) -> UserSearch {
        let mut next = self.first_page();
        toggle(&mut next.facets, facet);
        next
    }

    /// Reads a view from URL query parameters; unknown values are dropped,
    /// so an edited or outdated link still opens a sensible view.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> UserSearch {
        let list = |name: &str| -> Vec<String> {
            get(name).map(|v| v.split(',').map(str::to_owned).collect()).unwrap_or_default()
        };
        let mut roles: Vec<RoleId> = list("roles").iter().filter_map(|k| RoleId::from_key(k)).collect();
        roles.sort();
        roles.dedup();
        let mut facets: Vec<UserFacet> = list("only").iter().filter_map(|k| UserFacet::from_key(k)).collect();
        facets.sort();
        facets.dedup();
        UserSearch {
            text: get("q").unwrap_or_default(),
            roles,
            facets,
            sort: get("sort").and_then(|s| UserSort::from_key(&s)).unwrap_or_default(),
            after: get("after").and_then(|a| PageCursor::parse(&a)),
        }
    }

    /// Reads a view from a URL query string (with or without its `?`), as
    /// the browser's address bar holds it after Back or Forward.
    pub fn from_query_string(query: &str) -> UserSearch {
        let query = query.strip_prefix('?').unwrap_or(query);
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        UserSearch::from_query(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    /// The view as URL query parameters; defaults are left out.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if !self.text.is_empty() {
            pairs.push(("q", self.text.clone()));
        }
        if !self.roles.is_empty() {
            pairs.push(("roles", self.roles.iter().map(|r| r.key()).collect::<Vec<_>>().join(",")));
        }
        if !self.facets.is_empty() {
            pairs.push(("only", self.facets.iter().map(|f| f.key()).collect::<Vec<_>>().join(",")));
        }
        if self.sort != UserSort::default() {
            pairs.push(("sort", self.sort.key().to_owned()));
        }
        if let Some(after) = &self.after {
            pairs.push(("after", after.to_string()));
        }
        pairs
    }

    /// The view as a URL query string (without `?`).
    pub fn to_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(self.query_pairs()).finish()
    }

    /// The Users panel's address for this view.
    pub fn href(&self) -> String {
        match self.to_query() {
            q if q.is_empty() => "/admin/users".to_owned(),
            q => format!("/admin/users?{q}"),
        }
    }
}

fn toggle<T: PartialEq + Ord>(list: &mut Vec<T>, item: T) {
    if let Some(i) = list.iter().position(|x| *x == item) {
        list.remove(i);
    } else {
        list.push(item);
        list.sort();
    }
}

/// How many users match: exact, or at least this many while counting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchCount {
    Exact(i64),
    AtLeast(i64),
}

impl fmt::Display for MatchCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MatchCount::Exact(1) => f.write_str("1 user"),
            MatchCount::Exact(n) => write!(f, "{} users", group_thousands(n)),
            MatchCount::AtLeast(n) => write!(f, "{}+ users", group_thousands(n)),
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One page of the Users panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub rows: Vec<UserRow>,
    /// Exact when small; otherwise capped, and `count_users` gives the rest.
    pub count: MatchCount,
    /// The next page's start; `None` on the last page.
    pub next: Option<PageCursor>,
    /// How many days without a sign-in make an account dormant here (the
    /// "No sign-in for N days" facet), as the server is set up.
    #[serde(default)]
    pub dormant_after_days: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> UserSearch {
        UserSearch::from_query_string(query)
    }

    #[test]
    fn a_view_survives_the_round_trip_through_its_url() {
        let view = UserSearch {
            text: "anna  @corp.example 50%".into(),
            roles: vec![RoleId::ADMIN, RoleId::CUSTOMER],
            facets: vec![UserFacet::Locked, UserFacet::NeverSignedIn],
            sort: UserSort::Name,
            after: Some(PageCursor { id: UserId(42), key: "schmidt anna.b".into() }),
        };
        assert_eq!(parse(&view.to_query()), view);
        assert_eq!(UserSearch::default().href(), "/admin/users");
    }

    #[test]
    fn the_address_bar_query_is_read_with_or_without_its_question_mark() {
        let view = UserSearch { text: "anna b".into(), roles: vec![RoleId::AGENT], ..Default::default() };
        assert_eq!(parse(&format!("?{}", view.to_query())), view);
        assert_eq!(parse("?"), UserSearch::default());
        assert_eq!(parse(""), UserSearch::default());
    }

    #[test]
    fn unknown_values_in_a_link_are_dropped() {
        let view = parse("roles=admin,wizard,admin&only=locked,bogus&sort=sideways&after=-3");
        assert_eq!(view.roles, [RoleId::ADMIN]);
        assert_eq!(view.facets, [UserFacet::Locked]);
        assert_eq!(view.sort, UserSort::Newest);
        assert_eq!(view.after, None);
    }

    #[test]
    fn toggling_starts_again_from_the_first_page() {
        let view = UserSearch { after: PageCursor::parse("7"), ..Default::default() };
        let agents = view.toggle_role(RoleId::AGENT);
        assert_eq!((agents.roles.as_slice(), agents.after.as_ref()), ([RoleId::AGENT].as_slice(), None));
        assert!(agents.toggle_role(RoleId::AGENT).roles.is_empty());
        assert_eq!(view.toggle_facet(UserFacet::Inactive).facets, [UserFacet::Inactive]);
    }

    #[test]
    fn words_are_lower_cased_and_limited() {
        let view = UserSearch { text: "  Anna SCHMIDT ".into(), ..Default::default() };
        assert_eq!(view.words().unwrap(), ["anna", "schmidt"]);
        let long = UserSearch { text: "x".repeat(MAX_SEARCH_CHARS + 1), ..Default::default() };
        assert_eq!(long.words().unwrap_err().field, "q");
        let many = UserSearch { text: "a ".repeat(MAX_SEARCH_WORDS + 1), ..Default::default() };
        assert_eq!(many.words().unwrap_err().field, "q");
        let control = UserSearch { text: "a\u{0}b".into(), ..Default::default() };
        assert!(control.words().is_err());
    }

    #[test]
    fn counts_read_well() {
        assert_eq!(MatchCount::Exact(1).to_string(), "1 user");
        assert_eq!(MatchCount::Exact(1_234_567).to_string(), "1,234,567 users");
        assert_eq!(MatchCount::AtLeast(1000).to_string(), "1,000+ users");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(-1000), "-1,000");
    }
}
