//! Every registered server function, with arguments that parse, who may call
//! it, and browsers in the state of each kind of caller. The authorization
//! matrix checks the table; the fuzz mutates its arguments.

use super::{TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{CurrentUser, RoleId, TwoFactorKind};
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const OTHER_PASSWORD: &str = "another password 1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    /// No session at all.
    Nobody,
    Customer,
    Agent,
    Admin,
    /// An admin viewing Roster from the customer's perspective.
    Viewing,
}

pub use Caller::*;

pub const EVERYONE: &[Caller] = &[Nobody, Customer, Agent, Admin, Viewing];
pub const SIGNED_IN: &[Caller] = &[Customer, Agent, Admin, Viewing];
/// Holders of `admin.user`, in their own view.
pub const ADMINS: &[Caller] = &[Admin];
/// Those who may read tickets: agents and admins (`ticket.read`), and the
/// customer on their own (`ticket.customer`), also when an admin views as them.
pub const TICKET_READERS: &[Caller] = &[Customer, Agent, Admin, Viewing];
/// `ticket.customer`: opening tickets of one's own.
pub const CUSTOMERS: &[Caller] = &[Customer, Viewing];
/// `ticket.read` with `ticket.log_time` / `ticket.change_state`.
pub const AGENTS: &[Caller] = &[Agent, Admin];
/// None of the callers above: only a sign-in that waits for its code or
/// owes a required action.
pub const PENDING_SIGN_IN: &[Caller] = &[];

pub enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One server function, arguments that reach its permission check (they
/// parse, so a refusal cannot hide behind a 400), and who may call it.
pub struct Row {
    pub function: &'static str,
    pub body: Body,
    pub allowed: &'static [Caller],
    /// How everyone else is refused: 401 without a session and 403 with one,
    /// unless a row says otherwise.
    pub refusal: Option<u16>,
}

/// The ids the arguments name.
pub struct Fixture {
    /// A customer nobody signs in as: the object of the admin functions.
    pub target: i64,
    /// A ticket of the customer's.
    pub ticket: i64,
}

pub fn form(pairs: &[(&'static str, &str)]) -> Body {
    Body::Form(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

pub fn table(f: &Fixture) -> Vec<Row> {
    let t = f.target;
    let ticket = f.ticket;
    let row = |function, body, allowed| Row { function, body, allowed, refusal: None };
    vec![
        // Signing in and out.
        row("sign_in", form(&[("login", "customer"), ("password", CUSTOMER_PASSWORD)]), EVERYONE),
        Row {
            function: "verify_sign_in_code",
            body: form(&[("code", "123456")]),
            allowed: PENDING_SIGN_IN,
            refusal: Some(401),
        },
        row("pending_sign_in_step", form(&[]), EVERYONE),
        // The steps of a sign-in that owes a required action (http_required_actions.rs).
        Row {
            function: "change_required_password",
            body: form(&[("new_password", "a fresh password 9"), ("repeat_password", "a fresh password 9")]),
            allowed: PENDING_SIGN_IN,
            refusal: Some(401),
        },
        Row { function: "start_required_authenticator", body: form(&[]), allowed: PENDING_SIGN_IN, refusal: Some(401) },
        Row {
            function: "confirm_required_authenticator",
            body: form(&[("code", "123456")]),
            allowed: PENDING_SIGN_IN,
            refusal: Some(401),
        },
        row("current_user", form(&[]), EVERYONE),
        row("sign_out", form(&[]), SIGNED_IN),
        // One's own account.
        row("change_password", form(&[("current_password", "not the password"), ("new_password", "a fresh password 9")]), SIGNED_IN),
        row("my_two_factor_methods", form(&[]), SIGNED_IN),
        row("start_authenticator_setup", form(&[]), SIGNED_IN),
        row("confirm_authenticator", form(&[("code", "123456")]), SIGNED_IN),
        row("generate_recovery_codes", form(&[]), SIGNED_IN),
        row("remove_my_two_factor", Body::Json(json!({ "kind": "AuthenticatorApp", "password": "not the password" })), SIGNED_IN),
        row("confirm_identity", form(&[("confirm_password", "not the password"), ("confirm_code", "")]), SIGNED_IN),
        // Tickets.
        row("list_tickets", Body::Json(json!({ "before": null })), TICKET_READERS),
        row("get_ticket", Body::Json(json!({ "number": ticket })), TICKET_READERS),
        row("open_ticket", Body::Json(json!({ "title": "", "body": "" })), CUSTOMERS),
        row("reply_to_ticket", Body::Json(json!({ "number": ticket, "body": "" })), TICKET_READERS),
        row("log_ticket_time", Body::Json(json!({ "number": ticket, "hours": "0" })), AGENTS),
        row("change_ticket_state", Body::Json(json!({ "number": ticket, "state": "New" })), AGENTS),
        // View from user's perspective.
        row("start_impersonation", Body::Json(json!({ "id": t, "reason": "Checking a role" })), ADMINS),
        // Outside a view it answers "You are not viewing Roster as another user." (409).
        row("end_impersonation", form(&[]), SIGNED_IN),
        // The Users panel and its dialogs.
        row("search_users", Body::Json(json!({ "search": {} })), ADMINS),
        row("count_users", Body::Json(json!({ "search": {} })), ADMINS),
        row("create_user", Body::Json(json!({ "details": { "login": "" } })), ADMINS),
        row("editable_user", Body::Json(json!({ "id": t })), ADMINS),
        row("update_user", Body::Json(json!({ "id": t, "version": 0, "details": { "login": "" } })), ADMINS),
        row("organization_names", Body::Json(json!({ "text": "a" })), ADMINS),
        row("preview_user_deletion", Body::Json(json!({ "id": t })), ADMINS),
        row("delete_user", Body::Json(json!({ "id": t, "confirmation": "not delete" })), ADMINS),
        row("unlock_user", Body::Json(json!({ "id": t })), ADMINS),
        // One user twice: an admin hears why not, everyone else is refused first.
        row("preview_user_merge", Body::Json(json!({ "duplicate": t, "keep": t })), ADMINS),
        row("merge_users", Body::Json(json!({ "duplicate": t, "keep": t, "confirmation": "not merge" })), ADMINS),
        row("preview_bulk_action", Body::Json(json!({ "action": "Unlock", "selection": { "Picked": [t] } })), ADMINS),
        // No run has this number: an admin hears "not found", everyone else is refused first.
        row("run_bulk_action", Body::Json(json!({ "run": 999_999, "confirmation": "" })), ADMINS),
        row("cancel_bulk_action", Body::Json(json!({ "run": 999_999 })), ADMINS),
        // Import CSV's page (its forms post to plain routes: http_user_import.rs).
        row("get_import_report", Body::Json(json!({ "run": 999_999 })), ADMINS),
        // Edit User → Sessions and Profile → Sessions (no session has this id).
        row("user_sessions", Body::Json(json!({ "id": t })), ADMINS),
        row("end_user_session", Body::Json(json!({ "id": t, "session": "0123456789abcdef0123456789abcdef" })), ADMINS),
        row("end_user_sessions", Body::Json(json!({ "id": t })), ADMINS),
        row("my_sessions", Body::Json(json!({})), SIGNED_IN),
        row("end_my_session", Body::Json(json!({ "session": "0123456789abcdef0123456789abcdef" })), SIGNED_IN),
        row("end_my_other_sessions", Body::Json(json!({})), SIGNED_IN),
        row("user_two_factor_methods", Body::Json(json!({ "id": t })), ADMINS),
        row("remove_user_two_factor", Body::Json(json!({ "id": t, "kind": null })), ADMINS),
        // Roles and the audit log.
        row("list_roles", Body::Json(json!({})), ADMINS),
        row("role_definitions", Body::Json(json!({})), ADMINS),
        row("save_role", Body::Json(json!({ "id": null, "version": 0, "draft": { "name": "", "permissions": [] } })), ADMINS),
        row("delete_role", Body::Json(json!({ "id": 1 })), ADMINS),
        // No role has this version: an admin hears "changed since", everyone else is refused first.
        row("set_role_two_factor", Body::Json(json!({ "id": 3, "version": 999_999, "required": true })), ADMINS),
        row("audit_log", Body::Json(json!({ "query": {} })), ADMINS),
    ]
}

pub async fn current(app: &TestApp, browser: &reqwest::Client) -> Option<CurrentUser> {
    app.call(browser, "current_user", &[]).await.json().await.unwrap()
}

/// A fresh browser for `caller`, in the state the table means.
pub async fn browser_of(app: &TestApp, caller: Caller) -> reqwest::Client {
    match caller {
        Nobody => app.browser(),
        Customer => app.signed_in("customer", CUSTOMER_PASSWORD).await,
        Agent => app.signed_in("agent", OTHER_PASSWORD).await,
        Admin => {
            let browser = app.signed_in("admin", ADMIN_PASSWORD).await;
            // A view an earlier call started outlives sign-out; leave it.
            if current(app, &browser).await.unwrap().impersonator.is_some() {
                assert_eq!(app.call(&browser, "end_impersonation", &[]).await.status(), 200);
            }
            browser
        }
        Viewing => {
            let browser = app.signed_in("viewer", OTHER_PASSWORD).await;
            if current(app, &browser).await.unwrap().impersonator.is_none() {
                let id = app.user_id("customer").await;
                let body = json!({ "id": id, "reason": "Checking a role" });
                let started = app.call_json(&browser, "start_impersonation", body).await;
                assert_eq!(started.status(), 200, "{}", app.db_name);
            }
            let me = current(app, &browser).await.unwrap();
            assert_eq!((me.login.as_str(), me.impersonator.is_some()), ("customer", true));
            browser
        }
    }
}

impl Fixture {
    /// An agent, a second admin ("viewer"), a customer nobody signs in as and
    /// a ticket of the signed-in customer's.
    pub async fn arrange(app: &TestApp) -> Fixture {
        app.add_user("agent", RoleId::AGENT, OTHER_PASSWORD).await;
        app.add_user("viewer", RoleId::ADMIN, OTHER_PASSWORD).await;
        let target = app.add_user("tara", RoleId::CUSTOMER, OTHER_PASSWORD).await.0;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let opened = app.call_json(&customer, "open_ticket", json!({ "title": "Printer", "body": "It jams." })).await;
        assert_eq!(opened.status(), 200, "{}", app.db_name);
        Fixture { target, ticket: opened.json().await.unwrap() }
    }
}

/// Asserts that `rows` name every registered server function, and only those.
pub fn assert_rows_cover_every_server_function(rows: &[Row]) {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    let listed: BTreeSet<String> = rows.iter().map(|r| format!("/api/{}", r.function)).collect();
    assert_eq!(registered, listed, "every server function, and only those, is in the table");
}

/// Calls `function` with `body`, encoded as the browser would.
pub async fn send(app: &TestApp, browser: &reqwest::Client, function: &str, body: &Body) -> reqwest::Response {
    let request = browser.post(app.url(&format!("/api/{function}")));
    match body {
        Body::Form(pairs) => request.form(pairs),
        Body::Json(value) => request.json(value),
    }
    .send()
    .await
    .unwrap()
}

/// Removes every sign-in's second factors: recovery codes a call just
/// generated would otherwise add a code step to the next sign-in.
pub async fn clear_second_factors(app: &TestApp) {
    for login in ["customer", "agent", "admin", "viewer"] {
        let id = app.user_id(login).await;
        let kinds = [TwoFactorKind::AuthenticatorApp, TwoFactorKind::RecoveryCodes];
        let audit = super::test_audit(app, roster_domain::AuditAction::TwoFactorRemoved);
        app.db().remove_two_factor(id, &kinds, false, None, &audit).await.unwrap();
    }
}
