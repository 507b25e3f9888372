//! Authenticator secrets sealed at rest, on every available engine: what the
//! database holds opens only with Roster's key, for its own user and purpose.

use roster_domain::{Login, Password, RoleId, SignInStep, Timestamp, UserFields};
use roster_service::{
    Clock, NewAccount, PasswordHasher, Roster, SealingError, Sealer, SecretKey, Session, Settings, SignedIn,
};
use roster_store::testing::{all, texts, TestDb};
use roster_store::Profile;
use totp_rs::{Algorithm, Secret, TOTP};

const PASSWORD: &str = "compilers rock";

async fn roster(t: &TestDb) -> (Roster, Clock) {
    roster_keyed(t, &SecretKey::generate()).await
}

/// Roster under `key`, prepared, with Grace to sign in as.
async fn roster_keyed(t: &TestDb, key: &SecretKey) -> (Roster, Clock) {
    let clock = Clock::manual(Timestamp(1_795_845_000));
    let roster = roster_with(t, key, &clock);
    roster.prepare_secrets().await.unwrap();
    let account = NewAccount {
        login: Login::parse("grace").unwrap(),
        profile: Profile { fields: UserFields { first_name: "Grace".into(), ..UserFields::default() }, ..Profile::default() },
        password: Some(Password::parse(PASSWORD).unwrap()),
        roles: vec![RoleId::CUSTOMER],
    };
    roster.create_account(account, None, None).await.unwrap();
    (roster, clock)
}

fn roster_with(t: &TestDb, key: &SecretKey, clock: &Clock) -> Roster {
    Roster::new(t.db.clone(), Settings::default(), PasswordHasher::owasp(), clock.clone(), Sealer::new(key))
}

async fn signed_in(roster: &Roster) -> SignedIn {
    let token = roster.sign_in("grace", PASSWORD, None, None).await.unwrap().token;
    match roster.resolve_session(&token).await.unwrap() {
        Some(Session::SignedIn(session)) => session,
        other => panic!("expected a signed-in session, found {other:?}"),
    }
}

fn app(secret_base32: &str) -> TOTP {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "grace".into()).unwrap()
}

/// Every way the secret could be written down: base32 (either case), hex, base64.
fn spellings(secret_base32: &str) -> Vec<String> {
    use base64::Engine;
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let engines = [base64::engine::general_purpose::STANDARD_NO_PAD, base64::engine::general_purpose::URL_SAFE_NO_PAD];
    let mut spellings = vec![secret_base32.to_owned(), secret_base32.to_lowercase(), hex.clone(), hex.to_uppercase()];
    spellings.extend(engines.iter().map(|e| e.encode(&bytes)));
    spellings
}

/// What a dump of the authenticator apps table shows.
async fn dump(t: &TestDb) -> Vec<String> {
    texts(&t.db, "SELECT COALESCE(secret, '') || '|' || COALESCE(pending_secret, '') FROM authenticator_apps").await
}

fn assert_no_secret_in(dump: &[String], secret_base32: &str, what: &str) {
    assert!(!dump.is_empty(), "{what}: a row was written");
    for row in dump {
        for spelling in spellings(secret_base32) {
            assert!(!row.contains(&spelling), "{what}: the stored text {row:?} holds the secret as {spelling:?}");
        }
    }
}

#[tokio::test]
async fn the_stored_authenticator_secret_is_not_the_secret() {
    for t in all().await {
        let (roster, clock) = roster(&t).await;
        let me = signed_in(&roster).await;
        let setup = roster.start_authenticator_setup(Some(&me)).await.unwrap();
        let secret = setup.secret.replace(' ', "");
        assert_no_secret_in(&dump(&t).await, &secret, &format!("{}: pending", t.name));

        let code = app(&secret).generate(clock.now().0 as u64);
        roster.confirm_authenticator(Some(&me), &code, None).await.unwrap();
        assert_no_secret_in(&dump(&t).await, &secret, &format!("{}: enabled", t.name));

        clock.advance(30);
        let outcome = roster.sign_in("grace", PASSWORD, None, None).await.unwrap();
        assert_eq!(outcome.step, SignInStep::CodeRequired, "{}", t.name);
        let Some(Session::AwaitingCode(pending)) = roster.resolve_session(&outcome.token).await.unwrap() else { panic!() };
        let code = app(&secret).generate(clock.now().0 as u64);
        roster.verify_sign_in_code(&pending, &code, None).await.expect("the sealed secret still makes codes");
    }
}

/// Grace with an enabled app; its secret.
async fn enrolled(roster: &Roster, clock: &Clock) -> String {
    let me = signed_in(roster).await;
    let secret = roster.start_authenticator_setup(Some(&me)).await.unwrap().secret.replace(' ', "");
    roster.confirm_authenticator(Some(&me), &app(&secret).generate(clock.now().0 as u64), None).await.unwrap();
    secret
}

/// Signs Grace in with a code of `secret` at the next step: whether it was accepted.
async fn code_signs_in(roster: &Roster, clock: &Clock, secret: &str) -> Result<(), roster_domain::AppError> {
    clock.advance(30);
    let outcome = roster.sign_in("grace", PASSWORD, None, None).await.unwrap();
    let Some(Session::AwaitingCode(pending)) = roster.resolve_session(&outcome.token).await.unwrap() else { panic!() };
    roster.verify_sign_in_code(&pending, &app(secret).generate(clock.now().0 as u64), None).await.map(|_| ())
}

#[tokio::test]
async fn secrets_stored_before_sealing_are_sealed_at_start_up_and_keep_working() {
    for t in all().await {
        let (roster, clock) = roster(&t).await;
        let secret = enrolled(&roster, &clock).await;
        // As a database from before sealing holds it.
        roster_store::testing::execute(&t.db, &format!("UPDATE authenticator_apps SET secret = '{secret}'")).await;
        assert_eq!(roster.prepare_secrets().await.unwrap(), 1, "{}", t.name);
        assert_no_secret_in(&dump(&t).await, &secret, t.name);
        assert_eq!(roster.prepare_secrets().await.unwrap(), 0, "{}: sealed once", t.name);
        code_signs_in(&roster, &clock, &secret).await.expect("the upgraded secret makes codes");
    }
}

#[tokio::test]
async fn a_wrong_key_is_told_at_start_up_and_never_accepts_a_code() {
    for t in all().await {
        let (roster, clock) = roster(&t).await;
        let secret = enrolled(&roster, &clock).await;
        let wrong = roster_with(&t, &SecretKey::generate(), &clock);
        let err = wrong.prepare_secrets().await.unwrap_err();
        assert!(matches!(err, SealingError::WrongKey { .. }), "{}: {err:?}", t.name);
        let refused = code_signs_in(&wrong, &clock, &secret).await.unwrap_err();
        assert_eq!(refused, roster_domain::AppError::Internal, "{}: a fault, not a code accepted", t.name);

        // Without its key check, the secrets still name their key.
        roster_store::testing::execute(&t.db, "DELETE FROM secret_key_check").await;
        let err = wrong.prepare_secrets().await.unwrap_err();
        assert!(matches!(err, SealingError::WrongKey { .. }), "{}: {err:?}", t.name);
        roster.prepare_secrets().await.expect("the right key stores a new key check");
        assert!(matches!(wrong.prepare_secrets().await, Err(SealingError::WrongKey { .. })), "{}", t.name);
    }
}

#[tokio::test]
async fn rotation_reseals_every_secret_for_the_new_key_only() {
    for t in all().await {
        let old_key = SecretKey::generate();
        let (roster, clock) = roster_keyed(&t, &old_key).await;
        let secret = enrolled(&roster, &clock).await;
        // A secret copied to the pending column does not open there, and stops the rotation.
        let pending = "UPDATE authenticator_apps SET pending_secret = secret";
        roster_store::testing::execute(&t.db, pending).await;
        let before = dump(&t).await;

        let new_key = SecretKey::generate();
        let new = Sealer::new(&new_key);
        assert!(matches!(roster.rotate_secret_key(&Sealer::new(&old_key)).await, Err(SealingError::SameKey)));
        let err = roster.rotate_secret_key(&new).await.unwrap_err();
        assert!(matches!(err, SealingError::Unopenable), "{}: {err:?}", t.name);
        assert_eq!(dump(&t).await, before, "{}: a failed rotation changes nothing", t.name);
        roster_store::testing::execute(&t.db, "UPDATE authenticator_apps SET pending_secret = NULL").await;

        assert_eq!(roster.rotate_secret_key(&new).await.unwrap(), 1, "{}", t.name);
        let after = dump(&t).await;
        assert_no_secret_in(&after, &secret, t.name);
        assert!(after[0].starts_with(&format!("v1.{}.", new.key_id())), "{}: {after:?}", t.name);
        let audit = t.db.recent_audit(1).await.unwrap();
        assert_eq!(audit[0].action, roster_domain::AuditAction::SecretKeyRotated, "{}", t.name);
        assert!(audit[0].detail.starts_with("secrets=1 key_id="), "{}: {}", t.name, audit[0].detail);

        let renewed = roster_with(&t, &new_key, &clock);
        renewed.prepare_secrets().await.expect("the new key opens the key check");
        code_signs_in(&renewed, &clock, &secret).await.expect("codes work under the new key");
        assert!(matches!(roster.prepare_secrets().await, Err(SealingError::WrongKey { .. })), "{}", t.name);
        assert!(code_signs_in(&roster, &clock, &secret).await.is_err(), "{}: not under the old key", t.name);
    }
}
