//! The bulk-action part of `roster-bench search`: an admin deactivates every
//! agent of the seeded database (every tenth user: 100,000 of a million)
//! through the Users panel's server functions, chunk after chunk, while
//! another admin searches; then the users are made active again, so that a
//! kept database stays as it was seeded.

use crate::search::{timed, Latencies};
use roster_domain::{BulkPreview, BulkProgress, RoleId, UserSearch, UsersPage};
use roster_store::{Db, Pool};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the bench prints of a bulk action.
pub(crate) struct BulkFigures {
    pub lines: Vec<String>,
}

pub(crate) async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    base: &str,
    function: &str,
    body: serde_json::Value,
) -> Result<T, String> {
    let response = client.post(format!("{base}/api/{function}")).json(&body).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        let status = response.status();
        return Err(format!("{function} failed: {status} {}", response.text().await.unwrap_or_default()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// Searches `mix` over and over as `client` until `stop`, timing each.
async fn search_until(client: reqwest::Client, base: String, mix: Vec<UserSearch>, stop: Arc<AtomicBool>) -> Result<Vec<Duration>, String> {
    let mut samples = Vec::new();
    for search in mix.iter().cycle() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let request = client.post(format!("{base}/api/search_users")).json(&serde_json::json!({ "search": search }));
        let answer = timed(&mut samples, async { request.send().await?.error_for_status()?.json::<UsersPage>().await }).await;
        answer.map_err(|e| e.to_string())?;
    }
    Ok(samples)
}

/// Deactivates every agent as `admin`, while `other` searches `mix`; then
/// activates the ones it changed again, straight in the database.
pub(crate) async fn deactivate_every_agent(
    admin: &reqwest::Client,
    other: &reqwest::Client,
    base: &str,
    db: &Db,
    mix: &[UserSearch],
) -> Result<BulkFigures, String> {
    let mut lines = Vec::new();
    let mix: Vec<UserSearch> = mix.iter().take(100).cloned().collect();

    // Searches alone, the same ones, just before.
    let alone = {
        let stop = Arc::new(AtomicBool::new(false));
        let searching = tokio::spawn(search_until(other.clone(), base.to_owned(), mix.clone(), stop.clone()));
        tokio::time::sleep(Duration::from_secs(10)).await;
        stop.store(true, Ordering::Relaxed);
        Latencies::from(&searching.await.map_err(|e| e.to_string())??)
    };

    let agents = UserSearch { roles: vec![RoleId::AGENT], ..UserSearch::default() };
    let stop = Arc::new(AtomicBool::new(false));
    let searching = tokio::spawn(search_until(other.clone(), base.to_owned(), mix.clone(), stop.clone()));
    let started = Instant::now();
    let selection = serde_json::json!({ "AllMatches": agents });
    let preview: BulkPreview =
        post(admin, base, "preview_bulk_action", serde_json::json!({ "action": "Deactivate", "selection": selection })).await?;
    let previewed = started.elapsed();
    let mut chunks = Vec::new();
    let progress = loop {
        let body = serde_json::json!({ "run": preview.run, "confirmation": "" });
        let progress: BulkProgress = timed(&mut chunks, post(admin, base, "run_bulk_action", body)).await?;
        if progress.state.is_over() {
            break progress;
        }
    };
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let during = Latencies::from(&searching.await.map_err(|e| e.to_string())??);

    lines.push(format!(
        "bulk deactivate, every agent (HTTP)   {:>6.1} s   {} users: {} changed, {} already, {} refused",
        took.as_secs_f64(),
        progress.total,
        progress.changed,
        progress.already,
        progress.refused
    ));
    lines.push(format!("  of which the preview              {:>6.1} s", previewed.as_secs_f64()));
    lines.push(Latencies::from(&chunks).line("  one chunk of 500 (HTTP)"));
    lines.push(alone.line("  other admin's search, alone"));
    lines.push(during.line("  other admin's search, during"));
    lines.push(format!(
        "  during / alone                    p50 ×{:.1}   p95 ×{:.1}",
        during.percentile(0.5) / alone.percentile(0.5),
        during.percentile(0.95) / alone.percentile(0.95)
    ));

    // As seeded again: the changed users active.
    let restore = format!(
        "UPDATE users SET active = TRUE WHERE id IN \
         (SELECT user_id FROM bulk_run_users WHERE run_id = {} AND outcome = 'changed')",
        preview.run.0
    );
    match db.pool() {
        Pool::Sqlite(pool) => sqlx::query(&restore).execute(pool).await.map(|_| ()),
        Pool::Postgres(pool) => sqlx::query(&restore).execute(pool).await.map(|_| ()),
    }
    .map_err(|e| e.to_string())?;
    Ok(BulkFigures { lines })
}
