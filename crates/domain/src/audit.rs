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
}

impl AuditAction {
    pub const ALL: [AuditAction; 6] = [
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDeleted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::SignedIn => "session.sign_in",
            AuditAction::SignInFailed => "session.sign_in_failed",
            AuditAction::SignedOut => "session.sign_out",
            AuditAction::UserCreated => "user.create",
            AuditAction::UserUpdated => "user.update",
            AuditAction::UserDeleted => "user.delete",
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
        }
    }
}
