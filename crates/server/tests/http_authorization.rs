//! Who may call what: every registered server function, called over HTTP by
//! each kind of caller, against the table in `common/server_functions.rs`.
//! A server function that is registered but missing from the table fails
//! the test, so a new endpoint cannot ship without deciding who may call it.

mod common;

use common::apps_with;
use common::server_functions::*;
use roster_service::Settings;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_answers_only_the_callers_the_table_allows() {
    for app in apps_with(Settings { sign_in_attempts_per_minute: 0, ..Settings::default() }).await {
        let rows = table(&Fixture::arrange(&app).await);
        assert_rows_cover_every_server_function(&rows);

        let mut wrong = Vec::new();
        for row in &rows {
            for &caller in EVERYONE {
                let browser = browser_of(&app, caller).await;
                let response = send(&app, &browser, row.function, &row.body).await;
                let status = response.status().as_u16();
                let allowed = row.allowed.contains(&caller);
                let refused_as = row.refusal.unwrap_or(if caller == Nobody { 401 } else { 403 });
                let as_expected = if allowed { status != 401 && status != 403 && status < 500 } else { status == refused_as };
                clear_second_factors(&app).await;
                if !as_expected {
                    let body = response.text().await.unwrap_or_default();
                    let expected = if allowed { "allowed".to_owned() } else { refused_as.to_string() };
                    wrong.push(format!("{} as {caller:?}: {status} (expected {expected}) {body}", row.function));
                }
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", app.db_name, wrong.join("\n"));
    }
}
