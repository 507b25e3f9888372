//! What one admin may not do to another, over real HTTP on every available
//! engine. An admin is anyone whose roles grant `admin.user`: the built-in
//! Admin role or a role made since.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD};
use roster_domain::{AppError, EditableUser, PasswordInput, Permission, RoleDraft, RoleId, UserDetails, UserId};
use serde_json::json;

const LEAD_PASSWORD: &str = "a team lead password";

/// A role made by admins that grants `admin.user`, and a user holding it.
async fn team_lead(app: &TestApp) -> (RoleId, UserId) {
    let draft = RoleDraft { name: "Team leads".into(), permissions: vec![Permission::AdminUser, Permission::TicketRead] };
    let audit = common::test_audit(app, roster_domain::AuditAction::RoleCreated);
    let role = app.db().create_role(&draft.validate().unwrap(), &audit).await.unwrap();
    (role, app.add_user("lead", role, LEAD_PASSWORD).await)
}

async fn set_password(app: &TestApp, admin: &reqwest::Client, id: UserId) -> (u16, AppError) {
    let response = app.call_json(admin, "editable_user", json!({ "id": id })).await;
    let user: EditableUser = response.json().await.unwrap();
    let details = UserDetails { password: PasswordInput("a new password 1".into()), ..user.details };
    let body = json!({ "id": id, "version": user.version, "details": details });
    let response = app.call_json(admin, "update_user", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(AppError::Internal))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_set_another_admins_password_whatever_role_makes_them_one() {
    for app in apps().await {
        let (_, lead) = team_lead(&app).await;
        let second = app.add_user("second", RoleId::ADMIN, ADMIN_PASSWORD).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        for (who, id) in [("the built-in Admin role", second), ("a role granting admin.user", lead)] {
            let (status, error) = set_password(&app, &admin, id).await;
            assert_eq!(status, 400, "{}: {who}", app.db_name);
            let field = error.field().map(|f| (f.field.as_str(), f.message.as_str()));
            assert_eq!(field.map(|f| f.0), Some("password"), "{}: {who}: {error:?}", app.db_name);
        }
        let (status, _) = set_password(&app, &admin, app.user_id("customer").await).await;
        assert_eq!(status, 200, "{}: a customer's password, as before", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_remove_another_admins_two_factor() {
    for app in apps().await {
        let (_, lead) = team_lead(&app).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let response = app.call_json(&admin, "remove_user_two_factor", json!({ "id": lead, "kind": null })).await;
        assert_eq!(response.status(), 409, "{}", app.db_name);
        let text = response.text().await.unwrap();
        assert!(text.contains("another admin's two-factor"), "{}: {text}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_take_admin_user_from_the_role_their_own_rights_come_from() {
    for app in apps().await {
        let (role, _) = team_lead(&app).await;
        let lead = app.signed_in("lead", LEAD_PASSWORD).await;
        let draft = json!({ "name": "Team leads", "permissions": ["TicketRead"] });
        let response = app.call_json(&lead, "save_role", json!({ "id": role, "version": 1, "draft": draft })).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        let error: AppError = response.json().await.unwrap();
        assert_eq!(error.field().map(|f| f.field.as_str()), Some("permissions"), "{}: {error:?}", app.db_name);

        // An admin whose rights come from elsewhere may.
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let response = app.call_json(&admin, "save_role", json!({ "id": role, "version": 1, "draft": draft })).await;
        assert_eq!(response.status(), 200, "{}: {}", app.db_name, response.text().await.unwrap());
    }
}
