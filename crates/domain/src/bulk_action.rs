//! Acting on many users at once: what an admin asks (a [`BulkAction`] on a
//! [`BulkSelection`]), what its preview and its run report, and the rules
//! that decide each user's outcome ([`BulkRules`]). The rules are those of
//! the single-user actions, and both say a refusal in the same words
//! ([`BulkRefusal::message`]); the server applies them to each user inside
//! the transaction that changes them.

use crate::{RoleId, UserId, UserSearch};
use serde::{Deserialize, Serialize};
use std::fmt;

/// At most this many users picked one by one; more is "all matches".
pub const MAX_PICKED_USERS: usize = 10_000;
/// Users changed per transaction of a run: a chunk lands whole or not at all.
pub const BULK_CHUNK: usize = 500;
/// How many refused users a preview lists; the rest are counted.
pub const PREVIEW_REFUSALS: usize = 200;

/// What to do to every selected user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BulkAction {
    Activate,
    Deactivate,
    AddRole(RoleId),
    RemoveRole(RoleId),
    Unlock,
    SignOutEverywhere,
    /// Every two-factor method: authenticator app and recovery codes.
    RemoveTwoFactor,
    Delete,
}

impl BulkAction {
    /// How the Actions bar names it.
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::Activate => "Activate",
            BulkAction::Deactivate => "Deactivate",
            BulkAction::AddRole(_) => "Add role",
            BulkAction::RemoveRole(_) => "Remove role",
            BulkAction::Unlock => "Unlock",
            BulkAction::SignOutEverywhere => "Sign out everywhere",
            BulkAction::RemoveTwoFactor => "Remove two-factor",
            BulkAction::Delete => "Delete",
        }
    }

    /// How it is stored with a run, and recorded in the audit log.
    pub fn key(self) -> String {
        match self {
            BulkAction::Activate => "activate".into(),
            BulkAction::Deactivate => "deactivate".into(),
            BulkAction::AddRole(role) => format!("add_role:{}", role.0),
            BulkAction::RemoveRole(role) => format!("remove_role:{}", role.0),
            BulkAction::Unlock => "unlock".into(),
            BulkAction::SignOutEverywhere => "sign_out_everywhere".into(),
            BulkAction::RemoveTwoFactor => "remove_two_factor".into(),
            BulkAction::Delete => "delete".into(),
        }
    }

    pub fn from_key(key: &str) -> Option<BulkAction> {
        let role = |id: &str| id.parse().ok().map(RoleId);
        Some(match key.split_once(':') {
            Some(("add_role", id)) => BulkAction::AddRole(role(id)?),
            Some(("remove_role", id)) => BulkAction::RemoveRole(role(id)?),
            Some(_) => return None,
            None => match key {
                "activate" => BulkAction::Activate,
                "deactivate" => BulkAction::Deactivate,
                "unlock" => BulkAction::Unlock,
                "sign_out_everywhere" => BulkAction::SignOutEverywhere,
                "remove_two_factor" => BulkAction::RemoveTwoFactor,
                "delete" => BulkAction::Delete,
                _ => return None,
            },
        })
    }

    /// Whether the single-user action needs admin mode whoever it is done
    /// to: deleting, removing two-factor and changing roles do.
    pub fn always_needs_admin_mode(self) -> bool {
        matches!(self, BulkAction::Delete | BulkAction::RemoveTwoFactor | BulkAction::AddRole(_) | BulkAction::RemoveRole(_))
    }

    /// Whether doing it edits the user's record (and so their version, which
    /// an Edit User dialog open meanwhile then finds changed).
    pub fn edits_the_record(self) -> bool {
        matches!(self, BulkAction::Activate | BulkAction::Deactivate | BulkAction::AddRole(_) | BulkAction::RemoveRole(_))
    }
}

/// Which users: picked one by one, or every match of a search of the panel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkSelection {
    Picked(Vec<UserId>),
    AllMatches(UserSearch),
}

/// A previewed bulk action, kept on the server with the users it covers
/// and the version each had when previewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BulkRunId(pub i64);

impl fmt::Display for BulkRunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why one user is left out of a bulk action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BulkRefusal {
    /// The admin running it, for an action they may not do to themselves.
    Yourself,
    /// Removing the role the admin's own admin rights come from.
    OwnAdminRole,
    /// It would leave no active admin.
    LastAdmin,
    /// Another admin's two-factor methods are theirs to manage.
    AnotherAdminsTwoFactor,
    /// Every user keeps at least one role.
    OnlyRole,
    /// Someone changed the user after the preview.
    ChangedSincePreview,
    /// Someone deleted the user after the preview.
    DeletedSincePreview,
    /// Changing another admin needs admin mode, which has lapsed.
    NeedsAdminMode,
}

impl BulkRefusal {
    pub const ALL: [BulkRefusal; 8] = [
        BulkRefusal::Yourself,
        BulkRefusal::OwnAdminRole,
        BulkRefusal::LastAdmin,
        BulkRefusal::AnotherAdminsTwoFactor,
        BulkRefusal::OnlyRole,
        BulkRefusal::ChangedSincePreview,
        BulkRefusal::DeletedSincePreview,
        BulkRefusal::NeedsAdminMode,
    ];

    /// How it is stored.
    pub fn key(self) -> &'static str {
        match self {
            BulkRefusal::Yourself => "yourself",
            BulkRefusal::OwnAdminRole => "own_admin_role",
            BulkRefusal::LastAdmin => "last_admin",
            BulkRefusal::AnotherAdminsTwoFactor => "another_admins_two_factor",
            BulkRefusal::OnlyRole => "only_role",
            BulkRefusal::ChangedSincePreview => "changed_since_preview",
            BulkRefusal::DeletedSincePreview => "deleted_since_preview",
            BulkRefusal::NeedsAdminMode => "needs_admin_mode",
        }
    }

    pub fn from_key(key: &str) -> Option<BulkRefusal> {
        BulkRefusal::ALL.into_iter().find(|r| r.key() == key)
    }

    /// What the preview and the report say, in the single-user actions' words.
    pub fn message(self, action: BulkAction) -> &'static str {
        match (self, action) {
            (BulkRefusal::Yourself, BulkAction::Deactivate) => "You cannot deactivate your own account.",
            (BulkRefusal::Yourself, BulkAction::Delete) => "You cannot delete your own account.",
            (BulkRefusal::Yourself, BulkAction::RemoveTwoFactor) => {
                "Manage your own two-factor methods in Profile → Password & Authentication."
            }
            (BulkRefusal::Yourself, BulkAction::SignOutEverywhere) => {
                "That would sign you out too. To end your other sessions, use Sign out everywhere else in Profile → Sessions."
            }
            (BulkRefusal::Yourself, _) => "You cannot do this to your own account.",
            (BulkRefusal::OwnAdminRole, _) => "You cannot remove your own Admin role.",
            (BulkRefusal::LastAdmin, _) => "This is the last active admin. Make another user an admin first.",
            (BulkRefusal::AnotherAdminsTwoFactor, _) => {
                "You cannot remove another admin's two-factor methods. They manage them in their Profile."
            }
            (BulkRefusal::OnlyRole, _) => "This is the user's only role: every user keeps at least one.",
            (BulkRefusal::ChangedSincePreview, _) => "Someone changed this user after the preview. Preview again to include them.",
            (BulkRefusal::DeletedSincePreview, _) => "Someone deleted this user after the preview.",
            (BulkRefusal::NeedsAdminMode, _) => {
                "Changing another admin needs admin mode, which has lapsed. Confirm it's you, then run the action again."
            }
        }
    }
}

/// A user left out, as the preview and the report list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedUser {
    pub id: UserId,
    /// Empty when the user is gone.
    pub login: String,
    pub reason: String,
}

/// What a bulk action would do, before anything changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub run: BulkRunId,
    pub action: BulkAction,
    /// Every selected user that exists.
    pub total: i64,
    pub will_change: i64,
    pub already: i64,
    pub refused: i64,
    /// The first [`PREVIEW_REFUSALS`] refused users, with why.
    pub refusals: Vec<RefusedUser>,
    /// Delete: the tickets that go with the users it deletes.
    pub tickets: i64,
}

/// How a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkRunState {
    Previewed,
    Running,
    Finished,
    Cancelled,
}

impl BulkRunState {
    pub fn key(self) -> &'static str {
        match self {
            BulkRunState::Previewed => "previewed",
            BulkRunState::Running => "running",
            BulkRunState::Finished => "finished",
            BulkRunState::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<BulkRunState> {
        [BulkRunState::Previewed, BulkRunState::Running, BulkRunState::Finished, BulkRunState::Cancelled]
            .into_iter()
            .find(|s| s.key() == key)
    }

    /// Whether nothing more will happen.
    pub fn is_over(self) -> bool {
        matches!(self, BulkRunState::Finished | BulkRunState::Cancelled)
    }
}

/// Where a run has got to, after one more chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkProgress {
    pub state: BulkRunState,
    pub total: i64,
    pub changed: i64,
    pub already: i64,
    pub refused: i64,
    /// The users this chunk refused.
    pub refusals: Vec<RefusedUser>,
    /// Seconds since the run's first chunk, for its rate and the time left.
    pub seconds: i64,
}

impl BulkProgress {
    /// Users dealt with so far.
    pub fn done(&self) -> i64 {
        self.changed + self.already + self.refused
    }

    /// Users a second so far, and about how many seconds are left, once
    /// the run has gone on for a second.
    pub fn pace(&self) -> Option<(i64, i64)> {
        (self.seconds > 0 && self.done() > 0).then(|| {
            let left = (self.total - self.done()).max(0);
            (self.done() / self.seconds, (left * self.seconds + self.done() - 1) / self.done())
        })
    }
}

/// A user as a bulk action's rules see them, as they are now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkTarget {
    pub id: UserId,
    pub version: i64,
    pub active: bool,
    /// Locked out by failed sign-ins now.
    pub locked: bool,
    pub roles: Vec<RoleId>,
    pub has_two_factor: bool,
    pub has_sessions: bool,
}

/// What becomes of one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkOutcome {
    Change,
    /// Already as the action would leave them: nothing to do.
    Already,
    Refused(BulkRefusal),
}

/// The rules of one run, applied user after user. They count the active
/// admins as they go, so that no chunk, however it is cut, removes the last.
#[derive(Clone, Debug)]
pub struct BulkRules {
    pub action: BulkAction,
    /// The admin running it.
    pub me: UserId,
    /// The roles that grant `admin.user`.
    pub admin_roles: Vec<RoleId>,
    /// Active admins left (active, not locked, holding the Admin role), as
    /// the single-user actions count them.
    pub active_admins: i64,
    /// Whether the admin is in admin mode (proved who they are recently).
    pub admin_mode: bool,
}

impl BulkRules {
    /// Whether `target` holds `admin.user` through one of their roles.
    pub fn administers(&self, target: &BulkTarget) -> bool {
        target.roles.iter().any(|r| self.admin_roles.contains(r))
    }

    /// Whether changing `target` needs the admin to be in admin mode, as
    /// the single-user action would: some actions always do, and any change
    /// to another admin does (unlocking aside, which never needed it).
    pub fn needs_admin_mode(&self, target: &BulkTarget) -> bool {
        self.action.always_needs_admin_mode()
            || (self.action != BulkAction::Unlock && target.id != self.me && self.administers(target))
    }

    /// What becomes of `target`, previewed at `previewed_version`. A change
    /// that removes an active admin counts them out of `active_admins`.
    pub fn outcome(&mut self, target: &BulkTarget, previewed_version: i64) -> BulkOutcome {
        let outcome = self.decide(target, previewed_version);
        if outcome == BulkOutcome::Change && self.removes_an_active_admin(target) {
            self.active_admins -= 1;
        }
        outcome
    }

    fn decide(&self, target: &BulkTarget, previewed_version: i64) -> BulkOutcome {
        use BulkAction as A;
        use BulkOutcome::{Already, Change, Refused};
        if target.version != previewed_version {
            return Refused(BulkRefusal::ChangedSincePreview);
        }
        let me = target.id == self.me;
        // Who the user is refuses some actions whatever state they are in.
        let refused_for_who = match self.action {
            A::Deactivate | A::Delete | A::SignOutEverywhere | A::RemoveTwoFactor if me => Some(BulkRefusal::Yourself),
            A::RemoveTwoFactor if self.administers(target) => Some(BulkRefusal::AnotherAdminsTwoFactor),
            _ => None,
        };
        if let Some(refusal) = refused_for_who {
            return Refused(refusal);
        }
        let already = match self.action {
            A::Activate => target.active,
            A::Deactivate => !target.active,
            A::AddRole(role) => target.roles.contains(&role),
            A::RemoveRole(role) => !target.roles.contains(&role),
            A::Unlock => !target.locked,
            A::SignOutEverywhere => !target.has_sessions,
            A::RemoveTwoFactor => !target.has_two_factor,
            A::Delete => false,
        };
        if already {
            return Already;
        }
        let refusal = match self.action {
            A::RemoveRole(_) if target.roles.len() == 1 => Some(BulkRefusal::OnlyRole),
            A::RemoveRole(role) if me && self.admin_roles.contains(&role) => {
                let other_source = target.roles.iter().any(|r| *r != role && self.admin_roles.contains(r));
                (!other_source).then_some(BulkRefusal::OwnAdminRole)
            }
            _ => None,
        };
        if let Some(refusal) = refusal {
            return Refused(refusal);
        }
        if !self.admin_mode && self.needs_admin_mode(target) {
            return Refused(BulkRefusal::NeedsAdminMode);
        }
        if self.removes_an_active_admin(target) && self.active_admins <= 1 {
            return Refused(BulkRefusal::LastAdmin);
        }
        Change
    }

    /// Whether changing `target` leaves one active admin fewer.
    fn removes_an_active_admin(&self, target: &BulkTarget) -> bool {
        let active_admin = target.active && !target.locked && target.roles.contains(&RoleId::ADMIN);
        active_admin
            && matches!(self.action, BulkAction::Deactivate | BulkAction::Delete | BulkAction::RemoveRole(RoleId::ADMIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: UserId = UserId(1);

    fn rules(action: BulkAction, active_admins: i64) -> BulkRules {
        BulkRules { action, me: ME, admin_roles: vec![RoleId::ADMIN], active_admins, admin_mode: true }
    }

    fn user(id: i64, roles: &[RoleId]) -> BulkTarget {
        BulkTarget {
            id: UserId(id),
            version: 1,
            active: true,
            locked: false,
            roles: roles.to_vec(),
            has_two_factor: true,
            has_sessions: true,
        }
    }

    #[test]
    fn the_pace_is_the_rate_so_far_and_the_time_left_rounds_up() {
        let progress = |done, seconds| BulkProgress {
            state: BulkRunState::Running,
            total: 1_000,
            changed: done,
            already: 0,
            refused: 0,
            refusals: Vec::new(),
            seconds,
        };
        assert_eq!(progress(500, 0).pace(), None, "too soon to say");
        assert_eq!(progress(0, 3).pace(), None);
        assert_eq!(progress(500, 2).pace(), Some((250, 2)));
        assert_eq!(progress(300, 1).pace(), Some((300, 3)), "700 left at 300 a second: 3 s, not 2");
    }

    #[test]
    fn actions_are_stored_by_keys_that_read_back() {
        let all = [
            BulkAction::Activate,
            BulkAction::Deactivate,
            BulkAction::AddRole(RoleId(7)),
            BulkAction::RemoveRole(RoleId::AGENT),
            BulkAction::Unlock,
            BulkAction::SignOutEverywhere,
            BulkAction::RemoveTwoFactor,
            BulkAction::Delete,
        ];
        for action in all {
            assert_eq!(BulkAction::from_key(&action.key()), Some(action));
        }
        assert_eq!(BulkAction::from_key("add_role:x"), None);
        assert_eq!(BulkAction::from_key("drop_table"), None);
        for refusal in BulkRefusal::ALL {
            assert_eq!(BulkRefusal::from_key(refusal.key()), Some(refusal));
        }
    }

    #[test]
    fn a_user_already_in_the_state_is_counted_apart() {
        let mut inactive = user(2, &[RoleId::CUSTOMER]);
        inactive.active = false;
        assert_eq!(rules(BulkAction::Deactivate, 2).outcome(&inactive, 1), BulkOutcome::Already);
        assert_eq!(rules(BulkAction::Activate, 2).outcome(&inactive, 1), BulkOutcome::Change);
        let customer = user(3, &[RoleId::CUSTOMER]);
        assert_eq!(rules(BulkAction::AddRole(RoleId::CUSTOMER), 2).outcome(&customer, 1), BulkOutcome::Already);
        assert_eq!(rules(BulkAction::Unlock, 2).outcome(&customer, 1), BulkOutcome::Already);
    }

    #[test]
    fn the_admin_is_refused_what_they_may_not_do_to_themselves() {
        let me = user(ME.0, &[RoleId::ADMIN]);
        for action in [BulkAction::Deactivate, BulkAction::Delete, BulkAction::SignOutEverywhere, BulkAction::RemoveTwoFactor] {
            assert_eq!(rules(action, 5).outcome(&me, 1), BulkOutcome::Refused(BulkRefusal::Yourself), "{action:?}");
        }
        let mut admin_and_agent = user(ME.0, &[RoleId::ADMIN, RoleId::AGENT]);
        let remove_admin = BulkAction::RemoveRole(RoleId::ADMIN);
        assert_eq!(rules(remove_admin, 5).outcome(&admin_and_agent, 1), BulkOutcome::Refused(BulkRefusal::OwnAdminRole));
        // Another role granting admin.user keeps them an admin: allowed.
        let mut two_sources = rules(remove_admin, 5);
        two_sources.admin_roles.push(RoleId::AGENT);
        assert_eq!(two_sources.outcome(&admin_and_agent, 1), BulkOutcome::Change);
        admin_and_agent.roles = vec![RoleId::ADMIN];
        assert_eq!(rules(remove_admin, 5).outcome(&admin_and_agent, 1), BulkOutcome::Refused(BulkRefusal::OnlyRole));
        assert_eq!(rules(BulkAction::Unlock, 5).outcome(&me, 1), BulkOutcome::Already);
    }

    #[test]
    fn the_last_active_admin_stays_whatever_the_order() {
        let admins: Vec<BulkTarget> = (2..5).map(|id| user(id, &[RoleId::ADMIN])).collect();
        let mut run = rules(BulkAction::Deactivate, 3);
        let outcomes: Vec<BulkOutcome> = admins.iter().map(|a| run.outcome(a, 1)).collect();
        assert_eq!(outcomes, [BulkOutcome::Change, BulkOutcome::Change, BulkOutcome::Refused(BulkRefusal::LastAdmin)]);
        assert_eq!(run.active_admins, 1);
        // A locked admin is no active admin: removing them removes none.
        let mut locked = user(9, &[RoleId::ADMIN]);
        locked.locked = true;
        assert_eq!(rules(BulkAction::Delete, 1).outcome(&locked, 1), BulkOutcome::Change);
    }

    #[test]
    fn another_admins_two_factor_and_a_changed_user_are_refused() {
        let admin = user(2, &[RoleId::ADMIN]);
        let remove = BulkAction::RemoveTwoFactor;
        assert_eq!(rules(remove, 5).outcome(&admin, 1), BulkOutcome::Refused(BulkRefusal::AnotherAdminsTwoFactor));
        let customer = user(3, &[RoleId::CUSTOMER]);
        assert_eq!(rules(remove, 5).outcome(&customer, 1), BulkOutcome::Change);
        assert_eq!(rules(remove, 5).outcome(&customer, 0), BulkOutcome::Refused(BulkRefusal::ChangedSincePreview));
        // Who they are refuses it before what state they are in: an admin
        // without a method, or yourself, is refused, not "already so".
        let bare = BulkTarget { has_two_factor: false, ..admin.clone() };
        assert_eq!(rules(remove, 5).outcome(&bare, 1), BulkOutcome::Refused(BulkRefusal::AnotherAdminsTwoFactor));
        let me = BulkTarget { has_two_factor: false, ..user(ME.0, &[RoleId::ADMIN]) };
        assert_eq!(rules(remove, 5).outcome(&me, 1), BulkOutcome::Refused(BulkRefusal::Yourself));
        let bare_customer = BulkTarget { has_two_factor: false, ..customer };
        assert_eq!(rules(remove, 5).outcome(&bare_customer, 1), BulkOutcome::Already);
    }

    #[test]
    fn admin_mode_is_needed_where_the_single_user_action_needs_it() {
        let (admin, customer) = (user(2, &[RoleId::ADMIN]), user(3, &[RoleId::CUSTOMER]));
        assert!(rules(BulkAction::Delete, 5).needs_admin_mode(&customer));
        assert!(rules(BulkAction::AddRole(RoleId::AGENT), 5).needs_admin_mode(&customer));
        assert!(!rules(BulkAction::Deactivate, 5).needs_admin_mode(&customer));
        assert!(rules(BulkAction::Deactivate, 5).needs_admin_mode(&admin));
        assert!(!rules(BulkAction::Unlock, 5).needs_admin_mode(&admin));
        let mut lapsed = rules(BulkAction::Deactivate, 5);
        lapsed.admin_mode = false;
        assert_eq!(lapsed.outcome(&admin, 1), BulkOutcome::Refused(BulkRefusal::NeedsAdminMode));
        assert_eq!(lapsed.outcome(&customer, 1), BulkOutcome::Change);
    }
}
