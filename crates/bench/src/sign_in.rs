//! `roster-bench sign-in`: sign-ins per second with the production
//! Argon2id parameters, and what they do to search latency, measured over
//! HTTP against a freshly seeded SQLite database.

use crate::search::{search_mix, serve, sign_in, Latencies};
use rand::Rng;
use roster_domain::{Login, Password, RoleId, UserSearch};
use roster_service::{demo_user, Clock, NewAccount, PasswordHasher, Roster, Sealer, SecretKey, Settings, DEMO_PASSWORD};
use roster_store::{Db, Profile};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, clap::Args)]
pub struct SignInBench {
    /// Demo users to seed (they sign in, and are searched).
    #[arg(long, default_value_t = 100_000)]
    pub users: u64,
    /// How long sign-ins run.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Sign-ins in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Searches measured alone, and again while sign-ins run.
    #[arg(long, default_value_t = 200)]
    pub searches: usize,
    /// Clients sending wrong passwords as fast as they can, in the last run.
    #[arg(long, default_value_t = 200)]
    pub flooders: usize,
}

pub async fn run_sign_in_bench(bench: SignInBench) -> Result<(), String> {
    let say = |line: String| println!("{line}");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = Db::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    // Sign-ins come through a "balancer" on loopback, each with the address of
    // a visitor of its own (X-Forwarded-For), so throttling is as shipped:
    // genuine users from many addresses, attackers from theirs.
    let balancer: roster_service::settings::AddressRange = "127.0.0.1".parse().map_err(|e| format!("{e:?}"))?;
    let settings = Settings { trusted_proxies: vec![balancer], ..Settings::default() };
    let sealer = Sealer::new(&SecretKey::generate());
    let roster = Roster::new(db.clone(), settings, PasswordHasher::owasp(), Clock::System, sealer);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    say(format!("Roster sign-in bench: {} users on SQLite, {cores} cores, Argon2id m=19456 KiB t=2 p=1", bench.users));
    // The floor: one hash at a time, nothing else running.
    let mut hashes = Vec::new();
    let sample = Password::parse("a sample password").map_err(|e| e.message)?;
    for _ in 0..20 {
        let started = Instant::now();
        roster.hasher().hash(&sample).await.map_err(|e| e.to_string())?;
        hashes.push(started.elapsed());
    }
    let hash = Latencies::from(&hashes);
    say(hash.line("one Argon2id hash"));
    say(format!("  at most {:.0} sign-ins/s on {cores} cores", cores as f64 * 1000.0 / hash.percentile(0.5)));
    // With the demo admins, as the figures in BENCHMARKS.md were measured; a bench database is thrown away.
    roster.seed_demo(bench.users, true).await.map_err(|e| e.to_string())?;

    let admin_password = format!("bench-{}", rand::random::<u64>());
    let admin = NewAccount {
        login: Login::parse("bench-admin").map_err(|e| e.message)?,
        profile: Profile::default(),
        password: Some(Password::parse(&admin_password).map_err(|e| e.message)?),
        roles: vec![RoleId::ADMIN],
    };
    roster.create_account(admin, None, None).await.map_err(|e| e.to_string())?;
    let (base, server) = serve(roster).await?;

    let admin_client = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
    sign_in(&admin_client, &base, "bench-admin", &admin_password).await?;
    let mix = search_mix(bench.searches, bench.users);
    for search in mix.iter().take(30) {
        search_once(&admin_client, &base, search).await?;
    }
    let mut alone = Vec::new();
    for search in &mix {
        alone.push(search_once(&admin_client, &base, search).await?);
    }
    let alone = Latencies::from(&alone);

    let alone_load = SignInLoad::start(&base, bench.users, bench.concurrency);
    tokio::time::sleep(Duration::from_secs(bench.seconds)).await;
    let (count, elapsed) = alone_load.stop().await;
    say(format!(
        "sign-ins per second               {:.1}  ({count} in {elapsed:.1} s, {} at a time)",
        count as f64 / elapsed,
        bench.concurrency
    ));

    // Searches at an admin's typing pace (every 50 ms) while sign-ins run flat out.
    let load = SignInLoad::start(&base, bench.users, bench.concurrency);
    let during = typing_searches(&admin_client, &base, &mix, bench.seconds).await?;
    let (count, elapsed) = load.stop().await;
    say(alone.line("search alone (HTTP)"));
    say(during.line("search during sign-ins (HTTP)"));
    say(format!("  search p95 during / alone        ×{:.2}", during.percentile(0.95) / alone.percentile(0.95)));
    say(format!("  sign-ins per second meanwhile    {:.1}", count as f64 / elapsed));

    // The same again while many clients, each from an address of its own,
    // send wrong passwords as fast as they are answered.
    let flood = Flood::start(&base, bench.users, bench.flooders);
    let load = SignInLoad::start(&base, bench.users, bench.concurrency);
    let during_flood = typing_searches(&admin_client, &base, &mix, bench.seconds).await?;
    let (count, elapsed) = load.stop().await;
    let (refused, throttled, busy, other) = flood.stop().await;
    say(format!("during a flood of wrong passwords from {} clients at {} addresses:", bench.flooders, bench.flooders));
    say(format!("  sign-ins per second              {:.1}  (genuine users, {} at a time)", count as f64 / elapsed, bench.concurrency));
    say(format!(
        "  wrong passwords answered /s      {:.1} checked (401), {:.1} throttled (429), {:.1} turned away (503), {other} other",
        refused as f64 / elapsed,
        throttled as f64 / elapsed,
        busy as f64 / elapsed
    ));
    say(during_flood.line("search during the flood (HTTP)"));
    say(format!("  search p95 during flood / alone  ×{:.2}", during_flood.percentile(0.95) / alone.percentile(0.95)));
    server.abort();
    db.close().await;
    Ok(())
}

/// Searches one admin makes while typing: one every 50 ms.
const SEARCH_EVERY: Duration = Duration::from_millis(50);

/// Searches from `mix` at an admin's typing pace for `seconds`; their latencies.
async fn typing_searches(client: &reqwest::Client, base: &str, mix: &[UserSearch], seconds: u64) -> Result<Latencies, String> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut pace = tokio::time::interval(SEARCH_EVERY);
    let mut took = Vec::new();
    for search in mix.iter().cycle() {
        if Instant::now() >= deadline {
            break;
        }
        pace.tick().await;
        took.push(search_once(client, base, search).await?);
    }
    Ok(Latencies::from(&took))
}

/// Sign-ins of random demo users, `concurrency` at a time, until stopped.
struct SignInLoad {
    done: Arc<AtomicBool>,
    signed_in: Arc<AtomicU64>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    started: Instant,
}

impl SignInLoad {
    fn start(base: &str, users: u64, concurrency: usize) -> SignInLoad {
        let done = Arc::new(AtomicBool::new(false));
        let signed_in = Arc::new(AtomicU64::new(0));
        let workers = (0..concurrency)
            .map(|_| {
                let (done, signed_in, base) = (done.clone(), signed_in.clone(), base.to_owned());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    while !done.load(Ordering::Relaxed) {
                        let n = rand::thread_rng().gen_range(0..users);
                        let login = demo_user(n, "", &[]).login.as_str().to_owned();
                        let ok = sign_in_from(&client, &base, &login, DEMO_PASSWORD, &any_address()).await == 200;
                        if ok && !done.load(Ordering::Relaxed) {
                            signed_in.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        SignInLoad { done, signed_in, workers, started: Instant::now() }
    }

    /// Stops the load; returns the sign-ins completed and the seconds taken.
    async fn stop(self) -> (u64, f64) {
        self.done.store(true, Ordering::Relaxed);
        let elapsed = self.started.elapsed().as_secs_f64();
        for worker in self.workers {
            let _ = worker.await;
        }
        (self.signed_in.load(Ordering::Relaxed), elapsed)
    }
}

/// A genuine visitor's address: one of 16 million, so that no two sign-ins
/// share a throttling budget.
fn any_address() -> String {
    let [a, b, c] = rand::random::<[u8; 3]>();
    format!("10.{a}.{b}.{c}")
}

/// Signs in through the "balancer", as the visitor at `address`; the status.
async fn sign_in_from(client: &reqwest::Client, base: &str, login: &str, password: &str, address: &str) -> u16 {
    let request = client.post(format!("{base}/api/sign_in")).header("x-forwarded-for", address);
    let response = request.form(&[("login", login), ("password", password)]).send().await;
    response.map_or(0, |r| r.status().as_u16())
}

/// Clients sending wrong passwords for random users, as fast as they are
/// answered, each from an address of its own, until stopped; counts the
/// answers by kind.
struct Flood {
    done: Arc<AtomicBool>,
    /// Checked (401), throttled (429), turned away (503), anything else.
    answers: Arc<[AtomicU64; 4]>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Flood {
    fn start(base: &str, users: u64, clients: usize) -> Flood {
        let done = Arc::new(AtomicBool::new(false));
        let answers: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
        let workers = (0..clients)
            .map(|i| {
                let (done, answers, base) = (done.clone(), answers.clone(), base.to_owned());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let address = format!("198.51.{}.{}", i / 250, i % 250 + 1);
                    while !done.load(Ordering::Relaxed) {
                        let n = rand::thread_rng().gen_range(0..users);
                        let login = demo_user(n, "", &[]).login.as_str().to_owned();
                        let kind = match sign_in_from(&client, &base, &login, "a wrong guess", &address).await {
                            401 => 0,
                            429 => 1,
                            503 => 2,
                            _ => 3,
                        };
                        answers[kind].fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        Flood { done, answers, workers }
    }

    async fn stop(self) -> (u64, u64, u64, u64) {
        self.done.store(true, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.await;
        }
        let [checked, throttled, busy, other] = self.answers.each_ref().map(|n| n.load(Ordering::Relaxed));
        (checked, throttled, busy, other)
    }
}

async fn search_once(client: &reqwest::Client, base: &str, search: &UserSearch) -> Result<Duration, String> {
    let started = Instant::now();
    let response = client
        .post(format!("{base}/api/search_users"))
        .json(&serde_json::json!({ "search": search }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("search failed: {}", response.status()));
    }
    response.bytes().await.map_err(|e| e.to_string())?;
    Ok(started.elapsed())
}
