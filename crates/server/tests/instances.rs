//! Two Roster processes side by side on one PostgreSQL database, as behind a
//! load balancer: whatever one instance decides (a session, a view from a
//! user's perspective, a failed sign-in) the other honours at once, because
//! it lives in the database and not in either process.

use roster_domain::CurrentUser;
use roster_store::testing::postgres_url;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "instances admin password";
/// What `seed-demo` gives every demo user.
const DEMO_PASSWORD: &str = "roster-demo-pass";
/// `ben.schmidt1`, the first demo customer.
const CUSTOMER: &str = "ben.schmidt1";
const LOCKOUT_THRESHOLD: usize = 4;
const SECRET_KEY: &str = "zriVlv4I1HmUbXsMywWIEdBPecj9NgqhOItbn+lHz0M=";

/// A database of its own on the test server, dropped afterwards.
struct Database {
    server_url: String,
    name: String,
    url: String,
}

impl Database {
    async fn create(server_url: &str) -> Database {
        let name = format!("roster_instances_{:016x}", rand::random::<u64>());
        let mut server = PgConnection::connect(server_url).await.expect("connect to the test PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut server).await.unwrap();
        server.close().await.ok();
        let (base, _) = server_url.rsplit_once('/').expect("the URL names a database");
        let url = format!("{base}/{name}");
        Database { server_url: server_url.to_owned(), name, url }
    }

}

impl Drop for Database {
    /// Drops the database even when the test failed, from a thread of its own
    /// (the test's runtime may be unwinding).
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut server = PgConnection::connect(&server_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut server).await
            })
        });
        if let Ok(Err(e)) = dropped.join() {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

fn roster_server(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster-server"));
    command
        .env("DATABASE_URL", database_url)
        .env("ROSTER_CONFIG", "/nonexistent/Leptos.toml")
        .env("ROSTER_LOCKOUT_THRESHOLD", LOCKOUT_THRESHOLD.to_string())
        // Throttling counts per process; this test is about what is shared.
        .env("ROSTER_SIGN_IN_ATTEMPTS_PER_MINUTE", "0")
        .env("ROSTER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // Both instances seal and open secrets with one key.
        .env("ROSTER_SECRET_KEY", SECRET_KEY);
    command
}

/// A running `roster-server serve`, stopped when dropped.
struct Instance {
    base: String,
    process: Child,
}

impl Instance {
    async fn start(database_url: &str) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let process = roster_server(database_url)
            .arg("serve")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("roster-server starts");
        let instance = Instance { base: format!("http://127.0.0.1:{port}"), process };
        let started = Instant::now();
        while reqwest::get(instance.url("/login")).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "{} did not come up", instance.base);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        instance
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call(&self, browser: &reqwest::Client, function: &str, form: &[(&str, &str)]) -> reqwest::Response {
        browser.post(self.url(&format!("/api/{function}"))).form(form).send().await.unwrap()
    }

    async fn call_json(&self, browser: &reqwest::Client, function: &str, body: Value) -> reqwest::Response {
        browser.post(self.url(&format!("/api/{function}"))).json(&body).send().await.unwrap()
    }

    async fn sign_in(&self, browser: &reqwest::Client, login: &str, password: &str) -> reqwest::Response {
        self.call(browser, "sign_in", &[("login", login), ("password", password)]).await
    }

    async fn current(&self, browser: &reqwest::Client) -> Option<CurrentUser> {
        self.call(browser, "current_user", &[]).await.json().await.unwrap()
    }

    async fn user_id(&self, admin: &reqwest::Client, login: &str) -> i64 {
        let page: Value = self.call_json(admin, "search_users", json!({ "search": { "text": login } })).await.json().await.unwrap();
        let row = page["rows"].as_array().unwrap().iter().find(|r| r["login"] == login).expect("user listed");
        row["id"].as_i64().unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

/// A browser's cookie jar: cookies ignore the port, so one jar talks to
/// both instances, as a browser does through a load balancer.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sessions_views_and_lockout() {
    let Some(server_url) = postgres_url() else {
        assert!(
            std::env::var("ROSTER_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "ROSTER_REQUIRE_POSTGRES=1 but ROSTER_TEST_POSTGRES_URL is not set"
        );
        eprintln!("NOTE: ROSTER_TEST_POSTGRES_URL is not set; the two-instance test did not run");
        return;
    };
    let database = Database::create(&server_url).await;
    for args in [&["create-admin"][..], &["seed-demo", "--count", "20"][..]] {
        let output = roster_server(&database.url).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    }
    let a = Instance::start(&database.url).await;
    let b = Instance::start(&database.url).await;

    // A session made by one instance is honoured by the other, and ended for both.
    let admin = browser();
    assert_eq!(a.sign_in(&admin, "admin", ADMIN_PASSWORD).await.status(), 200);
    assert_eq!(b.current(&admin).await.unwrap().login, "admin");
    let panel = b.call_json(&admin, "search_users", json!({ "search": {} })).await;
    assert_eq!(panel.status(), 200, "the Users panel answers through the other instance");
    let other_tab = browser();
    assert_eq!(b.sign_in(&other_tab, "admin", ADMIN_PASSWORD).await.status(), 200);
    assert_eq!(a.call(&other_tab, "sign_out", &[]).await.status(), 200);
    assert!(b.current(&other_tab).await.is_none(), "signed out through A means signed out on B");

    // Viewing from the user's perspective on A signs the user out on B, and
    // B serves the admin as that user until Back to my view (on B) ends it for A too.
    let customer = browser();
    assert_eq!(b.sign_in(&customer, CUSTOMER, DEMO_PASSWORD).await.status(), 200);
    let customer_id = a.user_id(&admin, CUSTOMER).await;
    let view = a.call_json(&admin, "start_impersonation", json!({ "id": customer_id, "reason": "Ticket #3" })).await;
    assert_eq!(view.status(), 200);
    assert!(b.current(&customer).await.is_none(), "the viewed user is signed out on B");
    let on_b = b.current(&admin).await.unwrap();
    assert_eq!((on_b.login.as_str(), on_b.impersonator.is_some()), (CUSTOMER, true));
    assert_eq!(b.call_json(&admin, "search_users", json!({ "search": {} })).await.status(), 403, "with the user's rights only");
    assert_eq!(b.call(&admin, "end_impersonation", &[]).await.status(), 200);
    let on_a = a.current(&admin).await.unwrap();
    assert_eq!((on_a.login.as_str(), on_a.impersonator.is_none()), ("admin", true));

    // Failed sign-ins spread over both instances add up to one lock.
    let stranger = browser();
    for i in 0..LOCKOUT_THRESHOLD {
        let instance = if i % 2 == 0 { &a } else { &b };
        assert_eq!(instance.sign_in(&stranger, CUSTOMER, "not the password").await.status(), 401);
    }
    for instance in [&a, &b] {
        let right = instance.sign_in(&stranger, CUSTOMER, DEMO_PASSWORD).await;
        assert_eq!(right.status(), 401, "locked on both instances, even with the right password");
    }
    assert_eq!(b.call_json(&admin, "unlock_user", json!({ "id": customer_id })).await.status(), 200);
    assert_eq!(a.sign_in(&stranger, CUSTOMER, DEMO_PASSWORD).await.status(), 200, "unlocked through B, in through A");

    drop((a, b));
    drop(database);
}
