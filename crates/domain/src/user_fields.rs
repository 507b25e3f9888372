//! A user's plain free-text fields, declared once. The list at the bottom
//! makes both the struct that holds them and the table of their rules;
//! validation, the audit's comparison, the browser's JSON, the store's
//! columns and the dialog all walk that table. A new field is a line there
//! plus a column (of the same name) in each engine's migration.

use crate::{is_one_line, is_plain_text, FieldError};

/// How a field is typed and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Line,
    /// One line, typed as a phone number (`<input type="tel">`).
    Phone,
    /// A web address: blank, or `http(s)://` and a host.
    Web,
    /// Several lines: line breaks and tabs allowed.
    Text,
}

/// Where the New/Edit User dialog shows a field. Within a section the
/// fields with their own handling come first (email opens Contact;
/// organization and secondary organizations open Organization), then the
/// plain fields in declared order. Errors and the audit trail name fields
/// in that same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Name,
    Contact,
    Organization,
    Address,
    Note,
}

impl Section {
    pub const ALL: [Section; 5] = [Section::Name, Section::Contact, Section::Organization, Section::Address, Section::Note];
}

/// One plain field's rules.
#[derive(Debug)]
pub struct FieldRule {
    /// The field's name in the browser's JSON, in errors and in the audit
    /// trail; also the name of the column that stores it.
    pub name: &'static str,
    /// The dialog's label, which also starts the field's error messages.
    pub label: &'static str,
    pub kind: FieldKind,
    /// At most this many characters.
    pub limit: usize,
    pub section: Section,
}

impl FieldRule {
    /// The value trimmed, if it meets the rules; the error names this field.
    pub fn check(&self, value: &str) -> Result<String, FieldError> {
        match self.kind {
            FieldKind::Line | FieldKind::Phone => line(self.name, self.label, value, self.limit),
            FieldKind::Text => text(self.name, self.label, value, self.limit),
            FieldKind::Web => web(self.name, self.label, value, self.limit),
        }
    }
}

/// A one-line field: trimmed, at most `max` characters, no control characters.
pub(crate) fn line(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
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
fn web(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let value = line(field, label, value, max)?;
    if value.is_empty() {
        return Ok(value);
    }
    let invalid = || FieldError::new(field, "Enter a web address like https://example.com.");
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

/// Makes `UserFields` (a `String` per field) and `UserFields::RULES` (a
/// `FieldRule` per field, in the same order) from one list.
macro_rules! user_fields {
    ($($name:ident: $label:literal, $kind:ident, $limit:literal, $section:ident;)*) => {
        /// A user's plain free-text fields: as typed, as validated (trimmed)
        /// or as stored, depending on where they sit.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct UserFields {
            $(pub $name: String,)*
        }

        impl UserFields {
            pub const COUNT: usize = [$(stringify!($name)),*].len();

            /// Every field's rules, in the order of `values`.
            pub const RULES: &'static [FieldRule; Self::COUNT] = &[$(FieldRule {
                name: stringify!($name),
                label: $label,
                kind: FieldKind::$kind,
                limit: $limit,
                section: Section::$section,
            },)*];

            /// The values in the order of `RULES`.
            pub fn values(&self) -> [&str; Self::COUNT] {
                [$(self.$name.as_str()),*]
            }

            /// The values in the order of `RULES`, to fill in.
            pub fn values_mut(&mut self) -> [&mut String; Self::COUNT] {
                [$(&mut self.$name),*]
            }
        }
    };
}

// name: label, kind, limit in characters, section. A new field needs a
// `TEXT NOT NULL DEFAULT ''` column of the same name in both migrations.
user_fields! {
    first_name: "First name", Line, 150, Name;
    last_name: "Last name", Line, 150, Name;
    web: "Web", Web, 250, Contact;
    phone: "Phone", Phone, 100, Contact;
    mobile: "Mobile", Phone, 100, Contact;
    fax: "Fax", Phone, 100, Contact;
    department: "Department", Line, 150, Organization;
    street: "Street", Line, 150, Address;
    zip: "Zip", Line, 30, Address;
    city: "City", Line, 150, Address;
    country: "Country", Line, 150, Address;
    address: "Address", Text, 500, Address;
    note: "Note", Text, 5000, Note;
}

impl UserFields {
    /// The rules and values of the fields in `section`, in declared order.
    pub fn in_section(&self, section: Section) -> impl Iterator<Item = (&'static FieldRule, &str)> + '_ {
        Self::RULES.iter().zip(self.values()).filter(move |(rule, _)| rule.section == section)
    }

    /// The value of the field called `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        let at = Self::RULES.iter().position(|rule| rule.name == name)?;
        Some(self.values()[at])
    }

    /// The value of the field called `name`, to fill in.
    pub fn value_mut(&mut self, name: &str) -> Option<&mut String> {
        let at = Self::RULES.iter().position(|rule| rule.name == name)?;
        self.values_mut().into_iter().nth(at)
    }
}
