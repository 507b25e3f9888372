//! Roles are data: three built in (Admin, Agent, Customer) and any number
//! that admins create at `/admin/roles` from a fixed set of permissions.

use crate::{is_one_line, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in user may do. Server functions check these, never roles.
/// Stored by `key`, which never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Manage user accounts and roles, and read the audit log.
    AdminUser,
    /// See every ticket.
    TicketRead,
    /// Reply to the tickets one sees.
    TicketReply,
    /// Log hours worked on the tickets one sees.
    TicketLogTime,
    /// Change the state of the tickets one sees.
    TicketChangeState,
    /// Open tickets, and follow and answer one's own.
    TicketCustomer,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::AdminUser,
        Permission::TicketRead,
        Permission::TicketReply,
        Permission::TicketLogTime,
        Permission::TicketChangeState,
        Permission::TicketCustomer,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Permission::AdminUser => "admin.user",
            Permission::TicketRead => "ticket.read",
            Permission::TicketReply => "ticket.reply",
            Permission::TicketLogTime => "ticket.log_time",
            Permission::TicketChangeState => "ticket.change_state",
            Permission::TicketCustomer => "ticket.customer",
        }
    }

    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }

    /// How the roles page names the permission.
    pub fn label(self) -> &'static str {
        match self {
            Permission::AdminUser => "Manage users and roles, read the audit log",
            Permission::TicketRead => "See every ticket",
            Permission::TicketReply => "Reply to tickets",
            Permission::TicketLogTime => "Log hours worked on tickets",
            Permission::TicketChangeState => "Change a ticket's state",
            Permission::TicketCustomer => "Open tickets and follow their own",
        }
    }
}

/// A role's id. The built-in roles have fixed ids; created roles get new ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleId(pub i64);

impl RoleId {
    pub const ADMIN: RoleId = RoleId(1);
    pub const AGENT: RoleId = RoleId(2);
    pub const CUSTOMER: RoleId = RoleId(3);
    const BUILT_IN_KEYS: [(RoleId, &'static str); 3] =
        [(RoleId::ADMIN, "admin"), (RoleId::AGENT, "agent"), (RoleId::CUSTOMER, "customer")];

    /// The role in URLs: `admin`, `agent`, `customer`, or a created role's id.
    pub fn key(self) -> String {
        match RoleId::BUILT_IN_KEYS.iter().find(|(id, _)| *id == self) {
            Some((_, key)) => (*key).to_owned(),
            None => self.0.to_string(),
        }
    }

    pub fn from_key(key: &str) -> Option<RoleId> {
        if let Some((id, _)) = RoleId::BUILT_IN_KEYS.iter().find(|(_, k)| *k == key) {
            return Some(*id);
        }
        key.parse::<i64>().ok().filter(|n| *n > 0).map(RoleId)
    }

    pub fn is_built_in(self) -> bool {
        RoleId::BUILT_IN_KEYS.iter().any(|(id, _)| *id == self)
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A role as a user holds it: what lists and chips show.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Whether `roles` holds the role `id`.
pub fn holds(roles: &[Role], id: RoleId) -> bool {
    roles.iter().any(|r| r.id == id)
}

/// The ids of `roles`, in order.
pub fn role_ids(roles: &[Role]) -> Vec<RoleId> {
    roles.iter().map(|r| r.id).collect()
}

/// "Admin, Agent": a user's roles as one line.
pub fn role_names(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// A role with everything the roles page shows and edits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    pub role: Role,
    pub built_in: bool,
    pub permissions: Vec<Permission>,
    /// Holders without a second factor must set up an authenticator app
    /// before anything else (Roles → Require two-factor).
    #[serde(default)]
    pub require_two_factor: bool,
    /// How many users hold it.
    pub holders: i64,
    /// Bumped by every save, so a stale save is refused, not applied.
    pub version: i64,
}

impl RoleDefinition {
    pub fn grants(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }
}

/// What the role dialog sends: a name and the permissions it grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDraft {
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// A role draft that passed [`RoleDraft::validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidRoleDraft {
    pub name: String,
    /// Sorted, without repeats.
    pub permissions: Vec<Permission>,
}

pub const MAX_ROLE_NAME_CHARS: usize = 50;

impl RoleDraft {
    /// Checks the draft, reporting every problem at once, each on its field.
    pub fn validate(&self) -> Result<ValidRoleDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            errors.push(FieldError::new("name", "Enter a name for the role."));
        } else if name.chars().count() > MAX_ROLE_NAME_CHARS {
            errors.push(FieldError::new("name", format!("Use at most {MAX_ROLE_NAME_CHARS} characters.")));
        } else if !is_one_line(&name) {
            errors.push(FieldError::new("name", "The name cannot contain control characters."));
        }
        let mut permissions = self.permissions.clone();
        permissions.sort();
        permissions.dedup();
        if permissions.is_empty() {
            errors.push(FieldError::new("permissions", "Choose at least one permission."));
        }
        if errors.is_empty() { Ok(ValidRoleDraft { name, permissions }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_keys_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(p));
        }
        assert_eq!(Permission::from_key("Admin.User"), None, "keys are exact");
    }

    #[test]
    fn role_keys_name_built_in_roles_by_word_and_others_by_id() {
        assert_eq!(RoleId::ADMIN.key(), "admin");
        assert_eq!(RoleId::from_key("customer"), Some(RoleId::CUSTOMER));
        assert_eq!(RoleId(104).key(), "104");
        assert_eq!(RoleId::from_key("104"), Some(RoleId(104)));
        for bad in ["wizard", "-3", "0", ""] {
            assert_eq!(RoleId::from_key(bad), None, "{bad:?}");
        }
        assert!(RoleId::AGENT.is_built_in() && !RoleId(104).is_built_in());
    }

    #[test]
    fn a_draft_needs_a_name_and_a_permission() {
        let errors = RoleDraft { name: "  ".into(), permissions: vec![] }.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "permissions"]);
        let long = RoleDraft { name: "x".repeat(51), permissions: vec![Permission::TicketRead] };
        assert_eq!(long.validate().unwrap_err()[0].field, "name");
    }

    #[test]
    fn a_valid_draft_is_tidied() {
        let draft = RoleDraft {
            name: "  Read-only   agent ".into(),
            permissions: vec![Permission::TicketRead, Permission::TicketLogTime, Permission::TicketRead],
        };
        let valid = draft.validate().unwrap();
        assert_eq!(valid.name, "Read-only agent");
        assert_eq!(valid.permissions, [Permission::TicketRead, Permission::TicketLogTime]);
    }
}
