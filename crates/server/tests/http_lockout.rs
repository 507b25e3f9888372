//! What someone who can reach the sign-in page can do to other people's
//! accounts by guessing, over real HTTP on every available engine: a lock
//! from failed sign-ins lifts itself, ends no open session, grows with each
//! repeat, and no single address can set it off in a burst. Every place that
//! checks a password counts toward it, and a flood of guesses is turned away
//! before it piles up behind the password hashing.

mod common;

use common::{apps_with, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use futures::future::join_all;
use roster_domain::{AppError, AuditAction, RoleId};
use roster_service::Settings;
use serde_json::json;

/// Settings without per-address throttling, so one test client can guess
/// as fast as many addresses could.
fn unthrottled() -> Settings {
    Settings { sign_in_attempts_per_minute: 0, ..Settings::default() }
}

/// Sends `n` wrong passwords for `login`, one after another.
async fn guess_wrong(app: &TestApp, login: &str, n: u32) {
    for _ in 0..n {
        let response = app.sign_in(&app.browser(), login, "a wrong guess").await;
        assert_eq!(response.status(), 401, "{}", app.db_name);
    }
}

async fn can_sign_in(app: &TestApp, login: &str, password: &str) -> bool {
    app.sign_in(&app.browser(), login, password).await.status() == 200
}

async fn signed_in_as(app: &TestApp, browser: &reqwest::Client) -> Option<String> {
    let current = app.call(browser, "current_user", &[]).await.json::<Option<serde_json::Value>>().await.unwrap();
    current.map(|user| user["login"].as_str().unwrap().to_owned())
}

async fn count_audited(app: &TestApp, action: AuditAction) -> usize {
    app.db().recent_audit(1_000).await.unwrap().iter().filter(|e| e.action == action).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_from_failed_sign_ins_lifts_itself_and_each_repeat_waits_longer() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        guess_wrong(&app, "customer", threshold).await;
        assert!(!can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: locked", app.db_name);
        app.clock.advance(59);
        assert!(!can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: still locked", app.db_name);
        app.clock.advance(2);
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: the minute is over", app.db_name);

        // Without a success between them, each lock waits longer: 1, then 5 minutes.
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(61);
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(61);
        assert!(!can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: the second lock is longer", app.db_name);
        app.clock.advance(4 * 60);
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: five minutes are over", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::AccountLocked).await, 3, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_during_a_lock_do_not_make_it_longer() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(30);
        guess_wrong(&app, "customer", 3 * threshold).await;
        app.clock.advance(31);
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: the first wait stands", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::AccountLocked).await, 1, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_leave_sessions_that_were_signed_in_alone() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        guess_wrong(&app, "admin", threshold).await;
        assert!(!can_sign_in(&app, "admin", ADMIN_PASSWORD).await, "{}: a new sign-in waits", app.db_name);
        assert_eq!(signed_in_as(&app, &admin).await.as_deref(), Some("admin"), "{}: the open session goes on", app.db_name);
        let page = app.search(&admin, json!({ "facets": ["Locked"] })).await;
        assert_eq!(page.status(), 200, "{}: and can still work", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_panel_shows_until_when_and_unlock_lifts_the_lock_at_once() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let id = app.user_id("customer").await;
        let refused = app.call_json(&admin, "unlock_user", json!({ "id": id })).await;
        assert_eq!(refused.status(), 409, "{}: not locked yet", app.db_name);

        guess_wrong(&app, "customer", threshold).await;
        let page: serde_json::Value = app.search(&admin, json!({ "facets": ["Locked"] })).await.json().await.unwrap();
        assert_eq!(page["rows"].as_array().unwrap().len(), 1, "{}", app.db_name);
        assert_eq!(page["rows"][0]["login"], "customer", "{}", app.db_name);
        assert_eq!(page["rows"][0]["locked_until"], app.clock.now().0 + 60, "{}", app.db_name);

        let customer = app.signed_in("admin", ADMIN_PASSWORD).await;
        let forbidden = app.call_json(&customer, "unlock_user", json!({ "id": app.user_id("admin").await })).await;
        assert_eq!(forbidden.status(), 409, "{}: the admin is not locked", app.db_name);
        let unlocked = app.call_json(&admin, "unlock_user", json!({ "id": id })).await;
        assert_eq!(unlocked.status(), 200, "{}", app.db_name);
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: at once", app.db_name);
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let forbidden = app.call_json(&customer, "unlock_user", json!({ "id": id })).await;
        assert_eq!(forbidden.status(), 403, "{}: only admins unlock", app.db_name);

        // A lock that has lifted itself is not there to unlock.
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(61);
        let page: serde_json::Value = app.search(&admin, json!({ "facets": ["Locked"] })).await.json().await.unwrap();
        assert_eq!(page["rows"].as_array().unwrap().len(), 0, "{}: no longer locked", app.db_name);
        let gone = app.call_json(&admin, "unlock_user", json!({ "id": id })).await;
        assert_eq!(gone.status(), 409, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_set_number_of_temporary_locks_the_next_one_waits_for_an_admin() {
    let threshold = Settings::default().lockout_threshold;
    let settings = Settings { lockout_permanent_after: 2, ..unthrottled() };
    for app in apps_with(settings).await {
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(61);
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(5 * 60 + 1);
        guess_wrong(&app, "customer", threshold).await;
        app.clock.advance(30 * 24 * 3600);
        assert!(!can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: locked until unlocked", app.db_name);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let unlocked = app.call_json(&admin, "unlock_user", json!({ "id": app.user_id("customer").await })).await;
        assert_eq!(unlocked.status(), 200, "{}", app.db_name);
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_admin_is_not_an_active_admin_for_the_last_admin_rule() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let second = app.add_user("second", RoleId::ADMIN, ADMIN_PASSWORD).await;
        guess_wrong(&app, "admin", threshold).await;

        let page: serde_json::Value = app.search(&admin, json!({ "text": "second" })).await.json().await.unwrap();
        assert_eq!(page["rows"][0]["sole_active_admin"], true, "{}: the only admin who can sign in", app.db_name);
        let deleted = app.call_json(&admin, "delete_user", json!({ "id": second, "confirmation": "DELETE" })).await;
        assert_eq!(deleted.status(), 409, "{}", app.db_name);
        let text = deleted.text().await.unwrap();
        assert!(text.contains("last active admin"), "{}: {text}", app.db_name);
    }
}

/// A signed-in admin whom someone locks out by guessing can still edit
/// their own record: a locked admin is no admin whom the edit could remove.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_admin_still_edits_their_own_record() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        guess_wrong(&app, "admin", threshold).await;
        let id = app.user_id("admin").await;
        let user: roster_domain::EditableUser =
            app.call_json(&admin, "editable_user", json!({ "id": id })).await.json().await.unwrap();
        let mut details = user.details;
        details.fields.first_name = "Adaline".into();
        let body = json!({ "id": id, "version": user.version, "details": details });
        let response = app.call_json(&admin, "update_user", body).await;
        assert_eq!(response.status(), 200, "{}: {}", app.db_name, response.text().await.unwrap());
    }
}

/// One address sends wrong passwords as fast as it can: it is throttled
/// before the account locks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_lock_an_account_in_a_burst() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(Settings::default()).await {
        let mut statuses = Vec::new();
        for _ in 0..threshold {
            statuses.push(app.sign_in(&app.browser(), "admin", "a wrong guess").await.status().as_u16());
        }
        assert_eq!(statuses.last(), Some(&429), "{}: {statuses:?}", app.db_name);
        let failures = app.db().failed_sign_ins(app.user_id("admin").await).await.unwrap().unwrap();
        assert!(failures < i64::from(threshold), "{}: {failures} failures", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::AccountLocked).await, 0, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_current_passwords_count_toward_the_same_lock_and_are_audited() {
    let threshold = Settings::default().lockout_threshold;
    for app in apps_with(unthrottled()).await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for n in 1..=threshold {
            let form = [("current_password", "a wrong guess"), ("new_password", "a new password 1")];
            let response = app.call(&customer, "change_password", &form).await;
            let expected = if n < threshold { 400 } else { 409 };
            assert_eq!(response.status(), expected, "{}: attempt {n}", app.db_name);
        }
        assert!(!can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: locked", app.db_name);
        let form = [("current_password", CUSTOMER_PASSWORD), ("new_password", "a new password 1")];
        let response = app.call(&customer, "change_password", &form).await;
        assert_eq!(response.status(), 409, "{}: even the right password waits for the lock", app.db_name);
        let text = response.text().await.unwrap();
        assert!(text.contains("Too many wrong passwords"), "{}: {text}", app.db_name);
        assert_eq!(count_audited(&app, AuditAction::PasswordCheckFailed).await, threshold as usize, "{}", app.db_name);
        assert_eq!(signed_in_as(&app, &customer).await.as_deref(), Some("customer"), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_of_signed_in_users_are_throttled_like_sign_in() {
    let settings = Settings { sign_in_attempts_per_minute: 3, ..Settings::default() };
    for app in apps_with(settings).await {
        let browser = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let mut statuses = Vec::new();
        for _ in 0..4 {
            let form = [("current_password", "a wrong guess"), ("new_password", "a new password 1")];
            statuses.push(app.call(&browser, "change_password", &form).await.status().as_u16());
        }
        assert_eq!(statuses.last(), Some(&429), "{}: {statuses:?}", app.db_name);
    }
}

/// Many clients at once guessing: when the hashing queue is full, the rest
/// are told at once to come back, instead of waiting behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_guesses_is_answered_503_with_retry_after_once_the_hashing_queue_is_full() {
    let settings = Settings { lockout_threshold: u32::MAX, ..unthrottled() };
    for app in apps_with(settings).await {
        let flood: Vec<_> = (0..200)
            .map(|_| {
                let (app, browser) = (&app, app.browser());
                async move {
                    let response = app.sign_in(&browser, "customer", "a wrong guess").await;
                    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
                    (response.status().as_u16(), retry_after, response.json::<AppError>().await.ok())
                }
            })
            .collect();
        let answers = join_all(flood).await;
        let busy: Vec<_> = answers.iter().filter(|(status, ..)| *status == 503).collect();
        assert!(!busy.is_empty(), "{}: some are turned away", app.db_name);
        assert!(answers.iter().all(|(status, ..)| [401, 503].contains(status)), "{}", app.db_name);
        for (_, retry_after, error) in busy {
            assert_eq!(retry_after.as_deref(), Some("1"), "{}", app.db_name);
            assert!(matches!(error, Some(AppError::Busy { .. })), "{}: {error:?}", app.db_name);
        }
        assert!(can_sign_in(&app, "customer", CUSTOMER_PASSWORD).await, "{}: and then it is over", app.db_name);
    }
}
