//! Export CSV over real HTTP: who may export, that a view's file holds
//! exactly the users its search finds (all pages, in its order), what each
//! row says, and that every export is audited with its count.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AuditAction, UsersPage};
use serde_json::json;

/// Follows the Export CSV link of `view` (the panel's address fields).
async fn export(app: &TestApp, browser: &reqwest::Client, view: &[(&str, &str)]) -> reqwest::Response {
    browser.get(app.url("/api/export_users")).query(view).send().await.unwrap()
}

/// The file's rows (header first), read as a spreadsheet would.
fn rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("the file starts with UTF-8's byte order mark");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// Every login the Users panel lists for `search`, page after page.
async fn listed_logins(app: &TestApp, browser: &reqwest::Client, mut search: serde_json::Value) -> Vec<String> {
    let mut logins = Vec::new();
    loop {
        let page: UsersPage = app.search(browser, search.clone()).await.json().await.unwrap();
        logins.extend(page.rows.into_iter().map(|r| r.login));
        match page.next {
            Some(next) => search["after"] = json!(next),
            None => return logins,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_may_export_and_never_from_another_site() {
    for app in apps().await {
        let anonymous = app.browser();
        let response = export(&app, &anonymous, &[]).await;
        assert_eq!(response.status(), 401, "{}", app.db_name);
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        let response = export(&app, &customer, &[("q", "admin")]).await;
        assert_eq!(response.status(), 403, "{}", app.db_name);
        assert!(!response.text().await.unwrap().contains("admin@"), "{}: nothing of the users", app.db_name);
        // An agent works on tickets; managing users is not theirs either.
        app.add_user("agent.ann", roster_domain::RoleId::AGENT, "agent password 1").await;
        let agent = app.signed_in("agent.ann", "agent password 1").await;
        assert_eq!(export(&app, &agent, &[]).await.status(), 403, "{}", app.db_name);

        // A page on another site that sends an admin's browser to the link
        // (their cookie rides along on a top-level navigation).
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let forged = admin
            .get(app.url("/api/export_users?q=a"))
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "navigate")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{}", app.db_name);
        assert_eq!(forged.json::<roster_domain::AppError>().await.unwrap(), roster_domain::AppError::Forbidden);
        let exported = app.db().recent_audit(50).await.unwrap();
        assert!(exported.iter().all(|e| e.action != AuditAction::UsersExported), "{}: nothing was exported", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_exactly_the_users_of_the_view_in_its_order_and_is_audited() {
    for app in apps().await {
        // More users than one step of the export reads (1,000).
        app.roster().seed_demo(1_300, false).await.unwrap();
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let views: [(&[(&str, &str)], serde_json::Value); 3] = [
            (&[("sort", "name")], json!({ "sort": "Name" })),
            (&[("q", "schmidt"), ("roles", "customer"), ("sort", "login")], json!({ "text": "schmidt", "roles": [3], "sort": "Login" })),
            (&[("q", "zzqxj")], json!({ "text": "zzqxj" })),
        ];
        let mut audited = Vec::new();
        for (form, search) in views {
            let response = export(&app, &admin, form).await;
            assert_eq!(response.status(), 200, "{}: {form:?}", app.db_name);
            assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
            let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
            assert!(disposition.starts_with("attachment; filename=\"users-"), "{disposition}");
            let rows = rows_of(&response.bytes().await.unwrap());
            assert_eq!(rows[0], roster_service::export_header(), "{}: the header row", app.db_name);
            let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
            let listed = listed_logins(&app, &admin, search).await;
            assert_eq!(exported, listed, "{}: {form:?}", app.db_name);
            assert!(rows[1..].iter().all(|r| r.len() == rows[0].len()), "{}: every row is whole", app.db_name);
            let view: Vec<String> = form.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let n = roster_domain::group_thousands(exported.len() as i64);
            audited.push(format!("{n} users; view: /admin/users?{}", view.join("&")));
        }
        assert!(audited[0].starts_with("1,3"), "{}: every user, past one step of the export: {}", app.db_name, audited[0]);
        let audit = app.db().recent_audit(20).await.unwrap();
        let mut exports: Vec<String> =
            audit.iter().filter(|e| e.action == AuditAction::UsersExported).map(|e| e.detail.clone()).collect();
        exports.reverse();
        assert_eq!(exports, audited, "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_row_says_what_the_dialog_shows_and_no_cell_starts_a_formula() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let details = json!({
            "login": "grete.ünal",
            "email": "grete@example.com",
            "first_name": "=HYPERLINK(\"http://evil.example\",\"Click\")",
            "last_name": "Ünal, \"Gigi\"",
            "phone": "+49 30 1234",
            "note": "two\nlines",
            "organization": "Nordwind Logistics",
            "secondary_organizations": ["Acme", "Beta Corp"],
            "vip": true,
            "roles": [2, 3],
        });
        let created = app.call_json(&admin, "create_user", json!({ "details": details })).await;
        assert_eq!(created.status(), 200, "{}: {}", app.db_name, created.text().await.unwrap());
        let rows = rows_of(&export(&app, &admin, &[("q", "grete")]).await.bytes().await.unwrap());
        assert_eq!(rows.len(), 2, "{}: the header and Grete", app.db_name);
        let cell = |name: &str| {
            let column = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("a column {name}"));
            rows[1][column].clone()
        };
        assert_eq!(cell("Login"), "grete.ünal");
        assert_eq!(cell("Email"), "grete@example.com");
        assert_eq!(cell("First name"), "'=HYPERLINK(\"http://evil.example\",\"Click\")");
        assert_eq!(cell("Last name"), "Ünal, \"Gigi\"");
        assert_eq!(cell("Phone"), "'+49 30 1234");
        assert_eq!(cell("Note"), "two\nlines");
        assert_eq!(cell("Organization"), "Nordwind Logistics");
        assert_eq!(cell("Secondary organizations"), "Acme, Beta Corp");
        assert_eq!(cell("VIP"), "yes");
        assert_eq!(cell("Active"), "yes");
        assert_eq!(cell("Roles"), "Agent, Customer");
        assert_eq!(cell("Locked"), "no");
        assert_eq!(cell("Two-factor methods"), "");
        assert_eq!(cell("Last sign-in"), "");
        assert!(cell("Created").ends_with(" UTC"), "{}", cell("Created"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_views_get_a_file_or_a_clear_refusal_never_a_server_error() {
    const ODD: &[&str] = &[
        "", " ", "\0", "%", "%00", "_", "\\", "'", "' OR 1=1 --", "<script>", "9223372036854775808", "-1", "é", "😀",
        "\u{202e}", "\u{feff}", "\r\n", "a,b,,c", "admin,admin", "x:y", "99999999999999999999:zz",
    ];
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let long = "x".repeat(roster_domain::MAX_SEARCH_CHARS + 1);
        for field in ["q", "roles", "only", "sort", "after", "other"] {
            for value in ODD.iter().copied().chain([long.as_str()]) {
                let response = export(&app, &admin, &[(field, value)]).await;
                let status = response.status().as_u16();
                let body = response.bytes().await.unwrap();
                match status {
                    200 => assert!(body.starts_with(b"\xEF\xBB\xBFLogin,"), "{}: {field}={value:?}", app.db_name),
                    400..=499 => {
                        let error: roster_domain::AppError = serde_json::from_slice(&body)
                            .unwrap_or_else(|_| panic!("{}: {field}={value:?}: {status} {body:?}", app.db_name));
                        assert!(!error.to_string().is_empty());
                    }
                    _ => panic!("{}: {field}={value:?}: {status} {body:?}", app.db_name),
                }
            }
        }
        // Addresses no link of Roster's has: broken escapes, bytes that are no
        // UTF-8, a field given twice, one far longer than any view.
        let long = format!("q={}", "%C3%BC".repeat(5_000));
        for query in ["q=%ZZ", "q=%FF%FE", "q=%00", "roles=admin&roles=agent", "&&&=", "q", long.as_str()] {
            let response = admin.get(app.url(&format!("/api/export_users?{query}"))).send().await.unwrap();
            assert!(matches!(response.status().as_u16(), 200 | 400..=499), "{}: {query}: {}", app.db_name, response.status());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panels_link_exports_the_view_of_the_address_it_was_followed_from() {
    for app in apps().await {
        app.roster().seed_demo(300, false).await.unwrap();
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let from_panel = |referer: Option<String>| {
            let request = admin.get(app.url("/api/export_users?from=panel")).header("sec-fetch-site", "same-origin");
            match referer {
                Some(referer) => request.header("referer", referer),
                None => request,
            }
            .send()
        };
        let view = [("q", "schmidt"), ("roles", "customer"), ("sort", "login")];
        let given = rows_of(&export(&app, &admin, &view).await.bytes().await.unwrap());
        assert!(given.len() > 2, "{}: some customers named Schmidt", app.db_name);
        let panel = app.url("/admin/users?q=schmidt&roles=customer&sort=login#list");
        let linked = from_panel(Some(panel)).await.unwrap();
        assert_eq!(linked.status(), 200, "{}", app.db_name);
        assert_eq!(rows_of(&linked.bytes().await.unwrap()), given, "{}: the same file as with the view given", app.db_name);

        // No address to read the view from, or one that is no view: refused,
        // never widened to every user.
        for referer in [None, Some(app.url("/admin/roles?q=schmidt")), Some("not an address".to_owned())] {
            let response = from_panel(referer.clone()).await.unwrap();
            assert_eq!(response.status(), 400, "{}: {referer:?}", app.db_name);
            let error: roster_domain::AppError = response.json().await.unwrap();
            assert!(error.to_string().contains("did not say which view"), "{}: {error}", app.db_name);
        }
    }
}
