//! New User, Edit User and Delete User over real HTTP, on every engine:
//! who may call them, what bad input gets back, the version check, the
//! rules about admins, and what a deletion takes with it.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, DeletionPreview, EditableUser, RoleId, TicketState, UserDetails, UserId};
use roster_store::NewTicket;
use serde_json::{json, Value};

const NEW_USER_PASSWORD: &str = "a new user's password";

/// Every field of the dialog filled in.
fn full_details(login: &str) -> Value {
    json!({
        "login": login,
        "first_name": "Nina",
        "last_name": "Berg",
        "email": format!("{login}@example.com"),
        "web": "https://nina.example.com",
        "phone": "+47 55 01 02 03",
        "mobile": "+47 900 00 000",
        "fax": "+47 55 01 02 04",
        "organization": "Harbour Labs",
        "secondary_organizations": ["Quartz Foods"],
        "department": "Support",
        "street": "Bryggen 1",
        "zip": "5003",
        "city": "Bergen",
        "country": "Norway",
        "address": "Bryggen 1\n5003 Bergen",
        "note": "Prefers phone.",
        "vip": true,
        "active": true,
        "roles": [2, 3],
        "password": NEW_USER_PASSWORD,
    })
}

async fn create(app: &TestApp, admin: &reqwest::Client, details: Value) -> reqwest::Response {
    app.call_json(admin, "create_user", json!({ "details": details })).await
}

async fn editable(app: &TestApp, admin: &reqwest::Client, id: UserId) -> EditableUser {
    let response = app.call_json(admin, "editable_user", json!({ "id": id })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn update(app: &TestApp, client: &reqwest::Client, id: UserId, version: i64, details: &UserDetails) -> reqwest::Response {
    app.call_json(client, "update_user", json!({ "id": id, "version": version, "details": details })).await
}

async fn id_of(app: &TestApp, login: &str) -> UserId {
    app.db().credentials(login).await.unwrap().expect("the user exists").id
}

async fn error_of(response: reqwest::Response) -> (u16, AppError) {
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_use_the_dialogs() {
    for app in apps().await {
        let anonymous = app.browser();
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let target = id_of(&app, "customer").await;
        let calls = [
            ("create_user", json!({ "details": full_details("sneaky") })),
            ("editable_user", json!({ "id": target })),
            ("update_user", json!({ "id": target, "version": 1, "details": full_details("customer") })),
            ("organization_names", json!({ "text": "a" })),
            ("preview_user_deletion", json!({ "id": target })),
            ("delete_user", json!({ "id": target, "confirmation": "DELETE" })),
        ];
        for (function, body) in calls {
            let response = app.call_json(&anonymous, function, body.clone()).await;
            assert_eq!(response.status(), 401, "{}: {function}", app.db_name);
            let response = app.call_json(&customer, function, body).await;
            assert_eq!(error_of(response).await, (403, AppError::Forbidden), "{}: {function}", app.db_name);
        }
        assert!(app.db().credentials("sneaky").await.unwrap().is_none(), "{}", app.db_name);
        assert!(app.db().editable_user(target).await.unwrap().is_some(), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_a_user_with_every_field_who_can_then_sign_in() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let response = create(&app, &admin, full_details("nina.berg")).await;
        assert_eq!(response.status(), 200, "{}", app.db_name);
        let id: UserId = response.json().await.unwrap();

        let user = editable(&app, &admin, id).await;
        // Everything but the password comes back as sent; a password set by
        // an admin is one the user must replace at their first sign-in.
        let sent: UserDetails = serde_json::from_value(full_details("nina.berg")).unwrap();
        let expected = UserDetails { password: Default::default(), must_change_password: true, ..sent };
        assert_eq!(user.details, expected, "{}", app.db_name);
        assert!(user.has_password, "{}", app.db_name);
        assert_eq!(user.version, 1, "{}", app.db_name);

        let names = app.call_json(&admin, "organization_names", json!({ "text": "harb" })).await;
        assert_eq!(names.json::<Vec<String>>().await.unwrap(), ["Harbour Labs"], "{}: created from the dialog", app.db_name);

        app.signed_in("NINA.BERG", NEW_USER_PASSWORD).await;
        let event = app.db().recent_audit(10).await.unwrap().into_iter().find(|e| e.action == AuditAction::UserCreated);
        assert_eq!(event.and_then(|e| e.actor_id), Some(id_of(&app, "admin").await), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_an_error_for_every_field_and_nothing_is_created() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut details = full_details("two words");
        details["email"] = json!("not-an-email");
        details["web"] = json!("example.com");
        details["note"] = json!("n".repeat(5001));
        details["roles"] = json!([]);
        details["password"] = json!("short");
        let (status, error) = error_of(create(&app, &admin, details).await).await;
        assert_eq!(status, 400, "{}", app.db_name);
        let fields: Vec<&str> = error.fields().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["web", "note", "login", "email", "password", "roles"], "{}", app.db_name);
        assert_eq!(error.message_for("note"), Some("Note must be at most 5000 characters."));

        let response = app.call_json(&admin, "create_user", json!({ "details": "nonsense" })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        assert_eq!(app.db().count_users().await.unwrap(), 2, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_and_emails_are_unique_whatever_their_case() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        assert_eq!(create(&app, &admin, full_details("nina")).await.status(), 200);
        let mut same_login = full_details("NINA");
        same_login["email"] = json!("someone.else@example.com");
        let (status, error) = error_of(create(&app, &admin, same_login).await).await;
        assert_eq!((status, error.message_for("login")), (400, Some("Already used by another user.")), "{}", app.db_name);
        let mut same_email = full_details("nina2");
        same_email["email"] = json!("Nina@EXAMPLE.com");
        let (status, error) = error_of(create(&app, &admin, same_email).await).await;
        assert_eq!((status, error.message_for("email")), (400, Some("Already used by another user.")), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_save_is_refused_as_a_conflict_and_the_first_save_stays() {
    for app in apps().await {
        let first_admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let second_admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let id: UserId = create(&app, &first_admin, full_details("olga")).await.json().await.unwrap();
        let opened_by_first = editable(&app, &first_admin, id).await;
        let opened_by_second = editable(&app, &second_admin, id).await;

        let mut first = opened_by_first.details;
        first.fields.city = "Oslo".into();
        let response = update(&app, &first_admin, id, opened_by_first.version, &first).await;
        assert_eq!(response.json::<i64>().await.unwrap(), opened_by_first.version + 1, "{}", app.db_name);

        let mut second = opened_by_second.details;
        second.fields.city = "Tromsø".into();
        let (status, error) = error_of(update(&app, &second_admin, id, opened_by_second.version, &second).await).await;
        assert_eq!((status, error), (409, AppError::Conflict), "{}", app.db_name);
        assert_eq!(editable(&app, &second_admin, id).await.details.fields.city, "Oslo", "{}", app.db_name);

        let event = app.db().recent_audit(1).await.unwrap().remove(0);
        assert_eq!((event.action, event.detail.as_str()), (AuditAction::UserUpdated, "fields=city"), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_keep_their_own_admin_role_and_stay_active() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let me = id_of(&app, "admin").await;
        let user = editable(&app, &admin, me).await;
        let demoted = UserDetails { roles: vec![RoleId::AGENT], active: false, ..user.details.clone() };
        let (status, error) = error_of(update(&app, &admin, me, user.version, &demoted).await).await;
        assert_eq!(status, 400, "{}", app.db_name);
        assert_eq!(error.message_for("roles"), Some("You cannot remove your own Admin role."), "{}", app.db_name);
        assert_eq!(error.message_for("active"), Some("You cannot deactivate your own account."), "{}", app.db_name);
        assert_eq!(editable(&app, &admin, me).await.version, user.version, "{}: nothing saved", app.db_name);
    }
}

/// Two admins demote each other at the same moment: had both saves
/// landed, no admin would remain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut second = full_details("second.admin");
        second["roles"] = json!([1]);
        let second_id: UserId = create(&app, &admin, second).await.json().await.unwrap();
        // A password an admin set is replaced at the first sign-in.
        let other = app.signed_in("second.admin", NEW_USER_PASSWORD).await;
        let own = [("new_password", "second admin's own 1"), ("repeat_password", "second admin's own 1")];
        assert_eq!(app.call(&other, "change_required_password", &own).await.status(), 200, "{}", app.db_name);
        let first_id = id_of(&app, "admin").await;

        let first_view = editable(&app, &admin, second_id).await;
        let second_view = editable(&app, &other, first_id).await;
        let demote = |user: EditableUser| UserDetails { roles: vec![RoleId::AGENT], ..user.details };
        let (first_demotes, second_demotes) = (demote(first_view.clone()), demote(second_view.clone()));
        let (a, b) = tokio::join!(
            update(&app, &admin, second_id, first_view.version, &first_demotes),
            update(&app, &other, first_id, second_view.version, &second_demotes),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses[0], 200, "{}: one demotion lands", app.db_name);
        assert_eq!(app.db().count_active_admins(10, app.clock.now()).await.unwrap(), 1, "{}", app.db_name);
        // The other is refused: either its admin was already demoted when it
        // arrived (403), or it ran alongside and would have left no admin.
        let refused = if a.status() == 200 { b } else { a };
        let status = refused.status().as_u16();
        let error: AppError = refused.json().await.unwrap();
        match status {
            403 => assert_eq!(error, AppError::Forbidden, "{}", app.db_name),
            _ => assert_eq!(
                error.message_for("roles"),
                Some("This is the last active admin. Make another user an admin first."),
                "{}",
                app.db_name
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_set_by_an_admin_ends_the_users_sessions() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let id = id_of(&app, "customer").await;
        let user = editable(&app, &admin, id).await;
        let changed = UserDetails { password: roster_domain::PasswordInput("a fresh password 9".into()), ..user.details };
        assert_eq!(update(&app, &admin, id, user.version, &changed).await.status(), 200, "{}", app.db_name);
        let response = app.call(&customer, "current_user", &[]).await;
        assert_eq!(response.json::<Option<Value>>().await.unwrap(), None, "{}: signed out", app.db_name);
        app.signed_in("customer", "a fresh password 9").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_customer_needs_delete_typed_and_takes_their_tickets() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let id = id_of(&app, "customer").await;
        let tickets: Vec<NewTicket> = (1..=7)
            .map(|n| NewTicket {
                customer: id,
                title: format!("Problem {n}"),
                state: TicketState::Open,
                articles: vec![(id, "Help!".into())],
                time_entries: vec![],
            })
            .collect();
        app.db().insert_tickets(&tickets, roster_domain::Timestamp(1_795_845_000)).await.unwrap();

        let preview: DeletionPreview =
            app.call_json(&admin, "preview_user_deletion", json!({ "id": id })).await.json().await.unwrap();
        assert_eq!((preview.tickets, preview.first_tickets.len(), preview.refusal.clone()), (7, 5, None), "{}", app.db_name);
        assert_eq!(preview.first_tickets[0].title, "Problem 7", "{}: newest first", app.db_name);
        assert_eq!(preview.login, "customer");

        for typed in ["", "delete", "DELETE?"] {
            let response = app.call_json(&admin, "delete_user", json!({ "id": id, "confirmation": typed })).await;
            let (status, error) = error_of(response).await;
            assert_eq!((status, error.message_for("confirmation")), (400, Some("Type DELETE to confirm.")), "{typed:?}");
        }
        assert_eq!(app.db().count_helpdesk_rows().await.unwrap().0, 7, "{}: nothing deleted yet", app.db_name);

        let response = app.call_json(&admin, "delete_user", json!({ "id": id, "confirmation": "DELETE" })).await;
        assert_eq!(response.json::<i64>().await.unwrap(), 7, "{}", app.db_name);
        assert_eq!(app.db().count_helpdesk_rows().await.unwrap(), (0, 0, 0), "{}", app.db_name);
        assert!(app.db().credentials("customer").await.unwrap().is_none(), "{}", app.db_name);
        let response = app.call(&customer, "current_user", &[]).await;
        assert_eq!(response.json::<Option<Value>>().await.unwrap(), None, "{}: their session ended", app.db_name);

        let event = app.db().recent_audit(1).await.unwrap().remove(0);
        assert_eq!((event.action, event.target_user_id), (AuditAction::UserDeleted, Some(id)), "{}", app.db_name);
        assert_eq!(event.detail, "tickets=7", "{}", app.db_name);

        let response = app.call_json(&admin, "preview_user_deletion", json!({ "id": id })).await;
        assert_eq!(error_of(response).await, (404, AppError::NotFound), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_deletes_themselves() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let me = id_of(&app, "admin").await;
        let preview: DeletionPreview =
            app.call_json(&admin, "preview_user_deletion", json!({ "id": me })).await.json().await.unwrap();
        assert_eq!(preview.refusal.as_deref(), Some("You cannot delete your own account."), "{}", app.db_name);
        let response = app.call_json(&admin, "delete_user", json!({ "id": me, "confirmation": "DELETE" })).await;
        let (status, error) = error_of(response).await;
        assert_eq!((status, error.to_string()), (409, "You cannot delete your own account.".to_owned()), "{}", app.db_name);
        assert!(app.db().credentials("admin").await.unwrap().is_some(), "{}", app.db_name);
    }
}
