//! Required actions over real HTTP, on every available engine: a password
//! an admin set, or ticked "Must change password at next sign-in", and a
//! role that requires two-factor. Until the step is done the session gets
//! nothing else — no page's data, no other server function.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{
    AppError, AuthenticatorSetup, CurrentUser, EditableUser, PasswordInput, RequiredAction, RoleDefinition, RoleId,
    SignInStep, UserDetails,
};
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

const GIVEN_PASSWORD: &str = "given by the helpdesk 1";
const OWN_PASSWORD: &str = "my very own password 2";

async fn current(app: &TestApp, browser: &reqwest::Client) -> Option<CurrentUser> {
    app.call(browser, "current_user", &[]).await.json().await.unwrap()
}

async fn step_of(response: reqwest::Response) -> SignInStep {
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn pending_step(app: &TestApp, browser: &reqwest::Client) -> Option<SignInStep> {
    app.call(browser, "pending_sign_in_step", &[]).await.json().await.unwrap()
}

async fn editable(app: &TestApp, admin: &reqwest::Client, login: &str) -> EditableUser {
    let response = app.call_json(admin, "editable_user", json!({ "id": app.user_id(login).await })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn save(app: &TestApp, admin: &reqwest::Client, user: &EditableUser, details: &UserDetails) -> reqwest::Response {
    app.call_json(admin, "update_user", json!({ "id": user.id, "version": user.version, "details": details })).await
}

/// What a signed-in customer may normally do, each asked once: every answer
/// must be a refusal while a step is owed.
async fn assert_nothing_else_works(app: &TestApp, browser: &reqwest::Client) {
    let name = app.db_name;
    assert_eq!(current(app, browser).await, None, "{name}: not signed in as far as pages go");
    for (function, body) in [
        ("my_sessions", json!({})),
        ("list_tickets", json!({ "before": null })),
        ("open_ticket", json!({ "title": "Printer", "body": "It jams." })),
        ("my_two_factor_methods", json!({})),
        ("end_my_other_sessions", json!({})),
    ] {
        let response = app.call_json(browser, function, body).await;
        assert_eq!(response.status(), 401, "{name}: {function} is refused");
    }
    for (function, form) in [
        ("change_password", vec![("current_password", GIVEN_PASSWORD), ("new_password", OWN_PASSWORD)]),
        ("start_authenticator_setup", vec![]),
        ("generate_recovery_codes", vec![]),
        ("confirm_identity", vec![("confirm_password", GIVEN_PASSWORD), ("confirm_code", "")]),
    ] {
        let response = app.call(browser, function, &form).await;
        assert_eq!(response.status(), 401, "{name}: {function} is refused");
    }
    // Pages send the browser to the sign-in page, which shows the step.
    let profile = app.page(browser, "/profile").await;
    let html = profile.text().await.unwrap();
    assert!(!html.contains("Password &amp; Authentication") && !html.contains("Sign out everywhere"), "{name}: no profile");
}

fn totp_of(setup: &AuthenticatorSetup) -> TOTP {
    let secret = Secret::Encoded(setup.secret.replace(' ', "")).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, "test".into()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_an_admin_set_is_replaced_before_anything_else() {
    for app in apps().await {
        let name = app.db_name;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let user = editable(&app, &admin, "customer").await;
        assert!(!user.details.must_change_password, "{name}");
        // The box left unticked: setting someone's password ticks it anyway.
        let given = UserDetails { password: PasswordInput(GIVEN_PASSWORD.into()), ..user.details.clone() };
        assert_eq!(save(&app, &admin, &user, &given).await.status(), 200, "{name}");
        assert!(editable(&app, &admin, "customer").await.details.must_change_password, "{name}");

        let customer = app.browser();
        let step = step_of(app.sign_in(&customer, "customer", GIVEN_PASSWORD).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::ChangePassword), "{name}");
        assert_eq!(pending_step(&app, &customer).await, Some(step), "{name}: a reload shows the step again");
        assert_nothing_else_works(&app, &customer).await;

        let change = |new: &'static str, repeat: &'static str| {
            let customer = customer.clone();
            let app = &app;
            async move {
                app.call(&customer, "change_required_password", &[("new_password", new), ("repeat_password", repeat)]).await
            }
        };
        for (new, repeat, field) in [
            (GIVEN_PASSWORD, GIVEN_PASSWORD, "new_password"),
            ("short", "short", "new_password"),
            (OWN_PASSWORD, "my very own password 3", "repeat_password"),
        ] {
            let response = change(new, repeat).await;
            assert_eq!(response.status(), 400, "{name}: {new:?} / {repeat:?}");
            let error: AppError = response.json().await.unwrap();
            assert_eq!(error.field().map(|f| f.field.as_str()), Some(field), "{name}: {new:?}");
        }
        let step = step_of(change(OWN_PASSWORD, OWN_PASSWORD).await).await;
        let SignInStep::SignedIn(me) = step else { panic!("{name}: signed in after the step, not {step:?}") };
        assert_eq!((me.login.as_str(), me.required_action), ("customer", None), "{name}");
        assert_eq!(current(&app, &customer).await.map(|u| u.login), Some("customer".into()), "{name}");
        assert_eq!(app.call_json(&customer, "my_sessions", json!({})).await.status(), 200, "{name}");
        assert_eq!(pending_step(&app, &customer).await, None, "{name}");

        assert!(!editable(&app, &admin, "customer").await.details.must_change_password, "{name}: the flag is gone");
        let audited = roster_store::testing::texts(
            app.db(),
            "SELECT detail FROM audit_events WHERE action = 'user.password_change' ORDER BY id",
        )
        .await;
        assert_eq!(audited, ["required=true"], "{name}");
        // The given password is gone; the user's own signs in straight away.
        assert_eq!(app.sign_in(&app.browser(), "customer", GIVEN_PASSWORD).await.status(), 401, "{name}");
        let again = step_of(app.sign_in(&app.browser(), "customer", OWN_PASSWORD).await).await;
        assert!(matches!(again, SignInStep::SignedIn(_)), "{name}: {again:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticked_box_stops_an_open_session_and_a_stale_one_must_sign_in_again() {
    for app in apps().await {
        let name = app.db_name;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let user = editable(&app, &admin, "customer").await;
        let ticked = UserDetails { must_change_password: true, ..user.details.clone() };
        assert_eq!(save(&app, &admin, &user, &ticked).await.status(), 200, "{name}");

        // The customer's open session owes the step from its next request on.
        assert_eq!(pending_step(&app, &customer).await, Some(SignInStep::ActionRequired(RequiredAction::ChangePassword)));
        assert_nothing_else_works(&app, &customer).await;
        // Its proof is ten minutes old: a stolen cookie alone must not choose the
        // password. The session ends; a sign-in with the password does it.
        app.clock.advance(10 * 60);
        let form = [("new_password", OWN_PASSWORD), ("repeat_password", OWN_PASSWORD)];
        let response = app.call(&customer, "change_required_password", &form).await;
        assert_eq!(response.status(), 409, "{name}");
        assert!(matches!(response.json::<AppError>().await.unwrap(), AppError::Refused(m) if m.contains("sign in again")));
        assert_eq!(pending_step(&app, &customer).await, None, "{name}: that session ended");

        let step = step_of(app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::ChangePassword), "{name}");
        let step = step_of(app.call(&customer, "change_required_password", &form).await).await;
        assert!(matches!(step, SignInStep::SignedIn(_)), "{name}: {step:?}");

        // An admin who unticks the box before the user acts releases them too.
        let user = editable(&app, &admin, "customer").await;
        let ticked = UserDetails { must_change_password: true, ..user.details.clone() };
        assert_eq!(save(&app, &admin, &user, &ticked).await.status(), 200, "{name}");
        assert_eq!(current(&app, &customer).await, None, "{name}");
        let user = editable(&app, &admin, "customer").await;
        let unticked = UserDetails { must_change_password: false, ..user.details.clone() };
        assert_eq!(save(&app, &admin, &user, &unticked).await.status(), 200, "{name}");
        assert!(current(&app, &customer).await.is_some(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_requires_two_factor_sends_its_users_to_set_up_an_app_first() {
    for app in apps().await {
        let name = app.db_name;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let roles: Vec<RoleDefinition> = app.call_json(&admin, "role_definitions", json!({})).await.json().await.unwrap();
        let customer_role = roles.iter().find(|r| r.role.id == RoleId::CUSTOMER).unwrap();
        assert!(!customer_role.require_two_factor, "{name}");
        let body = json!({ "id": RoleId::CUSTOMER, "version": customer_role.version, "required": true });
        let response = app.call_json(&admin, "set_role_two_factor", body.clone()).await;
        assert_eq!(response.status(), 200, "{name}");
        let without: i64 = response.json().await.unwrap();
        assert_eq!(without, 1, "{name}: the customer has no second factor yet");
        // The same version again is a stale save.
        assert_eq!(app.call_json(&admin, "set_role_two_factor", body).await.status(), 409, "{name}");
        let audited = roster_store::testing::texts(
            app.db(),
            "SELECT detail FROM audit_events WHERE action = 'role.update' ORDER BY id",
        )
        .await;
        assert_eq!(audited, ["role=Customer require_two_factor=true"], "{name}");
        // The admin's own role does not require it: they go on.
        assert!(current(&app, &admin).await.is_some(), "{name}");

        // A view of Roster as the customer is the admin's, and owes nothing.
        let id = app.user_id("customer").await;
        let view = app.call_json(&admin, "start_impersonation", json!({ "id": id, "reason": "Checking a role" })).await;
        assert_eq!(view.status(), 200, "{name}");
        let viewed = current(&app, &admin).await.unwrap();
        assert_eq!((viewed.login.as_str(), viewed.impersonator.is_some()), ("customer", true), "{name}");
        assert_eq!(app.call(&admin, "end_impersonation", &[]).await.status(), 200, "{name}");

        let customer = app.browser();
        let step = step_of(app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::SetUpTwoFactor), "{name}");
        assert_nothing_else_works(&app, &customer).await;
        // The step's own functions are for a session that owes that step.
        let password_step = [("new_password", "not this step 123"), ("repeat_password", "not this step 123")];
        assert_eq!(app.call(&customer, "change_required_password", &password_step).await.status(), 401, "{name}");

        let response = app.call(&customer, "start_required_authenticator", &[]).await;
        assert_eq!(response.status(), 200, "{name}");
        let setup: AuthenticatorSetup = response.json().await.unwrap();
        let totp = totp_of(&setup);
        let wrong = app.call(&customer, "confirm_required_authenticator", &[("code", "000000")]).await;
        assert_eq!(wrong.status(), 400, "{name}");
        let code = totp.generate(app.clock.now().0 as u64);
        let response = app.call(&customer, "confirm_required_authenticator", &[("code", &code)]).await;
        assert_eq!(response.status(), 200, "{name}");
        let recovery: Vec<String> = response.json().await.unwrap();
        assert_eq!(recovery.len(), 10, "{name}: the recovery codes, shown once");
        assert!(current(&app, &customer).await.is_some(), "{name}: signed in now");
        assert_eq!(app.call_json(&customer, "my_sessions", json!({})).await.status(), 200, "{name}");

        // The app the role requires stays while the role does.
        let remove = json!({ "kind": "AuthenticatorApp", "password": CUSTOMER_PASSWORD });
        let response = app.call_json(&customer, "remove_my_two_factor", remove).await;
        assert_eq!(response.status(), 409, "{name}");
        // The next sign-in asks for a code, as for anyone with an app.
        let next = step_of(app.sign_in(&app.browser(), "customer", CUSTOMER_PASSWORD).await).await;
        assert_eq!(next, SignInStep::CodeRequired, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_set_password_comes_before_the_app_a_role_requires() {
    for app in apps().await {
        let name = app.db_name;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let roles: Vec<RoleDefinition> = app.call_json(&admin, "role_definitions", json!({})).await.json().await.unwrap();
        let version = roles.iter().find(|r| r.role.id == RoleId::CUSTOMER).unwrap().version;
        let body = json!({ "id": RoleId::CUSTOMER, "version": version, "required": true });
        assert_eq!(app.call_json(&admin, "set_role_two_factor", body).await.status(), 200, "{name}");
        let user = editable(&app, &admin, "customer").await;
        let given = UserDetails { password: PasswordInput(GIVEN_PASSWORD.into()), ..user.details.clone() };
        assert_eq!(save(&app, &admin, &user, &given).await.status(), 200, "{name}");

        let customer = app.browser();
        let step = step_of(app.sign_in(&customer, "customer", GIVEN_PASSWORD).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::ChangePassword), "{name}");
        let form = [("new_password", OWN_PASSWORD), ("repeat_password", OWN_PASSWORD)];
        let step = step_of(app.call(&customer, "change_required_password", &form).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::SetUpTwoFactor), "{name}: then the app");
        assert_eq!(current(&app, &customer).await, None, "{name}");
        assert_eq!(app.call(&customer, "start_required_authenticator", &[]).await.status(), 200, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_but_the_step_refuses_a_session_that_owes_one() {
    use common::server_functions::{send, table, Fixture};
    for app in apps().await {
        let name = app.db_name;
        let fixture = Fixture::arrange(&app).await;
        let customer = app.user_id("customer").await;
        roster_store::testing::execute(app.db(), &format!("UPDATE users SET must_change_password = TRUE WHERE id = {}", customer.0))
            .await;
        let browser = app.browser();
        let step = step_of(app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await).await;
        assert_eq!(step, SignInStep::ActionRequired(RequiredAction::ChangePassword), "{name}");
        // The step's own functions, and signing in or out, are for such a session.
        let the_step = ["change_required_password", "start_required_authenticator", "confirm_required_authenticator", "sign_out"];
        for row in table(&fixture) {
            if the_step.contains(&row.function) || row.allowed.contains(&common::server_functions::Nobody) {
                continue;
            }
            let status = send(&app, &browser, row.function, &row.body).await.status().as_u16();
            assert_eq!(status, row.refusal.unwrap_or(401), "{name}: {} answers as to nobody", row.function);
        }
        // The session is still there, owing its step.
        assert_eq!(pending_step(&app, &browser).await, Some(step), "{name}");
    }
}
