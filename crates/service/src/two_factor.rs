//! Second factors: setting up an authenticator app, recovery codes, and
//! removing methods (by their owner, or by an admin).

use crate::{require, store_error, Roster, SignedIn};
use rand::RngCore;
use roster_domain::{
    recovery_code_from_bytes, AppError, BulkAction, AuditAction, AuthenticatorSetup, FieldError, Permission, SecondFactorCode,
    TwoFactorKind, TwoFactorMethod, UserId, RECOVERY_CODE_COUNT,
};
use roster_store::{AuditRecord, SealedSlot};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per authenticator code (RFC 6238's default, which every app uses).
const STEP_SECONDS: i64 = 30;
const ISSUER: &str = "Roster";

/// SHA-256 of a recovery code as the code step normalises it.
pub(crate) fn recovery_code_hash(normalized: &str) -> String {
    Sha256::digest(normalized.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().map_err(|_| AppError::Internal)?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS as u64, bytes, Some(ISSUER.to_owned()), account.to_owned())
        .map_err(|_| AppError::Internal)
}

/// The time step (±1 around now, for clock drift) whose code this is.
fn matching_step(totp: &TOTP, code: &str, now: i64) -> Option<i64> {
    let current = now.div_euclid(STEP_SECONDS);
    [current - 1, current, current + 1].into_iter().find(|step| {
        let expected = totp.generate((*step * STEP_SECONDS) as u64);
        // Compare every byte whatever the first difference, so timing tells nothing.
        expected.len() == code.len() && expected.bytes().zip(code.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    })
}

/// Groups a base32 secret by four for reading aloud or typing.
fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The QR code of `text` as an SVG image, in a `data:` URI for an `<img>`:
/// a square of dark modules on white with the standard four-module border.
/// Drawn as text, so no image library is needed.
fn qr_code_image(text: &str) -> Result<String, AppError> {
    use base64::Engine;
    use qrcodegen::{QrCode, QrCodeEcc};
    use std::fmt::Write;
    const BORDER: i32 = 4;
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|e| {
        tracing::error!(error = ?e, "QR code rendering failed");
        AppError::Internal
    })?;
    let side = qr.size() + 2 * BORDER;
    let mut modules = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                let _ = write!(modules, "M{},{}h1v1h-1z", x + BORDER, y + BORDER);
            }
        }
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{modules}\" fill=\"#000\"/></svg>"
    );
    Ok(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

fn signed_in(session: Option<&SignedIn>) -> Result<&SignedIn, AppError> {
    session.ok_or(AppError::Unauthenticated)
}

impl Roster {
    /// Accepts an authenticator code for the user's enabled app, once.
    pub(crate) async fn accept_authenticator_code(&self, user: UserId, code: &str) -> Result<bool, AppError> {
        let Some(app) = self.db.authenticator_secret(user).await.map_err(store_error)? else { return Ok(false) };
        let secret = self.open(SealedSlot::Authenticator(user), &app.sealed_secret)?;
        let Some(step) = matching_step(&totp(&secret, "")?, code, self.now().0) else { return Ok(false) };
        if step <= app.last_step {
            return Ok(false);
        }
        self.db.accept_authenticator_step(user, step).await.map_err(store_error)
    }

    /// Accepts a code from the user's authenticator app or an unused
    /// recovery code (spending it), once; which kind it was.
    pub(crate) async fn accept_second_factor(&self, user: UserId, code: &str) -> Result<Option<TwoFactorKind>, AppError> {
        Ok(match SecondFactorCode::parse(code) {
            Some(SecondFactorCode::Authenticator(code)) => {
                self.accept_authenticator_code(user, &code).await?.then_some(TwoFactorKind::AuthenticatorApp)
            }
            Some(SecondFactorCode::Recovery(code)) => {
                let used = self.db.use_recovery_code(user, &recovery_code_hash(&code), self.now()).await;
                used.map_err(store_error)?.then_some(TwoFactorKind::RecoveryCodes)
            }
            None => None,
        })
    }

    /// Your own second factors (Profile → Password & Authentication).
    pub async fn my_two_factor_methods(&self, session: Option<&SignedIn>) -> Result<Vec<TwoFactorMethod>, AppError> {
        let me = signed_in(session)?;
        self.db.two_factor_methods(me.user.id).await.map_err(store_error)
    }

    /// Starts setting up an authenticator app: a new 160-bit secret, shown
    /// now as a QR code and text, enabled only once a code confirms it.
    pub async fn start_authenticator_setup(&self, session: Option<&SignedIn>) -> Result<AuthenticatorSetup, AppError> {
        let me = signed_in(session)?;
        self.require_proof_for_own_sign_in_changes(me).await?;
        if self.db.authenticator_secret(me.user.id).await.map_err(store_error)?.is_some() {
            return Err(AppError::Refused(
                "An authenticator app is already set up. Remove it first to set up another.".into(),
            ));
        }
        let Secret::Encoded(secret) = Secret::generate_secret().to_encoded() else { return Err(AppError::Internal) };
        let totp = totp(&secret, &me.user.login)?;
        let otpauth_url = totp.get_url();
        let qr_code_image = qr_code_image(&otpauth_url)?;
        let sealed = self.seal(SealedSlot::PendingAuthenticator(me.user.id), &secret);
        self.db.set_pending_authenticator(me.user.id, &sealed).await.map_err(store_error)?;
        Ok(AuthenticatorSetup { secret: grouped(&secret), otpauth_url, qr_code_image })
    }

    /// Enables the app being set up once the user types a valid code from it.
    pub async fn confirm_authenticator(&self, session: Option<&SignedIn>, code: &str, ip: Option<&str>) -> Result<(), AppError> {
        let me = signed_in(session)?;
        let wrong = || AppError::from(FieldError::new("code", "That code does not match. Enter the 6 digits your app shows now."));
        let Some(SecondFactorCode::Authenticator(code)) = SecondFactorCode::parse(code) else { return Err(wrong()) };
        let Some(pending) = self.db.pending_authenticator_secret(me.user.id).await.map_err(store_error)? else {
            return Err(AppError::Refused("No setup is in progress. Start again with Set up authenticator app.".into()));
        };
        let secret = self.open(SealedSlot::PendingAuthenticator(me.user.id), &pending)?;
        let Some(step) = matching_step(&totp(&secret, "")?, &code, self.now().0) else { return Err(wrong()) };
        let sealed = self.seal(SealedSlot::Authenticator(me.user.id), &secret);
        let detail = format!("method={}", TwoFactorKind::AuthenticatorApp.key());
        let audit = self.session_audit_record(me, AuditAction::TwoFactorEnabled, detail, ip);
        if !self.db.enable_authenticator(me.user.id, &pending, &sealed, step, &audit).await.map_err(store_error)? {
            return Err(AppError::Refused("This setup was replaced by a newer one. Start again.".into()));
        }
        crate::log_audit(&audit);
        Ok(())
    }

    /// Ten new single-use recovery codes, replacing any earlier ones. They
    /// are shown this once; only their hashes are kept.
    pub async fn generate_recovery_codes(&self, session: Option<&SignedIn>, ip: Option<&str>) -> Result<Vec<String>, AppError> {
        let me = signed_in(session)?;
        self.require_proof_for_own_sign_in_changes(me).await?;
        self.issue_recovery_codes(me, ip).await
    }

    /// `generate_recovery_codes` once the caller's proof is settled.
    pub(crate) async fn issue_recovery_codes(&self, me: &SignedIn, ip: Option<&str>) -> Result<Vec<String>, AppError> {
        let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
            .map(|_| {
                let mut bytes = [0u8; 10];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                recovery_code_from_bytes(bytes)
            })
            .collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| match SecondFactorCode::parse(c) {
                Some(SecondFactorCode::Recovery(normalized)) => recovery_code_hash(&normalized),
                _ => unreachable!("generated recovery codes always parse"),
            })
            .collect();
        let audit = self.session_audit_record(me, AuditAction::RecoveryCodesGenerated, String::new(), ip);
        self.db.replace_recovery_codes(me.user.id, &hashes, &audit).await.map_err(store_error)?;
        crate::log_audit(&audit);
        Ok(codes)
    }

    /// Removes one of your own methods; your password confirms it's you.
    pub async fn remove_my_two_factor(
        &self,
        session: Option<&SignedIn>,
        kind: TwoFactorKind,
        password: &str,
        ip: Option<&str>,
    ) -> Result<(), AppError> {
        let me = signed_in(session)?;
        if kind == TwoFactorKind::AuthenticatorApp && self.db.two_factor_required(me.user.id).await.map_err(store_error)? {
            return Err(AppError::Refused(
                "A role of yours requires two-factor authentication, so your authenticator app stays. \
                 An admin can reset it if you lose your phone."
                    .into(),
            ));
        }
        self.confirm_password(me, password, "password", ip).await?;
        self.db.clear_failures(me.user.id, self.now()).await.map_err(store_error)?;
        let audit = self.session_audit_record(me, AuditAction::TwoFactorRemoved, String::new(), ip);
        let removed = self.db.remove_two_factor(me.user.id, &[kind], false, None, &audit).await.map_err(store_error)?;
        if removed.is_empty() {
            return Err(AppError::NotFound);
        }
        crate::log_audit(&AuditRecord { detail: format!("methods={}", kind.key()), ..audit });
        Ok(())
    }

    /// A user's methods, for the Manage Two-Factor Authentication dialog.
    /// Needs `admin.user`.
    pub async fn two_factor_methods_of(&self, session: Option<&SignedIn>, user: UserId) -> Result<Vec<TwoFactorMethod>, AppError> {
        require(session, Permission::AdminUser)?;
        self.db.two_factor_methods(user).await.map_err(store_error)
    }

    /// An admin removes a user's methods (`kind`, or all of them with
    /// `None`); the user's sessions end at once. Needs `admin.user`.
    pub async fn remove_user_two_factor(
        &self,
        session: Option<&SignedIn>,
        user: UserId,
        kind: Option<TwoFactorKind>,
        ip: Option<&str>,
    ) -> Result<Vec<TwoFactorKind>, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        // The rules' refusal (yourself, another admin) before any request for admin mode.
        let action = BulkAction::RemoveTwoFactor;
        let mut rules = self.single_user_rules(admin, action, user).await?;
        self.require_admin_mode(session).await?;
        let kinds = kind.map_or_else(|| TwoFactorKind::ALL.to_vec(), |k| vec![k]);
        let audit = self.audit_record(AuditAction::TwoFactorRemoved, Some(admin.user.id), None, Some(user), ip, String::new());
        let removed =
            self.db.remove_two_factor(user, &kinds, true, Some(&mut rules), &audit).await.map_err(crate::errors::action_error(action))?;
        if removed.is_empty() {
            return Err(AppError::NotFound);
        }
        let detail = format!("methods={}", removed.iter().map(|k| k.key()).collect::<Vec<_>>().join(","));
        crate::log_audit(&AuditRecord { detail, ..audit });
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_own_step_and_its_neighbours_only() {
        let Secret::Encoded(secret) = Secret::generate_secret().to_encoded() else { unreachable!() };
        let totp = totp(&secret, "ann").unwrap();
        let now = 1_800_000_015;
        let step = now / STEP_SECONDS;
        let code_at = |s: i64| totp.generate((s * STEP_SECONDS) as u64);
        assert_eq!(matching_step(&totp, &code_at(step), now), Some(step));
        assert_eq!(matching_step(&totp, &code_at(step - 1), now), Some(step - 1));
        assert_eq!(matching_step(&totp, &code_at(step + 1), now), Some(step + 1));
        assert_eq!(matching_step(&totp, &code_at(step - 3), now), None);
        assert!(secret.len() >= 32, "at least 160 bits");
    }

    #[test]
    fn the_qr_code_image_draws_every_dark_module_of_the_address() {
        use base64::Engine;
        let url = "otpauth://totp/Roster:ann?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Roster";
        let image = qr_code_image(url).unwrap();
        let svg = image.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let svg = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(svg).unwrap()).unwrap();
        let qr = qrcodegen::QrCode::encode_text(url, qrcodegen::QrCodeEcc::Medium).unwrap();
        let dark = (0..qr.size()).flat_map(|y| (0..qr.size()).map(move |x| (x, y))).filter(|&(x, y)| qr.get_module(x, y));
        assert_eq!(svg.matches("h1v1h-1z").count(), dark.count());
        let side = qr.size() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")), "{svg}");
        // The top-left finder pattern starts after the border.
        assert!(svg.contains("M4,4h1v1h-1z"), "{svg}");
    }

    #[test]
    fn secrets_are_grouped_for_typing() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
