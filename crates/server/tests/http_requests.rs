//! Requests and answers: the audit of refused requests, the client address
//! behind proxies, the headers every answer carries, on every available
//! database engine.

mod common;

use common::{apps, apps_with, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, EditableUser, RoleId};
use roster_service::Settings;
use serde_json::json;

/// Settings with a balancer on loopback, so a test can speak for many addresses.
fn behind_balancer() -> Settings {
    Settings { trusted_proxies: vec!["127.0.0.1".parse().unwrap()], ..Settings::default() }
}

/// A forged sign-out from another site's page, relayed for `visitor`.
async fn forged_from(app: &TestApp, visitor: &str) -> u16 {
    let request = app.browser().post(app.url("/api/sign_out")).header("x-forwarded-for", visitor);
    let response = request.header("origin", "https://evil.example").header("sec-fetch-site", "cross-site").send().await;
    response.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_cross_site_requests_are_audited_once_per_address_and_minute_with_their_count() {
    for app in apps_with(behind_balancer()).await {
        for _ in 0..300 {
            assert_eq!(forged_from(&app, "203.0.113.7").await, 403, "{}", app.db_name);
        }
        for _ in 0..3 {
            assert_eq!(forged_from(&app, "203.0.113.8").await, 403, "{}", app.db_name);
        }
        app.clock.advance(60);
        assert_eq!(forged_from(&app, "198.51.100.1").await, 403, "{}: the next minute closes the last", app.db_name);

        let rows = app.db().audit_page("", Some(AuditAction::CrossSiteRefused), None, 1000).await.unwrap();
        let of = |ip: &str| -> Vec<&str> {
            rows.iter().filter(|e| e.ip.as_deref() == Some(ip)).map(|e| e.detail.as_str()).collect()
        };
        assert_eq!(of("203.0.113.7"), ["path=/api/sign_out refused=300"], "{}: one row, all counted", app.db_name);
        assert_eq!(of("203.0.113.8"), ["path=/api/sign_out refused=3"], "{}: each address its own row", app.db_name);
        assert_eq!(rows.len(), 2, "{}: the new minute is still being counted", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balancer_in_a_trusted_range_names_the_visitor() {
    let settings = Settings { trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..Settings::default() };
    for app in apps_with(settings).await {
        let request = app.browser().post(app.url("/api/sign_in")).header("x-forwarded-for", "203.0.113.9");
        let response = request.form(&[("login", "customer"), ("password", "not the password")]).send().await;
        assert_eq!(response.unwrap().status(), 401, "{}", app.db_name);
        let audited = app.db().audit_page("203.0.113.9", Some(AuditAction::SignInFailed), None, 10).await.unwrap();
        assert_eq!(audited.len(), 1, "{}: audited with the visitor's address", app.db_name);
    }
}

/// The headers every answer carries, whatever answered it.
fn assert_security_headers(headers: &reqwest::header::HeaderMap, what: &str) {
    assert_eq!(headers.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{what}");
    assert_eq!(headers.get("x-frame-options").map(|v| v.to_str().unwrap()), Some("DENY"), "{what}");
    assert_eq!(headers.get("referrer-policy").map(|v| v.to_str().unwrap()), Some("same-origin"), "{what}");
    let policy = headers.get("content-security-policy").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(policy.contains("frame-ancestors 'none'"), "{what}: {policy:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_and_throttled_answers_carry_the_security_headers_too() {
    let settings = Settings { sign_in_attempts_per_minute: 1, ..Settings::default() };
    for app in apps_with(settings).await {
        let huge = "x".repeat(100 * 1024);
        let too_large = app.call(&app.browser(), "sign_in", &[("login", "admin"), ("password", &huge)]).await;
        assert_eq!(too_large.status(), 413, "{}", app.db_name);
        assert_security_headers(too_large.headers(), &format!("{}: 413", app.db_name));

        app.sign_in(&app.browser(), "nobody", "whatever it is").await;
        let throttled = app.sign_in(&app.browser(), "nobody", "whatever it is").await;
        assert_eq!(throttled.status(), 429, "{}", app.db_name);
        assert_security_headers(throttled.headers(), &format!("{}: 429", app.db_name));

        let forged = app.browser().post(app.url("/api/sign_out")).header("origin", "https://evil.example").send().await;
        let forged = forged.unwrap();
        assert_eq!(forged.status(), 403, "{}", app.db_name);
        assert_security_headers(forged.headers(), &format!("{}: 403", app.db_name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_answers_with_personal_data_are_not_stored_by_caches() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let page = app.page(&admin, "/admin/users").await;
        assert_eq!(page.status(), 200, "{}", app.db_name);
        assert_eq!(page.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "a page");
        let answer = app.search(&admin, json!({})).await;
        assert_eq!(answer.status(), 200, "{}", app.db_name);
        assert_eq!(answer.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "an answer");
        let missing = app.page(&admin, "/no/such/page").await;
        assert_eq!(missing.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "404");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_secure_cookies_the_session_cookie_is_host_prefixed_and_hsts_is_sent() {
    for app in apps_with(Settings { secure_cookies: true, ..Settings::default() }).await {
        let signed_in = app.sign_in(&app.browser(), "admin", ADMIN_PASSWORD).await;
        assert_eq!(signed_in.status(), 200, "{}", app.db_name);
        let hsts = signed_in.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_owned());
        assert!(hsts.is_some_and(|v| v.starts_with("max-age=")), "{}", app.db_name);
        let cookie = signed_in.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(cookie.starts_with("__Host-roster_session="), "{cookie}");
        for part in ["Secure", "Path=/", "HttpOnly"] {
            assert!(cookie.split("; ").any(|p| p == part), "{cookie} lacks {part}");
        }
        assert!(!cookie.contains("Domain"), "{cookie}");
        let replayed = app.search_with_cookie(&cookie).await;
        assert_eq!(replayed.status(), 200, "{}: the prefixed cookie names the session", app.db_name);
        let page = app.page(&app.browser(), "/login").await;
        assert!(page.headers().contains_key("strict-transport-security"), "{}: on every answer", app.db_name);
    }
    for app in apps().await {
        let signed_in = app.sign_in(&app.browser(), "admin", ADMIN_PASSWORD).await;
        assert!(!signed_in.headers().contains_key("strict-transport-security"), "{}: not over plain HTTP", app.db_name);
        let cookie = signed_in.headers().get("set-cookie").unwrap().to_str().unwrap();
        assert!(cookie.starts_with("roster_session="), "{cookie}: a __Host- cookie needs HTTPS");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_are_audited_with_who_what_and_where() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let refused = app.search(&customer, json!({})).await;
        assert_eq!(refused.status(), 403, "{}", app.db_name);
        let anonymous = app.search(&app.browser(), json!({})).await;
        assert_eq!(anonymous.status(), 401, "{}", app.db_name);

        let rows = app.db().recent_audit(10).await.unwrap();
        let refusals: Vec<_> = rows.iter().filter(|e| e.action == AuditAction::RequestRefused).collect();
        assert_eq!(refusals.len(), 1, "{}: the 403, once: {rows:?}", app.db_name);
        assert_eq!(refusals[0].actor_id, Some(app.user_id("customer").await), "{}: who", app.db_name);
        assert_eq!(refusals[0].detail, "path=/api/search_users", "{}: what", app.db_name);
        assert_eq!(refusals[0].ip.as_deref(), Some("127.0.0.1"), "{}: from where", app.db_name);
    }
}

async fn editable(app: &TestApp, admin: &reqwest::Client, login: &str) -> EditableUser {
    let id = app.user_id(login).await;
    let response = app.call_json(admin, "editable_user", json!({ "id": id })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn save(app: &TestApp, admin: &reqwest::Client, user: &EditableUser) -> reqwest::Response {
    let body = json!({ "id": user.id, "version": user.version, "details": user.details });
    app.call_json(admin, "update_user", body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_is_audited_with_the_roles_before_and_after() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut customer = editable(&app, &admin, "customer").await;
        customer.details.roles = vec![RoleId::AGENT, RoleId::CUSTOMER];
        assert_eq!(save(&app, &admin, &customer).await.status(), 200, "{}", app.db_name);
        let rows = app.db().recent_audit(1).await.unwrap();
        assert_eq!(rows[0].action, AuditAction::UserUpdated, "{}", app.db_name);
        assert_eq!(
            rows[0].detail,
            "fields=roles roles_before=[Customer] roles_after=[Agent, Customer]",
            "{}",
            app.db_name
        );
    }
}

/// Takes the audit log away, so that writing an audit row fails.
async fn break_the_audit_log(app: &TestApp) {
    roster_store::testing::execute(app.db(), "ALTER TABLE audit_events RENAME TO audit_events_away").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_whose_audit_row_cannot_be_written_does_not_happen() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut customer = editable(&app, &admin, "customer").await;
        break_the_audit_log(&app).await;
        customer.details.roles = vec![RoleId::AGENT];
        customer.details.fields.first_name = "Changed".into();
        let response = save(&app, &admin, &customer).await;
        assert_eq!(response.status(), 500, "{}", app.db_name);
        let after = editable(&app, &admin, "customer").await;
        assert_eq!(after.version, customer.version, "{}: the edit was rolled back", app.db_name);
        assert_eq!(after.details.roles, [RoleId::CUSTOMER], "{}", app.db_name);
    }
}

/// Every change an admin or a user makes is written with its audit row in
/// one transaction: when the row cannot be written, the change is undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_change_happens_without_its_audit_row() {
    let settings = Settings { sign_in_attempts_per_minute: 0, ..Settings::default() };
    for app in apps_with(settings).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let id = app.user_id("customer").await;
        let codes = app.call(&customer, "generate_recovery_codes", &[]).await;
        assert_eq!(codes.status(), 200, "{}", app.db_name);
        let draft = json!({ "name": "Night shift", "permissions": ["TicketRead"] });
        let saved = app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": draft })).await;
        assert_eq!(saved.status(), 200, "{}", app.db_name);
        let night = app.db().roles().await.unwrap().into_iter().find(|r| r.name == "Night shift").unwrap().id;
        for _ in 0..Settings::default().lockout_threshold {
            app.sign_in(&app.browser(), "customer", "a wrong guess").await;
        }
        let agent = app.add_user("agent", RoleId::AGENT, CUSTOMER_PASSWORD).await;
        let admin_id = app.user_id("admin").await;
        let admin_hash = app.db().password_hash(admin_id).await.unwrap();
        let codes_before = app.db().two_factor_methods(id).await.unwrap();
        // New codes would be dated a second later.
        app.clock.advance(1);
        break_the_audit_log(&app).await;

        let new_user = json!({ "login": "nova", "first_name": "Nova", "roles": [3] });
        let renamed = json!({ "name": "Late shift", "permissions": ["TicketRead"] });
        let changes = [
            ("create a user", &admin, "create_user", json!({ "details": new_user })),
            ("unlock", &admin, "unlock_user", json!({ "id": id })),
            ("create a role", &admin, "save_role", json!({ "id": null, "version": 0, "draft": renamed })),
            ("change a role", &admin, "save_role", json!({ "id": night, "version": 1, "draft": renamed })),
            ("delete a role", &admin, "delete_role", json!({ "id": night })),
            ("remove a user's two-factor", &admin, "remove_user_two_factor", json!({ "id": id, "kind": null })),
            ("new recovery codes", &customer, "generate_recovery_codes", json!({})),
            ("open a ticket", &customer, "open_ticket", json!({ "title": "Printer", "body": "Smoke" })),
            ("view as a user", &admin, "start_impersonation", json!({ "id": agent, "reason": "Checking" })),
        ];
        for (what, browser, function, body) in changes {
            let response = app.call_json(browser, function, body).await;
            assert_eq!(response.status(), 500, "{}: {what}", app.db_name);
        }
        let form = [("current_password", ADMIN_PASSWORD), ("new_password", "a new admin password")];
        assert_eq!(app.call(&admin, "change_password", &form).await.status(), 500, "{}", app.db_name);

        assert!(app.db().credentials("nova").await.unwrap().is_none(), "{}: no user created", app.db_name);
        assert!(app.db().locked_until(id, app.clock.now()).await.unwrap().unwrap().is_some(), "{}: still locked", app.db_name);
        let roles: Vec<String> = app.db().roles().await.unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(roles, ["Admin", "Agent", "Customer", "Night shift"], "{}: roles as they were", app.db_name);
        let codes_after = app.db().two_factor_methods(id).await.unwrap();
        assert_eq!(codes_after, codes_before, "{}: the same codes, still there", app.db_name);
        assert_eq!(app.db().password_hash(admin_id).await.unwrap(), admin_hash, "{}: the same password", app.db_name);
        assert!(app.db().tickets_of(id, 10).await.unwrap().is_empty(), "{}: no ticket", app.db_name);
        assert!(app.db().impersonation_by(admin_id).await.unwrap().is_none(), "{}: no view", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_cannot_contain_an_at_sign() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let details = json!({ "login": "customer@example.com", "first_name": "Eve", "roles": [3] });
        let response = app.call_json(&admin, "create_user", json!({ "details": details })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        let error: AppError = response.json().await.unwrap();
        let message = error.message_for("login").unwrap_or_default();
        assert!(message.contains('@'), "{}: {message:?}", app.db_name);
    }
}
