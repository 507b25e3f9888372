//! Dormant accounts over real HTTP, on every available engine: the Users
//! panel's "No sign-in for N days", and the hourly deactivation that one
//! instance of several does, shown as "Deactivated for inactivity".

mod common;

use common::{apps_with, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{BulkPreview, BulkProgress, RoleId, UserRow, UsersPage};
use roster_service::{DormantRun, Settings};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

async fn page(app: &TestApp, admin: &reqwest::Client, search: Value) -> UsersPage {
    let response = app.search(admin, search).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

fn logins(page: &UsersPage) -> Vec<&str> {
    let mut logins: Vec<&str> = page.rows.iter().map(|r| r.login.as_str()).collect();
    logins.sort();
    logins
}

fn row<'a>(page: &'a UsersPage, login: &str) -> &'a UserRow {
    page.rows.iter().find(|r| r.login == login).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_narrows_to_accounts_without_a_sign_in_for_the_days_it_is_set_to() {
    let settings = Settings { dormant_after_days: 30, ..Settings::default() };
    for app in apps_with(settings).await {
        let name = app.db_name;
        app.signed_in("customer", CUSTOMER_PASSWORD).await;
        app.add_user("quiet.one", RoleId::CUSTOMER, "a password 1234").await;
        app.add_user("quiet.agent", RoleId::AGENT, "a password 1234").await;
        app.clock.advance(31 * DAY);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        app.add_user("new.one", RoleId::CUSTOMER, "a password 1234").await;

        let dormant = page(&app, &admin, json!({ "facets": ["Dormant"] })).await;
        assert_eq!(logins(&dormant), ["customer", "quiet.agent", "quiet.one"], "{name}");
        assert_eq!(dormant.dormant_after_days, 30, "{name}");
        let with_text = page(&app, &admin, json!({ "text": "quiet", "facets": ["Dormant"] })).await;
        assert_eq!(logins(&with_text), ["quiet.agent", "quiet.one"], "{name}: with a search");
        let with_role = page(&app, &admin, json!({ "roles": [RoleId::AGENT], "facets": ["Dormant"] })).await;
        assert_eq!(logins(&with_role), ["quiet.agent"], "{name}: with a role");
        let never = page(&app, &admin, json!({ "facets": ["Dormant", "NeverSignedIn"] })).await;
        assert_eq!(logins(&never), ["quiet.agent", "quiet.one"], "{name}: with Never signed in");

        // The page names the facet with the days, and keeps it in the address.
        let html = app.page(&admin, "/admin/users?only=dormant").await.text().await.unwrap();
        assert!(html.contains("No sign-in for 30 days"), "{name}");
        assert!(html.contains("quiet.agent") && !html.contains("new.one"), "{name}: the page drawn with the facet on");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_deactivates_dormant_accounts_hourly_and_the_panel_says_why() {
    let settings = Settings { deactivate_dormant_after_days: 90, ..Settings::default() };
    for app in apps_with(settings.clone()).await {
        let name = app.db_name;
        app.add_user("old.admin", RoleId::ADMIN, "a password 1234").await;
        app.add_user("quiet.one", RoleId::CUSTOMER, "a password 1234").await;
        app.clock.advance(91 * DAY);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;

        // Two instances ask at the same moment: one does the work.
        let (a, b) = (app.instance(settings.clone()), app.instance(settings.clone()));
        let (first, second) = tokio::join!(a.deactivate_dormant_accounts("a", false), b.deactivate_dormant_accounts("b", false));
        let mut runs = [first.unwrap(), second.unwrap()];
        runs.sort_by_key(|r| matches!(r, DormantRun::NotDue));
        assert_eq!(runs, [DormantRun::Deactivated(2), DormantRun::NotDue], "{name}: the customer and quiet.one");
        // Within the hour, nobody runs it again.
        app.clock.advance(1_800);
        assert_eq!(a.deactivate_dormant_accounts("a", false).await.unwrap(), DormantRun::NotDue, "{name}");

        assert_eq!(app.sign_in(&app.browser(), "customer", CUSTOMER_PASSWORD).await.status(), 401, "{name}");
        let inactive = page(&app, &admin, json!({ "facets": ["Inactive"] })).await;
        assert_eq!(logins(&inactive), ["customer", "quiet.one"], "{name}: admins stay");
        assert!(row(&inactive, "quiet.one").deactivated_for_inactivity, "{name}");
        let html = app.page(&admin, "/admin/users?only=inactive").await.text().await.unwrap();
        assert!(html.contains("Deactivated for inactivity"), "{name}");
        let audit = app.call_json(&admin, "audit_log", json!({ "query": { "text": "", "action": "DeactivatedForInactivity", "before": null } })).await;
        assert_eq!(audit.status(), 200, "{name}");
        let text = audit.text().await.unwrap();
        assert!(text.contains("quiet.one") && text.contains("days=90"), "{name}: {text}");

        // An admin activates them again (a bulk action): their days start anew.
        let id = app.user_id("quiet.one").await;
        let selection = json!({ "Picked": [id] });
        let preview = app.call_json(&admin, "preview_bulk_action", json!({ "action": "Activate", "selection": selection })).await;
        let preview: BulkPreview = preview.json().await.unwrap();
        let run = app.call_json(&admin, "run_bulk_action", json!({ "run": preview.run.0, "confirmation": "" })).await;
        assert_eq!(run.json::<BulkProgress>().await.unwrap().changed, 1, "{name}");
        let active = page(&app, &admin, json!({ "text": "quiet.one" })).await;
        assert!(row(&active, "quiet.one").active && !row(&active, "quiet.one").deactivated_for_inactivity, "{name}");
        app.clock.advance(3_600);
        assert_eq!(a.deactivate_dormant_accounts("a", false).await.unwrap(), DormantRun::Deactivated(0), "{name}");
        app.clock.advance(91 * DAY);
        let b_again = b.deactivate_dormant_accounts("b", false).await.unwrap();
        assert_eq!(b_again, DormantRun::Deactivated(1), "{name}: quiet.one again; admins stay");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_deactivated_while_the_setting_is_off() {
    for app in apps_with(Settings::default()).await {
        app.clock.advance(400 * DAY);
        let run = app.instance(Settings::default()).deactivate_dormant_accounts("a", true).await.unwrap();
        assert_eq!(run, DormantRun::Off, "{}", app.db_name);
        assert_eq!(app.sign_in(&app.browser(), "customer", CUSTOMER_PASSWORD).await.status(), 200, "{}", app.db_name);
    }
}
