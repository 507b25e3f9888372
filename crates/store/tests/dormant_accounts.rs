//! Dormant accounts on every available engine: which accounts the
//! deactivation takes (and which it never does), its audit rows, and the
//! lease that lets one instance of several do it.

use roster_domain::{AuditAction, Login, RoleId, Timestamp, UserFacet, UserFields, UserId, UserSearch};
use roster_store::testing::{all, execute, texts};
use roster_store::{AuditRecord, Db, NewUser, Profile, UserQuery, UserUpdate};

const DAY: i64 = 86_400;
const NOW: Timestamp = Timestamp(1_795_845_000);
const BEFORE: Timestamp = Timestamp(NOW.0 - 90 * DAY);

fn user(login: &str, role: RoleId) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile { fields: UserFields { first_name: login.into(), ..UserFields::default() }, ..Profile::default() },
        password_hash: Some("$argon2id$stand-in".into()),
        roles: vec![role],
    }
}

fn audit() -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: None,
        on_behalf_of_id: None,
        action: AuditAction::DeactivatedForInactivity,
        target_user_id: None,
        detail: "days=90".into(),
        ip: None,
    }
}

/// Adds `login`, created `created_days_ago`, last signed in `signed_in_days_ago` (never: `None`).
async fn add(db: &Db, login: &str, role: RoleId, created_days_ago: i64, signed_in_days_ago: Option<i64>) -> UserId {
    let id = db.insert_user(&user(login, role), Timestamp(NOW.0 - created_days_ago * DAY)).await.unwrap();
    if let Some(days) = signed_in_days_ago {
        db.record_sign_in(id, Timestamp(NOW.0 - days * DAY)).await.unwrap();
    }
    id
}

async fn logins_where(db: &Db, condition: &str) -> Vec<String> {
    texts(db, &format!("SELECT login FROM users WHERE {condition} ORDER BY login")).await
}

/// The logins the "No sign-in for 90 days" facet shows, with `roles`.
async fn dormant_facet(db: &Db, roles: Vec<RoleId>) -> Vec<String> {
    let search = UserSearch { roles, facets: vec![UserFacet::Dormant], ..Default::default() };
    let query = db.prepare_search(UserQuery { search: &search, words: &[], now: NOW, dormant_before: BEFORE }).await.unwrap();
    let mut found: Vec<String> = db.search_users(&query, 100, false).await.unwrap().into_iter().map(|(r, _)| r.login).collect();
    found.sort();
    found
}

#[tokio::test]
async fn accounts_without_a_sign_in_for_the_days_are_deactivated_admins_and_new_ones_stay() {
    for t in all().await {
        let db = &t.db;
        add(db, "ada", RoleId::ADMIN, 400, Some(1)).await;
        add(db, "old.admin", RoleId::ADMIN, 400, Some(200)).await;
        add(db, "gone.customer", RoleId::CUSTOMER, 400, Some(120)).await;
        add(db, "never.came", RoleId::CUSTOMER, 100, None).await;
        add(db, "new.customer", RoleId::CUSTOMER, 10, None).await;
        add(db, "busy.agent", RoleId::AGENT, 400, Some(89)).await;
        let back = add(db, "back.again", RoleId::CUSTOMER, 400, Some(300)).await;
        let already = add(db, "already.off", RoleId::CUSTOMER, 400, Some(300)).await;
        execute(db, &format!("UPDATE users SET active = FALSE WHERE id = {}", already.0)).await;
        // An admin made this one active again a week ago: its days start then.
        execute(db, &format!("UPDATE users SET activated_at = {} WHERE id = {}", NOW.0 - 7 * DAY, back.0)).await;

        // The facet is about sign-ins alone: inactive and re-activated accounts show too.
        let facet = dormant_facet(db, vec![]).await;
        assert_eq!(facet, ["already.off", "back.again", "gone.customer", "never.came", "old.admin"], "{}", t.name);
        assert_eq!(dormant_facet(db, vec![RoleId::ADMIN]).await, ["old.admin"], "{}: with a role", t.name);

        let gone = db.deactivate_dormant(BEFORE, false, 500, &audit()).await.unwrap();
        let mut gone: Vec<(i64, Option<Timestamp>)> = gone.iter().map(|a| (a.id.0, a.last_sign_in)).collect();
        gone.sort();
        assert_eq!(gone.len(), 2, "{}: {gone:?}", t.name);
        assert_eq!(logins_where(db, "inactivity_deactivated_at IS NOT NULL").await, ["gone.customer", "never.came"], "{}", t.name);
        assert_eq!(logins_where(db, "NOT active").await, ["already.off", "gone.customer", "never.came"], "{}", t.name);
        let details = texts(db, "SELECT detail FROM audit_events WHERE action = 'user.deactivate_dormant' ORDER BY detail").await;
        let long_ago = NOW.0 - 120 * DAY;
        assert_eq!(details, [format!("days=90 last_sign_in={long_ago}"), "days=90 last_sign_in=never".into()], "{}", t.name);
        let targets = texts(db, "SELECT u.login FROM audit_events a JOIN users u ON u.id = a.target_user_id \
                                 WHERE a.action = 'user.deactivate_dormant' ORDER BY u.login").await;
        assert_eq!(targets, ["gone.customer", "never.came"], "{}: each names its account", t.name);

        // The Users panel says why they are inactive.
        let search = UserSearch { facets: vec![UserFacet::Inactive], ..Default::default() };
        let query = db.prepare_search(UserQuery { search: &search, words: &[], now: NOW, dormant_before: BEFORE }).await.unwrap();
        let rows = db.search_users(&query, 100, false).await.unwrap();
        let why: Vec<(String, bool)> = rows.into_iter().map(|(r, _)| (r.login, r.deactivated_for_inactivity)).collect();
        assert!(why.contains(&("gone.customer".into(), true)) && why.contains(&("already.off".into(), false)), "{}: {why:?}", t.name);

        // Nothing is left to do; a second run changes nothing.
        assert!(db.deactivate_dormant(BEFORE, false, 500, &audit()).await.unwrap().is_empty(), "{}", t.name);

        // With admins: the dormant admin goes, as an active one remains.
        let gone = db.deactivate_dormant(BEFORE, true, 500, &audit()).await.unwrap();
        assert_eq!(gone.len(), 1, "{}", t.name);
        assert_eq!(logins_where(db, "inactivity_deactivated_at IS NOT NULL AND login = 'old.admin'").await, ["old.admin"]);
    }
}

#[tokio::test]
async fn the_last_active_admins_stay_however_long_since_they_signed_in() {
    for t in all().await {
        let db = &t.db;
        add(db, "only.admin", RoleId::ADMIN, 400, Some(200)).await;
        add(db, "second.admin", RoleId::ADMIN, 400, None).await;
        add(db, "gone.customer", RoleId::CUSTOMER, 400, Some(120)).await;
        let gone = db.deactivate_dormant(BEFORE, true, 500, &audit()).await.unwrap();
        assert_eq!(gone.len(), 1, "{}", t.name);
        assert_eq!(logins_where(db, "active").await, ["only.admin", "second.admin"], "{}: someone can still sign in as an admin", t.name);
    }
}

#[tokio::test]
async fn an_account_made_active_again_starts_its_days_anew_and_loses_the_mark() {
    for t in all().await {
        let db = &t.db;
        let id = add(db, "gone.customer", RoleId::CUSTOMER, 400, Some(120)).await;
        assert_eq!(db.deactivate_dormant(BEFORE, false, 500, &audit()).await.unwrap().len(), 1, "{}", t.name);
        // An admin ticks Active in Edit User (a bulk Activate is tested over HTTP).
        let user = db.editable_user(id).await.unwrap().unwrap();
        let update = UserUpdate {
            login: Login::parse(&user.details.login).unwrap(),
            profile: Profile { active: true, fields: user.details.fields.clone(), ..Profile::default() },
            roles: user.details.roles.clone(),
            password_hash: None,
        };
        let edit = AuditRecord { action: AuditAction::UserUpdated, target_user_id: Some(id), ..audit() };
        db.update_user(id, user.version, &update, &edit).await.unwrap();
        assert_eq!(logins_where(db, "active AND inactivity_deactivated_at IS NULL").await, ["gone.customer"], "{}", t.name);
        assert!(db.deactivate_dormant(BEFORE, false, 500, &audit()).await.unwrap().is_empty(), "{}: not again at once", t.name);
        let later = Timestamp(NOW.0 + 91 * DAY);
        assert_eq!(db.deactivate_dormant(Timestamp(later.0 - 90 * DAY), false, 500, &audit()).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn of_several_instances_asking_at_once_one_takes_the_job_and_it_waits_its_hour() {
    for t in all().await {
        let db = &t.db;
        let due_before = |now: Timestamp| Timestamp(now.0 - 3_600);
        let lease = |now: Timestamp| Timestamp(now.0 + 600);
        let asks = (0..8).map(|i| {
            let db = db.clone();
            async move { db.take_job_lease("deactivate_dormant", &format!("i{i}"), NOW, lease(NOW), due_before(NOW)).await.unwrap() }
        });
        let taken = futures::future::join_all(asks).await;
        assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{}: {taken:?}", t.name);
        let holder = format!("i{}", taken.iter().position(|t| *t).unwrap());
        // While it works, nobody else starts.
        assert!(!db.take_job_lease("deactivate_dormant", "other", Timestamp(NOW.0 + 60), lease(NOW), Timestamp(i64::MAX)).await.unwrap());
        db.finish_job("deactivate_dormant", &holder, NOW).await.unwrap();
        // Done: not due again within the hour, then due.
        let soon = Timestamp(NOW.0 + 1_800);
        assert!(!db.take_job_lease("deactivate_dormant", "other", soon, lease(soon), due_before(soon)).await.unwrap());
        let later = Timestamp(NOW.0 + 3_700);
        assert!(db.take_job_lease("deactivate_dormant", "other", later, lease(later), due_before(later)).await.unwrap());
        // A holder that died keeps the job no longer than its lease.
        let after_lease = Timestamp(later.0 + 601);
        assert!(db.take_job_lease("deactivate_dormant", "third", after_lease, lease(after_lease), Timestamp(i64::MAX)).await.unwrap());
    }
}
