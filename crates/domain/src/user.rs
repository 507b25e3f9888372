use crate::{Permission, RequiredAction, Role, RoleId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// When a lock that waits for an admin's Unlock ends: never, in effect
/// (9999-12-31 23:59:59 UTC), so that "locked" is "locked until later than now".
pub const LOCKED_UNTIL_UNLOCKED: Timestamp = Timestamp(253_402_300_799);

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
    /// Roster deactivated the account after days without a sign-in (shown as
    /// "Deactivated for inactivity"); cleared when it is active again.
    #[serde(default)]
    pub deactivated_for_inactivity: bool,
    /// While too many failed sign-ins in a row keep the account from
    /// signing in: until when ([`LOCKED_UNTIL_UNLOCKED`]: until an admin
    /// unlocks it). `None` when it may sign in.
    pub locked_until: Option<Timestamp>,
    /// When the last failed sign-in was.
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

    pub fn locked(&self) -> bool {
        self.locked_until.is_some()
    }

    /// The lock icon's tooltip: "Locked after repeated failed sign-ins (the
    /// last at 2026-11-28 14:05 UTC) until 2026-11-28 14:20 UTC".
    pub fn lock_description(&self) -> Option<String> {
        let until = self.locked_until?;
        let last = self.last_failed_sign_in_at.map(|at| format!(" (the last at {at})")).unwrap_or_default();
        Some(if until == LOCKED_UNTIL_UNLOCKED {
            format!("Locked after repeated failed sign-ins{last} until an admin unlocks it")
        } else {
            format!("Locked after repeated failed sign-ins{last} until {until}")
        })
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
    /// Set by the sign-in that spent their last recovery code: they land on
    /// their profile, which asks them to make new ones.
    #[serde(default)]
    pub out_of_recovery_codes: bool,
    /// What they must do before anything else (see `RequiredAction`); a
    /// session of theirs grants nothing else meanwhile. The server's alone:
    /// never sent to the browser.
    #[serde(skip)]
    pub required_action: Option<RequiredAction>,
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
            out_of_recovery_codes: false,
            required_action: None,
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
