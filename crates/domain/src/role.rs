use serde::{Deserialize, Serialize};
use std::fmt;

/// What a signed-in user may do. Server functions check these, never roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Manage user accounts in the Users panel.
    AdminUser,
    /// Work on every ticket as an agent.
    TicketAgent,
    /// Open and follow one's own tickets.
    TicketCustomer,
}

impl Permission {
    pub fn key(self) -> &'static str {
        match self {
            Permission::AdminUser => "admin.user",
            Permission::TicketAgent => "ticket.agent",
            Permission::TicketCustomer => "ticket.customer",
        }
    }
}

/// A built-in role. Each grants a fixed set of permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Agent,
    Customer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Agent, Role::Customer];

    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Role::Admin => &[Permission::AdminUser, Permission::TicketAgent],
            Role::Agent => &[Permission::TicketAgent],
            Role::Customer => &[Permission::TicketCustomer],
        }
    }

    /// The name stored in the database and shown in the UI.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Agent => "Agent",
            Role::Customer => "Customer",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The role's name in URLs.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_name("admin"), None, "names are exact");
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(Role::Admin.permissions().contains(&Permission::AdminUser));
        assert!(!Role::Agent.permissions().contains(&Permission::AdminUser));
        assert!(!Role::Customer.permissions().contains(&Permission::AdminUser));
    }
}
