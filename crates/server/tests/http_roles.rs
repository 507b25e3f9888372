//! Roles & permissions over HTTP, on every available engine: only admins
//! manage roles; bad input and stale saves get clear answers.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, Permission, RoleDefinition, RoleDraft, RoleId, UserDetails, UserFields};
use serde_json::json;

async fn definitions(app: &TestApp, browser: &reqwest::Client) -> Vec<RoleDefinition> {
    app.call_json(browser, "role_definitions", json!({})).await.json().await.unwrap()
}

fn draft(name: &str, permissions: &[Permission]) -> RoleDraft {
    RoleDraft { name: name.into(), permissions: permissions.to_vec() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_see_and_change_roles() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        for (function, body) in [
            ("list_roles", json!({})),
            ("role_definitions", json!({})),
            ("save_role", json!({ "id": null, "version": 0, "draft": draft("Sneaky", &[Permission::AdminUser]) })),
            ("delete_role", json!({ "id": RoleId::AGENT })),
        ] {
            assert_eq!(app.call_json(&customer, function, body.clone()).await.status(), 403, "{}: {function}", app.db_name);
            assert_eq!(app.call_json(&app.browser(), function, body).await.status(), 401, "{}: {function}", app.db_name);
        }
        assert_eq!(app.db().roles().await.unwrap().len(), 3, "{}: nothing was created", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_create_edit_and_delete_roles_and_give_them_in_the_user_dialog() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let built_in = definitions(&app, &admin).await;
        assert_eq!(built_in.iter().map(|d| d.role.name.as_str()).collect::<Vec<_>>(), ["Admin", "Agent", "Customer"]);
        assert!(built_in.iter().all(|d| d.built_in), "{}", app.db_name);

        let created = draft("Night shift", &[Permission::TicketRead, Permission::TicketReply]);
        let saved = app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": created })).await;
        assert_eq!(saved.status(), 200, "{}", app.db_name);
        let night = definitions(&app, &admin).await.into_iter().find(|d| d.role.name == "Night shift").unwrap();
        assert_eq!(night.permissions, [Permission::TicketRead, Permission::TicketReply], "{}", app.db_name);

        // The role is given in the user dialog, and the Users panel filters by it.
        let customer = app.user_id("customer").await;
        let editable: serde_json::Value = app.call_json(&admin, "editable_user", json!({ "id": customer })).await.json().await.unwrap();
        let mut details: UserDetails = serde_json::from_value(editable["details"].clone()).unwrap();
        details.roles.push(night.role.id);
        let version = editable["version"].as_i64().unwrap();
        let updated = app.call_json(&admin, "update_user", json!({ "id": customer, "version": version, "details": details })).await;
        assert_eq!(updated.status(), 200, "{}", app.db_name);
        let found: roster_domain::UsersPage =
            app.search(&admin, json!({ "roles": [night.role.id] })).await.json().await.unwrap();
        assert_eq!(found.rows.iter().map(|r| r.login.as_str()).collect::<Vec<_>>(), ["customer"], "{}", app.db_name);

        // In use, it cannot go; a stale edit is refused; a taken name is an error on the field.
        let in_use = app.call_json(&admin, "delete_role", json!({ "id": night.role.id })).await;
        assert_eq!(in_use.status(), 409, "{}", app.db_name);
        assert_eq!(
            in_use.json::<AppError>().await.unwrap().to_string(),
            "1 user holds this role. Give them another role first, then delete it."
        );
        let body = |version: i64, d: RoleDraft| json!({ "id": night.role.id, "version": version, "draft": d });
        let renamed = app.call_json(&admin, "save_role", body(night.version, draft("Late shift", &[Permission::TicketRead]))).await;
        assert_eq!(renamed.status(), 200, "{}", app.db_name);
        let stale = app.call_json(&admin, "save_role", body(night.version, draft("Early shift", &[Permission::TicketRead]))).await;
        assert_eq!(stale.status(), 409, "{}", app.db_name);
        let taken = app.call_json(&admin, "save_role", body(night.version + 1, draft("agent", &[Permission::TicketRead]))).await;
        assert_eq!(taken.json::<AppError>().await.unwrap().message_for("name"), Some("Another role already has this name."));
        let empty = app.call_json(&admin, "save_role", body(night.version + 1, draft(" ", &[]))).await;
        assert_eq!(empty.status(), 400, "{}", app.db_name);
        let built = app.call_json(&admin, "save_role", json!({ "id": RoleId::ADMIN, "version": 1, "draft": draft("Boss", &[Permission::TicketRead]) })).await;
        assert_eq!(built.status(), 409, "{}: built-in roles stay", app.db_name);

        details.roles.retain(|r| *r != night.role.id);
        let version = version + 1;
        let reverted = app.call_json(&admin, "update_user", json!({ "id": customer, "version": version, "details": details })).await;
        assert_eq!(reverted.status(), 200, "{}", app.db_name);
        assert_eq!(app.call_json(&admin, "delete_role", json!({ "id": night.role.id })).await.status(), 200);
        assert_eq!(definitions(&app, &admin).await.len(), 3, "{}", app.db_name);

        // A role deleted while a dialog was open cannot be given.
        details.roles.push(night.role.id);
        let gone = app.call_json(&admin, "update_user", json!({ "id": customer, "version": version + 1, "details": details })).await;
        assert_eq!(gone.json::<AppError>().await.unwrap().fields()[0].field, "roles", "{}", app.db_name);

        let audit = app.db().recent_audit(20).await.unwrap();
        for action in [AuditAction::RoleCreated, AuditAction::RoleUpdated, AuditAction::RoleDeleted] {
            assert!(audit.iter().any(|e| e.action == action && e.detail.contains("shift")), "{}: {action:?}", app.db_name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_through_a_custom_role_edits_their_own_account_but_keeps_an_admin_role() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let lead = draft("Helpdesk lead", &[Permission::AdminUser, Permission::TicketRead]);
        app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": lead })).await;
        let role = app.db().roles().await.unwrap().into_iter().find(|r| r.name == "Helpdesk lead").unwrap();
        let hash = roster_service::PasswordHasher::owasp()
            .hash(&roster_domain::Password::parse("lead password 1").unwrap())
            .await
            .unwrap();
        let user = roster_store::NewUser {
            login: roster_domain::Login::parse("lena").unwrap(),
            profile: roster_store::Profile {
                fields: UserFields { first_name: "Lena".into(), ..UserFields::default() },
                ..Default::default()
            },
            password_hash: Some(hash),
            roles: vec![role.id],
        };
        let lena = app.db().insert_user(&user, app.clock.now()).await.unwrap();
        let browser = app.signed_in("lena", "lead password 1").await;

        let editable: serde_json::Value = app.call_json(&browser, "editable_user", json!({ "id": lena })).await.json().await.unwrap();
        let mut details: UserDetails = serde_json::from_value(editable["details"].clone()).unwrap();
        let version = editable["version"].as_i64().unwrap();
        details.fields.city = "Bergen".into();
        let saved = app.call_json(&browser, "update_user", json!({ "id": lena, "version": version, "details": details })).await;
        assert_eq!(saved.status(), 200, "{}: keeping the role that makes them an admin", app.db_name);

        details.roles = vec![RoleId::AGENT];
        let demoted = app.call_json(&browser, "update_user", json!({ "id": lena, "version": version + 1, "details": details })).await;
        let error: AppError = demoted.json().await.unwrap();
        assert_eq!(error.message_for("roles"), Some("You cannot remove your own Admin role."), "{}", app.db_name);
    }
}
