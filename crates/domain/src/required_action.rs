//! Required actions: what a user must do right after signing in, before
//! Roster grants them anything else.

use serde::{Deserialize, Serialize};

/// A step a signed-in session owes before it may do anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequiredAction {
    /// An admin set their password, or ticked "Must change password at next
    /// sign-in": they choose a new one.
    ChangePassword,
    /// A role of theirs requires two-factor and they have no method: they
    /// set up an authenticator app.
    SetUpTwoFactor,
}

impl RequiredAction {
    /// The step a user with these flags owes first, if any: the password
    /// before two-factor, so the app is set up under the password they keep.
    pub fn first(must_change_password: bool, two_factor_required: bool, has_two_factor: bool) -> Option<RequiredAction> {
        if must_change_password {
            Some(RequiredAction::ChangePassword)
        } else if two_factor_required && !has_two_factor {
            Some(RequiredAction::SetUpTwoFactor)
        } else {
            None
        }
    }

    /// The step's heading on the sign-in page.
    pub fn title(self) -> &'static str {
        match self {
            RequiredAction::ChangePassword => "Choose a new password",
            RequiredAction::SetUpTwoFactor => "Set up two-factor authentication",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequiredAction::{self, *};

    #[test]
    fn the_password_comes_before_two_factor_and_a_method_satisfies_the_role() {
        assert_eq!(RequiredAction::first(true, true, false), Some(ChangePassword));
        assert_eq!(RequiredAction::first(false, true, false), Some(SetUpTwoFactor));
        assert_eq!(RequiredAction::first(false, true, true), None);
        assert_eq!(RequiredAction::first(false, false, false), None);
        assert_eq!(RequiredAction::first(true, false, true), Some(ChangePassword));
    }
}
