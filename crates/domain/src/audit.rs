use serde::{Deserialize, Serialize};

/// What an audit event records. Stored by `key`, which never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    SignedIn,
    SignInFailed,
    SignedOut,
    UserCreated,
    UserUpdated,
    UserDeleted,
    /// A duplicate user was merged into another and deleted; the detail
    /// names the user kept and counts what moved.
    UserMerged,
    /// Too many failed sign-ins in a row locked the account.
    AccountLocked,
    UserUnlocked,
    /// A wrong code at the sign-in code step.
    SignInCodeFailed,
    /// A wrong current password from a signed-in user (changing their
    /// password, removing a second factor): it counts toward lockout.
    PasswordCheckFailed,
    /// A signed-in user re-entered their password (and code) before an
    /// action that needs it: admin mode, or a change to their own sign-in.
    IdentityConfirmed,
    PasswordChanged,
    TwoFactorEnabled,
    RecoveryCodesGenerated,
    TwoFactorRemoved,
    /// A state-changing request from another site, refused.
    CrossSiteRefused,
    /// A server function refused to someone without the permission it needs.
    RequestRefused,
    /// An admin started viewing Roster as a user.
    ImpersonationStarted,
    ImpersonationEnded,
    /// The admin signed in again during a view and is back in it.
    ImpersonationResumed,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    TicketCreated,
    TicketReplied,
    TicketTimeLogged,
    TicketStateChanged,
    /// Every sealed secret was sealed anew under a new key.
    SecretKeyRotated,
    /// An admin exported the users of a view as CSV.
    UsersExported,
    /// An admin ran a bulk action; each user it changed has an event of
    /// their own that names the run.
    BulkActionStarted,
    BulkActionEnded,
    /// An admin ended all of a user's sessions (or a user all their others).
    SessionsEnded,
    /// One session was signed out from a Sessions list.
    SessionEnded,
    /// An admin tested a CSV file of users (nothing written yet).
    ImportTested,
    /// An admin started importing a tested file; each user it creates or
    /// updates has an event of their own that names the import.
    ImportStarted,
    ImportEnded,
    /// Roster deactivated an account after days without a sign-in.
    DeactivatedForInactivity,
}

impl AuditAction {
    pub const ALL: [AuditAction; 38] = [
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDeleted,
        AuditAction::UserMerged,
        AuditAction::AccountLocked,
        AuditAction::UserUnlocked,
        AuditAction::SignInCodeFailed,
        AuditAction::PasswordCheckFailed,
        AuditAction::IdentityConfirmed,
        AuditAction::PasswordChanged,
        AuditAction::TwoFactorEnabled,
        AuditAction::RecoveryCodesGenerated,
        AuditAction::TwoFactorRemoved,
        AuditAction::CrossSiteRefused,
        AuditAction::RequestRefused,
        AuditAction::ImpersonationStarted,
        AuditAction::ImpersonationEnded,
        AuditAction::ImpersonationResumed,
        AuditAction::RoleCreated,
        AuditAction::RoleUpdated,
        AuditAction::RoleDeleted,
        AuditAction::TicketCreated,
        AuditAction::TicketReplied,
        AuditAction::TicketTimeLogged,
        AuditAction::TicketStateChanged,
        AuditAction::SecretKeyRotated,
        AuditAction::UsersExported,
        AuditAction::BulkActionStarted,
        AuditAction::BulkActionEnded,
        AuditAction::SessionsEnded,
        AuditAction::SessionEnded,
        AuditAction::ImportTested,
        AuditAction::ImportStarted,
        AuditAction::ImportEnded,
        AuditAction::DeactivatedForInactivity,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::SignedIn => "session.sign_in",
            AuditAction::SignInFailed => "session.sign_in_failed",
            AuditAction::SignedOut => "session.sign_out",
            AuditAction::UserCreated => "user.create",
            AuditAction::UserUpdated => "user.update",
            AuditAction::UserDeleted => "user.delete",
            AuditAction::UserMerged => "user.merge",
            AuditAction::AccountLocked => "user.lock",
            AuditAction::UserUnlocked => "user.unlock",
            AuditAction::SignInCodeFailed => "session.code_failed",
            AuditAction::PasswordCheckFailed => "user.password_check_failed",
            AuditAction::IdentityConfirmed => "session.confirm",
            AuditAction::PasswordChanged => "user.password_change",
            AuditAction::TwoFactorEnabled => "two_factor.enable",
            AuditAction::RecoveryCodesGenerated => "two_factor.recovery_codes",
            AuditAction::TwoFactorRemoved => "two_factor.remove",
            AuditAction::CrossSiteRefused => "request.cross_site_refused",
            AuditAction::RequestRefused => "request.refused",
            AuditAction::ImpersonationStarted => "impersonation.start",
            AuditAction::ImpersonationEnded => "impersonation.end",
            AuditAction::ImpersonationResumed => "impersonation.resume",
            AuditAction::RoleCreated => "role.create",
            AuditAction::RoleUpdated => "role.update",
            AuditAction::RoleDeleted => "role.delete",
            AuditAction::TicketCreated => "ticket.create",
            AuditAction::TicketReplied => "ticket.reply",
            AuditAction::TicketTimeLogged => "ticket.log_time",
            AuditAction::TicketStateChanged => "ticket.state",
            AuditAction::SecretKeyRotated => "secret_key.rotate",
            AuditAction::UsersExported => "user.export",
            AuditAction::BulkActionStarted => "bulk.start",
            AuditAction::BulkActionEnded => "bulk.end",
            AuditAction::SessionsEnded => "user.sessions_end",
            AuditAction::SessionEnded => "session.end",
            AuditAction::ImportTested => "import.test",
            AuditAction::ImportStarted => "import.start",
            AuditAction::ImportEnded => "import.end",
            AuditAction::DeactivatedForInactivity => "user.deactivate_dormant",
        }
    }

    /// How the audit log names the event.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignedIn => "Signed in",
            AuditAction::SignInFailed => "Sign-in failed",
            AuditAction::SignedOut => "Signed out",
            AuditAction::UserCreated => "User created",
            AuditAction::UserUpdated => "User updated",
            AuditAction::UserDeleted => "User deleted",
            AuditAction::UserMerged => "Users merged",
            AuditAction::AccountLocked => "Account locked",
            AuditAction::UserUnlocked => "User unlocked",
            AuditAction::SignInCodeFailed => "Wrong sign-in code",
            AuditAction::PasswordCheckFailed => "Wrong current password",
            AuditAction::IdentityConfirmed => "Identity confirmed",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::TwoFactorEnabled => "Two-factor enabled",
            AuditAction::RecoveryCodesGenerated => "Recovery codes generated",
            AuditAction::TwoFactorRemoved => "Two-factor removed",
            AuditAction::CrossSiteRefused => "Cross-site request refused",
            AuditAction::RequestRefused => "Request refused",
            AuditAction::ImpersonationStarted => "Viewing as user started",
            AuditAction::ImpersonationEnded => "Viewing as user ended",
            AuditAction::ImpersonationResumed => "Viewing as user resumed",
            AuditAction::RoleCreated => "Role created",
            AuditAction::RoleUpdated => "Role changed",
            AuditAction::RoleDeleted => "Role deleted",
            AuditAction::TicketCreated => "Ticket opened",
            AuditAction::TicketReplied => "Ticket reply",
            AuditAction::TicketTimeLogged => "Hours logged",
            AuditAction::TicketStateChanged => "Ticket state changed",
            AuditAction::SecretKeyRotated => "Secret key rotated",
            AuditAction::UsersExported => "Users exported",
            AuditAction::BulkActionStarted => "Bulk action started",
            AuditAction::BulkActionEnded => "Bulk action ended",
            AuditAction::SessionsEnded => "Signed out everywhere",
            AuditAction::SessionEnded => "Session signed out",
            AuditAction::ImportTested => "Import tested",
            AuditAction::ImportStarted => "Import started",
            AuditAction::ImportEnded => "Import ended",
            AuditAction::DeactivatedForInactivity => "Deactivated for inactivity",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
            assert_eq!(AuditAction::ALL.iter().filter(|b| b.label() == a.label()).count(), 1);
        }
    }
}
