//! What the New User and Edit User dialogs send, and the rules it must meet.
//! The browser runs the same rules for instant feedback; the server runs
//! them again, because the browser can be bypassed.

use crate::{is_one_line, is_plain_text, Email, FieldError, Login, Password, RoleId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The dialog's fields as typed. Validation turns them into `ValidUserDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserDetails {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub web: String,
    pub phone: String,
    pub mobile: String,
    pub fax: String,
    /// The organization's name; one that does not exist yet is created.
    pub organization: String,
    pub secondary_organizations: Vec<String>,
    pub department: String,
    pub street: String,
    pub zip: String,
    pub city: String,
    pub country: String,
    pub address: String,
    pub note: String,
    pub vip: bool,
    pub active: bool,
    pub roles: Vec<RoleId>,
    /// Blank: no password on create (the user cannot sign in until one is
    /// set), unchanged on edit.
    pub password: PasswordInput,
}

impl Default for UserDetails {
    fn default() -> Self {
        UserDetails {
            login: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            web: String::new(),
            phone: String::new(),
            mobile: String::new(),
            fax: String::new(),
            organization: String::new(),
            secondary_organizations: Vec::new(),
            department: String::new(),
            street: String::new(),
            zip: String::new(),
            city: String::new(),
            country: String::new(),
            address: String::new(),
            note: String::new(),
            vip: false,
            active: true,
            roles: vec![RoleId::CUSTOMER],
            password: PasswordInput::default(),
        }
    }
}

/// A password as typed into a form: travels to the server, never shows in
/// debug output or logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordInput(pub String);

impl fmt::Debug for PasswordInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "PasswordInput(blank)" } else { "PasswordInput(<redacted>)" })
    }
}

/// The limits of the free-text fields, in characters.
pub mod limits {
    pub const NAME: usize = 150;
    pub const PHONE: usize = 100;
    pub const WEB: usize = 250;
    pub const ORGANIZATION: usize = 150;
    pub const SECONDARY_ORGANIZATIONS: usize = 20;
    pub const DEPARTMENT: usize = 150;
    pub const STREET: usize = 150;
    pub const ZIP: usize = 30;
    pub const CITY: usize = 150;
    pub const COUNTRY: usize = 150;
    pub const ADDRESS: usize = 500;
    pub const NOTE: usize = 5000;
}

/// Details that meet every rule; the server stores exactly these.
#[derive(Clone, Debug)]
pub struct ValidUserDetails {
    pub login: Login,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<Email>,
    pub web: String,
    pub phone: String,
    pub mobile: String,
    pub fax: String,
    pub organization: Option<String>,
    pub secondary_organizations: Vec<String>,
    pub department: String,
    pub street: String,
    pub zip: String,
    pub city: String,
    pub country: String,
    pub address: String,
    pub note: String,
    pub vip: bool,
    pub active: bool,
    /// Sorted, without repeats, never empty.
    pub roles: Vec<RoleId>,
    pub password: Option<Password>,
}

impl UserDetails {
    /// Checks every field and reports every problem at once, each under its
    /// field's name (the names of this struct's fields).
    pub fn validate(&self) -> Result<ValidUserDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<String, FieldError>| result.map_err(|e| errors.push(e)).unwrap_or_default();
        let first_name = keep(line("first_name", "First name", &self.first_name, limits::NAME));
        let last_name = keep(line("last_name", "Last name", &self.last_name, limits::NAME));
        let web = keep(web(&self.web));
        let phone = keep(line("phone", "Phone", &self.phone, limits::PHONE));
        let mobile = keep(line("mobile", "Mobile", &self.mobile, limits::PHONE));
        let fax = keep(line("fax", "Fax", &self.fax, limits::PHONE));
        let organization = keep(line("organization", "Organization", &self.organization, limits::ORGANIZATION));
        let department = keep(line("department", "Department", &self.department, limits::DEPARTMENT));
        let street = keep(line("street", "Street", &self.street, limits::STREET));
        let zip = keep(line("zip", "Zip", &self.zip, limits::ZIP));
        let city = keep(line("city", "City", &self.city, limits::CITY));
        let country = keep(line("country", "Country", &self.country, limits::COUNTRY));
        let address = keep(text("address", "Address", &self.address, limits::ADDRESS));
        let note = keep(text("note", "Note", &self.note, limits::NOTE));

        let mut secondary_organizations: Vec<String> = Vec::new();
        for name in &self.secondary_organizations {
            let name = keep(line("secondary_organizations", "Each organization", name, limits::ORGANIZATION));
            let repeated = secondary_organizations.iter().chain([&organization]).any(|o| o.to_lowercase() == name.to_lowercase());
            if !name.is_empty() && !repeated {
                secondary_organizations.push(name);
            }
        }
        if secondary_organizations.len() > limits::SECONDARY_ORGANIZATIONS {
            errors.push(FieldError::new(
                "secondary_organizations",
                format!("At most {} secondary organizations.", limits::SECONDARY_ORGANIZATIONS),
            ));
        }

        let login = Login::parse(&self.login).map_err(|e| errors.push(e)).ok();
        let email = match self.email.trim() {
            "" => None,
            email => Email::parse(email).map_err(|e| errors.push(e)).ok(),
        };
        if first_name.is_empty() && last_name.is_empty() && errors.iter().all(|e| e.field != "first_name") {
            errors.push(FieldError::new("first_name", "Enter a first or last name."));
        }
        let password = match self.password.0.as_str() {
            "" => None,
            typed => Password::parse(typed).map_err(|e| errors.push(e)).ok(),
        };
        let mut roles = self.roles.clone();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            errors.push(FieldError::new("roles", "Choose at least one role."));
        }

        match login {
            Some(login) if errors.is_empty() => Ok(ValidUserDetails {
                login,
                first_name,
                last_name,
                email,
                web,
                phone,
                mobile,
                fax,
                organization: (!organization.is_empty()).then_some(organization),
                secondary_organizations,
                department,
                street,
                zip,
                city,
                country,
                address,
                note,
                vip: self.vip,
                active: self.active,
                roles,
                password,
            }),
            _ => Err(errors),
        }
    }
}

impl ValidUserDetails {
    /// The names of the fields that differ from `before`, for the audit
    /// trail (names only: values may be personal data). A new password
    /// counts as a change of `password`.
    pub fn changed_from(&self, before: &UserDetails) -> Vec<&'static str> {
        let lower = |names: &[String]| {
            let mut names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            names.sort();
            names
        };
        let mut roles_before = before.roles.clone();
        roles_before.sort();
        [
            ("login", self.login.as_str() != before.login),
            ("first_name", self.first_name != before.first_name),
            ("last_name", self.last_name != before.last_name),
            ("email", self.email.as_ref().map_or("", |e| e.as_str()) != before.email),
            ("web", self.web != before.web),
            ("phone", self.phone != before.phone),
            ("mobile", self.mobile != before.mobile),
            ("fax", self.fax != before.fax),
            ("organization", self.organization.as_deref().unwrap_or("").to_lowercase() != before.organization.to_lowercase()),
            ("secondary_organizations", lower(&self.secondary_organizations) != lower(&before.secondary_organizations)),
            ("department", self.department != before.department),
            ("street", self.street != before.street),
            ("zip", self.zip != before.zip),
            ("city", self.city != before.city),
            ("country", self.country != before.country),
            ("address", self.address != before.address),
            ("note", self.note != before.note),
            ("vip", self.vip != before.vip),
            ("active", self.active != before.active),
            ("roles", self.roles != roles_before),
            ("password", self.password.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }
}

/// A one-line field: trimmed, at most `max` characters, no control characters.
fn line(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if !is_one_line(value) {
        return Err(FieldError::new(field, format!("{label} must be on one line, without control characters.")));
    }
    within(field, label, value, max)
}

/// A multi-line field: line breaks and tabs allowed, other control characters not.
fn text(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if !is_plain_text(value) {
        return Err(FieldError::new(field, format!("{label} contains control characters.")));
    }
    within(field, label, value, max)
}

fn within(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
    if value.chars().count() > max {
        return Err(FieldError::new(field, format!("{label} must be at most {max} characters.")));
    }
    Ok(value.to_owned())
}

/// A web address: blank, or `http(s)://host…` with a dotted host (or localhost).
fn web(value: &str) -> Result<String, FieldError> {
    let value = line("web", "Web", value, limits::WEB)?;
    if value.is_empty() {
        return Ok(value);
    }
    let invalid = || FieldError::new("web", "Enter a web address like https://example.com.");
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://")).ok_or_else(invalid)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or_default();
    let labels_ok = host.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if value.contains(char::is_whitespace) || !labels_ok || !(host.contains('.') || host == "localhost") {
        return Err(invalid());
    }
    Ok(value)
}

/// A user as the Edit User dialog opens it: the details (password blank)
/// and the version the edit starts from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditableUser {
    pub id: UserId,
    /// Increases with every save; a save names the version it started from.
    pub version: i64,
    pub details: UserDetails,
    /// Whether a password is set (the user can sign in with one).
    pub has_password: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> UserDetails {
        UserDetails { login: "nina".into(), first_name: "Nina".into(), ..UserDetails::default() }
    }

    fn fields(details: &UserDetails) -> Vec<String> {
        details.validate().err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn trims_and_parses_a_complete_user() {
        let details = UserDetails {
            login: " Nina.B ".into(),
            last_name: " Berg ".into(),
            email: " Nina@Example.com ".into(),
            web: "https://nina.example.com/about?x=1".into(),
            organization: "Harbour Labs".into(),
            secondary_organizations: vec!["Quartz Foods".into(), "harbour labs".into(), "".into(), "Quartz foods".into()],
            address: "Line 1\nLine 2".into(),
            roles: vec![RoleId::CUSTOMER, RoleId::AGENT, RoleId::CUSTOMER],
            password: PasswordInput("a long enough password".into()),
            ..valid()
        };
        let ok = details.validate().unwrap();
        assert_eq!(ok.login.as_str(), "Nina.B");
        assert_eq!(ok.last_name, "Berg");
        assert_eq!(ok.email.unwrap().as_str(), "Nina@Example.com");
        assert_eq!(ok.organization.as_deref(), Some("Harbour Labs"));
        assert_eq!(ok.secondary_organizations, ["Quartz Foods"], "repeats and the primary are dropped");
        assert_eq!(ok.roles, [RoleId::AGENT, RoleId::CUSTOMER]);
        assert!(ok.password.is_some());
    }

    #[test]
    fn blank_optional_fields_are_fine() {
        let ok = valid().validate().unwrap();
        assert_eq!((ok.email, ok.organization, ok.password.is_none()), (None, None, true));
    }

    #[test]
    fn reports_every_problem_under_its_field() {
        let details = UserDetails {
            login: "two words".into(),
            first_name: String::new(),
            email: "not-an-email".into(),
            web: "example.com".into(),
            phone: "1".repeat(101),
            note: "n".repeat(5001),
            city: "Oslo\u{7}".into(),
            roles: vec![],
            password: PasswordInput("short".into()),
            ..UserDetails::default()
        };
        assert_eq!(
            fields(&details),
            ["web", "phone", "city", "note", "login", "email", "first_name", "password", "roles"]
        );
    }

    #[test]
    fn limits_are_inclusive() {
        let at_limit = UserDetails { first_name: "n".repeat(150), note: "n".repeat(5000), ..valid() };
        assert!(at_limit.validate().is_ok());
        let over = UserDetails { last_name: "n".repeat(151), ..valid() };
        assert_eq!(fields(&over), ["last_name"]);
    }

    #[test]
    fn web_addresses_need_a_scheme_and_a_host() {
        for ok in ["", "https://example.com", "http://localhost:3000/x", "https://user@sub.example.org/p#f"] {
            assert!(web(ok).is_ok(), "{ok}");
        }
        for bad in ["example.com", "ftp://example.com", "https://", "https://exa mple.com", "https://nodot", "javascript:alert(1)"] {
            assert!(web(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn changes_are_named_by_field() {
        let before = UserDetails { organization: "Harbour Labs".into(), roles: vec![RoleId::CUSTOMER], ..valid() };
        let same = UserDetails { organization: " harbour labs ".into(), ..before.clone() };
        assert!(same.validate().unwrap().changed_from(&before).is_empty());
        let edited = UserDetails {
            email: "nina@example.com".into(),
            roles: vec![RoleId::CUSTOMER, RoleId::AGENT],
            active: false,
            password: PasswordInput("a brand new password".into()),
            ..before.clone()
        };
        assert_eq!(edited.validate().unwrap().changed_from(&before), ["email", "active", "roles", "password"]);
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let details = UserDetails { password: PasswordInput("secret password".into()), ..valid() };
        assert!(!format!("{details:?}").contains("secret password"));
    }
}
