//! Merging a duplicate user into the user to keep: what moves, what is
//! lost, and the rules that forbid it. The service applies the rules for
//! the preview, and the store again inside the transaction that merges.

use crate::{Hours, UserId};
use serde::{Deserialize, Serialize};

/// What the admin must type to confirm a merge.
pub const MERGE_CONFIRMATION: &str = "MERGE";

/// Why two users cannot be merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MergeRefusal {
    /// The duplicate and the user to keep are one user.
    SameUser,
    /// The admin merging is one of them.
    Yourself,
    /// One of them holds `admin.user`: admins are not changed by other admins.
    Admin,
    /// An admin is viewing Roster as one of them.
    BeingViewed,
}

impl MergeRefusal {
    pub fn message(self) -> &'static str {
        match self {
            MergeRefusal::SameUser => "Choose another user to keep: a user cannot be merged into themselves.",
            MergeRefusal::Yourself => "You cannot merge your own account.",
            MergeRefusal::Admin => "Admins cannot be merged. Remove the admin role first, or ask them to.",
            MergeRefusal::BeingViewed => {
                "An admin is viewing Roster as one of these users. Try again once they are back in their own view."
            }
        }
    }
}

/// One of the two users as the rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeParty {
    pub id: UserId,
    /// Holds `admin.user` through one of their roles.
    pub administers: bool,
    /// An admin is viewing Roster as them.
    pub viewed: bool,
}

/// Whether the admin `me` may merge `duplicate` into `keep`, and if not, why.
pub fn merge_refusal(me: UserId, duplicate: &MergeParty, keep: &MergeParty) -> Option<MergeRefusal> {
    if duplicate.id == keep.id {
        Some(MergeRefusal::SameUser)
    } else if duplicate.id == me || keep.id == me {
        Some(MergeRefusal::Yourself)
    } else if duplicate.administers || keep.administers {
        Some(MergeRefusal::Admin)
    } else if duplicate.viewed || keep.viewed {
        Some(MergeRefusal::BeingViewed)
    } else {
        None
    }
}

/// What a merge moves from the duplicate to the user kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeMoves {
    /// Tickets the duplicate is the customer of; they keep their numbers.
    pub tickets: i64,
    /// Replies the duplicate wrote, on any ticket.
    pub articles: i64,
    /// Time entries the duplicate logged, and their hours.
    pub time_entries: i64,
    pub hours: Hours,
    /// The duplicate's organization, which becomes the kept user's own when
    /// they have none.
    pub organization: Option<String>,
    /// Organizations the kept user gains as secondary ones (the duplicate's
    /// own among them, when the kept user has another).
    pub secondary_organizations: Vec<String>,
    /// Roles the kept user gains: afterwards they hold both users' roles.
    pub roles: Vec<String>,
}

impl MergeMoves {
    /// The audit row's detail: the kept user's id and the counts, no names.
    pub fn audit_detail(&self, keep: UserId) -> String {
        format!(
            "kept={keep} tickets={} articles={} time_entries={} organizations={} roles={}",
            self.tickets,
            self.articles,
            self.time_entries,
            self.secondary_organizations.len() + usize::from(self.organization.is_some()),
            self.roles.len()
        )
    }
}

/// Everything merging one user into another would move and lose, for the
/// Merge dialog to say before the admin confirms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePreview {
    pub duplicate: UserId,
    pub duplicate_login: String,
    pub duplicate_name: String,
    pub keep: UserId,
    pub keep_login: String,
    pub keep_name: String,
    pub moves: MergeMoves,
    /// Lost with the duplicate: their email, password, open sessions and
    /// two-factor methods (and their login).
    pub email: Option<String>,
    pub has_password: bool,
    pub sessions: i64,
    pub two_factor: bool,
    /// Why these two cannot be merged, if they cannot.
    pub refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: UserId = UserId(1);

    fn party(id: i64) -> MergeParty {
        MergeParty { id: UserId(id), administers: false, viewed: false }
    }

    #[test]
    fn two_other_users_who_are_not_admins_nor_viewed_may_be_merged() {
        assert_eq!(merge_refusal(ME, &party(2), &party(3)), None);
    }

    #[test]
    fn the_rules_refuse_one_user_twice_yourself_admins_and_users_being_viewed() {
        assert_eq!(merge_refusal(ME, &party(2), &party(2)), Some(MergeRefusal::SameUser));
        assert_eq!(merge_refusal(ME, &party(1), &party(2)), Some(MergeRefusal::Yourself));
        assert_eq!(merge_refusal(ME, &party(2), &party(1)), Some(MergeRefusal::Yourself));
        let admin = MergeParty { administers: true, ..party(4) };
        assert_eq!(merge_refusal(ME, &admin, &party(2)), Some(MergeRefusal::Admin));
        assert_eq!(merge_refusal(ME, &party(2), &admin), Some(MergeRefusal::Admin));
        let viewed = MergeParty { viewed: true, ..party(5) };
        assert_eq!(merge_refusal(ME, &viewed, &party(2)), Some(MergeRefusal::BeingViewed));
        assert_eq!(merge_refusal(ME, &party(2), &viewed), Some(MergeRefusal::BeingViewed));
    }

    #[test]
    fn the_audit_detail_names_the_kept_user_and_counts_only() {
        let moves = MergeMoves {
            tickets: 3,
            articles: 5,
            time_entries: 2,
            hours: Hours(150),
            organization: Some("Harbour Labs".into()),
            secondary_organizations: vec!["Quartz Foods".into()],
            roles: vec!["Agent".into()],
        };
        assert_eq!(moves.audit_detail(UserId(7)), "kept=7 tickets=3 articles=5 time_entries=2 organizations=2 roles=1");
    }
}
