//! Lockout, two-factor sign-in, throttling, cross-site refusal and security
//! headers over real HTTP, on every available database engine. Codes are
//! made with totp-rs from the enrolled secret at Roster's (manual) clock.

mod common;

use futures::future::join_all;
use common::{apps, apps_with, session_cookie_pair, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, AuthenticatorSetup, SignInStep, TwoFactorKind, TwoFactorMethod};
use roster_service::Settings;
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

/// Settings without throttling, for tests that sign in many times at once.
fn unthrottled() -> Settings {
    Settings { sign_in_attempts_per_minute: 0, ..Settings::default() }
}

/// The authenticator app a user sets up, making codes at the app's clock.
struct App(TOTP);

impl App {
    fn from_setup(setup: &AuthenticatorSetup) -> App {
        let secret = Secret::Encoded(setup.secret.replace(' ', "")).to_bytes().unwrap();
        App(TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, None, "test".into()).unwrap())
    }

    fn code(&self, app: &TestApp) -> String {
        self.0.generate(app.clock.now().0 as u64)
    }
}

/// Sets up an authenticator app for the signed-in `browser`, and returns it.
async fn enroll(app: &TestApp, browser: &reqwest::Client) -> App {
    let response = app.call(browser, "start_authenticator_setup", &[]).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    let setup: AuthenticatorSetup = response.json().await.unwrap();
    assert!(setup.otpauth_url.starts_with("otpauth://totp/"), "{}", setup.otpauth_url);
    assert!(setup.qr_code_image.starts_with("data:image/svg+xml;base64,"), "{}", setup.qr_code_image);
    let authenticator = App::from_setup(&setup);
    let wrong = app.call(browser, "confirm_authenticator", &[("code", "000000")]).await;
    assert_eq!(wrong.status(), 400, "{}: a wrong code does not enable it", app.db_name);
    let response = app.call(browser, "confirm_authenticator", &[("code", &authenticator.code(app))]).await;
    assert_eq!(response.status(), 200, "{}: {}", app.db_name, response.text().await.unwrap());
    authenticator
}

async fn failed_sign_ins(app: &TestApp, login: &str) -> i64 {
    let id = app.user_id(login).await;
    app.db().failed_sign_ins(id).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_wrong_passwords_lock_the_account_once() {
    // A queue long enough for all of them: none is turned away as busy.
    let settings = Settings { password_checks_queued: 1_000, ..unthrottled() };
    for app in apps_with(settings).await {
        let wrong: Vec<_> = (0..200)
            .map(|_| {
                let (app, browser) = (&app, app.browser());
                async move { app.sign_in(&browser, "customer", "not the password").await.status() }
            })
            .collect();
        let statuses = join_all(wrong).await;
        assert!(statuses.iter().all(|s| *s == 401), "{}", app.db_name);

        let right: Vec<_> = (0..20)
            .map(|_| {
                let (app, browser) = (&app, app.browser());
                async move {
                    let response = app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
                    (response.status(), response.json::<AppError>().await.ok())
                }
            })
            .collect();
        for (status, error) in join_all(right).await {
            assert_eq!(status, 401, "{}: the right password is refused while locked", app.db_name);
            assert_eq!(error, Some(AppError::InvalidCredentials), "{}: the same message as any failure", app.db_name);
        }
        let audit = app.db().recent_audit(500).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == AuditAction::AccountLocked).count(), 1, "{}", app.db_name);
        let failed = audit.iter().filter(|e| e.action == AuditAction::SignInFailed).count();
        assert_eq!(failed, 220, "{}: every attempt is audited", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_resets_the_count() {
    for app in apps_with(unthrottled()).await {
        for _ in 0..9 {
            app.sign_in(&app.browser(), "customer", "guessing wrong").await;
        }
        app.signed_in("customer", CUSTOMER_PASSWORD).await;
        assert_eq!(failed_sign_ins(&app, "customer").await, 0, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticator_app_adds_a_code_step_that_accepts_each_code_once() {
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let authenticator = enroll(&app, &customer).await;
        let again = app.call(&customer, "start_authenticator_setup", &[]).await;
        assert_eq!(again.status(), 409, "{}: one app at a time", app.db_name);

        // The password step: a new session id that allows nothing but the code step.
        let browser = app.browser();
        let password_step = app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
        let pending_cookie = session_cookie_pair(&password_step).expect("a pending session");
        assert_eq!(password_step.json::<SignInStep>().await.unwrap(), SignInStep::CodeRequired);
        let current = app.call(&browser, "current_user", &[]).await;
        assert_eq!(current.json::<Option<serde_json::Value>>().await.unwrap(), None, "{}", app.db_name);
        let profile = app.call(&browser, "my_two_factor_methods", &[]).await;
        assert_eq!(profile.status(), 401, "{}: nothing else while the code is pending", app.db_name);

        // The code of the step that enabled the app was used up by enabling it.
        let reused = app.call(&browser, "verify_sign_in_code", &[("code", &authenticator.code(&app))]).await;
        assert_eq!(reused.json::<AppError>().await.unwrap(), AppError::InvalidCode, "{}", app.db_name);

        app.clock.advance(30);
        let code = authenticator.code(&app);
        // The same code sent twice at once: exactly one is accepted.
        let other = app.browser();
        let form = [("code", code.as_str())];
        let (first, second) = tokio::join!(
            app.call(&browser, "verify_sign_in_code", &form),
            send_with_cookie(&app, &other, &pending_cookie, &code),
        );
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 401], "{}", app.db_name);
        let full_cookie = session_cookie_pair(&first).or(session_cookie_pair(&second)).expect("a new session");
        assert_ne!(full_cookie, pending_cookie, "{}: the id changes again after the code step", app.db_name);

        // Replaying the code for a new sign-in fails, and counts toward lockout.
        let replay = app.browser();
        app.sign_in(&replay, "customer", CUSTOMER_PASSWORD).await;
        let before = failed_sign_ins(&app, "customer").await;
        let response = app.call(&replay, "verify_sign_in_code", &[("code", &code)]).await;
        assert_eq!(response.status(), 401, "{}", app.db_name);
        assert_eq!(failed_sign_ins(&app, "customer").await, before + 1, "{}", app.db_name);
    }
}

/// Sends a code with a hand-made cookie header (a second copy of a session).
async fn send_with_cookie(app: &TestApp, client: &reqwest::Client, cookie: &str, code: &str) -> reqwest::Response {
    client
        .post(app.url("/api/verify_sign_in_code"))
        .header("cookie", cookie)
        .form(&[("code", code)])
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_work_once_each() {
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let codes: Vec<String> = app.call(&customer, "generate_recovery_codes", &[]).await.json().await.unwrap();
        assert_eq!(codes.len(), 10);
        let methods: Vec<TwoFactorMethod> = app.call(&customer, "my_two_factor_methods", &[]).await.json().await.unwrap();
        assert_eq!(methods[0].unused_codes, Some(10), "{}", app.db_name);

        for (attempt, expected) in [(&codes[3], 200), (&codes[3], 401)] {
            let browser = app.browser();
            app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
            let response = app.call(&browser, "verify_sign_in_code", &[("code", &attempt.to_uppercase())]).await;
            assert_eq!(response.status(), expected, "{}", app.db_name);
        }
        let methods: Vec<TwoFactorMethod> = app.call(&customer, "my_two_factor_methods", &[]).await.json().await.unwrap();
        assert_eq!(methods[0].unused_codes, Some(9), "{}", app.db_name);
    }
}

/// Spending the last code does not switch two-factor off behind the user's
/// back: the sign-in says so (they land on their profile), and the next
/// sign-in still asks for a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_recovery_code_keeps_two_factor_on_and_the_user_is_told() {
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let codes: Vec<String> = app.call(&customer, "generate_recovery_codes", &[]).await.json().await.unwrap();
        for (n, code) in codes.iter().enumerate() {
            let browser = app.browser();
            let password_step = app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
            assert_eq!(password_step.json::<SignInStep>().await.unwrap(), SignInStep::CodeRequired, "{}", app.db_name);
            let response = app.call(&browser, "verify_sign_in_code", &[("code", code)]).await;
            let SignInStep::SignedIn(user) = response.json::<SignInStep>().await.unwrap() else { panic!("signed in") };
            assert_eq!(user.out_of_recovery_codes, n == codes.len() - 1, "{}: code {n}", app.db_name);
        }
        let password_step = app.sign_in(&app.browser(), "customer", CUSTOMER_PASSWORD).await;
        assert_eq!(password_step.json::<SignInStep>().await.unwrap(), SignInStep::CodeRequired, "{}", app.db_name);
        let methods: Vec<TwoFactorMethod> = app.call(&customer, "my_two_factor_methods", &[]).await.json().await.unwrap();
        assert_eq!(methods[0].unused_codes, Some(0), "{}", app.db_name);
        let profile = app.page(&customer, "/profile").await.text().await.unwrap();
        assert!(profile.contains("You have used your last recovery code."), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_removes_a_users_methods_and_the_user_is_signed_out() {
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        enroll(&app, &customer).await;
        app.call(&customer, "generate_recovery_codes", &[]).await;
        let id = app.user_id("customer").await;

        let forbidden = app.call_json(&customer, "remove_user_two_factor", json!({ "id": id, "kind": null })).await;
        assert_eq!(forbidden.status(), 403, "{}: customers manage only their own", app.db_name);

        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let listed = app.call_json(&admin, "user_two_factor_methods", json!({ "id": id })).await;
        let listed: Vec<TwoFactorMethod> = listed.json().await.unwrap();
        assert_eq!(listed.len(), 2, "{}", app.db_name);
        let removed = app.call_json(&admin, "remove_user_two_factor", json!({ "id": id, "kind": "AuthenticatorApp" })).await;
        assert_eq!(removed.json::<Vec<TwoFactorKind>>().await.unwrap(), [TwoFactorKind::AuthenticatorApp]);
        let current = app.call(&customer, "current_user", &[]).await;
        assert_eq!(current.json::<Option<serde_json::Value>>().await.unwrap(), None, "{}: signed out", app.db_name);

        let removed = app.call_json(&admin, "remove_user_two_factor", json!({ "id": id, "kind": null })).await;
        assert_eq!(removed.json::<Vec<TwoFactorKind>>().await.unwrap(), [TwoFactorKind::RecoveryCodes]);
        let browser = app.browser();
        let response = app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
        assert!(matches!(response.json::<SignInStep>().await.unwrap(), SignInStep::SignedIn(_)), "{}", app.db_name);
        let audit = app.db().recent_audit(10).await.unwrap();
        let removal = audit.iter().find(|e| e.action == AuditAction::TwoFactorRemoved).expect("audited");
        assert_eq!(removal.detail, "methods=recovery_codes", "{}: names, never secrets", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_remove_their_own_method_only_with_their_password() {
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        enroll(&app, &customer).await;
        let body = |password: &str| json!({ "kind": "AuthenticatorApp", "password": password });
        let wrong = app.call_json(&customer, "remove_my_two_factor", body("not it")).await;
        let error = wrong.json::<AppError>().await.unwrap();
        assert_eq!(error.message_for("password"), Some("That is not your current password."), "{}", app.db_name);
        let right = app.call_json(&customer, "remove_my_two_factor", body(CUSTOMER_PASSWORD)).await;
        assert_eq!(right.status(), 200, "{}", app.db_name);
        let methods: Vec<TwoFactorMethod> = app.call(&customer, "my_two_factor_methods", &[]).await.json().await.unwrap();
        assert!(methods.is_empty(), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_your_password_needs_the_current_one_and_ends_other_sessions() {
    for app in apps().await {
        let here = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let elsewhere = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let form = |current: &'static str, new: &'static str| [("current_password", current), ("new_password", new)];
        let wrong = app.call(&here, "change_password", &form("not it", "short")).await;
        let error = wrong.json::<AppError>().await.unwrap();
        assert!(error.message_for("current_password").is_some(), "{}", app.db_name);
        assert!(error.message_for("new_password").is_some(), "{}: every problem at once", app.db_name);

        let response = app.call(&here, "change_password", &form(CUSTOMER_PASSWORD, "a brand new passphrase")).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let still = app.call(&here, "current_user", &[]).await.json::<Option<serde_json::Value>>().await.unwrap();
        assert!(still.is_some(), "{}: this session stays", app.db_name);
        let gone = app.call(&elsewhere, "current_user", &[]).await.json::<Option<serde_json::Value>>().await.unwrap();
        assert!(gone.is_none(), "{}: the other one ends", app.db_name);
        app.signed_in("customer", "a brand new passphrase").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_from_one_address_are_throttled() {
    let settings = Settings { sign_in_attempts_per_minute: 3, ..Settings::default() };
    for app in apps_with(settings.clone()).await {
        for _ in 0..3 {
            assert_eq!(app.sign_in(&app.browser(), "nobody", "whatever it is").await.status(), 401);
        }
        let response = app.sign_in(&app.browser(), "admin", ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 429, "{}", app.db_name);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&retry_after), "{retry_after}");
        assert!(matches!(response.json::<AppError>().await.unwrap(), AppError::TooManyAttempts { .. }));
        let code_step = app.call(&app.browser(), "verify_sign_in_code", &[("code", "123456")]).await;
        assert_eq!(code_step.status(), 429, "{}: the code step shares the budget", app.db_name);
        let other = app.page(&app.browser(), "/login").await;
        assert_eq!(other.status(), 200, "{}: other requests are not throttled", app.db_name);
    }
}

/// A wrong-password sign-in as "customer", relayed by a balancer on loopback
/// with this `X-Forwarded-For`.
async fn failed_sign_in_via(app: &TestApp, forwarded_for: &str) -> u16 {
    let request = app.browser().post(app.url("/api/sign_in")).header("x-forwarded-for", forwarded_for);
    let response = request.form(&[("login", "customer"), ("password", "not the password")]).send().await.unwrap();
    response.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_balancer_each_visitor_has_their_own_sign_in_budget_and_address_in_the_audit_log() {
    let balancer = "127.0.0.1".parse().unwrap();
    let settings = Settings { sign_in_attempts_per_minute: 2, trusted_proxies: vec![balancer], ..Settings::default() };
    for app in apps_with(settings).await {
        assert_eq!(failed_sign_in_via(&app, "203.0.113.7").await, 401);
        assert_eq!(failed_sign_in_via(&app, "203.0.113.7").await, 401);
        assert_eq!(failed_sign_in_via(&app, "203.0.113.7").await, 429, "{}: that visitor is throttled", app.db_name);
        assert_eq!(failed_sign_in_via(&app, "198.51.100.1, 203.0.113.7").await, 429, "{}: an address the visitor wrote in front changes nothing", app.db_name);
        assert_eq!(failed_sign_in_via(&app, "203.0.113.8").await, 401, "{}: another visitor is not throttled", app.db_name);
        let audited = app.db().audit_page("203.0.113.8", Some(AuditAction::SignInFailed), None, 10).await.unwrap();
        assert_eq!(audited.len(), 1, "{}: the failure is audited with the visitor's address", app.db_name);
        assert_eq!(audited[0].ip.as_deref(), Some("203.0.113.8"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let settings = Settings { sign_in_attempts_per_minute: 2, ..Settings::default() };
    for app in apps_with(settings).await {
        assert_eq!(failed_sign_in_via(&app, "203.0.113.1").await, 401);
        assert_eq!(failed_sign_in_via(&app, "203.0.113.2").await, 401);
        assert_eq!(failed_sign_in_via(&app, "203.0.113.3").await, 429, "{}: a made-up address gets no fresh budget", app.db_name);
        let audited = app.db().audit_page("203.0.113.1", None, None, 10).await.unwrap();
        assert!(audited.is_empty(), "{}: the audit log keeps the real peer address", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_that_change_state_are_refused() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let forged = admin
            .post(app.url("/api/sign_out"))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{}", app.db_name);
        let still = app.call(&admin, "current_user", &[]).await.json::<Option<serde_json::Value>>().await.unwrap();
        assert!(still.is_some(), "{}: nothing changed", app.db_name);

        let old_browser = admin.post(app.url("/api/sign_out")).header("origin", "https://evil.example").send().await;
        assert_eq!(old_browser.unwrap().status(), 403, "{}: Origin alone is checked too", app.db_name);
        let same_site = admin
            .post(app.url("/api/sign_out"))
            .header("origin", app.base.as_str())
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(same_site.status(), 200, "{}: Roster's own pages may", app.db_name);
        // Refusals are audited when their minute is over.
        app.clock.advance(60);
        let next_minute = app.browser().post(app.url("/api/sign_out")).header("origin", "https://evil.example");
        assert_eq!(next_minute.send().await.unwrap().status(), 403, "{}", app.db_name);
        let audit = app.db().recent_audit(5).await.unwrap();
        assert!(audit.iter().any(|e| e.action == AuditAction::CrossSiteRefused), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_security_headers() {
    for app in apps().await {
        let page = app.page(&app.browser(), "/login").await;
        let headers = page.headers().clone();
        let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
        let body = page.text().await.unwrap();
        let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
        assert!(body.contains(&format!("nonce=\"{nonce}\"")), "{}: the page's scripts carry the nonce", app.db_name);
        assert!(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), "{policy}");
        let second = app.page(&app.browser(), "/login").await;
        assert!(!second.headers()["content-security-policy"].to_str().unwrap().contains(nonce), "a fresh nonce");

        let api = app.call(&app.browser(), "current_user", &[]).await;
        for response_headers in [&headers, api.headers()] {
            assert_eq!(response_headers["x-content-type-options"], "nosniff");
            assert_eq!(response_headers["x-frame-options"], "DENY");
            assert_eq!(response_headers["referrer-policy"], "same-origin");
            assert!(response_headers.contains_key("content-security-policy"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_absolute_timeouts_end_sessions() {
    for app in apps().await {
        let settings = Settings::default();
        let idle = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        app.clock.advance(settings.session_idle_minutes * 60 + 61);
        let response = app.call(&idle, "current_user", &[]).await;
        assert_eq!(response.json::<Option<serde_json::Value>>().await.unwrap(), None, "{}: idle too long", app.db_name);

        let busy = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for _ in 0..settings.session_absolute_hours {
            app.clock.advance(3600);
            let response = app.call(&busy, "current_user", &[]).await;
            assert!(response.json::<Option<serde_json::Value>>().await.unwrap().is_some(), "{}: in use", app.db_name);
        }
        app.clock.advance(120);
        let response = app.call(&busy, "current_user", &[]).await;
        assert_eq!(response.json::<Option<serde_json::Value>>().await.unwrap(), None, "{}: too old", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hash_made_with_weaker_settings_is_upgraded_at_sign_in() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher as _, SaltString};
    for app in apps().await {
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        );
        let hash = weak.hash_password(b"an old password", &SaltString::generate(&mut OsRng)).unwrap().to_string();
        let id = app.user_id("customer").await;
        let old = app.db().password_hash(id).await.unwrap().unwrap();
        app.db().replace_password_hash(id, &old, &hash).await.unwrap();

        app.signed_in("customer", "an old password").await;
        let upgraded = app.db().password_hash(id).await.unwrap().unwrap();
        assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}: {upgraded}", app.db_name);
        app.signed_in("customer", "an old password").await;
    }
}

/// What a dump of the authenticator apps table shows for `user`.
async fn stored_secret_of(app: &TestApp, user: roster_domain::UserId) -> String {
    let sql = format!("SELECT COALESCE(secret, '') FROM authenticator_apps WHERE user_id = {}", user.0);
    roster_store::testing::texts(app.db(), &sql).await.concat()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_holds_no_usable_authenticator_secret_and_a_moved_one_does_not_open() {
    use base64::Engine;
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let authenticator = enroll(&app, &customer).await;
        let customer_id = app.user_id("customer").await;
        let stored = stored_secret_of(&app, customer_id).await;
        assert!(!stored.is_empty(), "{}", app.db_name);
        let bytes = &authenticator.0.secret;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let base32 = authenticator.0.get_secret_base32();
        let base64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes);
        for spelling in [base32.clone(), base32.to_lowercase(), hex, base64] {
            assert!(!stored.contains(&spelling), "{}: {stored:?} holds the secret as {spelling:?}", app.db_name);
        }

        // The app's codes still sign in.
        app.clock.advance(30);
        let browser = app.browser();
        app.sign_in(&browser, "customer", CUSTOMER_PASSWORD).await;
        let response = app.call(&browser, "verify_sign_in_code", &[("code", &authenticator.code(&app))]).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);

        // The customer's sealed secret copied into the admin's row opens for nobody.
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        enroll(&app, &admin).await;
        let admin_id = app.user_id("admin").await;
        let copy = format!("UPDATE authenticator_apps SET secret = '{stored}', last_step = -1 WHERE user_id = {}", admin_id.0);
        roster_store::testing::execute(app.db(), &copy).await;
        app.clock.advance(30);
        let browser = app.browser();
        app.sign_in(&browser, "admin", ADMIN_PASSWORD).await;
        let response = app.call(&browser, "verify_sign_in_code", &[("code", &authenticator.code(&app))]).await;
        assert_ne!(response.status(), 200, "{}: a secret moved to another user does not open", app.db_name);
        assert!(session_cookie_pair(&response).is_none(), "{}", app.db_name);
    }
}
