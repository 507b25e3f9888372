use crate::{Permission, Role, RoleId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// One row of the Users panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: UserId,
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub organization: Option<String>,
    pub roles: Vec<Role>,
    /// One of the roles grants `admin.user`: an admin, whatever the role is
    /// called, whom no other admin may view Roster as.
    pub administers: bool,
    pub active: bool,
    /// Too many failed sign-ins in a row: the account cannot sign in until
    /// an admin unlocks it.
    pub locked: bool,
    /// Failed sign-ins since the last success, and when the last one was.
    pub failed_sign_ins: i64,
    pub last_failed_sign_in_at: Option<Timestamp>,
    pub two_factor: bool,
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The only active admin: Roster refuses to delete, demote or
    /// deactivate them, so their row offers none of that.
    pub sole_active_admin: bool,
}

impl UserRow {
    pub fn has_role(&self, role: RoleId) -> bool {
        crate::holds(&self.roles, role)
    }

    pub fn full_name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }

    /// The lock icon's tooltip: "Locked after 10 failed sign-ins; the last
    /// at 2026-11-28 14:05 UTC".
    pub fn lock_description(&self) -> String {
        match self.last_failed_sign_in_at {
            Some(at) => format!("Locked after {} failed sign-ins; the last at {at}", self.failed_sign_ins),
            None => format!("Locked after {} failed sign-ins", self.failed_sign_ins),
        }
    }
}

/// The signed-in user, as every page and server function sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Everything the roles grant, sorted: what server functions check.
    pub permissions: Vec<Permission>,
    /// While an admin views Roster from this user's perspective: who the
    /// admin is ("Ada Admin (admin)"), for the banner on every page.
    #[serde(default)]
    pub impersonator: Option<String>,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// One or two letters for the avatar button.
    pub fn initials(&self) -> String {
        let initials: String = self.display_name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
        if initials.is_empty() { self.login.chars().take(1).collect() } else { initials.to_uppercase() }
    }
}

/// "First Last", or whichever part exists.
pub fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(display_name: &str, permissions: Vec<Permission>) -> CurrentUser {
        CurrentUser {
            id: UserId(1),
            login: "jdoe".into(),
            display_name: display_name.into(),
            roles: vec![],
            permissions,
            impersonator: None,
        }
    }

    #[test]
    fn can_means_the_permission_is_granted() {
        let agent = user("J", vec![Permission::TicketRead, Permission::TicketReply]);
        assert!(agent.can(Permission::TicketReply));
        assert!(!agent.can(Permission::AdminUser));
    }

    #[test]
    fn initials_fall_back_to_login() {
        assert_eq!(user("jane van doe", vec![]).initials(), "JV");
        assert_eq!(user("", vec![]).initials(), "j");
        assert_eq!(full_name("", "Doe"), "Doe");
    }
}
