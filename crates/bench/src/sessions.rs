//! The Sessions part of `roster-bench search`: Edit User → Sessions for a
//! user with 1,000 open sessions (as a script that signs in over and over
//! would leave), listed through the server function over HTTP; then the
//! sessions are ended again with Sign out everywhere.

use crate::bulk::post;
use crate::search::{timed, Latencies};
use roster_domain::{Timestamp, UserId, UserSession};
use roster_store::{Db, SessionClient};

const SESSIONS: usize = 1_000;
const LISTINGS: usize = 50;

pub(crate) async fn list_many_sessions(admin: &reqwest::Client, base: &str, db: &Db, user: UserId) -> Result<Vec<String>, String> {
    let now = roster_service::Clock::System.now();
    for n in 0..SESSIONS {
        let hash = format!("bench-session-{n:04}-{}", rand::random::<u64>());
        db.insert_session(&hash, user, Timestamp(now.0 - n as i64), false).await.map_err(|e| e.to_string())?;
        let agent = format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{}.0) Gecko/20100101 Firefox/{}.0", 100 + n % 40, 100 + n % 40);
        let client = SessionClient::new(Some(format!("198.51.100.{}", n % 250)), Some(&agent));
        db.touch_session(&hash, Timestamp(now.0 - n as i64), &client).await.map_err(|e| e.to_string())?;
    }
    let mut samples = Vec::new();
    let mut listed = 0;
    for _ in 0..LISTINGS {
        let body = serde_json::json!({ "id": user });
        let sessions: Vec<UserSession> = timed(&mut samples, post(admin, base, "user_sessions", body)).await?;
        listed = sessions.len();
    }
    let ended: u64 = post(admin, base, "end_user_sessions", serde_json::json!({ "id": user })).await?;
    Ok(vec![
        Latencies::from(&samples).line(&format!("Sessions: list {listed} of a user (HTTP)")),
        format!("  ended again with Sign out everywhere: {ended}"),
    ])
}
