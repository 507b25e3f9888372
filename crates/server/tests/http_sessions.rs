//! Sign-in, sign-out and access to the Users panel over real HTTP, on every
//! available database engine.

mod common;

use common::{apps, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use roster_app::api::SignIn;
use roster_domain::{role_ids, AppError, MatchCount, RoleId, SignInStep, UsersPage};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("roster_session="))
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_signs_in_with_a_hardened_cookie_and_lists_users() {
    for app in apps().await {
        let browser = app.browser();
        let response = app.sign_in(&browser, "ADMIN", ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let cookie = session_cookie(&response).expect("a session cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attribute), "{}: {cookie} lacks {attribute}", app.db_name);
        }
        let SignInStep::SignedIn(user) = response.json().await.unwrap() else { panic!("no code step expected") };
        assert_eq!(role_ids(&user.roles), [RoleId::ADMIN]);

        let response = app.search(&browser, serde_json::json!({})).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let page: UsersPage = response.json().await.unwrap();
        assert_eq!(page.count, MatchCount::Exact(2));
        let logins: Vec<_> = page.rows.iter().map(|r| r.login.as_str()).collect();
        assert_eq!(logins, ["customer", "admin"], "{}: newest first", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sign_in_failure_gets_the_same_answer_and_no_cookie() {
    for app in apps().await {
        let browser = app.browser();
        let mut bodies = Vec::new();
        for (login, password) in [("admin", "wrong password"), ("nobody", ADMIN_PASSWORD), ("admin", "")] {
            let response = app.sign_in(&browser, login, password).await;
            assert_eq!(response.status(), 401, "{}: {login}", app.db_name);
            assert!(session_cookie(&response).is_none(), "{}", app.db_name);
            bodies.push(response.text().await.unwrap());
        }
        assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{}: {bodies:?}", app.db_name);
        assert_eq!(serde_json::from_str::<AppError>(&bodies[0]).unwrap(), AppError::InvalidCredentials);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_on_the_server() {
    for app in apps().await {
        let browser = app.browser();
        let response = app.sign_in(&browser, "admin", ADMIN_PASSWORD).await;
        let cookie = session_cookie(&response).unwrap();

        let response = app.call(&browser, "sign_out", &[]).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let cleared = session_cookie(&response).expect("sign-out clears the cookie");
        assert!(cleared.contains("Max-Age=0"), "{}: {cleared}", app.db_name);

        // Someone who kept a copy of the old cookie gets nowhere with it.
        let replay = app.search_with_cookie(&cookie).await;
        assert_eq!(replay.status(), 401, "{}", app.db_name);
        assert_eq!(replay.json::<AppError>().await.unwrap(), AppError::Unauthenticated);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_again_replaces_the_session_id() {
    for app in apps().await {
        let browser = app.browser();
        let first = session_cookie(&app.sign_in(&browser, "admin", ADMIN_PASSWORD).await).unwrap();
        let second = session_cookie(&app.sign_in(&browser, "admin", ADMIN_PASSWORD).await).unwrap();
        assert_ne!(first, second, "{}", app.db_name);
        let old = app.search_with_cookie(&first).await;
        assert_eq!(old.status(), 401, "{}: the first session ended", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_list_is_refused_without_a_session_and_to_customers() {
    for app in apps().await {
        let anonymous = app.browser();
        let response = app.search(&anonymous, serde_json::json!({})).await;
        assert_eq!(response.status(), 401, "{}", app.db_name);

        let customer = app.browser();
        assert_eq!(app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await.status(), 200);
        let response = app.search(&customer, serde_json::json!({})).await;
        assert_eq!(response.status(), 403, "{}", app.db_name);
        assert_eq!(response.json::<AppError>().await.unwrap(), AppError::Forbidden);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_page_redirects_strangers_and_customers_and_renders_for_admins() {
    for app in apps().await {
        let anonymous = app.browser();
        let response = app.page(&anonymous, "/admin/users").await;
        assert_eq!(response.status(), 302, "{}", app.db_name);
        assert_eq!(response.headers()["location"], "/login");

        let customer = app.browser();
        app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await;
        let response = app.page(&customer, "/admin/users").await;
        assert_eq!(response.status(), 302, "{}", app.db_name);
        assert_eq!(response.headers()["location"], "/");

        let admin = app.browser();
        app.sign_in(&admin, "admin", ADMIN_PASSWORD).await;
        let response = app.page(&admin, "/admin/users").await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let html = response.text().await.unwrap();
        assert!(html.contains("<h1>Users</h1>"), "{}", app.db_name);
        assert!(html.contains("2 users"), "{}", app.db_name);
        // A name that looks like HTML is shown as text.
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{}", app.db_name);
        assert!(!html.contains("<img src=x"), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused_with_413() {
    for app in apps().await {
        let huge = "x".repeat(100 * 1024);
        let response = app.sign_in(&app.browser(), "admin", &huge).await;
        assert_eq!(response.status(), 413, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_404() {
    for app in apps().await {
        let response = app.page(&app.browser(), "/no/such/page").await;
        assert_eq!(response.status(), 404, "{}", app.db_name);
        assert!(response.text().await.unwrap().contains("Page not found"));
    }
}

/// Without JavaScript the sign-in form posts straight to its server
/// function; the answer sends the browser back to the sign-in page, which
/// says what went wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_form_sent_without_javascript_comes_back_with_its_error() {
    for app in apps().await {
        let browser = app.browser();
        let response = browser
            .post(app.url("/api/sign_in"))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .header("referer", app.url("/login"))
            .form(&[("login", "admin"), ("password", "not the password")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{}: {}", app.db_name, response.status());
        assert!(session_cookie(&response).is_none_or(|c| c.contains("Max-Age=0")), "{}: no session", app.db_name);
        let back = response.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.starts_with(&app.url("/login?")), "{}: {back}", app.db_name);

        let page = browser.get(&back).send().await.unwrap();
        assert_eq!(page.status(), 200, "{}", app.db_name);
        let html = page.text().await.unwrap();
        assert!(html.contains("Wrong login or password."), "{}: the page shows the error", app.db_name);

        // Called by Roster's own code (or any other client), the same failure keeps its status.
        let called = app.sign_in(&browser, "admin", "not the password").await;
        assert_eq!(called.status(), 401, "{}", app.db_name);

        // Anyone can write an address: an error that carries words of its own is not shown.
        let words = AppError::Refused("Call the help desk at 555-0100 with your password.".into());
        let crafted = ServerFnUrlError::new(<SignIn as ServerFn>::PATH, words).to_url(&app.url("/login")).unwrap();
        let html = browser.get(crafted.as_str()).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Sign in to Roster"), "{}", app.db_name);
        assert!(!html.contains("555-0100"), "{}: a crafted link put its words on the sign-in page", app.db_name);
    }
}

/// Who a copied cookie (`name=value`) signs in, if anyone.
async fn user_of_cookie(app: &common::TestApp, pair: &str) -> Option<roster_domain::CurrentUser> {
    let request = reqwest::Client::new().post(app.url("/api/current_user")).header("cookie", pair);
    request.send().await.unwrap().json().await.unwrap()
}

/// A browser signed in as `login`, and its session cookie (`name=value`).
async fn signed_in_with_cookie(app: &common::TestApp, login: &str, password: &str) -> (reqwest::Client, String) {
    let browser = app.browser();
    let response = app.sign_in(&browser, login, password).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    (browser, common::session_cookie_pair(&response).expect("a session cookie"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_your_password_gives_the_browser_a_new_session_id_and_ends_the_old_one() {
    for app in apps().await {
        let (browser, old) = signed_in_with_cookie(&app, "customer", CUSTOMER_PASSWORD).await;
        let form = [("current_password", CUSTOMER_PASSWORD), ("new_password", "a brand new password 7")];
        let changed = app.call(&browser, "change_password", &form).await;
        assert_eq!(changed.status(), 200, "{}", app.db_name);
        let new = common::session_cookie_pair(&changed).expect("a new session cookie");
        assert_ne!(new, old, "{}", app.db_name);
        assert!(user_of_cookie(&app, &old).await.is_none(), "{}: the old id no longer works", app.db_name);
        assert_eq!(user_of_cookie(&app, &new).await.unwrap().login, "customer", "{}", app.db_name);
    }
}

/// The user's next request after a change of their rights gets a new id
/// (and the new rights); the id from before stops working.
async fn assert_next_request_gets_a_new_id(app: &common::TestApp, browser: &reqwest::Client, old: &str) -> String {
    let response = app.call(browser, "current_user", &[]).await;
    let new = common::session_cookie_pair(&response).unwrap_or_else(|| panic!("{}: no new session id", app.db_name));
    assert_ne!(new, old, "{}", app.db_name);
    assert!(response.json::<Option<roster_domain::CurrentUser>>().await.unwrap().is_some(), "{}", app.db_name);
    // Requests already on their way with the old id still work, for a few seconds.
    assert!(user_of_cookie(app, old).await.is_some(), "{}: the old id, just replaced", app.db_name);
    app.clock.advance(31);
    assert!(user_of_cookie(app, old).await.is_none(), "{}: then the old id no longer works", app.db_name);
    let again = app.call(browser, "current_user", &[]).await;
    assert!(common::session_cookie_pair(&again).is_none(), "{}: one new id, not one per request", app.db_name);
    new
}

/// A page asks several things at once: when the user's rights change, the
/// requests that race with the one that gets the new id are not signed out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_racing_a_new_session_id_all_go_through() {
    use serde_json::json;
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let (_, cookie) = signed_in_with_cookie(&app, "customer", CUSTOMER_PASSWORD).await;
        let id = app.user_id("customer").await;
        let editable: serde_json::Value = app.call_json(&admin, "editable_user", json!({ "id": id })).await.json().await.unwrap();
        let mut details: roster_domain::UserDetails = serde_json::from_value(editable["details"].clone()).unwrap();
        details.roles.push(RoleId::AGENT);
        let body = json!({ "id": id, "version": editable["version"], "details": details });
        assert_eq!(app.call_json(&admin, "update_user", body).await.status(), 200, "{}", app.db_name);

        let racing = (0..6).map(|_| user_of_cookie(&app, &cookie));
        let users = futures::future::join_all(racing).await;
        assert!(users.iter().all(Option::is_some), "{}: nobody signed out: {users:?}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_of_a_users_roles_or_of_their_roles_permissions_gives_their_sessions_new_ids() {
    use roster_domain::{Permission, RoleDraft, UserDetails};
    use serde_json::json;
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let (customer, cookie) = signed_in_with_cookie(&app, "customer", CUSTOMER_PASSWORD).await;
        let id = app.user_id("customer").await;
        let draft = RoleDraft { name: "Night shift".into(), permissions: vec![Permission::TicketRead] };
        let saved = app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": draft })).await;
        assert_eq!(saved.status(), 200, "{}", app.db_name);
        let night = app.db().role_definitions().await.unwrap().into_iter().find(|r| r.role.name == "Night shift").unwrap();

        let edit = async |change: &dyn Fn(&mut UserDetails)| {
            let editable: serde_json::Value = app.call_json(&admin, "editable_user", json!({ "id": id })).await.json().await.unwrap();
            let mut details: UserDetails = serde_json::from_value(editable["details"].clone()).unwrap();
            change(&mut details);
            let body = json!({ "id": id, "version": editable["version"], "details": details });
            assert_eq!(app.call_json(&admin, "update_user", body).await.status(), 200, "{}", app.db_name);
        };
        // A change that leaves the rights alone keeps the id.
        edit(&|d| d.fields.city = "Lisbon".into()).await;
        let same = app.call(&customer, "current_user", &[]).await;
        assert!(common::session_cookie_pair(&same).is_none(), "{}: same rights, same id", app.db_name);

        edit(&|d| d.roles.push(night.role.id)).await;
        let cookie = assert_next_request_gets_a_new_id(&app, &customer, &cookie).await;

        let draft = RoleDraft { name: "Night shift".into(), permissions: vec![Permission::TicketRead, Permission::TicketReply] };
        let body = json!({ "id": night.role.id, "version": night.version, "draft": draft });
        assert_eq!(app.call_json(&admin, "save_role", body).await.status(), 200, "{}", app.db_name);
        assert_next_request_gets_a_new_id(&app, &customer, &cookie).await;
    }
}
