//! Edit User → Sessions and Profile → Sessions over real HTTP, on every
//! available engine: who may list and end whose sessions, and that an ended
//! browser is signed out at its very next request.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{CurrentUser, RoleId, UserSession};
use serde_json::json;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

async fn signed_in_with(app: &TestApp, user_agent: &str, login: &str, password: &str) -> reqwest::Client {
    let browser = app.browser_as(user_agent);
    assert_eq!(app.sign_in(&browser, login, password).await.status(), 200, "{}: {login} signs in", app.db_name);
    // The sign-in's own request came before the session: the next one is seen.
    assert!(current(app, &browser).await.is_some());
    browser
}

async fn current(app: &TestApp, browser: &reqwest::Client) -> Option<CurrentUser> {
    app.call(browser, "current_user", &[]).await.json().await.unwrap()
}

async fn sessions_of(app: &TestApp, admin: &reqwest::Client, login: &str) -> Vec<UserSession> {
    let response = app.call_json(admin, "user_sessions", json!({ "id": app.user_id(login).await })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn audited(app: &TestApp, action: &str) -> Vec<String> {
    let sql = format!("SELECT detail FROM audit_events WHERE action = '{action}' ORDER BY id");
    roster_store::testing::texts(app.db(), &sql).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_each_browser_of_a_user_and_signs_one_out_then_all() {
    for app in apps().await {
        let name = &app.db_name;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let laptop = signed_in_with(&app, FIREFOX, "customer", CUSTOMER_PASSWORD).await;
        let office = signed_in_with(&app, CHROME, "customer", CUSTOMER_PASSWORD).await;

        let sessions = sessions_of(&app, &admin, "customer").await;
        let mut browsers: Vec<&str> = sessions.iter().map(|s| s.browser.as_str()).collect();
        browsers.sort();
        assert_eq!(browsers, ["Chrome 131 on Windows 10", "Firefox 133 on Linux"], "{name}");
        for s in &sessions {
            assert_eq!(s.address.as_deref(), Some("127.0.0.1"), "{name}");
            assert!(!s.this_browser && s.viewed_by.is_none(), "{name}");
        }

        let firefox = sessions.iter().find(|s| s.browser.starts_with("Firefox")).unwrap();
        let id = app.user_id("customer").await;
        let ended = app.call_json(&admin, "end_user_session", json!({ "id": id, "session": firefox.id })).await;
        assert_eq!(ended.status(), 200, "{name}");
        assert!(current(&app, &laptop).await.is_none(), "{name}: the laptop is signed out at its next request");
        assert!(current(&app, &office).await.is_some(), "{name}: the office browser is not");
        assert_eq!(audited(&app, "session.end").await, [format!("session={}", firefox.id)], "{name}");
        let again = app.call_json(&admin, "end_user_session", json!({ "id": id, "session": firefox.id })).await;
        assert_eq!(again.status(), 409, "{name}: ended already");

        let everywhere = app.call_json(&admin, "end_user_sessions", json!({ "id": id })).await;
        assert_eq!(everywhere.json::<u64>().await.unwrap(), 1, "{name}");
        assert!(current(&app, &office).await.is_none(), "{name}");
        assert!(sessions_of(&app, &admin, "customer").await.is_empty(), "{name}");
        assert_eq!(audited(&app, "user.sessions_end").await, ["sessions=1"], "{name}");
        assert!(current(&app, &admin).await.is_some(), "{name}: the admin stays signed in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn your_own_sessions_are_in_your_profile_and_this_browser_is_marked() {
    for app in apps().await {
        let name = &app.db_name;
        let here = signed_in_with(&app, FIREFOX, "customer", CUSTOMER_PASSWORD).await;
        let phone = signed_in_with(&app, CHROME, "customer", CUSTOMER_PASSWORD).await;
        let tablet = signed_in_with(&app, CHROME, "customer", CUSTOMER_PASSWORD).await;

        let mine: Vec<UserSession> = app.call_json(&here, "my_sessions", json!({})).await.json().await.unwrap();
        assert_eq!(mine.len(), 3, "{name}");
        let this: Vec<&UserSession> = mine.iter().filter(|s| s.this_browser).collect();
        assert_eq!(this.len(), 1, "{name}");
        assert_eq!(this[0].browser, "Firefox 133 on Linux", "{name}");

        // The profile lists them, each with a Sign out form.
        let page = app.page(&here, "/profile").await.text().await.unwrap();
        assert!(page.contains("Sessions") && page.contains("Firefox 133 on Linux · this browser"), "{name}");
        assert_eq!(page.matches("name=\"session\"").count(), 3, "{name}");

        // One of the others, by the form the profile draws.
        let other = mine.iter().find(|s| !s.this_browser).unwrap();
        let answer = here.post(app.url("/api/my_sessions/end")).form(&[("session", other.id.0.as_str())]).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{name}");
        assert_eq!(answer.headers()["location"], "/profile?notice=session-ended#sessions", "{name}");
        let still: Vec<UserSession> = app.call_json(&here, "my_sessions", json!({})).await.json().await.unwrap();
        assert_eq!(still.len(), 2, "{name}");

        // Everywhere else: the other one ends, this browser stays.
        let answer = here.post(app.url("/api/my_sessions/end")).form(&[("everywhere_else", "yes")]).send().await.unwrap();
        assert_eq!(answer.headers()["location"], "/profile?notice=others-ended#sessions", "{name}");
        assert!(current(&app, &phone).await.is_none() && current(&app, &tablet).await.is_none(), "{name}");
        assert!(current(&app, &here).await.is_some(), "{name}");
        assert_eq!(audited(&app, "user.sessions_end").await, ["sessions=1 kept=this_browser"], "{name}");

        // And this browser's own: signed out, to the sign-in page.
        let own = &this[0].id;
        let answer = here.post(app.url("/api/my_sessions/end")).form(&[("session", own.0.as_str())]).send().await.unwrap();
        assert_eq!(answer.headers()["location"], "/login", "{name}");
        assert!(current(&app, &here).await.is_none(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_else_lists_or_ends_a_users_sessions() {
    for app in apps().await {
        let name = &app.db_name;
        let admin = signed_in_with(&app, FIREFOX, "admin", ADMIN_PASSWORD).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        app.add_user("agent", RoleId::AGENT, "agent password 1").await;
        let agent = app.signed_in("agent", "agent password 1").await;
        let admin_id = app.user_id("admin").await;
        let admins_session = sessions_of(&app, &admin, "admin").await.remove(0);
        assert!(admins_session.this_browser, "{name}");

        for (who, browser) in [("nobody", app.browser()), ("customer", customer.clone()), ("agent", agent)] {
            let expected = if who == "nobody" { 401 } else { 403 };
            for (function, body) in [
                ("user_sessions", json!({ "id": admin_id })),
                ("end_user_session", json!({ "id": admin_id, "session": admins_session.id })),
                ("end_user_sessions", json!({ "id": admin_id })),
            ] {
                let status = app.call_json(&browser, function, body).await.status();
                assert_eq!(status, expected, "{name}: {function} as {who}");
            }
        }
        // Your own list names only your own sessions: another's id ends nothing.
        let theirs = app.call_json(&customer, "end_my_session", json!({ "session": admins_session.id })).await;
        assert_eq!(theirs.status(), 409, "{name}");
        let form = customer.post(app.url("/api/my_sessions/end")).form(&[("session", admins_session.id.0.as_str())]);
        assert_eq!(form.send().await.unwrap().headers()["location"], "/profile?notice=already-ended#sessions", "{name}");
        let anonymous = app.browser().post(app.url("/api/my_sessions/end")).form(&[("everywhere_else", "yes")]);
        assert_eq!(anonymous.send().await.unwrap().status(), 401, "{name}");
        let nonsense = customer.post(app.url("/api/my_sessions/end")).form(&[("session", "' OR 1=1 --")]);
        assert_eq!(nonsense.send().await.unwrap().headers()["location"], "/profile?notice=already-ended#sessions", "{name}");
        assert!(current(&app, &admin).await.is_some(), "{name}: the admin was never signed out");

        // Signing yourself out everywhere is Profile's, as for the bulk action.
        let own = app.call_json(&admin, "end_user_sessions", json!({ "id": admin_id })).await;
        assert_eq!(own.status(), 409, "{name}");
        assert!(current(&app, &admin).await.is_some(), "{name}");

        // The list never carries the cookie, nor the hash the database keys it by.
        let cookie = roster_store::testing::texts(app.db(), "SELECT token_hash FROM sessions").await;
        let listed = app.call_json(&admin, "user_sessions", json!({ "id": admin_id })).await.text().await.unwrap();
        assert!(cookie.iter().all(|hash| !listed.contains(hash.as_str())), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_of_roster_as_the_user_is_listed_with_its_admin_and_ends_as_a_view() {
    for app in apps().await {
        let name = &app.db_name;
        app.add_user("second", RoleId::ADMIN, "second admin password").await;
        let viewer = app.signed_in("second", "second admin password").await;
        let customer_id = app.user_id("customer").await;
        let body = json!({ "id": customer_id, "reason": "Checking their tickets" });
        assert_eq!(app.call_json(&viewer, "start_impersonation", body).await.status(), 200, "{name}");

        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let sessions = sessions_of(&app, &admin, "customer").await;
        assert_eq!(sessions.len(), 1, "{name}");
        let view = &sessions[0];
        assert!(view.viewed_by.as_deref().is_some_and(|by| by.contains("(second)")), "{name}: {view:?}");

        // The viewer cannot end the user's sessions from inside the view.
        let inside = app.call_json(&viewer, "end_my_other_sessions", json!({})).await;
        assert_eq!(inside.status(), 409, "{name}");

        let ended = app.call_json(&admin, "end_user_session", json!({ "id": customer_id, "session": view.id })).await;
        assert_eq!(ended.status(), 200, "{name}");
        assert!(current(&app, &viewer).await.is_none(), "{name}: the viewing admin's browser is signed out");
        let reasons = audited(&app, "impersonation.end").await;
        assert_eq!(reasons, ["reason=signed_out_from_sessions"], "{name}");
        assert!(sessions_of(&app, &admin, "customer").await.is_empty(), "{name}");
    }
}
