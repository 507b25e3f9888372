//! What the New User and Edit User dialogs send, and the rules it must meet.
//! The browser runs the same rules for instant feedback; the server runs
//! them again, because the browser can be bypassed.

use crate::user_fields::line;
use crate::{Email, FieldError, Login, Password, RoleId, Section, Timestamp, UserFields, UserId};
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The dialog's fields as typed. Validation turns them into `ValidUserDetails`.
///
/// The browser sends them as one flat JSON object: the plain fields sit
/// beside the others, each under its own name (see `Serialize` below).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserDetails {
    pub login: String,
    pub email: String,
    /// The organization's name; one that does not exist yet is created.
    pub organization: String,
    pub secondary_organizations: Vec<String>,
    pub vip: bool,
    pub active: bool,
    pub roles: Vec<RoleId>,
    /// Blank: no password on create (the user cannot sign in until one is
    /// set), unchanged on edit.
    pub password: PasswordInput,
    /// "Must change password at next sign-in". Setting another user's
    /// password sets it whatever this says (see `Roster::update_user`).
    pub must_change_password: bool,
    pub fields: UserFields,
}

impl Default for UserDetails {
    fn default() -> Self {
        UserDetails {
            login: String::new(),
            email: String::new(),
            organization: String::new(),
            secondary_organizations: Vec::new(),
            vip: false,
            active: true,
            roles: vec![RoleId::CUSTOMER],
            password: PasswordInput::default(),
            must_change_password: false,
            fields: UserFields::default(),
        }
    }
}

/// The names `UserDetails` sends besides the plain fields'.
const OWN_FIELDS: [&str; 9] = [
    "login",
    "email",
    "organization",
    "secondary_organizations",
    "vip",
    "active",
    "roles",
    "password",
    "must_change_password",
];

/// Written by hand rather than derived with `#[serde(flatten)]`, whose
/// buffering the browser's module would carry: the plain fields are walked
/// from their table.
impl Serialize for UserDetails {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("UserDetails", OWN_FIELDS.len() + UserFields::COUNT)?;
        out.serialize_field("login", &self.login)?;
        out.serialize_field("email", &self.email)?;
        out.serialize_field("organization", &self.organization)?;
        out.serialize_field("secondary_organizations", &self.secondary_organizations)?;
        out.serialize_field("vip", &self.vip)?;
        out.serialize_field("active", &self.active)?;
        out.serialize_field("roles", &self.roles)?;
        out.serialize_field("password", &self.password)?;
        out.serialize_field("must_change_password", &self.must_change_password)?;
        for (rule, value) in UserFields::RULES.iter().zip(self.fields.values()) {
            out.serialize_field(rule.name, value)?;
        }
        out.end()
    }
}

/// As a derived `#[serde(default)]` would: a missing field keeps its
/// default, an unknown one is ignored, a repeated one is refused. Only an
/// object is read (the derived code also took a positional array, which
/// nothing sends).
impl<'de> Deserialize<'de> for UserDetails {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(DetailsVisitor)
    }
}

struct DetailsVisitor;

impl<'de> Visitor<'de> for DetailsVisitor {
    type Value = UserDetails;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct UserDetails")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserDetails, A::Error> {
        let mut details = UserDetails::default();
        let mut seen: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let known = OWN_FIELDS.contains(&key.as_str()) || details.fields.value(&key).is_some();
            if known && seen.contains(&key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            match key.as_str() {
                "login" => details.login = map.next_value()?,
                "email" => details.email = map.next_value()?,
                "organization" => details.organization = map.next_value()?,
                "secondary_organizations" => details.secondary_organizations = map.next_value()?,
                "vip" => details.vip = map.next_value()?,
                "active" => details.active = map.next_value()?,
                "roles" => details.roles = map.next_value()?,
                "password" => details.password = map.next_value()?,
                "must_change_password" => details.must_change_password = map.next_value()?,
                name => match details.fields.value_mut(name) {
                    Some(value) => *value = map.next_value()?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
            if known {
                seen.push(key);
            }
        }
        Ok(details)
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

/// The limits of the fields with their own handling; the plain fields'
/// are in `UserFields::RULES`.
pub mod limits {
    /// Characters in an organization's name.
    pub const ORGANIZATION: usize = 150;
    pub const SECONDARY_ORGANIZATIONS: usize = 20;
}

/// Details that meet every rule; the server stores exactly these.
#[derive(Clone, Debug)]
pub struct ValidUserDetails {
    pub login: Login,
    pub email: Option<Email>,
    pub organization: Option<String>,
    pub secondary_organizations: Vec<String>,
    pub vip: bool,
    pub active: bool,
    /// Sorted, without repeats, never empty.
    pub roles: Vec<RoleId>,
    pub password: Option<Password>,
    pub must_change_password: bool,
    /// Trimmed.
    pub fields: UserFields,
}

impl UserDetails {
    /// Checks every field and reports every problem at once, each under its
    /// field's name: the free-text fields first (the organization's among
    /// them) in the dialog's order, then the rest.
    pub fn validate(&self) -> Result<ValidUserDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<String, FieldError>| result.map_err(|e| errors.push(e)).unwrap_or_default();
        let mut fields = UserFields::default();
        let mut organization = String::new();
        for section in Section::ALL {
            if section == Section::Organization {
                organization = keep(line("organization", "Organization", &self.organization, limits::ORGANIZATION));
            }
            let checked = UserFields::RULES.iter().zip(self.fields.values()).zip(fields.values_mut());
            for ((rule, typed), valid) in checked.filter(|((rule, _), _)| rule.section == section) {
                *valid = keep(rule.check(typed));
            }
        }

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
        let unnamed = fields.first_name.is_empty() && fields.last_name.is_empty();
        if unnamed && errors.iter().all(|e| e.field != "first_name") {
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
                email,
                organization: (!organization.is_empty()).then_some(organization),
                secondary_organizations,
                vip: self.vip,
                active: self.active,
                roles,
                password,
                must_change_password: self.must_change_password,
                fields,
            }),
            _ => Err(errors),
        }
    }
}

impl ValidUserDetails {
    /// The names of the fields that differ from `before`, in the dialog's
    /// order, for the audit trail (names only: values may be personal
    /// data). A new password counts as a change of `password`.
    pub fn changed_from(&self, before: &UserDetails) -> Vec<&'static str> {
        let lower = |names: &[String]| {
            let mut names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
            names.sort();
            names
        };
        let mut changed = Vec::new();
        let mut mark = |name: &'static str, differs: bool| {
            if differs {
                changed.push(name);
            }
        };
        mark("login", self.login.as_str() != before.login);
        for section in Section::ALL {
            match section {
                Section::Contact => mark("email", self.email.as_ref().map_or("", |e| e.as_str()) != before.email),
                Section::Organization => {
                    let organization = self.organization.as_deref().unwrap_or("");
                    mark("organization", organization.to_lowercase() != before.organization.to_lowercase());
                    let secondary = lower(&self.secondary_organizations) != lower(&before.secondary_organizations);
                    mark("secondary_organizations", secondary);
                }
                _ => {}
            }
            for ((rule, now), (_, then)) in self.fields.in_section(section).zip(before.fields.in_section(section)) {
                mark(rule.name, now != then);
            }
        }
        let mut roles_before = before.roles.clone();
        roles_before.sort();
        mark("vip", self.vip != before.vip);
        mark("active", self.active != before.active);
        mark("roles", self.roles != roles_before);
        mark("password", self.password.is_some());
        mark("must_change_password", self.must_change_password != before.must_change_password);
        changed
    }
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
    use crate::{FieldKind, FieldRule};
    use serde_json::json;

    fn valid() -> UserDetails {
        let fields = UserFields { first_name: "Nina".into(), ..UserFields::default() };
        UserDetails { login: "nina".into(), fields, ..UserDetails::default() }
    }

    fn fields(details: &UserDetails) -> Vec<String> {
        details.validate().err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    fn rule(name: &str) -> &'static FieldRule {
        UserFields::RULES.iter().find(|r| r.name == name).unwrap()
    }

    #[test]
    fn trims_and_parses_a_complete_user() {
        let details = UserDetails {
            login: " Nina.B ".into(),
            email: " Nina@Example.com ".into(),
            organization: "Harbour Labs".into(),
            secondary_organizations: vec!["Quartz Foods".into(), "harbour labs".into(), "".into(), "Quartz foods".into()],
            roles: vec![RoleId::CUSTOMER, RoleId::AGENT, RoleId::CUSTOMER],
            password: PasswordInput("a long enough password".into()),
            fields: UserFields {
                last_name: " Berg ".into(),
                web: "https://nina.example.com/about?x=1".into(),
                address: "Line 1\nLine 2".into(),
                ..valid().fields
            },
            ..valid()
        };
        let ok = details.validate().unwrap();
        assert_eq!(ok.login.as_str(), "Nina.B");
        assert_eq!(ok.fields.last_name, "Berg");
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
            email: "not-an-email".into(),
            organization: "Harbour\u{7}".into(),
            roles: vec![],
            password: PasswordInput("short".into()),
            fields: UserFields {
                web: "example.com".into(),
                phone: "1".repeat(101),
                note: "n".repeat(5001),
                city: "Oslo\u{7}".into(),
                department: "d".repeat(151),
                ..UserFields::default()
            },
            ..UserDetails::default()
        };
        assert_eq!(
            fields(&details),
            ["web", "phone", "organization", "department", "city", "note", "login", "email", "first_name", "password", "roles"]
        );
    }

    #[test]
    fn limits_are_inclusive() {
        let at_limit = UserDetails {
            fields: UserFields { first_name: "n".repeat(150), note: "n".repeat(5000), ..UserFields::default() },
            ..valid()
        };
        assert!(at_limit.validate().is_ok());
        let over = UserDetails { fields: UserFields { last_name: "n".repeat(151), ..valid().fields }, ..valid() };
        assert_eq!(fields(&over), ["last_name"]);
    }

    #[test]
    fn web_addresses_need_a_scheme_and_a_host() {
        let web = rule("web");
        for ok in ["", "https://example.com", "http://localhost:3000/x", "https://user@sub.example.org/p#f"] {
            assert!(web.check(ok).is_ok(), "{ok}");
        }
        for bad in ["example.com", "ftp://example.com", "https://", "https://exa mple.com", "https://nodot", "javascript:alert(1)"] {
            assert!(web.check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn changes_are_named_by_field_in_the_dialogs_order() {
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
        let mut everything = UserDetails {
            login: "nina.b".into(),
            email: "nina@example.com".into(),
            organization: "Quartz Foods".into(),
            secondary_organizations: vec!["Bluebell Bakery".into()],
            vip: true,
            active: false,
            roles: vec![RoleId::AGENT],
            password: PasswordInput("a brand new password".into()),
            must_change_password: true,
            ..before.clone()
        };
        for (value, rule) in everything.fields.values_mut().into_iter().zip(UserFields::RULES) {
            *value = if rule.kind == FieldKind::Web { "https://example.com".into() } else { "changed".into() };
        }
        let changed = everything.validate().unwrap().changed_from(&before);
        // The order the audit trail has always used; a field added later may come in between.
        let known = [
            "login", "first_name", "last_name", "email", "web", "phone", "mobile", "fax", "organization",
            "secondary_organizations", "department", "street", "zip", "city", "country", "address", "note", "vip",
            "active", "roles", "password",
        ];
        assert_eq!(changed.iter().filter(|name| known.contains(name)).copied().collect::<Vec<_>>(), known);
        assert_eq!(changed.len(), OWN_FIELDS.len() + UserFields::COUNT, "every field is named once");
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let details = UserDetails { password: PasswordInput("secret password".into()), ..valid() };
        assert!(!format!("{details:?}").contains("secret password"));
    }

    #[test]
    fn details_travel_as_one_flat_object() {
        let sent = json!({ "login": "nina", "first_name": "Nina", "note": "Hi", "roles": [2], "unknown": {"x": 1} });
        let details: UserDetails = serde_json::from_value(sent).unwrap();
        assert_eq!((details.fields.first_name.as_str(), details.fields.note.as_str()), ("Nina", "Hi"));
        assert!(details.active, "missing fields keep their defaults");
        let back = serde_json::to_value(&details).unwrap();
        assert_eq!((&back["first_name"], &back["login"], &back["vip"]), (&json!("Nina"), &json!("nina"), &json!(false)));
        assert_eq!(serde_json::from_value::<UserDetails>(back).unwrap(), details);
        let repeated = serde_json::from_str::<UserDetails>(r#"{"city": "Oslo", "city": "Bergen"}"#);
        assert!(repeated.unwrap_err().to_string().contains("duplicate field `city`"));
        assert!(serde_json::from_str::<UserDetails>(r#"{"extra": 1, "extra": 2}"#).is_ok(), "unknown ones may repeat");
        assert!(serde_json::from_value::<UserDetails>(json!({ "city": null })).is_err());
    }

    /// What `UserFields::RULES` promises: each declared field has a name and
    /// a label, and is validated, compared and sent like the fields written
    /// out by hand before it.
    #[test]
    fn every_declared_field_is_validated_compared_and_sent() {
        let names: Vec<&str> = UserFields::RULES.iter().map(|r| r.name).collect();
        for (i, rule) in UserFields::RULES.iter().enumerate() {
            let name = rule.name;
            assert!(!names[..i].contains(&name) && !OWN_FIELDS.contains(&name), "{name} is declared once");
            assert!(!rule.label.is_empty() && rule.limit > 0 && Section::ALL.contains(&rule.section), "{name}");
            let with = |value: String| {
                let mut details = valid();
                *details.fields.values_mut()[i] = value;
                details
            };
            // A value of exactly `len` characters that meets the field's kind.
            let sample = |len: usize| match rule.kind {
                FieldKind::Web => format!("https://example.com/{}", "a".repeat(len - 20)),
                _ => "a".repeat(len),
            };

            let at_limit = with(format!(" {} ", sample(rule.limit))).validate().unwrap();
            assert_eq!(at_limit.fields.values()[i], sample(rule.limit), "{name} is trimmed and kept");
            let errors = with(sample(rule.limit + 1)).validate().unwrap_err();
            let message = format!("{} must be at most {} characters.", rule.label, rule.limit);
            assert_eq!(errors, [FieldError::new(name, message)], "{name} is held to its limit");
            let errors = with("a\u{7}b".into()).validate().unwrap_err();
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, [name], "{name} refuses control characters");
            let multi_line = with("a\nb".into()).validate();
            assert_eq!(multi_line.is_ok(), rule.kind == FieldKind::Text, "{name} takes line breaks only if multi-line");

            assert_eq!(at_limit.changed_from(&valid()), [name], "{name} is compared");

            let sent: UserDetails = serde_json::from_value(json!({ name: "x" })).unwrap();
            assert_eq!(sent.fields.values()[i], "x", "{name} is read from the browser's JSON");
            assert_eq!(serde_json::to_value(with("y".into())).unwrap()[name], "y", "{name} is sent");
        }
    }
}
