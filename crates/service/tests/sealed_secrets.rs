//! Authenticator secrets sealed at rest, on every available engine: what the
//! database holds opens only with Roster's key, for its own user and purpose.

use roster_domain::{Login, Password, RoleId, SignInStep, Timestamp, UserFields};
use roster_service::{Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Session, Settings, SignedIn};
use roster_store::testing::{all, texts, TestDb};
use roster_store::Profile;
use totp_rs::{Algorithm, Secret, TOTP};

const PASSWORD: &str = "compilers rock";

async fn roster(t: &TestDb) -> (Roster, Clock) {
    let clock = Clock::manual(Timestamp(1_795_845_000));
    let roster = roster_with(t, &SecretKey::generate(), &clock);
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
