//! The Users panel's search over real HTTP: who may search, what bad input
//! gets back, and that counts and pages arrive as the panel expects.

mod common;

use common::{apps, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, MatchCount, UsersPage, COUNT_CAP, MAX_SEARCH_CHARS};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_search_or_count() {
    for app in apps().await {
        let anonymous = app.browser();
        let customer = app.browser();
        app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await;
        for function in ["search_users", "count_users"] {
            let response = app.call_json(&anonymous, function, json!({ "search": {} })).await;
            assert_eq!(response.status(), 401, "{}: {function}", app.db_name);
            let response = app.call_json(&customer, function, json!({ "search": { "text": "admin" } })).await;
            assert_eq!(response.status(), 403, "{}: {function}", app.db_name);
            assert_eq!(response.json::<AppError>().await.unwrap(), AppError::Forbidden);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_get_matches_a_capped_count_and_then_the_exact_one() {
    for app in apps().await {
        let roster = roster_service::Roster::new(
            app.db().clone(),
            roster_service::Settings::default(),
            roster_service::PasswordHasher::owasp(),
            roster_service::Clock::System,
            roster_service::Sealer::new(&roster_service::SecretKey::generate()),
        );
        roster.seed_demo(1_200, false).await.unwrap();
        let admin = app.browser();
        assert_eq!(app.sign_in(&admin, "admin", ADMIN_PASSWORD).await.status(), 200);

        let response = app.search(&admin, json!({ "text": "CARL" })).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let page: UsersPage = response.json().await.unwrap();
        assert_eq!(page.count, MatchCount::Exact(1), "{}", app.db_name);
        assert_eq!(page.rows[0].login, "customer");

        let response = app.search(&admin, json!({ "roles": [3] })).await;
        let page: UsersPage = response.json().await.unwrap();
        assert_eq!(page.count, MatchCount::AtLeast(COUNT_CAP), "{}", app.db_name);
        assert_eq!(page.rows.len(), 50);
        let next = page.next.expect("a next page");

        let response = app.call_json(&admin, "count_users", json!({ "search": { "roles": [3] } })).await;
        let exact: i64 = response.json().await.unwrap();
        // 1,200 demo users: one in ten is an agent; plus "customer".
        assert_eq!(exact, 1_200 - 120 + 1, "{}", app.db_name);

        let response = app.search(&admin, json!({ "roles": [3], "after": next })).await;
        let second: UsersPage = response.json().await.unwrap();
        assert!(second.rows.iter().all(|r| r.id < next.id), "{}: the next page starts after the first", app.db_name);

        // The panel itself, rendered by the server, shows the capped figure
        // and the list; the browser asks for the exact figure afterwards.
        let page = app.page(&admin, "/admin/users?roles=customer").await;
        assert_eq!(page.status(), 200, "{}", app.db_name);
        let html = page.text().await.unwrap().replace("<!>", "");
        assert!(html.contains("1,000+ users"), "{}: the capped count is on the page", app.db_name);
        assert!(!html.contains("Loading users"), "{}: the list is rendered, not waited for", app.db_name);
        assert_eq!(html.matches("data-user-id=\"").count(), 50, "{}: a page of users", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_searches_get_a_clear_error_and_never_a_500() {
    for app in apps().await {
        let admin = app.browser();
        app.sign_in(&admin, "admin", ADMIN_PASSWORD).await;

        let too_long = "x".repeat(MAX_SEARCH_CHARS + 1);
        let response = app.search(&admin, json!({ "text": too_long })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        let error = response.json::<AppError>().await.unwrap();
        assert_eq!(error.field().map(|f| f.field.as_str()), Some("q"), "{}: {error:?}", app.db_name);

        let response = app.search(&admin, json!({ "text": "a b c d e f g h i j" })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);

        let response = app.search(&admin, json!({ "sort": "LastSignIn", "after": { "id": 3, "key": "soon" } })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        let error = response.json::<AppError>().await.unwrap();
        assert_eq!(error.field().map(|f| f.field.as_str()), Some("after"), "{}", app.db_name);

        for body in [json!({ "search": { "sort": "Sideways" } }), json!({ "search": { "roles": "Admin" } }), json!([1, 2])]
        {
            let response = app.call_json(&admin, "search_users", body.clone()).await;
            assert_eq!(response.status(), 400, "{}: {body}", app.db_name);
        }
        let response = admin
            .post(app.url("/api/search_users"))
            .header("content-type", "application/json")
            .body("{\"search\": {\"text\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{}: truncated JSON", app.db_name);

        let huge = json!({ "search": { "text": "y".repeat(100_000) } });
        let response = app.call_json(&admin, "search_users", huge).await;
        assert_eq!(response.status(), 413, "{}: oversized body", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_reads_its_address_as_the_browser_does_after_back_and_forward() {
    for app in apps().await {
        let admin = app.browser();
        app.sign_in(&admin, "admin", ADMIN_PASSWORD).await;
        // "%41" typed into the search box: decoded once, it stays "%41".
        let page = app.page(&admin, "/admin/users?q=%2541").await;
        assert_eq!(page.status(), 200, "{}", app.db_name);
        let html = page.text().await.unwrap();
        assert!(html.contains(r#"value="%41""#), "{}: the search box shows what was typed", app.db_name);
        // The panel's starting view, handed to the browser in its island's props.
        assert!(html.contains("&quot;text&quot;:&quot;%41&quot;"), "{}: the panel starts from the same view", app.db_name);
    }
}
