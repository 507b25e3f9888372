//! Bulk runs, on every available engine: a chunk decides each user as they
//! are when it runs, records an outcome for every one, and leaves the
//! search index as a one-user edit would.

use roster_domain::{
    AuditAction, BulkAction, BulkRefusal, BulkRules, BulkRunState, Login, RoleId, Timestamp, UserFields, UserId,
    UserSearch,
};
use roster_store::testing::{all, execute};
use roster_store::{AuditRecord, Db, NewUser, Profile, UserQuery};

const NOW: Timestamp = Timestamp(1_795_845_000);

fn user(login: &str, role: RoleId) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: format!("First {login}"), last_name: "Bulk".into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: None,
        roles: vec![role],
    }
}

fn audit(actor: UserId, action: AuditAction) -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: Some(actor),
        on_behalf_of_id: None,
        action,
        target_user_id: None,
        detail: String::new(),
        ip: None,
    }
}

fn rules(action: BulkAction, me: UserId) -> BulkRules {
    BulkRules { action, me, admin_roles: vec![RoleId::ADMIN], active_admins: 0, admin_mode: true }
}

/// Runs `run` to its end, `limit` users a chunk; returns each chunk's refusals.
async fn run_all(db: &Db, run: roster_domain::BulkRunId, rules: &mut BulkRules, limit: i64) -> Vec<Vec<(UserId, Option<String>, BulkRefusal)>> {
    let me = rules.me;
    let mut chunks = Vec::new();
    loop {
        let each = audit(me, AuditAction::UserUpdated);
        let chunk = db
            .run_bulk_chunk(run, rules, limit, &each, |_| "bulk".into(), |_| audit(me, AuditAction::BulkActionEnded))
            .await
            .unwrap();
        chunks.push(chunk.refusals.into_iter().map(|r| (r.id, r.login, r.refusal)).collect());
        if chunk.run.state == BulkRunState::Finished {
            return chunks;
        }
    }
}

#[tokio::test]
async fn each_chunk_decides_its_users_as_they_are_then_and_the_run_ends_when_all_are_reached() {
    for t in all().await {
        let admin = t.db.insert_user(&user("boss", RoleId::ADMIN), NOW).await.unwrap();
        let mut customers = Vec::new();
        for n in 0..5 {
            customers.push(t.db.insert_user(&user(&format!("bulk.{n}"), RoleId::CUSTOMER), NOW).await.unwrap());
        }
        let run = t.db.create_bulk_run(admin, BulkAction::Deactivate, "test", NOW).await.unwrap();
        let picked: Vec<UserId> = std::iter::once(admin).chain(customers.iter().copied()).collect();
        // An id nobody has is left out.
        let with_unknown: Vec<UserId> = picked.iter().copied().chain([UserId(999_999)]).collect();
        assert_eq!(t.db.add_bulk_run_users(run, &with_unknown).await.unwrap(), 6, "{}", t.name);
        assert!(t.db.start_bulk_run(run, &audit(admin, AuditAction::BulkActionStarted)).await.unwrap());
        assert!(!t.db.start_bulk_run(run, &audit(admin, AuditAction::BulkActionStarted)).await.unwrap(), "once");

        // After the preview, one user is deleted and one saved by someone else.
        execute(&t.db, &format!("DELETE FROM users WHERE id = {}", customers[3].0)).await;
        execute(&t.db, &format!("UPDATE users SET version = version + 1 WHERE id = {}", customers[4].0)).await;
        let mut rules = rules(BulkAction::Deactivate, admin);
        let chunks = run_all(&t.db, run, &mut rules, 4).await;
        assert_eq!(chunks.len(), 2, "{}: 6 users, 4 a chunk", t.name);
        assert_eq!(chunks[0], [(admin, Some("boss".to_owned()), BulkRefusal::Yourself)], "{}", t.name);
        assert_eq!(
            chunks[1],
            [(customers[3], None, BulkRefusal::DeletedSincePreview), (customers[4], Some("bulk.4".to_owned()), BulkRefusal::ChangedSincePreview)],
            "{}",
            t.name
        );
        let record = t.db.bulk_run(run).await.unwrap().unwrap();
        assert_eq!((record.total, record.changed, record.already, record.refused), (6, 3, 0, 3), "{}", t.name);
        for id in &customers[..3] {
            let user = t.db.editable_user(*id).await.unwrap().unwrap();
            assert!(!user.details.active, "{}", t.name);
            assert_eq!(user.version, 2, "{}: an edit, as the dialog's", t.name);
        }
        let refused = t.db.bulk_run_refusals(run, None, 10).await.unwrap();
        assert_eq!(refused.len(), 3, "{}", t.name);
        let audit_rows = t.db.recent_audit(20).await.unwrap();
        let updated: Vec<_> = audit_rows.iter().filter(|e| e.action == AuditAction::UserUpdated).collect();
        assert_eq!(updated.len(), 3, "{}: one event per changed user", t.name);
        assert_eq!(audit_rows.iter().filter(|e| e.action == AuditAction::BulkActionEnded).count(), 1, "{}", t.name);

        // A finished run runs no more.
        let each = audit(admin, AuditAction::UserUpdated);
        let again = t.db.run_bulk_chunk(run, &mut rules, 4, &each, |_| String::new(), |_| audit(admin, AuditAction::BulkActionEnded)).await;
        assert!(matches!(again, Err(roster_store::StoreError::NotFound)), "{}: {again:?}", t.name);
    }
}

#[tokio::test]
async fn a_role_given_in_bulk_is_found_by_the_role_filter_and_taken_back_in_bulk() {
    for t in all().await {
        let admin = t.db.insert_user(&user("boss", RoleId::ADMIN), NOW).await.unwrap();
        let mut customers = Vec::new();
        for n in 0..3 {
            customers.push(t.db.insert_user(&user(&format!("team.{n}"), RoleId::CUSTOMER), NOW).await.unwrap());
        }
        let agents = |db: Db| async move {
            let search = UserSearch { roles: vec![RoleId::AGENT], ..UserSearch::default() };
            let query = db.prepare_search(UserQuery { search: &search, words: &[], now: NOW, dormant_before: Timestamp(NOW.0 - 90 * 86_400) }).await.unwrap();
            db.count_matching_users(&query, None).await.unwrap()
        };
        for (action, expected) in [(BulkAction::AddRole(RoleId::AGENT), 3), (BulkAction::RemoveRole(RoleId::AGENT), 0)] {
            let run = t.db.create_bulk_run(admin, action, "test", NOW).await.unwrap();
            t.db.add_bulk_run_users(run, &customers).await.unwrap();
            t.db.start_bulk_run(run, &audit(admin, AuditAction::BulkActionStarted)).await.unwrap();
            run_all(&t.db, run, &mut rules(action, admin), 500).await;
            assert_eq!(agents(t.db.clone()).await, expected, "{}: {action:?}", t.name);
        }
        let roles = t.db.editable_user(customers[0]).await.unwrap().unwrap().details.roles;
        assert_eq!(roles, [RoleId::CUSTOMER], "{}", t.name);
    }
}
