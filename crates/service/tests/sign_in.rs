//! Sign-in and sessions against real databases with real Argon2 hashing.

use roster_domain::{
    role_ids, AppError, AuditAction, CurrentUser, Email, Login, Password, Permission, RoleId, SignInStep, Timestamp,
    UserFields,
};
use roster_service::{
    require, Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Session, SessionToken, Settings, SignInOutcome,
    SignedIn,
};
use roster_store::testing::{all, TestDb};
use roster_store::Profile;

async fn roster(t: &TestDb) -> (Roster, Clock) {
    let clock = Clock::manual(Timestamp(1_795_845_000));
    let sealer = Sealer::new(&SecretKey::generate());
    let roster = Roster::new(t.db.clone(), Settings::default(), PasswordHasher::owasp(), clock.clone(), sealer);
    roster
        .create_account(
            NewAccount {
                login: Login::parse("grace").unwrap(),
                profile: Profile {
                    email: Some(Email::parse("grace@example.com").unwrap()),
                    fields: UserFields {
                        first_name: "Grace".into(),
                        last_name: "Hopper".into(),
                        ..UserFields::default()
                    },
                    ..Profile::default()
                },
                password: Some(Password::parse("compilers rock").unwrap()),
                roles: vec![RoleId::ADMIN],
            },
            None,
            None,
        )
        .await
        .unwrap();
    (roster, clock)
}

fn user_of(outcome: &SignInOutcome) -> &CurrentUser {
    match &outcome.step {
        SignInStep::SignedIn(user) => user,
        other => panic!("signed in straight away, not {other:?}"),
    }
}

async fn signed_in(roster: &Roster, token: &SessionToken) -> SignedIn {
    match roster.resolve_session(token).await.unwrap() {
        Some(Session::SignedIn(session)) => session,
        other => panic!("expected a signed-in session, found {other:?}"),
    }
}

#[tokio::test]
async fn right_password_by_login_or_email_signs_in() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        for who in ["grace", "GRACE@example.com"] {
            let outcome = roster.sign_in(who, "compilers rock", None, Some("127.0.0.1")).await.unwrap();
            assert_eq!(user_of(&outcome).display_name, "Grace Hopper", "{}", t.name);
            let session = signed_in(&roster, &outcome.token).await;
            assert!(require(Some(&session), Permission::AdminUser).is_ok());
        }
        let events: Vec<_> = t.db.recent_audit(10).await.unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(&events[..2], [AuditAction::SignedIn, AuditAction::SignedIn], "{}", t.name);
    }
}

#[tokio::test]
async fn every_failure_looks_the_same() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        let long = "x".repeat(10_000);
        for (who, password) in [("grace", "wrong password"), ("nobody", "compilers rock"), ("grace", long.as_str())] {
            let err = roster.sign_in(who, password, None, None).await.unwrap_err();
            assert_eq!(err, AppError::InvalidCredentials, "{}: {who}", t.name);
        }
        let failures = t.db.recent_audit(10).await.unwrap();
        assert!(failures.iter().take(3).all(|e| e.action == AuditAction::SignInFailed), "{}", t.name);
    }
}

#[tokio::test]
async fn signing_in_again_ends_the_previous_session() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        let first = roster.sign_in("grace", "compilers rock", None, None).await.unwrap().token;
        let second = roster.sign_in("grace", "compilers rock", Some(&first), None).await.unwrap().token;
        assert_ne!(first, second);
        assert!(roster.resolve_session(&first).await.unwrap().is_none(), "{}", t.name);
        assert!(roster.resolve_session(&second).await.unwrap().is_some(), "{}", t.name);
    }
}

#[tokio::test]
async fn sign_out_makes_the_token_worthless() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        let token = roster.sign_in("grace", "compilers rock", None, None).await.unwrap().token;
        let session = signed_in(&roster, &token).await;
        roster.sign_out(&session, None).await.unwrap();
        assert!(roster.resolve_session(&token).await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    for t in all().await {
        let (roster, clock) = roster(&t).await;
        let settings = Settings::default();

        let idle = roster.sign_in("grace", "compilers rock", None, None).await.unwrap().token;
        clock.advance(settings.session_idle_minutes * 60 - 30);
        assert!(roster.resolve_session(&idle).await.unwrap().is_some(), "{}: used just in time", t.name);
        clock.advance(settings.session_idle_minutes * 60 + 1);
        assert!(roster.resolve_session(&idle).await.unwrap().is_none(), "{}: idle too long", t.name);

        let busy = roster.sign_in("grace", "compilers rock", None, None).await.unwrap().token;
        let hours = settings.session_absolute_hours;
        for _ in 0..hours {
            clock.advance(3600);
            assert!(roster.resolve_session(&busy).await.unwrap().is_some(), "{}: kept busy", t.name);
        }
        clock.advance(61);
        assert!(roster.resolve_session(&busy).await.unwrap().is_none(), "{}: absolute limit", t.name);
    }
}

#[tokio::test]
async fn a_forged_token_finds_nothing() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        assert!(roster.resolve_session(&SessionToken::generate()).await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn demo_seed_adds_users_that_can_sign_in() {
    for t in all().await {
        let (roster, _) = roster(&t).await;
        roster.seed_demo(1_200, false).await.unwrap();
        assert_eq!(t.db.count_users().await.unwrap(), 1_201, "{}", t.name);
        roster.seed_demo(10, false).await.unwrap();
        assert_eq!(t.db.count_users().await.unwrap(), 1_211, "{}: seeding again adds more", t.name);
        let outcome = roster.sign_in("ben.schmidt1", roster_service::DEMO_PASSWORD, None, None).await.unwrap();
        assert_eq!(role_ids(&user_of(&outcome).roles), [RoleId::CUSTOMER], "{}", t.name);
    }
}
