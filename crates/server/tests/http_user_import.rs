//! Import CSV over real HTTP, on both databases: the test run's report
//! (each problem under its column, nothing written), the import in chunks
//! with an audit event per user, an export that comes back unchanged,
//! files that cannot be read, a chunk the database refuses half-way, and
//! who may do any of it.

mod common;

use common::{apps, TestApp, ADMIN_PASSWORD, CUSTOMER_PASSWORD};
use roster_domain::{AuditAction, ImportReport, ImportRunState, RoleId};
use serde_json::json;
use std::time::Duration;

const BOUNDARY: &str = "roster-test-boundary-7d2f";

/// The import page's form, as a browser posts it.
fn form_body(file_name: &str, bytes: &[u8], update_existing: bool) -> Vec<u8> {
    let mut body = Vec::new();
    if update_existing {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"update_existing\"\r\n\r\non\r\n").as_bytes());
    }
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, browser: &reqwest::Client, bytes: &[u8], update_existing: bool) -> reqwest::Response {
    browser
        .post(app.url("/api/import_users"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(form_body("people.csv", bytes, update_existing))
        .send()
        .await
        .unwrap()
}

/// Tests a file; returns the import's number from where the answer sends the browser.
async fn tested(app: &TestApp, browser: &reqwest::Client, bytes: &[u8], update_existing: bool) -> i64 {
    let response = upload(app, browser, bytes, update_existing).await;
    assert_eq!(response.status(), 303, "{}: {}", app.db_name, response.text().await.unwrap());
    let to = response.headers()["location"].to_str().unwrap().to_owned();
    to.strip_prefix("/admin/users/import/").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("sent to {to}"))
}

async fn report(app: &TestApp, browser: &reqwest::Client, run: i64) -> ImportReport {
    let response = app.call_json(browser, "get_import_report", json!({ "run": run })).await;
    assert_eq!(response.status(), 200, "{}", app.db_name);
    response.json().await.unwrap()
}

async fn start(app: &TestApp, browser: &reqwest::Client, run: i64, password: &str) -> reqwest::Response {
    let run = run.to_string();
    browser.post(app.url("/api/import_users/run")).form(&[("run", run.as_str()), ("password", password)]).send().await.unwrap()
}

/// Waits until the import is over (finished or cancelled).
async fn settled(app: &TestApp, browser: &reqwest::Client, run: i64) -> ImportReport {
    for _ in 0..600 {
        let report = report(app, browser, run).await;
        if report.run.state != ImportRunState::Running {
            return report;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{}: the import never ended", app.db_name);
}

async fn user_count(app: &TestApp) -> i64 {
    app.db().count_users().await.unwrap()
}

async fn execute(app: &TestApp, sql: &str) {
    match app.db().pool() {
        roster_store::Pool::Sqlite(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()).unwrap(),
        roster_store::Pool::Postgres(pool) => sqlx::raw_sql(sql).execute(pool).await.map(|_| ()).unwrap(),
    }
}

async fn audit_details(app: &TestApp, action: AuditAction) -> Vec<String> {
    let events = app.db().recent_audit(10_000).await.unwrap();
    events.into_iter().filter(|e| e.action == action).map(|e| e.detail).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_run_puts_each_problem_under_its_column_and_writes_nobody() {
    for app in apps().await {
        app.add_user("taken.login", RoleId::CUSTOMER, "taken password 1").await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let before = user_count(&app).await;
        let file = "login;firstname;lastname;E-Mail;roles;VIP;id\n\
                    nina.new;Nina;Berg;nina@example.com;Agent;yes;17\n\
                    bad.mail;Bo;;not-an-email;;no;\n\
                    no.role;Rolf;;;Wizard;;\n\
                    nina.new;Again;;;;;\n\
                    taken.login;Tom;;;;;\n\
                    two words;Ann;;;;maybe;\n";
        let run = tested(&app, &admin, file.as_bytes(), false).await;
        let report = report(&app, &admin, run).await;
        assert_eq!(report.run.state, ImportRunState::Tested, "{}", app.db_name);
        let p = report.run.planned;
        assert_eq!((p.create, p.update, p.unchanged, p.invalid), (1, 0, 0, 5), "{}", app.db_name);
        assert_eq!(report.run.ignored_columns, ["id"]);
        let problems: Vec<(i64, String, String)> = report
            .rows
            .iter()
            .flat_map(|r| r.problems.iter().map(move |p| (r.line, p.column.clone(), p.message.clone())))
            .collect();
        let has = |line: i64, column: &str, words: &str| {
            problems.iter().any(|(l, c, m)| *l == line && c == column && m.contains(words))
        };
        assert!(has(3, "E-Mail", "email"), "{}: {problems:?}", app.db_name);
        assert!(has(4, "roles", "No role is named “Wizard”"), "{problems:?}");
        assert!(has(5, "login", "Line 2 has this login too"), "{problems:?}");
        assert!(has(6, "login", "Tick “Update existing users”"), "{problems:?}");
        assert!(has(7, "login", ""), "{problems:?}");
        assert!(has(7, "VIP", "Write yes or no"), "{problems:?}");
        assert_eq!(user_count(&app).await, before, "{}: a test run writes no user", app.db_name);

        // The page shows the same, each problem next to its column.
        let page = app.page(&admin, &format!("/admin/users/import/{run}")).await.text().await.unwrap();
        assert!(page.contains("Would create") && page.contains("No role is named “Wizard”"), "{}", app.db_name);
        assert!(page.contains("<td class=\"import-column\">roles<"), "{}: the column next to its problem", app.db_name);
        let tested_events = audit_details(&app, AuditAction::ImportTested).await;
        assert!(tested_events.iter().any(|d| d.contains(&format!("import={run};")) && d.contains("create=1")), "{tested_events:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_writes_the_rows_that_passed_a_chunk_at_a_time_each_audited() {
    for app in apps().await {
        app.add_user("old.friend", RoleId::CUSTOMER, "old friend password 1").await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut file = String::from("Login,First name,Last name,Email,Organization,Roles,Password,City\n");
        for i in 0..1_200 {
            file += &format!("bulk.{i:04},Bulk,Person {i},bulk.{i:04}@example.com,Import Labs,Customer,,\n");
        }
        file += "with.password,Pat,Word,,,\"Agent, Customer\",correct horse battery,Oslo\n";
        file += "old.friend,Old,Friend,,,,,Bergen\n";
        file += "broken,,,,,,,\n";
        let run = tested(&app, &admin, file.as_bytes(), true).await;
        let tested_report = report(&app, &admin, run).await;
        let p = tested_report.run.planned;
        assert_eq!((p.create, p.update, p.invalid), (1_201, 1, 1), "{}", app.db_name);
        assert!(!tested_report.run.needs_admin_mode, "{}: a fresh sign-in is in admin mode", app.db_name);

        let response = start(&app, &admin, run, "").await;
        assert_eq!(response.status(), 303, "{}", app.db_name);
        let done = settled(&app, &admin, run).await;
        assert_eq!(done.run.state, ImportRunState::Finished, "{}: {:?}", app.db_name, done.run);
        assert_eq!((done.run.created, done.run.updated, done.run.refused), (1_201, 1, 0), "{}", app.db_name);

        // Imported users are found, sign in with their password, and are audited one by one.
        let found = app.search(&admin, json!({ "text": "bulk.1199" })).await.text().await.unwrap();
        assert!(found.contains("bulk.1199@example.com"), "{}", app.db_name);
        app.signed_in("with.password", "correct horse battery").await;
        let friend = app.db().editable_user(app.user_id("old.friend").await).await.unwrap().unwrap();
        assert_eq!(friend.details.fields.city, "Bergen", "{}", app.db_name);
        let created = audit_details(&app, AuditAction::UserCreated).await;
        assert_eq!(created.iter().filter(|d| d.starts_with(&format!("import={run};"))).count(), 1_201, "{}", app.db_name);
        let updated = audit_details(&app, AuditAction::UserUpdated).await;
        assert!(updated.iter().any(|d| d.starts_with(&format!("import={run};")) && d.contains("fields=first_name,last_name,city")), "{updated:?}");
        let ended = audit_details(&app, AuditAction::ImportEnded).await;
        assert!(ended.iter().any(|d| d.contains("created=1201 updated=1 refused=0; finished")), "{ended:?}");

        // The password is in no report.
        let csv = admin.get(app.url(&format!("/api/import_report?run={run}"))).send().await.unwrap();
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.unwrap();
        assert!(csv.contains("bulk.0000") && csv.contains("Created") && !csv.contains("correct horse"), "{}", app.db_name);
        let page = app.page(&admin, &format!("/admin/users/import/{run}")).await.text().await.unwrap();
        assert!(page.contains("Imported") && !page.contains("correct horse"), "{}", app.db_name);
        // Started once: a second Import is refused.
        let again = start(&app, &admin, run, "").await;
        assert!(again.headers()["location"].to_str().unwrap().ends_with("notice=not-waiting"), "{}", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_comes_back_unchanged_and_an_edited_cell_comes_back_as_an_update() {
    for app in apps().await {
        let customer = app.user_id("customer").await;
        execute(&app, &format!("UPDATE users SET phone = '+49 30 1234', note = 'two\nlines, \"quoted\"' WHERE id = {}", customer.0)).await;
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let export = admin.get(app.url("/api/export_users")).send().await.unwrap().bytes().await.unwrap();
        let users = user_count(&app).await;

        let run = tested(&app, &admin, &export, false).await;
        let same = report(&app, &admin, run).await;
        assert_eq!(same.run.planned.unchanged, users, "{}: {:?}", app.db_name, same.rows);
        assert_eq!(same.run.ignored_columns, ["Locked", "Two-factor methods", "Last sign-in", "Created"]);

        // Semicolons, as a German spreadsheet saves it, and one edited cell.
        let text = String::from_utf8(export.to_vec()).unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
        for record in reader.records() {
            let mut record: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
            if record[0] == "customer" {
                let city = text.lines().next().unwrap().trim_start_matches('\u{feff}').split(',').position(|h| h == "City").unwrap();
                record[city] = "Köln".into();
            }
            writer.write_record(&record).unwrap();
        }
        let edited = writer.into_inner().unwrap();
        let run = tested(&app, &admin, &edited, true).await;
        let one = report(&app, &admin, run).await;
        assert_eq!((one.run.planned.update, one.run.planned.unchanged), (1, users - 1), "{}: {:?}", app.db_name, one.rows);
        assert_eq!(start(&app, &admin, run, "").await.status(), 303);
        assert_eq!(settled(&app, &admin, run).await.run.updated, 1, "{}", app.db_name);
        let after = app.db().editable_user(customer).await.unwrap().unwrap().details;
        assert_eq!((after.fields.city.as_str(), after.fields.phone.as_str()), ("Köln", "+49 30 1234"), "{}", app.db_name);
        assert_eq!(after.fields.note, "two\nlines, \"quoted\"", "{}", app.db_name);
        let updated = audit_details(&app, AuditAction::UserUpdated).await;
        assert!(updated.iter().any(|d| d == &format!("import={run}; fields=city")), "{updated:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_read_gets_a_clear_message_never_an_error_page() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let big = vec![b'x'; 50 * 1024 * 1024];
        let cases: [(&[u8], &str); 5] = [
            (b"Login,City\nann,K\xf6ln\n", "Line 2 is not UTF-8 text"),
            (b"Login,Note\nann,ok\nben,\"never closed\ncarl,x\n", "Line 3 opens a quoted value"),
            (b"Email,City\na@example.com,Oslo\n", "one of them must be Login"),
            (b"", "The file is empty"),
            (&big, "The file is 50 MB; Roster imports files up to 32 MB"),
        ];
        for (bytes, message) in cases {
            let run = tested(&app, &admin, bytes, false).await;
            let report = report(&app, &admin, run).await;
            assert_eq!(report.run.state, ImportRunState::Unreadable, "{}: {message}", app.db_name);
            assert!(report.run.problem.as_deref().unwrap_or_default().contains(message), "{}: {:?}", app.db_name, report.run.problem);
            let page = app.page(&admin, &format!("/admin/users/import/{run}")).await;
            assert_eq!(page.status(), 200);
            assert!(page.text().await.unwrap().contains("Test another file"));
            assert_eq!(start(&app, &admin, run, "").await.headers()["location"].to_str().unwrap(), format!("/admin/users/import/{run}?notice=not-waiting"));
        }
        // A post that is no upload at all.
        let response = admin.post(app.url("/api/import_users")).form(&[("file", "x")]).send().await.unwrap();
        assert_eq!(response.status(), 400, "{}", app.db_name);
        let response = admin
            .post(app.url("/api/import_users"))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .body(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nLogin\nann"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{}: an upload cut short", app.db_name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_the_database_refuses_writes_none_of_its_rows_and_cancel_stops_the_import() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let mut file = String::from("Login,First name\n");
        for i in 0..1_000 {
            file += &format!("chunk.{i:04},Chunk\n");
        }
        let run = tested(&app, &admin, file.as_bytes(), false).await;
        // The second chunk (rows 500–999) holds chunk.0700, which the database now refuses.
        let trigger = match app.db().pool() {
            roster_store::Pool::Sqlite(_) => "CREATE TRIGGER refuse_0700 BEFORE INSERT ON users WHEN NEW.login = 'chunk.0700' \
                 BEGIN SELECT RAISE(ABORT, 'refused by test'); END;"
                .to_owned(),
            roster_store::Pool::Postgres(_) => "CREATE FUNCTION refuse_0700() RETURNS trigger AS $$ BEGIN \
                 IF NEW.login = 'chunk.0700' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_0700 BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_0700();"
                .to_owned(),
        };
        execute(&app, &trigger).await;
        assert_eq!(start(&app, &admin, run, "").await.status(), 303);
        let mut stopped = report(&app, &admin, run).await;
        for _ in 0..200 {
            if stopped.run.created == 500 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            stopped = report(&app, &admin, run).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let stopped = report(&app, &admin, run).await;
        assert_eq!((stopped.run.state, stopped.run.created), (ImportRunState::Running, 500), "{}", app.db_name);
        assert!(app.db().credentials("chunk.0499").await.unwrap().is_some(), "{}: the first chunk landed", app.db_name);
        assert!(app.db().credentials("chunk.0500").await.unwrap().is_none(), "{}: the second landed not at all", app.db_name);

        // Stopped, it is offered to go on once it has stalled; Cancel ends it.
        app.clock.advance(61);
        assert!(report(&app, &admin, run).await.run.stalled, "{}", app.db_name);
        let cancel = admin.post(app.url("/api/import_users/cancel")).form(&[("run", run.to_string())]).send().await.unwrap();
        assert_eq!(cancel.status(), 303, "{}", app.db_name);
        let cancelled = report(&app, &admin, run).await;
        assert_eq!((cancelled.run.state, cancelled.run.created), (ImportRunState::Cancelled, 500), "{}", app.db_name);
        let ended = audit_details(&app, AuditAction::ImportEnded).await;
        assert!(ended.iter().any(|d| d.contains(&format!("import={run};")) && d.ends_with("cancelled")), "{ended:?}");
        assert_eq!(audit_details(&app, AuditAction::UserCreated).await.iter().filter(|d| d.starts_with(&format!("import={run};"))).count(), 500);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_and_admin_roles_need_admin_mode_to_import() {
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let file = "Login,First name,Roles,Password\nnew.admin,Ada,Admin,\nnew.pass,Pat,,a good long password\n";
        let run = tested(&app, &admin, file.as_bytes(), false).await;
        // Long after the sign-in, admin mode has lapsed.
        app.clock.advance(24 * 60 * 60);
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        app.clock.advance(60 * 60);
        assert!(report(&app, &admin, run).await.run.needs_admin_mode, "{}", app.db_name);
        let page = app.page(&admin, &format!("/admin/users/import/{run}")).await.text().await.unwrap();
        assert!(page.contains("Your password"), "{}: the page asks for it", app.db_name);
        let asked = start(&app, &admin, run, "").await;
        assert!(asked.headers()["location"].to_str().unwrap().ends_with("notice=confirm"), "{}", app.db_name);
        let wrong = start(&app, &admin, run, "not my password").await;
        assert!(wrong.headers()["location"].to_str().unwrap().ends_with("notice=wrong-password"), "{}", app.db_name);
        assert_eq!(start(&app, &admin, run, ADMIN_PASSWORD).await.headers()["location"], format!("/admin/users/import/{run}").as_str());
        let done = settled(&app, &admin, run).await;
        assert_eq!(done.run.created, 2, "{}", app.db_name);
        app.signed_in("new.pass", "a good long password").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_admin_who_tested_a_file_may_see_or_import_it() {
    for app in apps().await {
        let file = b"Login,First name\nann.other,Ann\n";
        let anonymous = app.browser();
        assert_eq!(upload(&app, &anonymous, file, false).await.status(), 401, "{}", app.db_name);
        let customer = app.signed_in("customer", CUSTOMER_PASSWORD).await;
        assert_eq!(upload(&app, &customer, file, false).await.status(), 403, "{}", app.db_name);

        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let run = tested(&app, &admin, file, false).await;
        app.add_user("second.admin", RoleId::ADMIN, "second admin password").await;
        let other = app.signed_in("second.admin", "second admin password").await;
        let run_text = run.to_string();
        let not_found = [
            app.call_json(&other, "get_import_report", json!({ "run": run })).await,
            start(&app, &other, run, "").await,
            other.post(app.url("/api/import_users/cancel")).form(&[("run", run_text.as_str())]).send().await.unwrap(),
            other.get(app.url(&format!("/api/import_report?run={run}"))).send().await.unwrap(),
        ];
        for response in not_found {
            assert_eq!(response.status(), 404, "{}: {}", app.db_name, response.url());
        }
        for (who, browser, status) in [("nobody", &anonymous, 401), ("a customer", &customer, 403)] {
            assert_eq!(start(&app, browser, run, "").await.status(), status, "{}: {who}", app.db_name);
            let csv = browser.get(app.url(&format!("/api/import_report?run={run}"))).send().await.unwrap();
            assert_eq!(csv.status(), status, "{}: {who}", app.db_name);
        }
        assert_eq!(report(&app, &admin, run).await.run.planned.create, 1);
        // A page on another site that posts a file with the admin's cookie.
        let forged = admin
            .post(app.url("/api/import_users"))
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
            .header("sec-fetch-site", "cross-site")
            .body(form_body("x.csv", file, false))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{}", app.db_name);
        let own = start(&app, &admin, run, "").await;
        assert_eq!(own.status(), 303, "{}: the admin's own post goes through", app.db_name);
        assert_eq!(settled(&app, &admin, run).await.run.created, 1, "{}", app.db_name);
    }
}

/// Files as people and programs make them, broken in every way: CSV-ish
/// text with stray quotes, separators and line ends, odd headers, bytes that
/// are no text at all. Each is tested and gets its page (a report, or the
/// reason it cannot be read): never a 5xx, never a user written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_file_gets_a_report_or_a_reason_never_an_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let piece = prop_oneof![
        Just("Login".to_owned()),
        Just("Email".to_owned()),
        Just("firstname".to_owned()),
        Just("Roles".to_owned()),
        Just("Password".to_owned()),
        Just("VIP".to_owned()),
        Just("\"".to_owned()),
        Just("\"\"".to_owned()),
        Just(",".to_owned()),
        Just(";".to_owned()),
        Just("\t".to_owned()),
        Just("\r\n".to_owned()),
        Just("\n".to_owned()),
        Just("'=1+1".to_owned()),
        Just("Admin".to_owned()),
        Just("ann@example.com".to_owned()),
        "[a-zäöüß.@-]{0,12}",
        any::<String>(),
    ];
    let text = prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat().into_bytes());
    let file = prop_oneof![4 => text, 1 => prop::collection::vec(any::<u8>(), 0..400)];
    for app in apps().await {
        let admin = app.signed_in("admin", ADMIN_PASSWORD).await;
        let before = user_count(&app).await;
        let runtime = tokio::runtime::Handle::current();
        let mut runner = TestRunner::new(Config { cases: 60, failure_persistence: None, ..Config::default() });
        let result = runner.run(&(file.clone(), any::<bool>()), |(bytes, update_existing)| {
            tokio::task::block_in_place(|| {
                runtime.block_on(async {
                    let response = upload(&app, &admin, &bytes, update_existing).await;
                    let status = response.status().as_u16();
                    prop_assert_eq!(status, 303, "{}", response.text().await.unwrap_or_default());
                    let to = response.headers()["location"].to_str().unwrap().to_owned();
                    let run: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
                    let page = app.page(&admin, &format!("/admin/users/import/{run}")).await;
                    prop_assert_eq!(page.status().as_u16(), 200);
                    let report = report(&app, &admin, run).await;
                    let readable = report.run.state == ImportRunState::Tested;
                    prop_assert!(readable || report.run.problem.is_some(), "{:?}", report.run);
                    Ok::<(), TestCaseError>(())
                })
            })
        });
        assert!(result.is_ok(), "{}: {result:?}", app.db_name);
        assert_eq!(user_count(&app).await, before, "{}: test runs write no user", app.db_name);
    }
}
