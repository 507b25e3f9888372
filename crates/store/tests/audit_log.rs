//! The audit log's search and paging, on every available engine.

use roster_domain::{AuditAction, Login, RoleId, Timestamp, UserFields, UserId};
use roster_store::testing::{all, audit_page_plan, count, execute};
use roster_store::{AuditRecord, Db, NewUser, Profile};

const NOW: Timestamp = Timestamp(1_795_845_000);

async fn user(db: &Db, login: &str) -> UserId {
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: login.into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: None,
        roles: vec![RoleId::ADMIN],
    };
    db.insert_user(&user, NOW).await.unwrap()
}

fn event(action: AuditAction, actor: Option<UserId>, target: Option<UserId>, detail: &str, ip: &str) -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: actor,
        on_behalf_of_id: None,
        action,
        target_user_id: target,
        detail: detail.into(),
        ip: Some(ip.into()),
    }
}

#[tokio::test]
async fn events_are_found_by_login_address_detail_and_kind_and_paged_newest_first() {
    for t in all().await {
        let ann = user(&t.db, "ann_admin").await;
        let bob = user(&t.db, "bob").await;
        for i in 0..30 {
            t.db.record_audit(&event(AuditAction::SignedIn, Some(bob), Some(bob), "", &format!("10.0.0.{i}"))).await.unwrap();
        }
        t.db.record_audit(&event(AuditAction::UserUpdated, Some(ann), Some(bob), "fields=city", "192.168.1.9")).await.unwrap();
        t.db.record_audit(&event(AuditAction::SignInFailed, None, None, "", "203.0.113.5")).await.unwrap();

        let newest = t.db.audit_page("", None, None, 5).await.unwrap();
        assert_eq!(newest[0].action, AuditAction::SignInFailed, "{}", t.name);
        assert_eq!(newest[1].actor.as_ref().unwrap().login.as_deref(), Some("ann_admin"), "{}", t.name);
        assert_eq!(newest[1].target.as_ref().unwrap().login.as_deref(), Some("bob"), "{}", t.name);

        let edits = t.db.audit_page("city", None, None, 10).await.unwrap();
        assert_eq!(edits.len(), 1, "{}: by detail", t.name);
        assert_eq!(t.db.audit_page("ann", None, None, 50).await.unwrap().len(), 1, "{}: by actor", t.name);
        assert_eq!(t.db.audit_page("203.0.113", None, None, 50).await.unwrap().len(), 1, "{}: by address", t.name);
        assert_eq!(t.db.audit_page("n_a", None, None, 50).await.unwrap().len(), 1, "{}: _ is literal", t.name);
        assert!(t.db.audit_page("%", None, None, 50).await.unwrap().is_empty(), "{}: % is literal", t.name);
        let by_kind = t.db.audit_page("", Some(AuditAction::UserUpdated), None, 50).await.unwrap();
        assert_eq!(by_kind.len(), 1, "{}", t.name);

        // Paging with `before` walks every sign-in once, newest first.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = t.db.audit_page("bob", Some(AuditAction::SignedIn), before, 7).await.unwrap();
            if page.is_empty() {
                break;
            }
            before = page.last().map(|e| e.id);
            seen.extend(page.into_iter().map(|e| e.id));
        }
        assert_eq!(seen.len(), 30, "{}", t.name);
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "{}: newest first, no repeats", t.name);

        // Deleted users keep their events, named by id.
        t.db.record_audit(&event(AuditAction::UserDeleted, Some(ann), Some(UserId(999)), "tickets=0", "::1")).await.unwrap();
        let deleted = t.db.audit_page("", Some(AuditAction::UserDeleted), None, 5).await.unwrap();
        assert_eq!(deleted[0].target.as_ref().unwrap().label(), "Deleted user #999", "{}", t.name);
    }
}

#[tokio::test]
async fn a_rare_kind_of_event_is_found_through_its_index_not_by_reading_the_whole_trail() {
    for t in all().await {
        // Thousands of failed sign-ins and a few deletions, as a busy helpdesk's trail holds.
        let series = match t.name {
            "sqlite" => "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i FROM n",
            _ => "SELECT generate_series(1, 5000)",
        };
        execute(&t.db, &format!("INSERT INTO audit_events (at, action, detail) SELECT 1, 'session.sign_in_failed', '' FROM ({series}) AS s")).await;
        for _ in 0..3 {
            t.db.record_audit(&event(AuditAction::UserDeleted, None, None, "", "127.0.0.1")).await.unwrap();
        }
        execute(&t.db, "ANALYZE audit_events").await;
        let plan = audit_page_plan(&t.db, AuditAction::UserDeleted).await;
        assert!(plan.contains("audit_events_by_action"), "{}:\n{plan}", t.name);
        let page = t.db.audit_page("", Some(AuditAction::UserDeleted), None, 50).await.unwrap();
        assert_eq!(page.len(), 3, "{}", t.name);
    }
}

#[tokio::test]
async fn an_index_the_operator_built_beforehand_is_kept_by_the_migration() {
    for t in all().await {
        // A database one migration behind, as before upgrading Roster.
        execute(&t.db, "DROP INDEX audit_events_by_action").await;
        assert_eq!(execute(&t.db, "DELETE FROM _sqlx_migrations WHERE version = 8").await, 1, "{}", t.name);
        // What the README tells operators with a large trail to run first:
        // on PostgreSQL it builds without holding back audit writes.
        let build = match t.name {
            "sqlite" => "CREATE INDEX audit_events_by_action ON audit_events (action, id)",
            _ => "CREATE INDEX CONCURRENTLY audit_events_by_action ON audit_events (action, id)",
        };
        execute(&t.db, build).await;

        t.db.migrate().await.unwrap_or_else(|e| panic!("{}: the upgrade runs: {e}", t.name));
        let applied = count(&t.db, "SELECT COUNT(*) FROM _sqlx_migrations WHERE version = 8 AND success").await;
        assert_eq!(applied, 1, "{}: the migration is recorded as done", t.name);
        let indexes = match t.name {
            "sqlite" => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'audit_events_by_action'",
            _ => "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'audit_events_by_action'",
        };
        assert_eq!(count(&t.db, indexes).await, 1, "{}: one index, the operator's", t.name);
    }
}
