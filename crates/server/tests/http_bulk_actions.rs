//! Bulk actions over real HTTP, on both databases: the preview's counts and
//! refusals, a run chunk by chunk with the rules checked per user, a failing
//! chunk that changes nobody, Cancel, the audit trail that links every
//! changed user to the run, and who may do any of it.

mod common;

use common::{apps, test_audit, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{
    AppError, AuditAction, BulkPreview, BulkProgress, BulkRunState, Permission, RoleId, UserId, ValidRoleDraft,
};
use serde_json::{json, Value};

async fn preview(app: &TestApp, browser: &reqwest::Client, action: Value, selection: Value) -> reqwest::Response {
    app.call_json(browser, "preview_bulk_action", json!({ "action": action, "selection": selection })).await
}

/// A preview that must succeed.
async fn previewed(app: &TestApp, browser: &reqwest::Client, action: Value, selection: Value) -> BulkPreview {
    let response = preview(app, browser, action, selection).await;
    assert_eq!(response.status(), 200, "{}: {}", app.db_name, response.text().await.unwrap());
    response.json().await.unwrap()
}

async fn run_chunk(app: &TestApp, browser: &reqwest::Client, run: i64, confirmation: &str) -> reqwest::Response {
    app.call_json(browser, "run_bulk_action", json!({ "run": run, "confirmation": confirmation })).await
}

/// Runs chunk after chunk, as the progress bar does, until the run ends.
/// Returns the last progress and every refusal reported on the way.
async fn run_to_end(app: &TestApp, browser: &reqwest::Client, run: i64, confirmation: &str) -> (BulkProgress, Vec<String>) {
    let mut refusals = Vec::new();
    for _ in 0..100 {
        let response = run_chunk(app, browser, run, confirmation).await;
        assert_eq!(response.status(), 200, "{}: {}", app.db_name, response.text().await.unwrap());
        let progress: BulkProgress = response.json().await.unwrap();
        refusals.extend(progress.refusals.iter().map(|r| format!("{}: {}", r.login, r.reason)));
        if progress.state.is_over() {
            return (progress, refusals);
        }
    }
    panic!("{}: the run never ended", app.db_name);
}

async fn is_active(app: &TestApp, id: UserId) -> bool {
    app.db().editable_user(id).await.unwrap().expect("the user exists").details.active
}

/// The ids of every demo user (`roster-demo-…`/`*.NNN` logins) in id order.
async fn demo_users(app: &TestApp) -> Vec<UserId> {
    let sql = "SELECT id FROM users WHERE login_normalized NOT IN ('admin', 'customer') ORDER BY id";
    let ids: Vec<i64> = match app.db().pool() {
        roster_store::Pool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        roster_store::Pool::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
    };
    ids.into_iter().map(UserId).collect()
}

async fn execute(app: &TestApp, sql: &str) {
    match app.db().pool() {
        roster_store::Pool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()).unwrap(),
        roster_store::Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_counts_and_lists_who_is_refused_and_the_run_changes_only_the_others() {
    for app in apps().await {
        let me = app.user_id("admin").await;
        let customer = app.user_id("customer").await;
        let ann = app.add_user("ann.leaver", RoleId::CUSTOMER, "ann password 1").await;
        let gone = app.add_user("gone.already", RoleId::CUSTOMER, "gone password 1").await;
        execute(&app, &format!("UPDATE users SET active = FALSE WHERE id = {}", gone.0)).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let ann_browser = app.signed_in("ann.leaver", "ann password 1").await;

        let picked = json!({ "Picked": [me, customer, ann, gone] });
        let preview = previewed(&app, &admin, json!("Deactivate"), picked).await;
        assert_eq!((preview.total, preview.will_change, preview.already, preview.refused), (4, 2, 1, 1), "{}", app.db_name);
        assert_eq!(preview.refusals.len(), 1);
        assert_eq!(preview.refusals[0].login, "admin");
        assert_eq!(preview.refusals[0].reason, "You cannot deactivate your own account.");
        // The preview changed nobody.
        assert!(is_active(&app, customer).await && is_active(&app, ann).await, "{}", app.db_name);

        let (progress, refusals) = run_to_end(&app, &admin, preview.run.0, "").await;
        assert_eq!(progress.state, BulkRunState::Finished);
        assert_eq!((progress.changed, progress.already, progress.refused, progress.done()), (2, 1, 1, 4), "{}", app.db_name);
        assert_eq!(refusals, ["admin: You cannot deactivate your own account."]);
        assert!(!is_active(&app, customer).await && !is_active(&app, ann).await, "{}", app.db_name);
        assert!(is_active(&app, me).await, "{}: the admin stays active", app.db_name);
        // A deactivated user's session no longer works.
        let after = app.call_json(&ann_browser, "search_users", json!({ "search": {} })).await;
        assert_eq!(after.status(), 401, "{}", app.db_name);

        // The audit trail: the run's start and end, and one event per changed
        // user, all found by the run's mark.
        let mark = roster_service::bulk_mark(preview.run);
        let audit = app.db().recent_audit(20).await.unwrap();
        let of_run: Vec<_> = audit.iter().filter(|e| e.detail.contains(&mark)).collect();
        let started = of_run.iter().find(|e| e.action == AuditAction::BulkActionStarted).expect("a start event");
        assert!(started.detail.contains("Deactivate; 4 users; view: users picked in the panel"), "{}", started.detail);
        let ended = of_run.iter().find(|e| e.action == AuditAction::BulkActionEnded).expect("an end event");
        assert!(ended.detail.contains("finished: 2 changed, 1 already so, 1 refused, of 4"), "{}", ended.detail);
        let mut changed: Vec<UserId> = of_run
            .iter()
            .filter(|e| e.action == AuditAction::UserUpdated)
            .map(|e| e.target_user_id.unwrap())
            .collect();
        changed.sort();
        assert_eq!(changed, [customer, ann], "{}", app.db_name);
        assert!(of_run.iter().all(|e| e.actor_id == Some(me)), "{}", app.db_name);

        // Running a finished run again changes nothing.
        let again: BulkProgress = run_chunk(&app, &admin, preview.run.0, "").await.json().await.unwrap();
        assert_eq!(again.changed, 2, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_active_admin_and_another_admins_two_factor_are_refused_per_user() {
    for app in apps().await {
        // The signed-in admin's rights come from a role of their own, so the
        // one holder of the Admin role is the last active admin.
        let draft = ValidRoleDraft { name: "Helpdesk lead".into(), permissions: vec![Permission::AdminUser] };
        let lead = app.db().create_role(&draft, &test_audit(&app, AuditAction::RoleCreated)).await.unwrap();
        let me = app.add_user("lead", lead, "lead password 1").await;
        let admin = app.user_id("admin").await;
        let customer = app.user_id("customer").await;
        let lead_browser = app.signed_in("lead", "lead password 1").await;

        let preview = previewed(&app, &lead_browser, json!("Deactivate"), json!({ "Picked": [admin, customer, me] })).await;
        let reasons: Vec<(&str, &str)> = preview.refusals.iter().map(|r| (r.login.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [
                ("admin", "This is the last active admin. Make another user an admin first."),
                ("lead", "You cannot deactivate your own account."),
            ],
            "{}",
            app.db_name
        );
        let (progress, _) = run_to_end(&app, &lead_browser, preview.run.0, "").await;
        assert_eq!((progress.changed, progress.refused), (1, 2), "{}", app.db_name);
        assert!(is_active(&app, admin).await, "{}: the last admin stays", app.db_name);
        assert!(!is_active(&app, customer).await, "{}", app.db_name);

        // Another admin's second factors are theirs.
        execute(&app, &format!("UPDATE users SET two_factor_enabled = TRUE WHERE id = {}", admin.0)).await;
        let preview = previewed(&app, &lead_browser, json!("RemoveTwoFactor"), json!({ "Picked": [admin] })).await;
        assert_eq!(preview.refused, 1, "{}", app.db_name);
        assert_eq!(
            preview.refusals[0].reason,
            "You cannot remove another admin's two-factor methods. They manage them in their Profile."
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_that_fails_changes_nobody_in_it_and_the_run_goes_on_once_it_can() {
    for app in apps().await {
        app.roster().seed_demo(1_200, false).await.unwrap();
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let users = demo_users(&app).await;
        assert_eq!(users.len(), 1_200);
        let before = actives(&app, &users).await;
        let preview = previewed(&app, &admin, json!("Deactivate"), json!({ "AllMatches": { "roles": [3, 2] } })).await;
        assert!(preview.will_change >= 1_200, "{}: {preview:?}", app.db_name);

        // The database refuses to change one user of the second chunk.
        let victim = users[700].0;
        match app.db().backend() {
            roster_store::Backend::Sqlite => {
                execute(
                    &app,
                    &format!(
                        "CREATE TRIGGER refuse_one BEFORE UPDATE ON users WHEN old.id = {victim} \
                         BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                    ),
                )
                .await
            }
            roster_store::Backend::Postgres => {
                execute(
                    &app,
                    &format!(
                        "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS \
                         $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
                         CREATE TRIGGER refuse_one BEFORE UPDATE ON users FOR EACH ROW WHEN (OLD.id = {victim}) \
                         EXECUTE FUNCTION refuse_one()"
                    ),
                )
                .await
            }
        }
        let first: BulkProgress = run_chunk(&app, &admin, preview.run.0, "").await.json().await.unwrap();
        assert_eq!(first.done(), 500, "{}", app.db_name);
        let failed = run_chunk(&app, &admin, preview.run.0, "").await;
        assert_eq!(failed.status(), 500, "{}", app.db_name);
        assert_eq!(failed.json::<AppError>().await.unwrap(), AppError::Internal);
        // Nobody of the failed chunk changed, not even those before the
        // victim. (The first chunk was "customer" and the first 499 demo users.)
        let now = actives(&app, &users).await;
        assert_eq!(now[499..999], before[499..999], "{}: the second chunk is as it was", app.db_name);
        assert!(now[..499].iter().all(|active| !active), "{}: the first chunk landed", app.db_name);
        let audit = app.db().recent_audit(2_000).await.unwrap();
        let mark = roster_service::bulk_mark(preview.run);
        let events = audit.iter().filter(|e| e.detail.contains(&mark) && e.action == AuditAction::UserUpdated).count();
        assert_eq!(events as i64, first.changed, "{}: events for the first chunk only", app.db_name);

        // Once the database takes the change again, the run carries on where it stopped.
        let drop = match app.db().backend() {
            roster_store::Backend::Sqlite => "DROP TRIGGER refuse_one",
            roster_store::Backend::Postgres => "DROP TRIGGER refuse_one ON users; DROP FUNCTION refuse_one()",
        };
        execute(&app, drop).await;
        let (progress, _) = run_to_end(&app, &admin, preview.run.0, "").await;
        assert_eq!(progress.done(), progress.total, "{}", app.db_name);
        assert_eq!(demo_users_active(&app, true).await, 0, "{}: every demo user is inactive", app.db_name);
    }
}

/// How many demo users are (`true`) or are not active.
async fn demo_users_active(app: &TestApp, active: bool) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM users WHERE login_normalized NOT IN ('admin', 'customer') AND active = {active}");
    match app.db().pool() {
        roster_store::Pool::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
        roster_store::Pool::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
    }
}

/// Whether each of `users` is active, in their order.
async fn actives(app: &TestApp, users: &[UserId]) -> Vec<bool> {
    let list = users.iter().map(|u| u.0.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT id, active FROM users WHERE id IN ({list})");
    let rows: Vec<(i64, bool)> = match app.db().pool() {
        roster_store::Pool::Sqlite(pool) => sqlx::query_as(&sql).fetch_all(pool).await.unwrap(),
        roster_store::Pool::Postgres(pool) => sqlx::query_as(&sql).fetch_all(pool).await.unwrap(),
    };
    let by_id: std::collections::HashMap<i64, bool> = rows.into_iter().collect();
    users.iter().map(|u| by_id[&u.0]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_after_the_chunk_under_way_and_keeps_what_it_did() {
    for app in apps().await {
        app.roster().seed_demo(1_200, false).await.unwrap();
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let selection = json!({ "AllMatches": { "roles": [3, 2] } });
        let preview = previewed(&app, &admin, json!({ "AddRole": 2 }), selection).await;
        let first: BulkProgress = run_chunk(&app, &admin, preview.run.0, "").await.json().await.unwrap();
        assert_eq!(first.done(), 500);
        let cancelled: BulkProgress =
            app.call_json(&admin, "cancel_bulk_action", json!({ "run": preview.run.0 })).await.json().await.unwrap();
        assert_eq!(cancelled.state, BulkRunState::Cancelled, "{}", app.db_name);
        assert_eq!(cancelled.done(), 500);
        // A chunk asked for after Cancel (another tab) does nothing.
        let after: BulkProgress = run_chunk(&app, &admin, preview.run.0, "").await.json().await.unwrap();
        assert_eq!((after.state, after.done()), (BulkRunState::Cancelled, 500), "{}", app.db_name);
        let agents = app.search(&admin, json!({ "roles": [2] })).await.json::<roster_domain::UsersPage>().await.unwrap();
        let agents = match agents.count {
            roster_domain::MatchCount::Exact(n) | roster_domain::MatchCount::AtLeast(n) => n,
        };
        let were_agents = preview.already;
        assert_eq!(agents, were_agents + first.changed, "{}: the first chunk's users kept the role", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        let ended = audit.iter().find(|e| e.action == AuditAction::BulkActionEnded).expect("an end event");
        assert!(ended.detail.contains("Add role, cancelled"), "{}", ended.detail);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_changed_since_the_preview_is_refused_and_listed_in_the_report() {
    for app in apps().await {
        let one = app.add_user("one.customer", RoleId::CUSTOMER, "one password 11").await;
        let two = app.add_user("two.customer", RoleId::CUSTOMER, "two password 22").await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let preview = previewed(&app, &admin, json!("Deactivate"), json!({ "Picked": [one, two] })).await;
        assert_eq!(preview.will_change, 2);
        // Another admin saves the second user meanwhile.
        execute(&app, &format!("UPDATE users SET version = version + 1 WHERE id = {}", two.0)).await;
        let (progress, refusals) = run_to_end(&app, &admin, preview.run.0, "").await;
        assert_eq!((progress.changed, progress.refused), (1, 1), "{}", app.db_name);
        assert_eq!(refusals, ["two.customer: Someone changed this user after the preview. Preview again to include them."]);
        assert!(!is_active(&app, one).await && is_active(&app, two).await, "{}", app.db_name);

        let report = admin.get(app.url(&format!("/api/bulk_action_report?run={}", preview.run.0))).send().await.unwrap();
        assert_eq!(report.status(), 200, "{}", app.db_name);
        assert_eq!(report.headers()["content-type"], "text/csv; charset=utf-8");
        let text = report.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(
            rows,
            [vec![
                "two.customer".to_owned(),
                two.0.to_string(),
                "Someone changed this user after the preview. Preview again to include them.".to_owned()
            ]],
            "{}",
            app.db_name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_needs_delete_typed_and_takes_the_tickets_the_preview_counted() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let customer = app.user_id("customer").await;
        let customer_browser = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for title in ["Printer", "Mail"] {
            let opened = app.call_json(&customer_browser, "open_ticket", json!({ "title": title, "body": "Help." })).await;
            assert_eq!(opened.status(), 200, "{}", app.db_name);
        }
        let preview = previewed(&app, &admin, json!("Delete"), json!({ "Picked": [customer] })).await;
        assert_eq!((preview.will_change, preview.tickets), (1, 2), "{}", app.db_name);
        let refused = run_chunk(&app, &admin, preview.run.0, "delete").await;
        assert_eq!(refused.status(), 400, "{}", app.db_name);
        let error = refused.json::<AppError>().await.unwrap();
        assert_eq!(error.fields()[0].message, "Type DELETE to confirm.");
        assert!(app.db().editable_user(customer).await.unwrap().is_some(), "{}: not deleted", app.db_name);
        let (progress, _) = run_to_end(&app, &admin, preview.run.0, "DELETE").await;
        assert_eq!(progress.changed, 1);
        assert!(app.db().editable_user(customer).await.unwrap().is_none(), "{}: deleted", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        let deleted = audit.iter().find(|e| e.action == AuditAction::UserDeleted).expect("a deletion event");
        assert_eq!(deleted.target_user_id, Some(customer));
        assert!(deleted.detail.ends_with("tickets=2"), "{}", deleted.detail);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_admin_who_previewed_a_run_may_run_cancel_or_read_it() {
    for app in apps().await {
        let customer = app.user_id("customer").await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let preview = previewed(&app, &admin, json!("Deactivate"), json!({ "Picked": [customer] })).await;
        let run = preview.run.0;

        app.add_user("second.admin", RoleId::ADMIN, "second admin pass 1").await;
        let other_admin = app.signed_in("second.admin", "second admin pass 1").await;
        let customer_browser = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for (browser, status) in [(&other_admin, 404), (&customer_browser, 403), (&app.browser(), 401)] {
            assert_eq!(run_chunk(&app, browser, run, "").await.status(), status, "{}", app.db_name);
            let cancel = app.call_json(browser, "cancel_bulk_action", json!({ "run": run })).await;
            assert_eq!(cancel.status(), status, "{}", app.db_name);
            let report = browser.get(app.url(&format!("/api/bulk_action_report?run={run}"))).send().await.unwrap();
            assert_eq!(report.status(), status, "{}", app.db_name);
        }
        let picked = preview_status(&app, &customer_browser, json!({ "Picked": [customer] })).await;
        assert_eq!(picked, 403, "{}", app.db_name);
        assert!(is_active(&app, customer).await, "{}: nobody else's call changed anything", app.db_name);

        // A run needs a picked user, or a search that can be searched.
        assert_eq!(preview_status(&app, &admin, json!({ "Picked": [] })).await, 400, "{}", app.db_name);
        let too_long = "x".repeat(roster_domain::MAX_SEARCH_CHARS + 1);
        let search = json!({ "AllMatches": { "text": too_long } });
        assert_eq!(preview_status(&app, &admin, search).await, 400, "{}", app.db_name);
        let report = admin.get(app.url("/api/bulk_action_report?run=abc")).send().await.unwrap();
        assert_eq!(report.status(), 400, "{}", app.db_name);
    }
}

async fn preview_status(app: &TestApp, browser: &reqwest::Client, selection: Value) -> u16 {
    preview(app, browser, json!("Deactivate"), selection).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_match_of_a_search_gets_the_role_past_a_thousand_users() {
    for app in apps().await {
        app.roster().seed_demo(1_100, false).await.unwrap();
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let search = json!({ "roles": [3] });
        let customers = app.call_json(&admin, "count_users", json!({ "search": search })).await.json::<i64>().await.unwrap();
        let preview = previewed(&app, &admin, json!({ "AddRole": 2 }), json!({ "AllMatches": search })).await;
        assert_eq!(preview.total, customers, "{}: every match, not one page", app.db_name);
        let (progress, _) = run_to_end(&app, &admin, preview.run.0, "").await;
        assert_eq!(progress.changed + progress.already, customers, "{}", app.db_name);
        let both = json!({ "search": { "roles": [3] } });
        let still = app.call_json(&admin, "count_users", both).await.json::<i64>().await.unwrap();
        let agents_among = app.call_json(&admin, "count_users", json!({ "search": { "roles": [2] } })).await.json::<i64>().await.unwrap();
        assert_eq!(still, customers, "{}: they keep their own role", app.db_name);
        assert!(agents_among >= customers, "{}: and hold Agent now", app.db_name);
    }
}
