//! Admin mode and step-up over real HTTP on every available engine: what
//! could take an account over needs the password (and code) re-entered
//! recently, so a session cookie alone — left open on a shared desk, or
//! stolen — is not enough. The sign-in counts as entering it.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, AuthenticatorSetup, EditableUser, PasswordInput, RoleId, UserDetails, UserFields, UserId};
use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

const ADMIN_MODE_SECONDS: i64 = 15 * 60;

async fn editable(app: &TestApp, admin: &reqwest::Client, id: UserId) -> EditableUser {
    app.call_json(admin, "editable_user", json!({ "id": id })).await.json().await.unwrap()
}

async fn edited(app: &TestApp, admin: &reqwest::Client, id: UserId, change: impl FnOnce(&mut UserDetails)) -> Value {
    let user = editable(app, admin, id).await;
    let mut details = user.details;
    change(&mut details);
    json!({ "id": id, "version": user.version, "details": details })
}

/// Each action admin mode guards, with arguments that would succeed.
async fn guarded_actions(app: &TestApp, admin: &reqwest::Client) -> Vec<(&'static str, &'static str, Value)> {
    let target = app.user_id("customer").await;
    let other = app.add_user("other", RoleId::CUSTOMER, CUSTOMER_PASSWORD).await;
    let third = app.add_user("third", RoleId::CUSTOMER, CUSTOMER_PASSWORD).await;
    let second = app.add_user("second", RoleId::ADMIN, ADMIN_PASSWORD).await;
    // Recovery codes, so that there is a method to remove.
    let audit = common::test_audit(app, AuditAction::RecoveryCodesGenerated);
    app.db().replace_recovery_codes(target, &["0".repeat(64)], &audit).await.unwrap();
    let fields = UserFields { first_name: "Nova".into(), ..UserFields::default() };
    let new_admin = UserDetails { login: "nova".into(), roles: vec![RoleId::ADMIN], fields, ..UserDetails::default() };
    vec![
        ("delete a user", "delete_user", json!({ "id": other, "confirmation": "DELETE" })),
        ("set another user's password", "update_user", edited(app, admin, target, |d| {
            d.password = PasswordInput("a new password 1".into());
        }).await),
        ("change a user's roles", "update_user", edited(app, admin, third, |d| d.roles = vec![RoleId::AGENT]).await),
        ("create an admin", "create_user", json!({ "details": new_admin })),
        ("remove a user's two-factor", "remove_user_two_factor", json!({ "id": target, "kind": null })),
        ("view as a user", "start_impersonation", json!({ "id": target, "reason": "Checking what they see" })),
        ("deactivate another admin", "update_user", edited(app, admin, second, |d| d.active = false).await),
        ("create a role", "save_role", json!({ "id": null, "version": 0, "draft": { "name": "Auditors", "permissions": ["TicketRead"] } })),
    ]
}

async fn confirm(app: &TestApp, browser: &reqwest::Client, password: &str, code: &str) -> reqwest::Response {
    app.call(browser, "confirm_identity", &[("confirm_password", password), ("confirm_code", code)]).await
}

async fn count_audited(app: &TestApp, action: AuditAction) -> usize {
    app.db().recent_audit(1_000).await.unwrap().iter().filter(|e| e.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_admin_mode_lapses_each_dangerous_action_asks_for_the_password_and_then_goes_on() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let actions = guarded_actions(&app, &admin).await;
        app.clock.advance(ADMIN_MODE_SECONDS + 1);
        for (what, function, body) in &actions {
            let response = app.call_json(&admin, function, body.clone()).await;
            assert_eq!(response.status(), 428, "{}: {what}", app.db_name);
            let error: AppError = response.json().await.unwrap();
            assert_eq!(error, AppError::ReauthenticationRequired { code: false }, "{}: {what}", app.db_name);
        }
        // Everyday edits need nothing more than the session.
        let fourth = app.add_user("fourth", RoleId::CUSTOMER, CUSTOMER_PASSWORD).await;
        let note = edited(&app, &admin, fourth, |d| d.fields.note = "Called back.".into()).await;
        assert_eq!(app.call_json(&admin, "update_user", note).await.status(), 200, "{}", app.db_name);

        let wrong = confirm(&app, &admin, "not my password", "").await;
        assert_eq!(wrong.status(), 400, "{}", app.db_name);
        let error: AppError = wrong.json().await.unwrap();
        assert_eq!(error.field().map(|f| f.field.as_str()), Some("confirm_password"), "{}", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::PasswordCheckFailed).await, 1, "{}: audited", app.db_name);
        let failures = app.db().failed_sign_ins(app.user_id("admin").await).await.unwrap();
        assert_eq!(failures, Some(1), "{}: and counted toward the lock", app.db_name);

        assert_eq!(confirm(&app, &admin, ADMIN_PASSWORD, "").await.status(), 200, "{}", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::IdentityConfirmed).await, 1, "{}", app.db_name);
        app.clock.advance(ADMIN_MODE_SECONDS - 60);
        for (what, function, body) in actions {
            let response = app.call_json(&admin, function, body).await;
            assert_eq!(response.status(), 200, "{}: {what}: {}", app.db_name, response.text().await.unwrap());
            if function == "start_impersonation" {
                assert_eq!(app.call(&admin, "end_impersonation", &[]).await.status(), 200);
            }
        }
        app.clock.advance(61);
        let response = app.call_json(&admin, "delete_role", json!({ "id": 4 })).await;
        assert_eq!(response.status(), 428, "{}: fifteen minutes after confirming, again", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_with_an_authenticator_app_confirms_with_a_code_too() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let setup: AuthenticatorSetup = app.call(&admin, "start_authenticator_setup", &[]).await.json().await.unwrap();
        let secret = Secret::Encoded(setup.secret.replace(' ', "")).to_bytes().unwrap();
        let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, "test".into()).unwrap();
        let code = |app: &TestApp| totp.generate(app.clock.now().0 as u64);
        assert_eq!(app.call(&admin, "confirm_authenticator", &[("code", &code(&app))]).await.status(), 200);

        app.clock.advance(ADMIN_MODE_SECONDS + 30);
        let target = app.user_id("customer").await;
        let view = json!({ "id": target, "reason": "Checking what they see" });
        let response = app.call_json(&admin, "start_impersonation", view.clone()).await;
        assert_eq!(response.json::<AppError>().await.unwrap(), AppError::ReauthenticationRequired { code: true });
        let without_code = confirm(&app, &admin, ADMIN_PASSWORD, "").await;
        assert_eq!(without_code.status(), 400, "{}", app.db_name);
        let error: AppError = without_code.json().await.unwrap();
        assert_eq!(error.field().map(|f| f.field.as_str()), Some("confirm_code"), "{}", app.db_name);
        assert_eq!(confirm(&app, &admin, ADMIN_PASSWORD, &code(&app)).await.status(), 200, "{}", app.db_name);
        let response = app.call_json(&admin, "start_impersonation", view).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        // The view is the user's: nobody confirms as them from it.
        let response = confirm(&app, &admin, CUSTOMER_PASSWORD, "").await;
        assert_eq!(response.status(), 409, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_your_own_second_factors_needs_a_password_from_the_last_five_minutes() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        app.clock.advance(5 * 60 + 1);
        for function in ["start_authenticator_setup", "generate_recovery_codes"] {
            let response = app.call(&customer, function, &[]).await;
            assert_eq!(response.status(), 428, "{}: {function}", app.db_name);
        }
        assert_eq!(confirm(&app, &customer, CUSTOMER_PASSWORD, "").await.status(), 200, "{}", app.db_name);
        for function in ["start_authenticator_setup", "generate_recovery_codes"] {
            let response = app.call(&customer, function, &[]).await;
            assert_eq!(response.status(), 200, "{}: {function}", app.db_name);
        }
    }
}

/// The code asked for after the password counts toward the lock too: a
/// stolen cookie and a known password are not enough to guess the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_after_the_right_password_lock_the_account() {
    let settings = roster_service::Settings { sign_in_attempts_per_minute: 0, ..roster_service::Settings::default() };
    for app in common::apps_with(settings.clone()).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let setup: AuthenticatorSetup = app.call(&admin, "start_authenticator_setup", &[]).await.json().await.unwrap();
        let secret = Secret::Encoded(setup.secret.replace(' ', "")).to_bytes().unwrap();
        let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, "test".into()).unwrap();
        let code = totp.generate(app.clock.now().0 as u64);
        assert_eq!(app.call(&admin, "confirm_authenticator", &[("code", &code)]).await.status(), 200);
        app.clock.advance(ADMIN_MODE_SECONDS + 30);

        // An empty field is no guess.
        assert_eq!(confirm(&app, &admin, "", "").await.status(), 400, "{}", app.db_name);
        for attempt in 1..=settings.lockout_threshold {
            let response = confirm(&app, &admin, ADMIN_PASSWORD, "000000").await;
            let expected = if attempt < settings.lockout_threshold { 400 } else { 409 };
            assert_eq!(response.status(), expected, "{}: attempt {attempt}", app.db_name);
        }
        let response = app.sign_in(&app.browser(), "admin", ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 401, "{}: locked", app.db_name);
    }
}

/// A view of Roster as a user carries the admin's proof, not the user's: no
/// authenticator app or recovery codes are set up through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_as_a_user_cannot_set_up_new_ways_to_sign_in_as_them() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let view = json!({ "id": app.user_id("customer").await, "reason": "Checking what they see" });
        assert_eq!(app.call_json(&admin, "start_impersonation", view).await.status(), 200, "{}", app.db_name);
        for function in ["start_authenticator_setup", "generate_recovery_codes"] {
            assert_eq!(app.call(&admin, function, &[]).await.status(), 409, "{}: {function}", app.db_name);
        }
        // Changing their password takes theirs, as everywhere; a wrong guess
        // counts, and the audit log names the admin behind it.
        let form = [("current_password", "a guess at theirs"), ("new_password", "a new password 1")];
        assert_eq!(app.call(&admin, "change_password", &form).await.status(), 400, "{}", app.db_name);
        let audit = app.db().recent_audit(10).await.unwrap();
        let guess = audit.iter().find(|e| e.action == AuditAction::PasswordCheckFailed).expect("audited");
        assert_eq!(guess.on_behalf_of_id, Some(app.user_id("admin").await), "{}", app.db_name);
    }
}

/// Someone who has spent their last recovery code (and has no app) is
/// asked for their password alone, so that they can make new codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_last_recovery_code_the_password_alone_confirms() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let id = app.user_id("customer").await;
        let audit = common::test_audit(&app, AuditAction::RecoveryCodesGenerated);
        app.db().replace_recovery_codes(id, &["1".repeat(64)], &audit).await.unwrap();
        assert!(app.db().use_recovery_code(id, &"1".repeat(64), app.clock.now()).await.unwrap());
        app.clock.advance(5 * 60 + 1);
        let response = app.call(&customer, "generate_recovery_codes", &[]).await;
        assert_eq!(response.json::<AppError>().await.unwrap(), AppError::ReauthenticationRequired { code: false });
        assert_eq!(confirm(&app, &customer, CUSTOMER_PASSWORD, "").await.status(), 200, "{}", app.db_name);
        assert_eq!(app.call(&customer, "generate_recovery_codes", &[]).await.status(), 200, "{}", app.db_name);
    }
}
