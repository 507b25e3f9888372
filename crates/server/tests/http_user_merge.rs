//! ⋮ Actions → Merge into… over real HTTP, on every available engine: who
//! may call it, the rules (yourself, admins, users being viewed), admin
//! mode, and what a merge moves, keeps and records.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, Hours, MergeMoves, MergePreview, RoleId, TicketState, TicketView, UserId};
use roster_store::NewTicket;
use serde_json::{json, Value};

const OTHER_PASSWORD: &str = "another password 1";
const ADMIN_MODE_SECONDS: i64 = 15 * 60;

async fn preview(app: &TestApp, browser: &reqwest::Client, duplicate: UserId, keep: UserId) -> reqwest::Response {
    app.call_json(browser, "preview_user_merge", json!({ "duplicate": duplicate, "keep": keep })).await
}

async fn merge(
    app: &TestApp,
    browser: &reqwest::Client,
    duplicate: UserId,
    keep: UserId,
    typed: &str,
) -> reqwest::Response {
    app.call_json(browser, "merge_users", json!({ "duplicate": duplicate, "keep": keep, "confirmation": typed })).await
}

async fn error_of(response: reqwest::Response) -> (u16, AppError) {
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `carl2`, the customer's duplicate, with two tickets of his own, a reply
/// and an hour on the customer's ticket, and an agent's hours on his.
/// Returns his id and his tickets' numbers, and the customer's ticket's.
async fn duplicate_with_tickets(app: &TestApp) -> (UserId, Vec<i64>, i64) {
    let customer = app.user_id("customer").await;
    let agent = app.add_user("agent", RoleId::AGENT, OTHER_PASSWORD).await;
    let carl2 = app.add_user("carl2", RoleId::CUSTOMER, OTHER_PASSWORD).await;
    let ticket = |customer: UserId, title: &str, articles: Vec<(UserId, String)>, time_entries| NewTicket {
        customer,
        title: title.into(),
        state: TicketState::Open,
        articles,
        time_entries,
    };
    let numbers = app
        .db()
        .insert_tickets(
            &[
                ticket(
                    customer,
                    "Printer jams",
                    vec![(customer, "It jams.".into()), (carl2, "Mine too.".into())],
                    vec![(carl2, 100)],
                ),
                ticket(carl2, "VPN drops", vec![(carl2, "It drops.".into())], vec![(agent, 50)]),
                ticket(carl2, "VPN again", vec![(carl2, "Again.".into())], vec![]),
            ],
            app.clock.now(),
        )
        .await
        .unwrap();
    (carl2, numbers[1..].to_vec(), numbers[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_preview_or_merge() {
    for app in apps().await {
        let customer_id = app.user_id("customer").await;
        let duplicate = app.add_user("carl2", RoleId::CUSTOMER, OTHER_PASSWORD).await;
        app.add_user("agent", RoleId::AGENT, OTHER_PASSWORD).await;
        let anonymous = app.browser();
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let agent = app.signed_in("agent", OTHER_PASSWORD).await;
        for (function, body) in [
            ("preview_user_merge", json!({ "duplicate": duplicate, "keep": customer_id })),
            ("merge_users", json!({ "duplicate": duplicate, "keep": customer_id, "confirmation": "MERGE" })),
        ] {
            let response = app.call_json(&anonymous, function, body.clone()).await;
            assert_eq!(error_of(response).await, (401, AppError::Unauthenticated), "{}: {function}", app.db_name);
            for (who, browser) in [("customer", &customer), ("agent", &agent)] {
                let response = app.call_json(browser, function, body.clone()).await;
                assert_eq!(
                    error_of(response).await,
                    (403, AppError::Forbidden),
                    "{}: {function} as {who}",
                    app.db_name
                );
            }
        }
        assert!(app.db().editable_user(duplicate).await.unwrap().is_some(), "{}: nothing merged", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_moves_tickets_replies_hours_and_roles_and_deletes_the_duplicate() {
    for app in apps().await {
        let customer_id = app.user_id("customer").await;
        let (carl2, numbers, customers_ticket) = duplicate_with_tickets(&app).await;
        let agent_too = format!("INSERT INTO user_roles (user_id, role_id) VALUES ({carl2}, {})", RoleId::AGENT.0);
        roster_store::testing::execute(app.db(), &agent_too).await;
        let duplicates_browser = app.signed_in("carl2", OTHER_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;

        let response = preview(&app, &admin, carl2, customer_id).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let shown: MergePreview = response.json().await.unwrap();
        assert_eq!(
            (shown.duplicate_login.as_str(), shown.keep_login.as_str()),
            ("carl2", "customer"),
            "{}",
            app.db_name
        );
        let moves = &shown.moves;
        assert_eq!(
            (moves.tickets, moves.articles, moves.time_entries, moves.hours),
            (2, 3, 1, Hours(100)),
            "{}",
            app.db_name
        );
        assert_eq!(moves.roles, ["Agent"], "{}", app.db_name);
        assert_eq!((shown.has_password, shown.sessions, shown.two_factor), (true, 1, false), "{}", app.db_name);
        assert_eq!(shown.refusal, None, "{}", app.db_name);

        for typed in ["", "merge", "MERGE?", "DELETE"] {
            let (status, error) = error_of(merge(&app, &admin, carl2, customer_id, typed).await).await;
            assert_eq!((status, error.message_for("confirmation")), (400, Some("Type MERGE to confirm.")), "{typed:?}");
        }
        assert!(app.db().editable_user(carl2).await.unwrap().is_some(), "{}: nothing merged yet", app.db_name);

        let response = merge(&app, &admin, carl2, customer_id, " MERGE ").await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let moved: MergeMoves = response.json().await.unwrap();
        assert_eq!(&moved, moves, "{}: what the preview said", app.db_name);

        assert!(app.db().credentials("carl2").await.unwrap().is_none(), "{}: the duplicate is gone", app.db_name);
        let response = app.call(&duplicates_browser, "current_user", &[]).await;
        assert_eq!(response.json::<Option<Value>>().await.unwrap(), None, "{}: their session ended", app.db_name);
        assert_eq!(app.sign_in(&app.browser(), "carl2", OTHER_PASSWORD).await.status(), 401, "{}", app.db_name);

        // The customer now opens the duplicate's tickets by their old numbers.
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for number in numbers {
            let response = app.call_json(&customer, "get_ticket", json!({ "number": number })).await;
            assert_eq!(response.status(), 200, "{}: #{number}", app.db_name);
            let ticket: TicketView = response.json().await.unwrap();
            assert_eq!(ticket.number, number, "{}", app.db_name);
        }
        assert_eq!(
            app.db().article_authors(customers_ticket).await.unwrap(),
            [Some(customer_id); 2],
            "{}",
            app.db_name
        );
        assert_eq!(
            app.db().time_entries_of(customers_ticket).await.unwrap(),
            [(Some(customer_id), 100)],
            "{}",
            app.db_name
        );
        let kept = app.db().editable_user(customer_id).await.unwrap().unwrap();
        assert_eq!(kept.details.roles, [RoleId::AGENT, RoleId::CUSTOMER], "{}: both users' roles", app.db_name);

        let events = app.db().recent_audit(100).await.unwrap();
        let event = events.into_iter().find(|e| e.action == AuditAction::UserMerged).expect("the merge is audited");
        assert_eq!(
            (event.actor_id, event.target_user_id),
            (Some(app.user_id("admin").await), Some(carl2)),
            "{}",
            app.db_name
        );
        let detail = format!("kept={customer_id} tickets=2 articles=3 time_entries=1 organizations=0 roles=1");
        assert_eq!(event.detail, detail, "{}", app.db_name);

        let response = preview(&app, &admin, carl2, customer_id).await;
        assert_eq!(error_of(response).await, (404, AppError::NotFound), "{}", app.db_name);
        let response = merge(&app, &admin, carl2, customer_id, "MERGE").await;
        assert_eq!(error_of(response).await, (404, AppError::NotFound), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_for_yourself_for_admins_and_for_one_user_twice() {
    for app in apps().await {
        let me = app.user_id("admin").await;
        let customer = app.user_id("customer").await;
        let other_admin = app.add_user("second_admin", RoleId::ADMIN, OTHER_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let own = "You cannot merge your own account.";
        let admins = "Admins cannot be merged. Remove the admin role first, or ask them to.";
        let twice = "Choose another user to keep: a user cannot be merged into themselves.";
        for (duplicate, keep, message) in [
            (me, customer, own),
            (customer, me, own),
            (other_admin, customer, admins),
            (customer, other_admin, admins),
            (customer, customer, twice),
        ] {
            let shown: MergePreview = preview(&app, &admin, duplicate, keep).await.json().await.unwrap();
            assert_eq!(shown.refusal.as_deref(), Some(message), "{}: {duplicate} into {keep}", app.db_name);
            let response = merge(&app, &admin, duplicate, keep, "MERGE").await;
            assert_eq!(error_of(response).await, (409, AppError::Refused(message.into())), "{}", app.db_name);
        }
        for login in ["admin", "customer", "second_admin"] {
            assert!(app.db().credentials(login).await.unwrap().is_some(), "{}: {login} remains", app.db_name);
        }
        assert!(app.db().recent_audit(100).await.unwrap().iter().all(|e| e.action != AuditAction::UserMerged));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_while_either_user_is_being_viewed() {
    for app in apps().await {
        let customer = app.user_id("customer").await;
        let duplicate = app.add_user("carl2", RoleId::CUSTOMER, OTHER_PASSWORD).await;
        app.add_user("viewer", RoleId::ADMIN, OTHER_PASSWORD).await;
        let viewer = app.signed_in("viewer", OTHER_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let message =
            "An admin is viewing Roster as one of these users. Try again once they are back in their own view.";
        for viewed in [customer, duplicate] {
            let body = json!({ "id": viewed, "reason": "Checking their tickets" });
            assert_eq!(app.call_json(&viewer, "start_impersonation", body).await.status(), 200, "{}", app.db_name);
            let shown: MergePreview = preview(&app, &admin, duplicate, customer).await.json().await.unwrap();
            assert_eq!(shown.refusal.as_deref(), Some(message), "{}", app.db_name);
            let response = merge(&app, &admin, duplicate, customer, "MERGE").await;
            assert_eq!(error_of(response).await, (409, AppError::Refused(message.into())), "{}", app.db_name);
            assert_eq!(app.call(&viewer, "end_impersonation", &[]).await.status(), 200, "{}", app.db_name);
        }
        // Once the view ends, the merge goes ahead.
        assert_eq!(merge(&app, &admin, duplicate, customer, "MERGE").await.status(), 200, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_admin_mode_lapses_a_merge_asks_for_the_password_first() {
    for app in apps().await {
        let customer = app.user_id("customer").await;
        let (duplicate, _, _) = duplicate_with_tickets(&app).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        app.clock.advance(ADMIN_MODE_SECONDS + 1);
        // The preview needs no more than the session.
        assert_eq!(preview(&app, &admin, duplicate, customer).await.status(), 200, "{}", app.db_name);
        let response = merge(&app, &admin, duplicate, customer, "MERGE").await;
        assert_eq!(
            error_of(response).await,
            (428, AppError::ReauthenticationRequired { code: false }),
            "{}",
            app.db_name
        );
        assert_eq!(app.db().tickets_of(duplicate, 10).await.unwrap().len(), 2, "{}: nothing merged", app.db_name);

        let confirmed =
            app.call(&admin, "confirm_identity", &[("confirm_password", ADMIN_PASSWORD), ("confirm_code", "")]).await;
        assert_eq!(confirmed.status(), 200, "{}", app.db_name);
        assert_eq!(merge(&app, &admin, duplicate, customer, "MERGE").await.status(), 200, "{}", app.db_name);
        assert_eq!(app.db().tickets_of(customer, 10).await.unwrap().len(), 3, "{}", app.db_name);
    }
}
