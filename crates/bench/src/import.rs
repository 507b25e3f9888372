//! The Import CSV part of `roster-bench search`: an admin tests a file of
//! 100,000 new users (`--import-rows`) through the import page's upload,
//! imports it and follows its progress as the page does, until it is done;
//! then the same with every user's city changed (100,000 updates). The
//! users are then deleted again with a bulk Delete, so that a kept database
//! stays as it was seeded.

use crate::bulk::post;
use roster_domain::{BulkPreview, BulkProgress, ImportReport, ImportRunState, UserSearch};
use std::time::{Duration, Instant};

const BOUNDARY: &str = "roster-bench-boundary";

/// Names with the letters people type: umlauts, ß, accents, Cyrillic, CJK.
const FIRST_NAMES: [&str; 10] = ["Jürgen", "Zoë", "Łukasz", "Søren", "Ольга", "美咲", "José", "Anne-Marie", "Grete", "Ömer"];
const LAST_NAMES: [&str; 10] = ["Weiß", "Brontë", "Nowak", "Ødegaard", "Смирнова", "佐藤", "Núñez", "O'Brien", "Strauß", "Yılmaz"];

/// A file of `rows` new users, as Export CSV writes its columns, with
/// logins that start with `prefix`.
fn bench_file(prefix: &str, rows: usize, city: &str) -> Vec<u8> {
    let mut file = String::from("Login,Email,Organization,First name,Last name,Phone,City,Roles\r\n");
    for i in 0..rows {
        let (first, last) = (FIRST_NAMES[i % 10], LAST_NAMES[(i / 10) % 10]);
        let role = if i % 10 == 0 { "Agent" } else { "Customer" };
        file += &format!(
            "{prefix}{i:06},{prefix}{i:06}@example.com,Import Org {},{first},{last},+49 30 {i:07},{city},{role}\r\n",
            i % 200
        );
    }
    file.into_bytes()
}

fn form(file: &[u8], update_existing: bool) -> Vec<u8> {
    let mut body = Vec::new();
    if update_existing {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"update_existing\"\r\n\r\non\r\n").as_bytes());
    }
    body.extend(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn report(admin: &reqwest::Client, base: &str, run: i64) -> Result<ImportReport, String> {
    post(admin, base, "get_import_report", serde_json::json!({ "run": run })).await
}

/// What testing and importing one file took.
struct Imported {
    tested: Duration,
    imported: Duration,
    report: ImportReport,
}

/// Tests `file` as `admin` (updating existing users or not), then imports
/// it and follows its progress as the page does, until it is done.
async fn test_and_import(admin: &reqwest::Client, base: &str, file: &[u8], update_existing: bool) -> Result<Imported, String> {
    let started = Instant::now();
    let answer = admin
        .post(format!("{base}/api/import_users"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(form(file, update_existing))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let to = answer.url().path().to_owned();
    let run: i64 = to
        .strip_prefix("/admin/users/import/")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("the test run answered {} at {to}", answer.status()))?;
    let tested = started.elapsed();

    let started = Instant::now();
    let answer = admin.post(format!("{base}/api/import_users/run")).form(&[("run", run.to_string())]).send().await;
    answer.map_err(|e| e.to_string())?.error_for_status().map_err(|e| e.to_string())?;
    let report = loop {
        let now = report(admin, base, run).await?;
        if now.run.state != ImportRunState::Running {
            break now;
        }
        if now.run.stalled {
            return Err("the import stopped; see the server's log".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    Ok(Imported { tested, imported: started.elapsed(), report })
}

/// Tests and imports `rows` new users as `admin`, then the same file with
/// every city changed (an update of each); returns the lines to print.
pub(crate) async fn import_new_users(admin: &reqwest::Client, base: &str, rows: usize) -> Result<Vec<String>, String> {
    let prefix = format!("import-bench-{}-", rand::random::<u32>());
    let mut lines = Vec::new();
    for (what, city, update_existing) in [("new users", "Köln", false), ("every city changed", "Zürich", true)] {
        let file = bench_file(&prefix, rows, city);
        let done = test_and_import(admin, base, &file, update_existing).await?;
        let (planned, run) = (done.report.run.planned, &done.report.run);
        lines.push(format!(
            "import CSV, {what}: test run (HTTP) {:>6.1} s   {} rows, {:.1} MB: {} create, {} update, {} invalid",
            done.tested.as_secs_f64(),
            planned.total(),
            file.len() as f64 / 1e6,
            planned.create,
            planned.update,
            planned.invalid
        ));
        lines.push(format!(
            "import CSV, {what}: import (HTTP)   {:>6.1} s   {} created, {} updated, {} refused ({:.0} rows a second)",
            done.imported.as_secs_f64(),
            run.created,
            run.updated,
            run.refused,
            (run.created + run.updated) as f64 / done.imported.as_secs_f64()
        ));
    }

    // As seeded again: the imported users deleted, with a bulk Delete.
    let started = Instant::now();
    let selection = serde_json::json!({ "AllMatches": UserSearch { text: prefix.clone(), ..UserSearch::default() } });
    let preview: BulkPreview =
        post(admin, base, "preview_bulk_action", serde_json::json!({ "action": "Delete", "selection": selection })).await?;
    let deleted = loop {
        let body = serde_json::json!({ "run": preview.run, "confirmation": "DELETE" });
        let progress: BulkProgress = post(admin, base, "run_bulk_action", body).await?;
        if progress.state.is_over() {
            break progress.changed;
        }
    };
    let deleting = started.elapsed();

    lines.push(format!("bulk delete of the imported users     {:>6.1} s   {deleted} deleted", deleting.as_secs_f64()));
    Ok(lines)
}
