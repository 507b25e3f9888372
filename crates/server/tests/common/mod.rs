//! Starts the real Roster router on a free loopback port, against a fresh
//! database, with an admin and a customer to sign in as.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

pub mod server_functions;

use leptos::config::LeptosOptions;
use roster_app::ssr::AppState;
use roster_domain::{Login, Password, RoleId, Timestamp, UserFields};
use roster_service::{Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Settings};
use roster_store::Profile;
use roster_store::testing::TestDb;
use std::net::SocketAddr;

pub const ADMIN_PASSWORD: &str = "admin password 1";
pub const CUSTOMER_PASSWORD: &str = "customer password 1";

pub struct TestApp {
    pub base: String,
    pub db_name: &'static str,
    /// Roster's clock: manual, so tests can step past timeouts and codes.
    pub clock: Clock,
    _db: TestDb,
}

/// A running Roster on every available engine.
pub async fn apps() -> Vec<TestApp> {
    apps_with(Settings::default()).await
}

/// A running Roster on every available engine, with these settings.
pub async fn apps_with(settings: Settings) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in roster_store::testing::all().await {
        apps.push(TestApp::start_with(db, settings.clone()).await);
    }
    apps
}

/// When the tests' clock starts (late 2026).
pub const START: Timestamp = Timestamp(1_795_845_000);

impl TestApp {
    /// The database behind the app, for arranging what a test needs.
    pub fn db(&self) -> &roster_store::Db {
        &self._db.db
    }

    pub async fn start(db: TestDb) -> TestApp {
        Self::start_with(db, Settings::default()).await
    }

    pub async fn start_with(db: TestDb, settings: Settings) -> TestApp {
        Self::start_serving(db, settings, "target/site").await
    }

    /// Starts Roster with its built site (the browser bundle) in `site_root`.
    pub async fn start_serving(db: TestDb, settings: Settings, site_root: &str) -> TestApp {
        let clock = Clock::manual(START);
        let sealer = Sealer::new(&SecretKey::generate());
        let roster = Roster::new(db.db.clone(), settings, PasswordHasher::owasp(), clock.clone(), sealer);
        roster.prepare_secrets().await.unwrap();
        for (login, first, last, password, role) in [
            ("admin", "Ada", "Admin", ADMIN_PASSWORD, RoleId::ADMIN),
            ("customer", "Carl", "<img src=x onerror=alert(1)>", CUSTOMER_PASSWORD, RoleId::CUSTOMER),
        ] {
            let account = NewAccount {
                login: Login::parse(login).unwrap(),
                profile: Profile {
                    fields: UserFields { first_name: first.into(), last_name: last.into(), ..UserFields::default() },
                    ..Profile::default()
                },
                password: Some(Password::parse(password).unwrap()),
                roles: vec![role],
            };
            roster.create_account(account, None, None).await.unwrap();
        }
        let leptos_options = LeptosOptions::builder().output_name("roster").site_root(site_root).build();
        let app = roster_server::router(AppState { leptos_options, roster });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
        TestApp { base: format!("http://{addr}"), db_name: db.name, clock, _db: db }
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// `browser`, sending a browser's `User-Agent`.
    pub fn browser_as(&self, user_agent: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Loads a page the way a browser navigation does (with a browser's `Accept`).
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        client.get(self.url(path)).header("accept", accept).send().await.unwrap()
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call(&self, client: &reqwest::Client, function: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(&format!("/api/{function}"))).form(form).send().await.unwrap()
    }

    /// Calls a JSON server function (`search_users`, `count_users`).
    pub async fn call_json(&self, client: &reqwest::Client, function: &str, body: serde_json::Value) -> reqwest::Response {
        client.post(self.url(&format!("/api/{function}"))).json(&body).send().await.unwrap()
    }

    /// Searches users as the Users panel does.
    pub async fn search(&self, client: &reqwest::Client, search: serde_json::Value) -> reqwest::Response {
        self.call_json(client, "search_users", serde_json::json!({ "search": search })).await
    }

    /// Lists users with a hand-made `Cookie` header, as someone replaying a
    /// copied cookie would.
    pub async fn search_with_cookie(&self, cookie: &str) -> reqwest::Response {
        let pair = cookie.split(';').next().unwrap_or_default();
        let request = reqwest::Client::new().post(self.url("/api/search_users")).header("cookie", pair);
        request.json(&serde_json::json!({ "search": {} })).send().await.unwrap()
    }

    pub async fn sign_in(&self, client: &reqwest::Client, login: &str, password: &str) -> reqwest::Response {
        self.call(client, "sign_in", &[("login", login), ("password", password)]).await
    }

    /// A browser signed in as `login`, asserting the sign-in succeeded.
    pub async fn signed_in(&self, login: &str, password: &str) -> reqwest::Client {
        let browser = self.browser();
        assert_eq!(self.sign_in(&browser, login, password).await.status(), 200, "{}: {login} signs in", self.db_name);
        browser
    }

    /// Adds an active user with one role and a password, straight to the database.
    pub async fn add_user(&self, login: &str, role: RoleId, password: &str) -> roster_domain::UserId {
        let hash = PasswordHasher::owasp().hash(&Password::parse(password).unwrap()).await.unwrap();
        let user = roster_store::NewUser {
            login: Login::parse(login).unwrap(),
            profile: Profile {
                fields: UserFields { first_name: login.into(), ..UserFields::default() },
                ..Profile::default()
            },
            password_hash: Some(hash),
            roles: vec![role],
        };
        self.db().insert_user(&user, self.clock.now()).await.unwrap()
    }

    /// A `Roster` over the app's database, for arranging what a test needs
    /// (seeding demo users) as the service does it.
    pub fn roster(&self) -> roster_service::Roster {
        roster_service::Roster::new(
            self.db().clone(),
            roster_service::Settings::default(),
            roster_service::PasswordHasher::owasp(),
            roster_service::Clock::System,
            roster_service::Sealer::new(&roster_service::SecretKey::generate()),
        )
    }

    /// Another instance of Roster on the app's database and clock, with
    /// `settings` (what a second server process would be).
    pub fn instance(&self, settings: Settings) -> Roster {
        Roster::new(self.db().clone(), settings, PasswordHasher::owasp(), self.clock.clone(), Sealer::new(&SecretKey::generate()))
    }

    /// The id of the user with this login.
    pub async fn user_id(&self, login: &str) -> roster_domain::UserId {
        self.db().credentials(login).await.unwrap().expect("user exists").id
    }
}

/// An audit row for a change a test makes straight in the database.
pub fn test_audit(app: &TestApp, action: roster_domain::AuditAction) -> roster_store::AuditRecord {
    roster_store::AuditRecord {
        at: app.clock.now(),
        actor_id: None,
        on_behalf_of_id: None,
        action,
        target_user_id: None,
        detail: "by=test".into(),
        ip: None,
    }
}

/// The session cookie a response sets, if any (`name=value`).
pub fn session_cookie_pair(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("roster_session=") && !v.starts_with("roster_session=;"))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}
