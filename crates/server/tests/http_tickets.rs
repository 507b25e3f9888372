//! Tickets over HTTP, on every available engine: what customers, agents
//! and custom roles may see and do is checked by every server function.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{
    AppError, AuditAction, Login, Password, Permission, RoleDraft, RoleId, TicketView, TicketsPage, UserFields,
};
use roster_service::PasswordHasher;
use roster_store::{NewUser, Profile};
use serde_json::json;

const OTHER_PASSWORD: &str = "another password 1";

async fn add_user(app: &TestApp, login: &str, roles: Vec<RoleId>) {
    let hash = PasswordHasher::owasp().hash(&Password::parse(OTHER_PASSWORD).unwrap()).await.unwrap();
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: login.into(), last_name: "Example".into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: Some(hash),
        roles,
    };
    app.db().insert_user(&user, app.clock.now()).await.unwrap();
}

async fn open(app: &TestApp, browser: &reqwest::Client, title: &str) -> i64 {
    let response = app.call_json(browser, "open_ticket", json!({ "title": title, "body": "It broke." })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn ticket(app: &TestApp, browser: &reqwest::Client, number: i64) -> reqwest::Response {
    app.call_json(browser, "get_ticket", json!({ "number": number })).await
}

async fn reply(app: &TestApp, browser: &reqwest::Client, number: i64, body: &str) -> reqwest::Response {
    app.call_json(browser, "reply_to_ticket", json!({ "number": number, "body": body })).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_see_and_answer_only_their_own_tickets() {
    for app in apps().await {
        add_user(&app, "other_customer", vec![RoleId::CUSTOMER]).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let other = app.signed_in("other_customer", OTHER_PASSWORD).await;
        let mine = open(&app, &customer, "Printer on fire").await;
        let theirs = open(&app, &other, "VPN drops").await;

        let list: TicketsPage =
            app.call_json(&customer, "list_tickets", json!({ "before": null })).await.json().await.unwrap();
        let numbers: Vec<i64> = list.tickets.iter().map(|t| t.number).collect();
        assert_eq!(numbers, [mine], "{}: only their own", app.db_name);

        // Another customer's ticket by number is "not found", as if it did not exist.
        let peek = ticket(&app, &customer, theirs).await;
        assert_eq!(peek.status(), 404, "{}", app.db_name);
        assert_eq!(peek.json::<AppError>().await.unwrap(), AppError::NotFound);
        assert_eq!(ticket(&app, &customer, 999_999).await.status(), 404, "{}", app.db_name);
        assert_eq!(reply(&app, &customer, theirs, "Me too").await.status(), 404, "{}", app.db_name);
        let time = app.call_json(&customer, "log_ticket_time", json!({ "number": mine, "hours": "1" })).await;
        assert_eq!(time.status(), 403, "{}: customers log no time", app.db_name);
        let state = app.call_json(&customer, "change_ticket_state", json!({ "number": mine, "state": "Closed" })).await;
        assert_eq!(state.status(), 403, "{}", app.db_name);

        assert_eq!(reply(&app, &customer, mine, "  Still burning  ").await.status(), 200, "{}", app.db_name);
        let view: TicketView = ticket(&app, &customer, mine).await.json().await.unwrap();
        let bodies: Vec<&str> = view.articles.iter().map(|a| a.body.as_str()).collect();
        assert_eq!(bodies, ["It broke.", "Still burning"], "{}", app.db_name);
        assert!(view.can_reply && !view.can_log_time && !view.can_change_state, "{}", app.db_name);

        let blank = reply(&app, &customer, mine, "   ").await;
        assert_eq!(blank.status(), 400, "{}", app.db_name);
        assert_eq!(blank.json::<AppError>().await.unwrap().message_for("body"), Some("Write a reply first."));
        let untitled = app.call_json(&customer, "open_ticket", json!({ "title": " ", "body": "" })).await;
        let fields: Vec<String> =
            untitled.json::<AppError>().await.unwrap().fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["title", "body"], "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_work_on_every_ticket_and_everything_is_audited() {
    for app in apps().await {
        add_user(&app, "agent", vec![RoleId::AGENT]).await;
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let number = open(&app, &customer, "Printer on fire").await;
        let agent = app.signed_in("agent", OTHER_PASSWORD).await;

        let list: TicketsPage = app.call_json(&agent, "list_tickets", json!({ "before": null })).await.json().await.unwrap();
        assert_eq!(list.tickets[0].number, number, "{}", app.db_name);
        assert_eq!(reply(&app, &agent, number, "On my way").await.status(), 200, "{}", app.db_name);
        let time = app.call_json(&agent, "log_ticket_time", json!({ "number": number, "hours": "1:30" })).await;
        assert_eq!(time.status(), 200, "{}", app.db_name);
        let bad = app.call_json(&agent, "log_ticket_time", json!({ "number": number, "hours": "lots" })).await;
        assert_eq!(bad.json::<AppError>().await.unwrap().fields()[0].field, "hours", "{}", app.db_name);
        let state = app.call_json(&agent, "change_ticket_state", json!({ "number": number, "state": "Pending" })).await;
        assert_eq!(state.status(), 200, "{}", app.db_name);

        let view: TicketView = ticket(&app, &agent, number).await.json().await.unwrap();
        assert_eq!(view.articles[1].author, "agent Example", "{}", app.db_name);
        assert_eq!(view.total_hours().to_string(), "1.5 h", "{}", app.db_name);

        // The ticket's page, which its forms fetch after a save to redraw the
        // record: the record holds the reply, the hours and the new state,
        // and the forms stay outside it.
        let page = app.page(&agent, &format!("/tickets/{number}")).await.text().await.unwrap();
        let record_start = page.find(r#"id="ticket-record""#).expect("the page has the ticket's record");
        let after_record = &page[record_start..];
        let record = &after_record[..after_record.find("<leptos-island").expect("the forms' island follows")];
        for shown in ["On my way", "Time logged: ", "1.5 h", "Pending"] {
            assert!(record.contains(shown), "{}: the record shows {shown:?}", app.db_name);
        }
        assert!(!record.contains("Send reply"), "{}: the forms are not in the record", app.db_name);
        assert_eq!(view.state, roster_domain::TicketState::Pending, "{}", app.db_name);
        assert!(view.can_reply && view.can_log_time && view.can_change_state, "{}", app.db_name);
        let customer_view: TicketView = ticket(&app, &customer, number).await.json().await.unwrap();
        assert!(customer_view.time_entries.is_empty(), "{}: hours are the agents' business", app.db_name);

        let audit = app.db().recent_audit(10).await.unwrap();
        let agent_id = app.user_id("agent").await;
        let customer_id = app.user_id("customer").await;
        for (action, detail) in [
            (AuditAction::TicketReplied, format!("ticket=#{number}")),
            (AuditAction::TicketTimeLogged, format!("ticket=#{number} hours=1.5")),
            (AuditAction::TicketStateChanged, format!("ticket=#{number} from=new to=pending")),
        ] {
            let event = audit.iter().find(|e| e.action == action).unwrap_or_else(|| panic!("{action:?} audited"));
            assert_eq!((event.actor_id, event.target_user_id), (Some(agent_id), Some(customer_id)), "{}", app.db_name);
            assert_eq!(event.detail, detail, "{}", app.db_name);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_role_that_may_read_but_not_reply_is_refused_a_reply() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let draft = RoleDraft { name: "Read-only agent".into(), permissions: vec![Permission::TicketRead, Permission::TicketLogTime] };
        let saved = app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": draft })).await;
        assert_eq!(saved.status(), 200, "{}", app.db_name);
        let role = app.db().roles().await.unwrap().into_iter().find(|r| r.name == "Read-only agent").unwrap();
        add_user(&app, "reader", vec![role.id]).await;

        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let number = open(&app, &customer, "Printer on fire").await;
        let reader = app.signed_in("reader", OTHER_PASSWORD).await;
        let view: TicketView = ticket(&app, &reader, number).await.json().await.unwrap();
        assert!(!view.can_reply && view.can_log_time && !view.can_change_state, "{}", app.db_name);
        let refused = reply(&app, &reader, number, "Let me answer anyway").await;
        assert_eq!(refused.status(), 403, "{}", app.db_name);
        assert_eq!(refused.json::<AppError>().await.unwrap(), AppError::Forbidden);
        let state = app.call_json(&reader, "change_ticket_state", json!({ "number": number, "state": "Closed" })).await;
        assert_eq!(state.status(), 403, "{}", app.db_name);
        let opened = app.call_json(&reader, "open_ticket", json!({ "title": "Mine", "body": "Hi" })).await;
        assert_eq!(opened.status(), 403, "{}: not a customer", app.db_name);
        let after: TicketView = ticket(&app, &customer, number).await.json().await.unwrap();
        assert_eq!(after.articles.len(), 1, "{}: nothing was added", app.db_name);

        // Granting the reply permission takes effect on the reader's next request.
        let definition = app.db().role_definitions().await.unwrap().into_iter().find(|d| d.role.id == role.id).unwrap();
        let replier = RoleDraft { name: "Read-only agent".into(), permissions: vec![Permission::TicketRead, Permission::TicketReply] };
        let edited = app
            .call_json(&admin, "save_role", json!({ "id": role.id, "version": definition.version, "draft": replier }))
            .await;
        assert_eq!(edited.status(), 200, "{}", app.db_name);
        assert_eq!(reply(&app, &reader, number, "Now I may").await.status(), 200, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_callers_and_roles_without_ticket_permissions_get_nothing() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let number = open(&app, &customer, "Printer on fire").await;
        let stranger = app.browser();
        assert_eq!(ticket(&app, &stranger, number).await.status(), 401, "{}", app.db_name);
        assert_eq!(reply(&app, &stranger, number, "Hello").await.status(), 401, "{}", app.db_name);
        let list = app.call_json(&stranger, "list_tickets", json!({ "before": null })).await;
        assert_eq!(list.status(), 401, "{}", app.db_name);

        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let draft = RoleDraft { name: "Auditor".into(), permissions: vec![Permission::AdminUser] };
        app.call_json(&admin, "save_role", json!({ "id": null, "version": 0, "draft": draft })).await;
        let role = app.db().roles().await.unwrap().into_iter().find(|r| r.name == "Auditor").unwrap();
        add_user(&app, "auditor", vec![role.id]).await;
        let auditor = app.signed_in("auditor", OTHER_PASSWORD).await;
        assert_eq!(ticket(&app, &auditor, number).await.status(), 403, "{}", app.db_name);
    }
}

/// A browser asks for every page with `Accept: text/html`. The server
/// functions a page calls while it renders keep their error status there:
/// only a form post that asks for a page is answered by a redirect instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_tickets_page_is_a_404_for_a_browser_too() {
    for app in apps().await {
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let page = app.page(&customer, "/tickets/999999").await;
        assert_eq!(page.status(), 404, "{}", app.db_name);
        assert!(page.text().await.unwrap().contains("Ticket not found"), "{}", app.db_name);
    }
}
