//! Export CSV in the service, on every available engine: an export the
//! browser stops half-way is audited with what it got.

use futures::StreamExt;
use roster_domain::{AuditAction, Login, Password, RoleId, Timestamp, UserFields, UserSearch};
use roster_service::{Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Session, Settings};
use roster_store::testing::all;
use roster_store::Profile;

const PASSWORD: &str = "compilers rock";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_stopped_half_way_is_audited_with_what_it_sent() {
    for t in all().await {
        let clock = Clock::manual(Timestamp(1_795_845_000));
        let sealer = Sealer::new(&SecretKey::generate());
        let roster = Roster::new(t.db.clone(), Settings::default(), PasswordHasher::owasp(), clock, sealer);
        let account = NewAccount {
            login: Login::parse("ada").unwrap(),
            profile: Profile { fields: UserFields { first_name: "Ada".into(), ..UserFields::default() }, ..Profile::default() },
            password: Some(Password::parse(PASSWORD).unwrap()),
            roles: vec![RoleId::ADMIN],
        };
        roster.create_account(account, None, None).await.unwrap();
        roster.seed_demo(2_500, false).await.unwrap();
        let token = roster.sign_in("ada", PASSWORD, None, None).await.unwrap().token;
        let Some(Session::SignedIn(admin)) = roster.resolve_session(&token).await.unwrap() else { panic!("signed in") };

        let mut file = roster.export_users(Some(&admin), &UserSearch::default(), Some("192.0.2.7")).await.unwrap();
        // The header, then the first thousand users; then the browser goes away.
        for _ in 0..2 {
            file.next().await.expect("a piece").expect("no error");
        }
        drop(file);
        let mut stopped = None;
        for _ in 0..50 {
            let audit = t.db.recent_audit(10).await.unwrap();
            stopped = audit.into_iter().find(|e| e.action == AuditAction::UsersExported);
            if stopped.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let stopped = stopped.unwrap_or_else(|| panic!("{}: the stopped export is audited", t.name));
        assert_eq!(stopped.detail, "1,000 users, then stopped; view: /admin/users", "{}", t.name);
        assert_eq!(stopped.actor_id, Some(admin.user.id));
        assert_eq!(stopped.ip.as_deref(), Some("192.0.2.7"));

        // A whole export says how many went out.
        let whole = roster.export_users(Some(&admin), &UserSearch::default(), None).await.unwrap();
        let pieces: Vec<_> = whole.collect().await;
        assert!(pieces.iter().all(Result::is_ok), "{}", t.name);
        let audit = t.db.recent_audit(10).await.unwrap();
        let newest = audit.iter().find(|e| e.action == AuditAction::UsersExported).unwrap();
        assert_eq!(newest.detail, "2,501 users; view: /admin/users", "{}", t.name);
    }
}
