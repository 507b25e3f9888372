//! Lockout counters and second factors under concurrency, on every
//! available engine: each change is one atomic statement.

use roster_domain::{AuditAction, BulkAction, Login, RoleId, Timestamp, TwoFactorKind, UserFields, UserId};
use roster_store::FailureCount;
use roster_store::testing::{all, rules_for};
use roster_store::{AuditRecord, Db, NewUser, Profile};

const NOW: Timestamp = Timestamp(1_795_845_000);

/// The audit row a change made here writes with itself.
fn audit() -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: None,
        on_behalf_of_id: None,
        action: AuditAction::TwoFactorRemoved,
        target_user_id: None,
        detail: String::new(),
        ip: None,
    }
}

async fn user(db: &Db, login: &str) -> UserId {
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: login.into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: Some("$argon2id$stand-in".into()),
        roles: vec![RoleId::CUSTOMER],
    };
    db.insert_user(&user, NOW).await.unwrap()
}

async fn two_factor_flag(db: &Db, id: UserId) -> bool {
    db.credentials(&db.editable_user(id).await.unwrap().unwrap().details.login).await.unwrap().unwrap().two_factor
}

#[tokio::test]
async fn concurrent_failures_are_all_counted_lock_once_and_a_lock_beats_a_late_success() {
    const THRESHOLD: i64 = 10;
    let until = Timestamp(NOW.0 + 60);
    for t in all().await {
        let id = user(&t.db, "nina").await;
        let failures = (0..50).map(|_| t.db.record_failed_sign_in(id, NOW));
        let seen: Vec<FailureCount> =
            futures::future::join_all(failures).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        let mut counts: Vec<i64> = seen.iter().map(|c| c.failures).collect();
        counts.sort();
        assert_eq!(counts, (1..=50).collect::<Vec<_>>(), "{}: every attempt saw its own count", t.name);
        // Every attempt at or past the threshold tries to lock: one does.
        let locked = audit();
        let lock = |c: &FailureCount| t.db.lock_account(id, *c, THRESHOLD, until, &locked);
        let locks = seen.iter().filter(|c| c.failures >= THRESHOLD).map(lock);
        let locked = futures::future::join_all(locks).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
        assert_eq!(locked, 1, "{}: one lock, however many raced", t.name);
        assert_eq!(t.db.failed_sign_ins(id).await.unwrap(), Some(0), "{}: the count starts again", t.name);
        assert_eq!(t.db.locked_until(id, NOW).await.unwrap(), Some(Some(until)), "{}", t.name);
        assert_eq!(t.db.record_failed_sign_in(id, NOW).await.unwrap(), None, "{}: not counted while locked", t.name);

        assert!(!t.db.record_sign_in(id, NOW).await.unwrap(), "{}: locked, so no success", t.name);
        assert!(t.db.current_user(id, Some(NOW)).await.unwrap().is_none(), "{}: not for a new sign-in", t.name);
        assert!(t.db.current_user(id, None).await.unwrap().is_some(), "{}: open sessions go on", t.name);
        assert!(t.db.current_user(id, Some(until)).await.unwrap().is_some(), "{}: the lock has lifted by then", t.name);
        assert_eq!(t.db.locked_until(id, until).await.unwrap(), Some(None), "{}", t.name);

        assert!(t.db.unlock_user(id, &mut rules_for(BulkAction::Unlock), &audit()).await.unwrap(), "{}", t.name);
        assert!(!t.db.unlock_user(id, &mut rules_for(BulkAction::Unlock), &audit()).await.unwrap(), "{}: not locked any more", t.name);
        assert!(t.db.record_sign_in(id, NOW).await.unwrap(), "{}", t.name);
        let next = t.db.record_failed_sign_in(id, NOW).await.unwrap().unwrap();
        assert_eq!((next.failures, next.lockouts), (1, 0), "{}: unlocking forgets the locks before", t.name);
    }
}

#[tokio::test]
async fn an_authenticator_step_is_accepted_once_however_many_race() {
    for t in all().await {
        let id = user(&t.db, "omar").await;
        // The store keeps sealed text as it is given; these stand in for it.
        t.db.set_pending_authenticator(id, "v1.pending").await.unwrap();
        assert!(!two_factor_flag(&t.db, id).await, "{}: pending is not enabled", t.name);
        assert!(!t.db.enable_authenticator(id, "v1.another", "v1.enabled", 100, &audit()).await.unwrap(), "{}", t.name);
        assert!(t.db.enable_authenticator(id, "v1.pending", "v1.enabled", 100, &audit()).await.unwrap());
        assert_eq!(t.db.authenticator_secret(id).await.unwrap().unwrap().sealed_secret, "v1.enabled", "{}", t.name);
        assert_eq!(t.db.pending_authenticator_secret(id).await.unwrap(), None, "{}", t.name);
        assert!(two_factor_flag(&t.db, id).await, "{}", t.name);

        let races = (0..20).map(|_| t.db.accept_authenticator_step(id, 101));
        let wins = futures::future::join_all(races).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
        assert_eq!(wins, 1, "{}", t.name);
        assert!(!t.db.accept_authenticator_step(id, 100).await.unwrap(), "{}: no going back", t.name);
        assert_eq!(t.db.authenticator_secret(id).await.unwrap().unwrap().last_step, 101, "{}", t.name);
    }
}

#[tokio::test]
async fn recovery_codes_are_spent_once_and_removal_takes_everything() {
    for t in all().await {
        let id = user(&t.db, "pia").await;
        let hashes: Vec<String> = (0..10).map(|i| format!("hash-{i}")).collect();
        t.db.replace_recovery_codes(id, &hashes, &audit()).await.unwrap();
        assert!(two_factor_flag(&t.db, id).await, "{}", t.name);
        let races = (0..10).map(|_| t.db.use_recovery_code(id, "hash-3", NOW));
        let wins = futures::future::join_all(races).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
        assert_eq!(wins, 1, "{}", t.name);
        let methods = t.db.two_factor_methods(id).await.unwrap();
        assert_eq!(methods.len(), 1);
        assert_eq!((methods[0].kind, methods[0].unused_codes), (TwoFactorKind::RecoveryCodes, Some(9)), "{}", t.name);

        t.db.insert_session("pia-session", id, NOW, false).await.unwrap();
        let removed = t.db.remove_two_factor(id, &TwoFactorKind::ALL, true, Some(&mut rules_for(BulkAction::RemoveTwoFactor)), &audit()).await.unwrap();
        assert_eq!(removed, [TwoFactorKind::RecoveryCodes], "{}: only what existed", t.name);
        assert!(t.db.two_factor_methods(id).await.unwrap().is_empty(), "{}", t.name);
        assert!(!two_factor_flag(&t.db, id).await, "{}", t.name);
        assert!(t.db.session("pia-session").await.unwrap().is_none(), "{}: sessions ended with it", t.name);
    }
}
