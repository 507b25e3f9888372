//! The audit log over HTTP, on every available engine.

mod common;

use common::{apps, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AppError, AuditAction, AuditPage};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_read_and_search_the_audit_log_and_nobody_else_does() {
    for app in apps().await {
        let customer = app.browser();
        app.sign_in(&customer, "customer", CUSTOMER_PASSWORD).await;
        app.sign_in(&app.browser(), "customer", "not the password").await;
        let refused = app.call_json(&customer, "audit_log", json!({ "query": {} })).await;
        assert_eq!(refused.status(), 403, "{}", app.db_name);
        let anonymous = app.call_json(&app.browser(), "audit_log", json!({ "query": {} })).await;
        assert_eq!(anonymous.status(), 401, "{}", app.db_name);

        let admin = app.browser();
        app.sign_in(&admin, "admin", ADMIN_PASSWORD).await;
        let page: AuditPage = app.call_json(&admin, "audit_log", json!({ "query": {} })).await.json().await.unwrap();
        let newest = &page.entries[0];
        assert_eq!(newest.action, AuditAction::SignedIn, "{}", app.db_name);
        assert_eq!(newest.actor.as_ref().and_then(|u| u.login.as_deref()), Some("admin"), "{}", app.db_name);
        assert_eq!(newest.ip.as_deref(), Some("127.0.0.1"), "{}", app.db_name);

        let query = json!({ "query": { "text": "CUSTOMER", "action": "SignInFailed" } });
        let failures: AuditPage = app.call_json(&admin, "audit_log", query).await.json().await.unwrap();
        assert_eq!(failures.entries.len(), 1, "{}", app.db_name);
        assert_eq!(failures.entries[0].target.as_ref().and_then(|u| u.login.as_deref()), Some("customer"));
        assert!(failures.older.is_none(), "{}", app.db_name);

        let too_long = json!({ "query": { "text": "x".repeat(101) } });
        let response = app.call_json(&admin, "audit_log", too_long).await;
        assert_eq!(response.status(), 400, "{}", app.db_name);
        assert!(response.json::<AppError>().await.unwrap().message_for("q").is_some());

        let page = app.page(&admin, "/admin/audit?action=session.sign_in_failed").await;
        assert_eq!(page.status(), 200, "{}", app.db_name);
        // Without the empty comments Leptos marks text with for hydration.
        let html = page.text().await.unwrap().replace("<!>", "");
        assert!(html.contains("Sign-in failed") && html.contains("<td>customer</td>"), "{}: rendered on the server", app.db_name);
    }
}
