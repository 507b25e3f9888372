//! `roster-bench search`: how fast the Users panel finds users in a
//! large, freshly seeded database, measured through the real server function
//! over HTTP, next to the naive `LIKE '%x%'` search a plain SQL panel runs.

use leptos::config::LeptosOptions;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use roster_app::ssr::AppState;
use roster_domain::{Login, PageCursor, Password, RoleId, UserFacet, UserId, UserSearch, UserSort, UsersPage, COUNT_CAP};
use roster_server::router;
use roster_service::{Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Settings};
use roster_store::{Db, Pool, Profile, UserQuery};
use sqlx::Connection;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Which engine to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug, clap::Args)]
pub struct SearchBench {
    /// Users to seed before measuring.
    #[arg(long, default_value_t = 1_000_000)]
    pub users: u64,
    /// Searches in the measured mix.
    #[arg(long, default_value_t = 300)]
    pub searches: usize,
    /// Searches of the mix also run as the naive baseline (each scans every user).
    #[arg(long, default_value_t = 30)]
    pub naive_searches: usize,
    #[arg(long, value_enum, default_value_t = Engine::Sqlite)]
    pub engine: Engine,
    /// A PostgreSQL server where the bench may create (and drop) the
    /// database `roster_bench`.
    #[arg(long, env = "ROSTER_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres_url: String,
    /// Keep the seeded database afterwards (PostgreSQL: `roster_bench`;
    /// SQLite: the file named at the end), to study query plans.
    #[arg(long)]
    pub keep: bool,
    /// Measure the database a `--keep` run left, without seeding it again
    /// (PostgreSQL: `roster_bench`; SQLite: the file `--sqlite-file` names).
    #[arg(long, requires = "keep")]
    pub reuse: bool,
    /// SQLite only, with `--reuse`: the kept database file.
    #[arg(long)]
    pub sqlite_file: Option<std::path::PathBuf>,
    /// Rows of the file Import CSV tests and imports (new users, deleted again after).
    #[arg(long, default_value_t = 100_000)]
    pub import_rows: usize,
    /// Measure the searches alone (the old mix, the corners, the naive
    /// baseline, deep pages and counts), then stop: for trying a change to
    /// the search on a kept database.
    #[arg(long)]
    pub searches_only: bool,
}

const BENCH_ADMIN: &str = "bench-admin";
const BENCH_DATABASE: &str = "roster_bench";

/// Milliseconds, sorted, summarised as the bench prints them.
pub(crate) struct Latencies(Vec<f64>);

impl Latencies {
    pub(crate) fn from(durations: &[Duration]) -> Latencies {
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        Latencies(ms)
    }

    pub(crate) fn percentile(&self, p: f64) -> f64 {
        let i = ((self.0.len() as f64 * p).ceil() as usize).clamp(1, self.0.len()) - 1;
        self.0[i]
    }

    pub(crate) fn max(&self) -> f64 {
        self.0.last().copied().unwrap_or_default()
    }

    pub(crate) fn line(&self, what: &str) -> String {
        format!(
            "{what:<34} n={:<4} p50 {:>8.2} ms   p95 {:>8.2} ms   p99 {:>8.2} ms",
            self.0.len(),
            self.percentile(0.50),
            self.percentile(0.95),
            self.percentile(0.99)
        )
    }
}

pub(crate) async fn timed<T, F: std::future::Future<Output = T>>(samples: &mut Vec<Duration>, f: F) -> T {
    let started = Instant::now();
    let value = f.await;
    samples.push(started.elapsed());
    value
}

/// Opens a fresh database for the bench; the guard drops it afterwards.
async fn fresh_database(bench: &SearchBench) -> Result<(Db, Option<tempfile::TempDir>), String> {
    let db = match bench.engine {
        Engine::Sqlite => {
            if bench.reuse {
                let Some(file) = &bench.sqlite_file else {
                    return Err("--reuse on SQLite measures the file --sqlite-file names".into());
                };
                let db = Db::connect(&format!("sqlite://{}", file.display())).await.map_err(|e| e.to_string())?;
                db.migrate().await.map_err(|e| e.to_string())?;
                return Ok((db, None));
            }
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            let db = Db::connect(&url).await.map_err(|e| e.to_string())?;
            db.migrate().await.map_err(|e| e.to_string())?;
            return Ok((db, Some(dir)));
        }
        Engine::Postgres => {
            let mut server = sqlx::PgConnection::connect(&bench.postgres_url).await.map_err(|e| e.to_string())?;
            if !bench.reuse {
                for sql in
                    [format!("DROP DATABASE IF EXISTS {BENCH_DATABASE}"), format!("CREATE DATABASE {BENCH_DATABASE}")]
                {
                    sqlx::query(&sql).execute(&mut server).await.map_err(|e| e.to_string())?;
                }
            }
            let url = match bench.postgres_url.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{BENCH_DATABASE}"),
                None => return Err("--postgres-url must name a database".into()),
            };
            Db::connect(&url).await.map_err(|e| e.to_string())?
        }
    };
    db.migrate().await.map_err(|e| e.to_string())?;
    Ok((db, None))
}

async fn drop_database(bench: &SearchBench, db: Db) {
    db.close().await;
    if bench.engine == Engine::Postgres && !bench.keep {
        if let Ok(mut server) = sqlx::PgConnection::connect(&bench.postgres_url).await {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {BENCH_DATABASE}")).execute(&mut server).await;
        }
    }
}

/// A fixed mix of searches: substrings of 3 to 12 characters of real
/// attributes of random demo users; every other one also filters by role.
pub(crate) fn search_mix(count: usize, users: u64) -> Vec<UserSearch> {
    let mut rng = StdRng::seed_from_u64(2026);
    let organizations: Vec<String> =
        (0..roster_service::DEMO_ORGANIZATIONS).map(roster_service::demo_organization).collect();
    let ids: Vec<_> = (0..organizations.len()).map(|i| roster_domain::OrganizationId(i as i64)).collect();
    (0..count)
        .map(|i| {
            let text = loop {
                let user = roster_service::demo_user(rng.gen_range(0..users), "", &ids);
                let p = &user.profile;
                let source = match rng.gen_range(0..6) {
                    0 => p.fields.first_name.clone(),
                    1 => p.fields.last_name.clone(),
                    2 => p.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
                    3 => user.login.as_str().to_owned(),
                    4 => p.fields.phone.clone(),
                    _ => organizations[rng.gen_range(0..organizations.len())].clone(),
                };
                let chars: Vec<char> = source.chars().collect();
                let len = rng.gen_range(3..=12).min(chars.len());
                let start = rng.gen_range(0..=chars.len() - len);
                let text: String = chars[start..start + len].iter().collect();
                // Spaces at either end would make a shorter search than intended.
                if text.trim().chars().count() >= 3 {
                    break text.trim().to_owned();
                }
            };
            let roles = if i % 2 == 1 { vec![[RoleId::ADMIN, RoleId::AGENT, RoleId::CUSTOMER][rng.gen_range(0..3)]] } else { vec![] };
            UserSearch { text, roles, ..Default::default() }
        })
        .collect()
}

/// The corners of what people type, by class: one and two characters
/// (common and rare), letters beyond ASCII, punctuation alone, digits and
/// many words, each in every sort order, some with a role (the rare one too)
/// or a facet. The demo data has the non-ASCII names `seed-demo` gives every
/// 13th user.
pub(crate) fn corner_mix() -> Vec<(&'static str, UserSearch)> {
    let classes: [(&str, &[&str]); 9] = [
        ("1 character, common", &["e", "a", "n", "s", "1", "0", "o", "r", "i", "l"]),
        ("1 character, rare", &["ü", "ß", "ø", "é", "ж", "山", "q", "x", "ö", "ó", "ễ", "ł", "€", "ç"]),
        ("2 characters, common", &["er", "an", "30", "49", "em", "de", "ro", "sc", "on", "el"]),
        ("2 characters, rare", &["qz", "jj", "üm", "ße", "øg", "ив", "山田", "xq", "zz", "9x", "éa", "ов"]),
        ("non-ASCII words", &["müller", "weiß", "søgaard", "иванова", "кузнецов", "nguyễn", "ødegård", "łukasiewicz", "çelik", "王", "chloé", "garcía", "kraków", "malmö"]),
        ("punctuation only", &["-", ".", "@", "+", "..", "@.", "--", "(", "'", "_", "%", "\\", "\"", ".@", "-_"]),
        ("digits", &["4", "49", "170", "2026", "0000", "7", "99", "12345", "+49 30", "1 2"]),
        ("many words", &["anna schmidt berlin", "e a n s", "a b c d e f g h", "ben s", "berg 6", "49 30 5", "vera petrov demo", "nordwind logistics sales berlin", "ü e", "zoe 山田"]),
        ("with a facet or a rare role", &["e", "ü", "schmidt", "er", "", "q", "-", "demo"]),
    ];
    let mut mix = Vec::new();
    let mut turn = 0usize;
    for (class, texts) in classes {
        for (i, text) in texts.iter().enumerate() {
            // Every text once in a sort order of its turn, again with a role.
            for pass in 0..3 {
                turn += 1;
                let sort = UserSort::ALL[turn % UserSort::ALL.len()];
                let mut search = UserSearch { text: (*text).to_owned(), sort, ..Default::default() };
                match (class, pass) {
                    ("with a facet or a rare role", 0) => search.roles = vec![RoleId::ADMIN],
                    ("with a facet or a rare role", 1) => search.facets = vec![UserFacet::ALL[i % UserFacet::ALL.len()]],
                    ("with a facet or a rare role", _) => {
                        search.facets = vec![UserFacet::ALL[(i + 1) % UserFacet::ALL.len()]];
                        search.roles = vec![RoleId::AGENT];
                    }
                    (_, 1) => search.roles = vec![[RoleId::ADMIN, RoleId::AGENT, RoleId::CUSTOMER][i % 3]],
                    _ => {}
                }
                mix.push((class, search));
            }
        }
    }
    mix
}

/// Serves Roster on a free loopback port; returns its address and the task.
pub(crate) async fn serve(roster: Roster) -> Result<(String, tokio::task::JoinHandle<()>), String> {
    let app = router(AppState { leptos_options: LeptosOptions::builder().output_name("roster").build(), roster });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    Ok((base, server))
}

/// Signs `client` in through the sign-in server function.
pub(crate) async fn sign_in(client: &reqwest::Client, base: &str, login: &str, password: &str) -> Result<(), String> {
    let response = client
        .post(format!("{base}/api/sign_in"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("signing in {login} failed: {}", response.status()))
    }
}

/// Seeds, serves, measures and prints.
pub async fn run_search_bench(bench: SearchBench) -> Result<(), String> {
    let say = |line: String| println!("{line}");
    let (db, dir) = fresh_database(&bench).await?;
    // A fresh database each run: a fresh key seals its (no) secrets.
    let sealer = Sealer::new(&SecretKey::generate());
    let roster = Roster::new(db.clone(), Settings::default(), PasswordHasher::owasp(), Clock::System, sealer);

    say(format!("Roster search bench: {} users on {:?}", bench.users, bench.engine));
    if bench.reuse {
        say("seed                               (reused)".to_owned());
    } else {
        let started = Instant::now();
        // With the demo admins, as the figures in BENCHMARKS.md were measured; a bench database is thrown away.
        roster.seed_demo(bench.users, true).await.map_err(|e| e.to_string())?;
        say(format!("seed                               {:.1} s", started.elapsed().as_secs_f64()));
    }

    let password = format!("bench-{}", rand::random::<u64>());
    let admin_login = new_bench_admin(&roster, &password).await?;

    let other_roster = roster.clone();
    let (base, server) = serve(roster).await?;
    let client = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
    sign_in(&client, &base, &admin_login, &password).await?;
    let http_search = |search: UserSearch| {
        let request = client.post(format!("{base}/api/search_users")).json(&serde_json::json!({ "search": &search }));
        async move {
            let response = request.send().await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                let status = response.status();
                return Err(format!("search {search:?} failed: {status} {}", response.text().await.unwrap_or_default()));
            }
            response.json::<UsersPage>().await.map_err(|e| e.to_string())
        }
    };

    let mix = search_mix(bench.searches, bench.users);
    // One unmeasured pass warms the caches, as a running server's would be.
    for search in mix.iter().take(30) {
        http_search(search.clone()).await?;
    }
    let mut samples = Vec::new();
    let mut empty = 0;
    for search in &mix {
        let page = timed(&mut samples, http_search(search.clone())).await?;
        empty += usize::from(page.rows.is_empty());
    }
    let indexed = Latencies::from(&samples);
    say(indexed.line("search over HTTP (indexed)"));
    let with_role: Vec<Duration> =
        samples.iter().zip(&mix).filter(|(_, s)| !s.roles.is_empty()).map(|(d, _)| *d).collect();
    let without: Vec<Duration> =
        samples.iter().zip(&mix).filter(|(_, s)| s.roles.is_empty()).map(|(d, _)| *d).collect();
    say(Latencies::from(&without).line("  of which text only"));
    say(Latencies::from(&with_role).line("  of which text and a role"));
    let mut slowest: Vec<(Duration, &UserSearch)> = samples.iter().copied().zip(&mix).collect();
    slowest.sort_by(|a, b| b.0.cmp(&a.0));
    for (took, search) in slowest.iter().take(3) {
        let roles: Vec<String> = search.roles.iter().map(|r| r.key()).collect();
        say(format!("  slow: {:>7.2} ms  {:?} {:?}", took.as_secs_f64() * 1000.0, search.text, roles));
    }
    say(format!("  searches with no match            {empty} of {}", mix.len()));

    // The corners, class by class, and the slowest of them by name.
    let corners = corner_mix();
    for (_, search) in corners.iter().take(30) {
        http_search(search.clone()).await?;
    }
    let mut corner_samples = Vec::new();
    for (_, search) in &corners {
        timed(&mut corner_samples, http_search(search.clone())).await?;
    }
    let all = Latencies::from(&corner_samples);
    say(format!("{}   max {:>8.2} ms", all.line("corners over HTTP, every class"), all.max()));
    let mut classes: Vec<&str> = corners.iter().map(|(c, _)| *c).collect();
    classes.dedup();
    for class in classes {
        let of_class: Vec<Duration> =
            corner_samples.iter().zip(&corners).filter(|(_, (c, _))| *c == class).map(|(d, _)| *d).collect();
        let latencies = Latencies::from(&of_class);
        say(format!("{}   max {:>8.2} ms", latencies.line(&format!("  {class}")), latencies.max()));
    }
    let mut slowest: Vec<(Duration, &UserSearch)> = corner_samples.iter().copied().zip(corners.iter().map(|(_, s)| s)).collect();
    slowest.sort_by(|a, b| b.0.cmp(&a.0));
    for (took, search) in slowest.iter().take(5) {
        say(format!("  slowest corner: {:>7.2} ms  {}", took.as_secs_f64() * 1000.0, search.href()));
    }
    // Edit User → Sessions of a demo customer with 1,000 sessions.
    let customer = db.user_with_login("ben.schmidt1").await.map_err(|e| e.to_string())?.ok_or("no demo customer ben.schmidt1")?;
    for line in crate::sessions::list_many_sessions(&client, &base, &db, customer).await? {
        say(line);
    }

    let mut naive = Vec::new();
    for search in mix.iter().take(bench.naive_searches) {
        timed(&mut naive, count_matching_users_naively(&db, &search.text)).await.map_err(|e| e.to_string())?;
    }
    let naive = Latencies::from(&naive);
    say(naive.line("naive LIKE '%x%', 6 columns"));
    say(format!(
        "  naive / indexed                   p50 ×{:.0}   p95 ×{:.0}",
        naive.percentile(0.5) / indexed.percentile(0.5),
        naive.percentile(0.95) / indexed.percentile(0.95)
    ));

    // Deep pages: the page after the middle user, in the two main orders.
    let middle = UserId((bench.users / 2).max(1) as i64);
    let name_key = {
        let view = UserSearch { sort: UserSort::Name, ..Default::default() };
        let query = db.prepare_search(UserQuery { search: &view, words: &[], now: roster_service::Clock::System.now(), dormant_before: dormant_line() }).await;
        let query = query.map_err(|e| e.to_string())?;
        db.search_users(&query, 1, false).await.map_err(|e| e.to_string())?.first().map(|(_, c)| c.key.clone())
    };
    for (label, view) in [
        (
            "deep page, newest first",
            UserSearch { after: Some(PageCursor { id: middle, key: String::new() }), ..Default::default() },
        ),
        (
            "deep page, by name",
            UserSearch {
                sort: UserSort::Name,
                after: Some(PageCursor { id: middle, key: name_key.clone().unwrap_or_default() }),
                ..Default::default()
            },
        ),
    ] {
        let mut server_side = Vec::new();
        let mut over_http = Vec::new();
        for _ in 0..50 {
            // Half a million users match, so the service would plan for many (`true`).
            let page = async {
                let query = db.prepare_search(UserQuery { search: &view, words: &[], now: roster_service::Clock::System.now(), dormant_before: dormant_line() }).await?;
                db.search_users(&query, 51, true).await
            };
            timed(&mut server_side, page).await.map_err(|e| e.to_string())?;
            timed(&mut over_http, http_search(view.clone())).await?;
        }
        say(Latencies::from(&server_side).line(&format!("{label} (store)")));
        say(Latencies::from(&over_http).line(&format!("{label} (HTTP)")));
    }

    // Counting: the capped count the first answer carries, and the exact one that follows.
    let mut capped = Vec::new();
    let mut exact = Vec::new();
    // Exact counts stopped at the time limit (the panel then shows "1,000+").
    let mut stopped = 0;
    for search in mix.iter().take(100).chain(std::iter::once(&UserSearch::default())) {
        let words = search.words().map_err(|e| e.message)?;
        let query = UserQuery { search, words: &words, now: roster_service::Clock::System.now(), dormant_before: dormant_line() };
        let query = db.prepare_search(query).await.map_err(|e| e.to_string())?;
        timed(&mut capped, db.count_matching_users(&query, Some(COUNT_CAP + 1))).await.map_err(|e| e.to_string())?;
        if timed(&mut exact, db.count_matching_users(&query, None)).await.is_err() {
            stopped += 1;
        }
    }
    say(Latencies::from(&capped).line("count, capped at 1,001 (store)"));
    say(Latencies::from(&exact).line("count, exact (store)"));
    let mut exact_corners = Vec::new();
    for (_, search) in &corners {
        let words = search.words().map_err(|e| e.message)?;
        let query = UserQuery { search, words: &words, now: roster_service::Clock::System.now(), dormant_before: dormant_line() };
        let query = db.prepare_search(query).await.map_err(|e| e.to_string())?;
        if timed(&mut exact_corners, db.count_matching_users(&query, None)).await.is_err() {
            stopped += 1;
        }
    }
    let exact_corners = Latencies::from(&exact_corners);
    say(format!("{}   max {:>8.2} ms", exact_corners.line("count, exact, corners (store)"), exact_corners.max()));
    say(format!("  exact counts stopped at the 2 s limit   {stopped}"));
    let everyone = UserQuery { search: &UserSearch::default(), words: &[], now: roster_service::Clock::System.now(), dormant_before: dormant_line() };
    let everyone = db.prepare_search(everyone).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let total = db.count_matching_users(&everyone, None).await.map_err(|e| e.to_string())?;
    say(format!("exact count of all {total} users      {:.2} ms", started.elapsed().as_secs_f64() * 1000.0));

    if bench.searches_only {
        server.abort();
        finish_run(&bench, db, dir).await;
        return Ok(());
    }

    // Export CSV of everyone, and of a search, as the panel's link fetches it.
    for (label, form) in [("export CSV, every user (HTTP)", &[][..]), ("export CSV, \"schmidt\" (HTTP)", &[("q", "schmidt")][..])] {
        let exported = export_over_http(&client, &base, form).await?;
        say(format!(
            "{label:<35}{:>8.1} s   {} rows   {:.0} MB   server memory +{:.1} MB at most",
            exported.took.as_secs_f64(),
            exported.rows,
            exported.bytes as f64 / 1e6,
            exported.peak_memory_growth as f64 / 1e6
        ));
    }

    // A bulk action on every agent, while a second admin searches.
    let other_login = new_bench_admin(&other_roster, &password).await?;
    let other_client = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
    sign_in(&other_client, &base, &other_login, &password).await?;
    for line in crate::bulk::deactivate_every_agent(&client, &other_client, &base, &db, &mix).await?.lines {
        say(line);
    }
    // Import CSV of 100,000 new users, test run and import.
    for line in crate::import::import_new_users(&client, &base, bench.import_rows).await? {
        say(line);
    }
    // Merge into… for a customer with 10,000 tickets.
    for line in crate::merge::merge_a_busy_duplicate(&client, &base, &db).await? {
        say(line);
    }

    server.abort();
    finish_run(&bench, db, dir).await;
    Ok(())
}

/// Closes the database and drops it, or says where it is kept.
async fn finish_run(bench: &SearchBench, db: Db, dir: Option<tempfile::TempDir>) {
    drop_database(bench, db).await;
    match (dir, bench.keep) {
        (Some(dir), true) => println!("kept {}", dir.keep().join("bench.db").display()),
        (None, true) => println!("kept database {BENCH_DATABASE}"),
        _ => {}
    }
}

/// Makes an admin with `password` and a login of its own (a reused
/// database has the admins of earlier runs already); returns the login.
async fn new_bench_admin(roster: &Roster, password: &str) -> Result<String, String> {
    let login = format!("{BENCH_ADMIN}-{}", rand::random::<u32>());
    let admin = NewAccount {
        login: Login::parse(&login).map_err(|e| e.message)?,
        profile: Profile::default(),
        password: Some(Password::parse(password).map_err(|e| e.message)?),
        roles: vec![RoleId::ADMIN],
    };
    roster.create_account(admin, None, None).await.map_err(|e| e.to_string())?;
    Ok(login)
}

/// The naive search a plain SQL panel would run, the baseline the index is
/// measured against: `LIKE '%word%'` over six columns, every user read.
async fn count_matching_users_naively(db: &Db, word: &str) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM users WHERE lower(first_name) LIKE $1 OR lower(last_name) LIKE $1 \
               OR login_normalized LIKE $1 OR email_normalized LIKE $1 OR phone LIKE $1 OR lower(city) LIKE $1";
    let pattern = format!("%{}%", roster_store::escape_like(&word.to_lowercase()));
    match db.pool() {
        Pool::Sqlite(pool) => sqlx::query_scalar(sql).bind(&pattern).fetch_one(pool).await,
        Pool::Postgres(pool) => sqlx::query_scalar(sql).bind(&pattern).fetch_one(pool).await,
    }
}

/// What one export over HTTP took.
struct Exported {
    took: std::time::Duration,
    rows: u64,
    bytes: u64,
    /// The most this process's own resident memory grew above where it
    /// was when the export began (the server and the reading client share it).
    peak_memory_growth: u64,
}

/// This process's own resident memory (Linux's `RssAnon`), in bytes:
/// without the pages of files it maps, which on SQLite include the
/// database itself (read through memory mapping, they are the operating
/// system's page cache, not the server's memory).
fn resident_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("RssAnon:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

/// Follows the export link for the view `form` and reads the file as it arrives,
/// watching the process's memory meanwhile.
async fn export_over_http(client: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> Result<Exported, String> {
    let idle = resident_memory();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(idle));
    let watching = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(resident_memory(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
    };
    let started = Instant::now();
    let mut response = client.get(format!("{base}/api/export_users")).query(form).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        watching.abort();
        return Err(format!("export failed: {}", response.status()));
    }
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let took = started.elapsed();
    watching.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed).max(resident_memory());
    // The header row is not a user (the demo data has no line breaks in its fields).
    Ok(Exported { took, rows: lines.saturating_sub(1), bytes, peak_memory_growth: peak.saturating_sub(idle) })
}

/// The "No sign-in for 90 days" line now, as the server draws it by default.
fn dormant_line() -> roster_domain::Timestamp {
    roster_domain::Timestamp(roster_service::Clock::System.now().0 - 90 * 86_400)
}
