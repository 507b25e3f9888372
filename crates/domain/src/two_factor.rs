use crate::{CurrentUser, RequiredAction, Timestamp};
use serde::{Deserialize, Serialize};

/// The kinds of second factor a user can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TwoFactorKind {
    /// A TOTP app (RFC 6238) holding a secret shared at setup.
    AuthenticatorApp,
    /// Single-use codes for when the app is out of reach.
    RecoveryCodes,
}

impl TwoFactorKind {
    pub const ALL: [TwoFactorKind; 2] = [TwoFactorKind::AuthenticatorApp, TwoFactorKind::RecoveryCodes];

    pub fn label(self) -> &'static str {
        match self {
            TwoFactorKind::AuthenticatorApp => "Authenticator app",
            TwoFactorKind::RecoveryCodes => "Recovery codes",
        }
    }

    /// How the audit trail names this kind.
    pub fn key(self) -> &'static str {
        match self {
            TwoFactorKind::AuthenticatorApp => "authenticator_app",
            TwoFactorKind::RecoveryCodes => "recovery_codes",
        }
    }
}

/// One configured second factor, as its owner and admins see it: never the
/// secret or the codes themselves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorMethod {
    pub kind: TwoFactorKind,
    /// When it was set up.
    pub since: Timestamp,
    /// Recovery codes not used yet (only for recovery codes).
    pub unused_codes: Option<u32>,
}

impl TwoFactorMethod {
    /// "Authenticator app" / "Recovery codes (7 left)".
    pub fn description(&self) -> String {
        match self.unused_codes {
            Some(0) => format!("{} (none left)", self.kind.label()),
            Some(n) => format!("{} ({n} left)", self.kind.label()),
            None => self.kind.label().to_owned(),
        }
    }
}

/// What setting up an authenticator app shows, once: the secret as a QR code
/// and as text. After the user confirms a code it is never sent again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorSetup {
    /// Base32, grouped by four for typing.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub otpauth_url: String,
    /// The QR code as an image's address: an SVG in a `data:` URI.
    pub qr_code_image: String,
}

/// Where a sign-in stands after the password step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInStep {
    SignedIn(CurrentUser),
    /// The password was right; a code from a second factor must follow.
    CodeRequired,
    /// Signed in, but the session grants nothing until this step is done.
    ActionRequired(RequiredAction),
}

/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters of a recovery code: 16 base32 characters carry 80 random bits.
pub const RECOVERY_CODE_CHARS: usize = 16;
const RECOVERY_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A code typed at the sign-in code step, recognised by its shape.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactorCode {
    /// Six digits from an authenticator app.
    Authenticator(String),
    /// A recovery code, lower-cased without separators.
    Recovery(String),
}

impl SecondFactorCode {
    /// Accepts "123 456", "123456", "abcd-efgh-ijkl-mnop" and the like;
    /// anything else is no code at all.
    pub fn parse(input: &str) -> Option<SecondFactorCode> {
        if input.len() > 64 {
            return None;
        }
        let compact: String =
            input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect();
        if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
            Some(SecondFactorCode::Authenticator(compact))
        } else if compact.len() == RECOVERY_CODE_CHARS && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            Some(SecondFactorCode::Recovery(compact))
        } else {
            None
        }
    }
}

impl std::fmt::Debug for SecondFactorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecondFactorCode::Authenticator(_) => f.write_str("Authenticator(<redacted>)"),
            SecondFactorCode::Recovery(_) => f.write_str("Recovery(<redacted>)"),
        }
    }
}

/// Turns 10 random bytes into a recovery code as it is shown: four groups
/// of four base32 characters, e.g. `k3pa-7xqe-m2rd-u9…`.
pub fn recovery_code_from_bytes(bytes: [u8; 10]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let chars: Vec<char> = (0..RECOVERY_CODE_CHARS)
        .rev()
        .map(|i| RECOVERY_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_by_shape() {
        assert_eq!(SecondFactorCode::parse(" 123 456 "), Some(SecondFactorCode::Authenticator("123456".into())));
        let shown = recovery_code_from_bytes([0xff; 10]);
        assert_eq!(shown, "7777-7777-7777-7777");
        assert_eq!(
            SecondFactorCode::parse("ABCD-efgh-ijkl-mn23"),
            Some(SecondFactorCode::Recovery("abcdefghijklmn23".into()))
        );
        for bad in ["", "12345", "1234567", "12345a", "abcd-efgh-ijkl-mn01", &"1".repeat(100)] {
            assert_eq!(SecondFactorCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn recovery_codes_parse_back_and_differ_by_input() {
        let a = recovery_code_from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let b = recovery_code_from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(matches!(SecondFactorCode::parse(&a), Some(SecondFactorCode::Recovery(_))));
    }

    #[test]
    fn codes_never_show_in_debug_output() {
        let code = SecondFactorCode::parse("123456").unwrap();
        assert_eq!(format!("{code:?}"), "Authenticator(<redacted>)");
    }

    #[test]
    fn methods_describe_themselves() {
        let codes = TwoFactorMethod { kind: TwoFactorKind::RecoveryCodes, since: Timestamp(0), unused_codes: Some(7) };
        assert_eq!(codes.description(), "Recovery codes (7 left)");
    }
}
