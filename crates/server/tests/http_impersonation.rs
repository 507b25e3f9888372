//! View from user's perspective over HTTP, on every available engine: the
//! admin's browser really becomes the user's session.

mod common;

use common::{apps, session_cookie_pair, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::FieldError;
use roster_domain::{AppError, AuditAction, CurrentUser, Login, Password, RoleId, UserFields};
use roster_service::PasswordHasher;
use roster_store::{NewUser, Profile};
use serde_json::json;

const OTHER_PASSWORD: &str = "another password 1";

async fn current(app: &TestApp, browser: &reqwest::Client) -> Option<CurrentUser> {
    app.call(browser, "current_user", &[]).await.json().await.unwrap()
}

async fn add_user(app: &TestApp, login: &str, role: RoleId, active: bool) {
    let hash = PasswordHasher::owasp().hash(&Password::parse(OTHER_PASSWORD).unwrap()).await.unwrap();
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            active,
            fields: UserFields { first_name: login.into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: Some(hash),
        roles: vec![role],
    };
    app.db().insert_user(&user, app.clock.now()).await.unwrap();
}

const REASON: &str = "Checking what the Night shift role lets them see";

async fn view_as(app: &TestApp, admin: &reqwest::Client, login: &str) -> reqwest::Response {
    view_as_because(app, admin, login, REASON).await
}

async fn view_as_because(app: &TestApp, admin: &reqwest::Client, login: &str, reason: &str) -> reqwest::Response {
    let id = app.user_id(login).await;
    app.call_json(admin, "start_impersonation", json!({ "id": id, "reason": reason })).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_for_yourself_other_admins_inactive_users_non_admins_and_get() {
    for app in apps().await {
        add_user(&app, "second_admin", RoleId::ADMIN, true).await;
        add_user(&app, "gone", RoleId::CUSTOMER, false).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        for (login, message) in [
            ("admin", "You cannot view Roster from your own perspective."),
            ("second_admin", "Other admins cannot be viewed from their perspective."),
            ("gone", "Only active, unlocked users can be viewed from their perspective."),
        ] {
            let response = view_as(&app, &admin, login).await;
            assert_eq!(response.status(), 409, "{}: {login}", app.db_name);
            assert_eq!(response.json::<AppError>().await.unwrap(), AppError::Refused(message.into()));
        }
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        assert_eq!(view_as(&app, &customer, "gone").await.status(), 403, "{}", app.db_name);
        let id = app.user_id("customer").await;
        let by_get = admin.get(app.url(&format!("/api/start_impersonation?id={id}"))).send().await.unwrap();
        assert!(!by_get.status().is_success(), "{}: only by POST", app.db_name);
        assert_eq!(current(&app, &admin).await.unwrap().login, "admin", "{}: nothing changed", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_becomes_the_user_until_back_to_my_view_and_sign_out_does_not_end_it() {
    for app in apps().await {
        let user = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let response = view_as(&app, &admin, "customer").await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        assert!(session_cookie_pair(&response).is_some(), "{}: a new session id", app.db_name);
        assert!(current(&app, &user).await.is_none(), "{}: the user was signed out", app.db_name);

        let me = current(&app, &admin).await.unwrap();
        assert_eq!(me.login, "customer", "{}", app.db_name);
        assert_eq!(me.impersonator.as_deref(), Some("Ada Admin (admin)"), "{}", app.db_name);
        let users_panel = app.search(&admin, json!({})).await;
        assert_eq!(users_panel.status(), 403, "{}: with the user's rights only", app.db_name);
        let nested = view_as(&app, &admin, "customer").await;
        assert_eq!(nested.status(), 403, "{}: no nesting", app.db_name);

        // A real change, done as the user and recorded with the admin behind it.
        let form = [("current_password", CUSTOMER_PASSWORD), ("new_password", "changed by the admin")];
        assert_eq!(app.call(&admin, "change_password", &form).await.status(), 200, "{}", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        let change = audit.iter().find(|e| e.action == AuditAction::PasswordChanged).unwrap();
        let (customer_id, admin_id) = (app.user_id("customer").await, app.user_id("admin").await);
        assert_eq!((change.actor_id, change.on_behalf_of_id), (Some(customer_id), Some(admin_id)), "{}", app.db_name);

        // Signing out and in again comes back to the user's view.
        assert_eq!(app.call(&admin, "sign_out", &[]).await.status(), 200, "{}", app.db_name);
        assert!(current(&app, &admin).await.is_none());
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let again = current(&app, &admin).await.unwrap();
        assert_eq!((again.login.as_str(), again.impersonator.is_some()), ("customer", true), "{}", app.db_name);

        let back = app.call(&admin, "end_impersonation", &[]).await;
        assert_eq!(back.status(), 200, "{}", app.db_name);
        assert!(session_cookie_pair(&back).is_some(), "{}: a new session id", app.db_name);
        let me = current(&app, &admin).await.unwrap();
        assert_eq!((me.login.as_str(), me.impersonator.is_none()), ("admin", true), "{}", app.db_name);
        let audit = app.db().recent_audit(20).await.unwrap();
        assert!(audit.iter().any(|e| e.action == AuditAction::ImpersonationStarted && e.target_user_id == Some(customer_id)));
        assert!(audit.iter().any(|e| e.action == AuditAction::ImpersonationEnded && e.detail == "reason=back_to_own_view"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_signing_in_ends_the_view_and_signs_the_admin_out() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200);
        app.signed_in("customer", CUSTOMER_PASSWORD).await;
        assert!(current(&app, &admin).await.is_none(), "{}: the admin's browser is signed out", app.db_name);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(current(&app, &admin).await.unwrap().login, "admin", "{}: back in their own view", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_admin_rights_ends_the_view_on_the_next_request() {
    for app in apps().await {
        add_user(&app, "agent_smith", RoleId::AGENT, true).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "agent_smith").await.status(), 200);
        let admin_id = app.user_id("admin").await;
        roster_store::testing::execute(app.db(), &format!("UPDATE users SET active = FALSE WHERE id = {}", admin_id.0)).await;
        assert!(current(&app, &admin).await.is_none(), "{}", app.db_name);
        assert!(app.db().impersonation_by(admin_id).await.unwrap().is_none(), "{}: the view ended", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_becoming_an_admin_ends_the_view() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200);
        assert_eq!(current(&app, &admin).await.unwrap().login, "customer", "{}", app.db_name);
        // Another admin gives the user a role that grants `admin.user`.
        let customer = app.user_id("customer").await;
        let grant = format!("INSERT INTO user_roles (user_id, role_id) VALUES ({}, {})", customer.0, RoleId::ADMIN.0);
        roster_store::testing::execute(app.db(), &grant).await;
        assert!(current(&app, &admin).await.is_none(), "{}: nobody acts as another admin", app.db_name);
        let admin_id = app.user_id("admin").await;
        assert!(app.db().impersonation_by(admin_id).await.unwrap().is_none(), "{}: the view ended", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        assert!(audit.iter().any(|e| e.action == AuditAction::ImpersonationEnded && e.detail == "reason=user_became_admin"));
    }
}

/// Admin mode for the next 15 minutes: the admin re-enters their password.
async fn confirm_it_is_me(app: &TestApp, admin: &reqwest::Client) {
    let form = [("confirm_password", ADMIN_PASSWORD), ("confirm_code", "")];
    assert_eq!(app.call(admin, "confirm_identity", &form).await.status(), 200, "{}", app.db_name);
}

/// A session ends a set time after its sign-in, however busy: entering a
/// user's view and leaving it again starts no new lifetime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entering_and_leaving_a_view_does_not_renew_the_absolute_session_lifetime() {
    // Idle timeouts and the view's time limit out of the way: only the absolute lifetime (24 h) counts here.
    let settings = roster_service::Settings {
        session_idle_minutes: 48 * 60,
        impersonation_minutes: 48 * 60,
        ..roster_service::Settings::default()
    };
    for app in common::apps_with(settings).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        app.clock.advance(12 * 3600);
        confirm_it_is_me(&app, &admin).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);
        app.clock.advance(11 * 3600);
        assert_eq!(app.call(&admin, "end_impersonation", &[]).await.status(), 200, "{}", app.db_name);
        assert!(current(&app, &admin).await.is_some(), "{}: 23 hours after signing in", app.db_name);
        app.clock.advance(3600 + 60);
        assert!(current(&app, &admin).await.is_none(), "{}: 24 hours after signing in, over", app.db_name);

        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        app.clock.advance(23 * 3600);
        confirm_it_is_me(&app, &admin).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);
        app.clock.advance(3600 + 60);
        assert!(current(&app, &admin).await.is_none(), "{}: the view ends with the admin's session", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entering_needs_a_one_line_reason_which_only_the_audit_log_shows() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        for reason in ["", "   ", "two\nlines", &"x".repeat(201)] {
            let response = view_as_because(&app, &admin, "customer", reason).await;
            assert_eq!(response.status(), 400, "{}: {reason:?}", app.db_name);
            let AppError::Validation(errors) = response.json::<AppError>().await.unwrap() else { panic!("a field error") };
            assert_eq!(errors.iter().map(|e: &FieldError| e.field.as_str()).collect::<Vec<_>>(), ["reason"]);
            assert_eq!(current(&app, &admin).await.unwrap().login, "admin", "{}: not entered", app.db_name);
        }
        assert_eq!(view_as_because(&app, &admin, "customer", "  Ticket #12: cannot see replies ").await.status(), 200);
        let audit = app.db().recent_audit(5).await.unwrap();
        let started = audit.iter().find(|e| e.action == AuditAction::ImpersonationStarted).unwrap();
        assert_eq!(started.detail, r#"reason="Ticket #12: cannot see replies""#, "{}", app.db_name);
        let me = app.call(&admin, "current_user", &[]).await.text().await.unwrap();
        assert!(!me.contains("Ticket #12"), "{}: the reason is not shown back", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_ends_at_its_time_limit_and_the_admin_is_back_in_their_own_session() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);
        app.clock.advance(30 * 60);
        assert_eq!(current(&app, &admin).await.unwrap().login, "customer", "{}: 30 minutes in", app.db_name);
        app.clock.advance(30 * 60 + 1);
        let response = app.call(&admin, "current_user", &[]).await;
        assert!(session_cookie_pair(&response).is_some(), "{}: a new session id", app.db_name);
        let me: CurrentUser = response.json::<Option<CurrentUser>>().await.unwrap().unwrap();
        assert_eq!((me.login.as_str(), me.impersonator.is_none()), ("admin", true), "{}: own view", app.db_name);
        let admin_id = app.user_id("admin").await;
        assert!(app.db().impersonation_by(admin_id).await.unwrap().is_none(), "{}: the view ended", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        assert!(audit.iter().any(|e| e.action == AuditAction::ImpersonationEnded && e.detail == "reason=time_limit"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_at_sign_in_is_audited_and_a_view_past_its_time_limit_is_not_resumed() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);
        assert_eq!(app.call(&admin, "sign_out", &[]).await.status(), 200, "{}", app.db_name);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(current(&app, &admin).await.unwrap().login, "customer", "{}: resumed", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        let customer_id = app.user_id("customer").await;
        let resumed = audit.iter().find(|e| e.action == AuditAction::ImpersonationResumed).expect("resumption audited");
        assert_eq!(resumed.target_user_id, Some(customer_id), "{}", app.db_name);

        assert_eq!(app.call(&admin, "sign_out", &[]).await.status(), 200, "{}", app.db_name);
        app.clock.advance(61 * 60);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let me = current(&app, &admin).await.unwrap();
        assert_eq!((me.login.as_str(), me.impersonator.is_none()), ("admin", true), "{}: own view", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        assert!(audit.iter().any(|e| e.action == AuditAction::ImpersonationEnded && e.detail == "reason=time_limit"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_admin_or_a_second_browser_is_refused_and_the_first_view_goes_on() {
    for app in apps().await {
        add_user(&app, "second_admin", RoleId::ADMIN, true).await;
        add_user(&app, "agent_smith", RoleId::AGENT, true).await;
        // Signed in before the view starts (signing in during a view resumes it).
        let other_browser = app.signed_in("admin", ADMIN_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let second = app.signed_in("second_admin", OTHER_PASSWORD).await;
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);

        let refused = view_as(&app, &second, "customer").await;
        assert_eq!(refused.status(), 409, "{}", app.db_name);
        let message = "Ada Admin (admin) is viewing Roster as this user. Try again once they are back in their own view.";
        assert_eq!(refused.json::<AppError>().await.unwrap(), AppError::Refused(message.into()), "{}", app.db_name);

        let refused = view_as(&app, &other_browser, "agent_smith").await;
        assert_eq!(refused.status(), 409, "{}", app.db_name);
        let message = "You are viewing Roster as customer in another browser. \
                       Go back to your view there, or sign in again here to resume it.";
        assert_eq!(refused.json::<AppError>().await.unwrap(), AppError::Refused(message.into()), "{}", app.db_name);
        assert_eq!(current(&app, &other_browser).await.unwrap().login, "admin", "{}", app.db_name);

        let me = current(&app, &admin).await.unwrap();
        assert_eq!((me.login.as_str(), me.impersonator.is_some()), ("customer", true), "{}: still viewing", app.db_name);
        let audit = app.db().recent_audit(10).await.unwrap();
        assert!(!audit.iter().any(|e| e.action == AuditAction::ImpersonationEnded), "{}: nothing ended", app.db_name);

        // Once the first view has passed its time limit, the second admin may enter.
        app.clock.advance(61 * 60);
        let form = [("confirm_password", OTHER_PASSWORD), ("confirm_code", "")];
        assert_eq!(app.call(&second, "confirm_identity", &form).await.status(), 200, "{}: admin mode again", app.db_name);
        assert_eq!(view_as(&app, &second, "customer").await.status(), 200, "{}", app.db_name);
        assert!(current(&app, &admin).await.is_some_and(|me| me.impersonator.is_none()), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_shows_on_the_404_page_too() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let page = app.page(&admin, "/no/such/page").await;
        assert_eq!(page.status(), 404, "{}", app.db_name);
        assert!(!page.text().await.unwrap().contains("Back to my view"), "{}: not while in one's own view", app.db_name);
        assert_eq!(view_as(&app, &admin, "customer").await.status(), 200, "{}", app.db_name);
        let page = app.page(&admin, "/no/such/page").await;
        assert_eq!(page.status(), 404, "{}", app.db_name);
        let html = page.text().await.unwrap();
        assert!(html.contains("Page not found"), "{}", app.db_name);
        assert!(html.contains("Back to my view ✕"), "{}: the banner is on the 404 page", app.db_name);
    }
}
