//! `roster-server`: serve Roster, create an admin, seed demo users, or rotate the secret key.

use clap::{Parser, Subcommand};
use rand::distributions::{Alphanumeric, DistString};
use roster_app::ssr::AppState;
use roster_domain::{Email, Login, Password, RoleId, UserFields};
use roster_server::config::Config;
use roster_service::sealing::KEY_ENV;
use roster_service::{Clock, DormantRun, NewAccount, PasswordHasher, Roster, SealingError, Sealer, SecretKey};
use roster_store::Profile;
use roster_store::Db;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "roster-server", about = "Roster: the user-administration panel of a helpdesk")]
struct Cli {
    /// The runtime configuration file.
    #[arg(long, env = "ROSTER_CONFIG", default_value = "Leptos.toml", global = true)]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve Roster over HTTP (the default).
    Serve,
    /// Create an admin account. The password comes from ROSTER_ADMIN_PASSWORD
    /// or is generated and printed once.
    CreateAdmin {
        #[arg(long, default_value = "admin")]
        login: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, default_value = "Roster")]
        first_name: String,
        #[arg(long, default_value = "Admin")]
        last_name: String,
        /// Do nothing if an admin who can sign in exists already (for
        /// first-run scripts; inactive admins and admins locked out by
        /// failed sign-ins do not count).
        #[arg(long)]
        if_none: bool,
    },
    /// Lift the lock failed sign-ins put on an account, at once: the way
    /// back in when every admin is locked out. Audited.
    Unlock {
        #[arg(long)]
        login: String,
    },
    /// Deactivate now the accounts without a sign-in for
    /// deactivate-dormant-after-days, as the server does every hour (each
    /// audited as "Deactivated for inactivity"). Waits for no schedule, but
    /// never runs beside a running instance's turn.
    DeactivateDormant,
    /// Add deterministic demo users, agents and customers (password: roster-demo-pass).
    SeedDemo {
        #[arg(long, default_value_t = 200)]
        count: u64,
        /// Make every 500th demo user an admin, with that published password:
        /// for trying Roster out on your own machine only.
        #[arg(long)]
        with_demo_admins: bool,
    },
    /// Seal every authenticator secret anew under a new key.
    ///
    /// All in one transaction, audited. Stop every Roster instance first: one still
    /// running with the old key can no longer open the secrets. The current
    /// key is found as at start-up (ROSTER_SECRET_KEY, else secret-key-file).
    /// The new key comes from ROSTER_NEW_SECRET_KEY, or from --new-key-file.
    /// Afterwards, make the new key the one Roster starts with.
    RotateSecretKey {
        /// The new key's file; made with a fresh random key (mode 0600) when
        /// it does not exist yet, read when it does.
        #[arg(long, value_name = "PATH")]
        new_key_file: Option<PathBuf>,
    },
    /// Print the configuration in effect (the file, then the environment) as
    /// a file; with --defaults, the built-in defaults, which Leptos.toml ships.
    Config {
        #[arg(long)]
        defaults: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("roster-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let (config, roster) = open(&cli.config).await?;
            serve(config, roster).await
        }
        Command::CreateAdmin { login, email, first_name, last_name, if_none } => {
            let (_, roster) = open(&cli.config).await?;
            if if_none && roster.has_admin().await.map_err(|e| e.to_string())? {
                println!("An admin who can sign in exists already; nothing to do.");
                return Ok(());
            }
            // First-run scripts go on serving when the login is taken by an
            // admin whom someone has locked out by guessing: unlocking is the
            // way back in, not a second account.
            if if_none && roster.db.user_with_login(&login).await.map_err(|e| e.to_string())?.is_some() {
                println!("{login} exists but cannot sign in now (locked or inactive); nothing created.");
                println!("To let them in at once: roster-server unlock --login {login}");
                return Ok(());
            }
            create_admin(&roster, &login, email.as_deref(), first_name, last_name).await
        }
        Command::Unlock { login } => {
            let (_, roster) = open(&cli.config).await?;
            if roster.unlock_from_command_line(&login).await.map_err(|e| e.to_string())? {
                println!("Unlocked {login}: they can sign in again now.");
            } else {
                println!("{login} was not locked; nothing changed.");
            }
            Ok(())
        }
        Command::DeactivateDormant => {
            let (_, roster) = open(&cli.config).await?;
            let holder = roster_service::job_holder_name();
            match roster.deactivate_dormant_accounts(&holder, true).await.map_err(|e| e.to_string())? {
                DormantRun::Off => println!("deactivate-dormant-after-days is 0: no account is deactivated for inactivity."),
                DormantRun::NotDue => println!("A running Roster is doing it right now; nothing else done."),
                DormantRun::Deactivated(n) => println!(
                    "Deactivated {n} account{} without a sign-in for {} days.",
                    if n == 1 { "" } else { "s" },
                    roster.settings.deactivate_dormant_after_days
                ),
            }
            Ok(())
        }
        Command::SeedDemo { count, with_demo_admins } => {
            let (_, roster) = open(&cli.config).await?;
            let started = std::time::Instant::now();
            roster.seed_demo(count, with_demo_admins).await.map_err(|e| e.to_string())?;
            println!("Added {count} demo users in {:.2?} (password: {}).", started.elapsed(), roster_service::DEMO_PASSWORD);
            if with_demo_admins {
                println!("Every 500th is an admin with that password: never do this on a server others can reach.");
            } else {
                println!("None of them is an admin (--with-demo-admins makes some); `create-admin` makes one.");
            }
            Ok(())
        }
        Command::RotateSecretKey { new_key_file } => {
            let (config, roster) = open(&cli.config).await?;
            rotate_secret_key(&config, &roster, new_key_file.as_deref()).await
        }
        Command::Config { defaults } => {
            let config = if defaults { Config::default() } else { Config::load(&cli.config).map_err(|e| e.to_string())? };
            print!("{}", config.to_toml());
            Ok(())
        }
    }
}

/// Loads the configuration and the secret key, connects, migrates and
/// proves the key on the database; refuses to go on if any of it fails.
async fn open(config_path: &Path) -> Result<(Config, Roster), String> {
    let config = Config::load(config_path).map_err(|e| e.to_string())?;
    let key = SecretKey::load(std::env::var(KEY_ENV).ok(), Path::new(&config.roster.secret_key_file))
        .map_err(|e| e.to_string())?;
    let url = &config.roster.database_url;
    if let Some(path) = url.strip_prefix("sqlite://").and_then(|p| std::path::Path::new(p).parent()) {
        if !path.as_os_str().is_empty() {
            std::fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
    }
    let db = Db::connect(url).await.map_err(|e| format!("cannot open the database: {e}"))?;
    db.migrate().await.map_err(|e| format!("{e}. Roster will not start on a database it could not migrate."))?;
    let roster = Roster::new(db, config.roster.clone(), PasswordHasher::owasp(), Clock::System, Sealer::new(&key));
    roster.prepare_secrets().await.map_err(|e| match e {
        SealingError::Store(_) | SealingError::SameKey => format!("cannot prepare the sealed secrets: {e}"),
        e => format!(
            "the secret key does not open the secrets in this database (its key check: {e}). Start Roster \
             with the key it was given ({KEY_ENV}, or the file secret-key-file names: {}). If that key is \
             lost for good, every authenticator app must be set up again.",
            config.roster.secret_key_file
        ),
    })?;
    Ok((config, roster))
}

/// `rotate-secret-key`: the new key from ROSTER_NEW_SECRET_KEY or
/// `new_key_file` (made when missing), then every secret sealed anew.
async fn rotate_secret_key(config: &Config, roster: &Roster, new_key_file: Option<&Path>) -> Result<(), String> {
    const NEW_KEY_ENV: &str = "ROSTER_NEW_SECRET_KEY";
    let new_key = match (std::env::var(NEW_KEY_ENV).ok(), new_key_file) {
        (Some(_), Some(_)) => return Err(format!("give the new key one way: {NEW_KEY_ENV} or --new-key-file, not both")),
        (None, None) => return Err(format!("give the new key in {NEW_KEY_ENV}, or its file with --new-key-file PATH")),
        (Some(text), None) => SecretKey::parse(&text, NEW_KEY_ENV).map_err(|e| e.to_string())?,
        (None, Some(path)) => match SecretKey::read_file(path).map_err(|e| e.to_string())? {
            Some(key) => key,
            None => {
                let key = SecretKey::generate();
                key.write_new_file(path).map_err(|e| format!("cannot write the new key to {}: {e}", path.display()))?;
                println!("Made a new key in {} (mode 0600).", path.display());
                key
            }
        },
    };
    let new = Sealer::new(&new_key);
    let resealed = roster.rotate_secret_key(&new).await.map_err(|e| match e {
        SealingError::Store(_) | SealingError::SameKey => format!("nothing was changed: {e}"),
        e => format!("nothing was changed: a stored secret does not open under the current key: {e}"),
    })?;
    let key_id = new.key_id();
    println!("Re-sealed {resealed} secret(s) under the new key (key id {key_id}); the old key opens them no more.");
    println!("Now make the new key the one Roster starts with, on every instance, then start Roster:");
    let current_file = &config.roster.secret_key_file;
    let new_key_text = match new_key_file {
        Some(path) => format!("the contents of {}", path.display()),
        None => format!("the value of {NEW_KEY_ENV}"),
    };
    match (std::env::var(KEY_ENV).is_ok(), new_key_file) {
        (false, Some(path)) => println!("    mv {} {current_file}", path.display()),
        (false, None) => println!("    write {new_key_text} to {current_file} (mode 0600)"),
        (true, _) => println!("    set {KEY_ENV} to {new_key_text}"),
    }
    if new_key_file.is_none() {
        println!("and unset {NEW_KEY_ENV}.");
    }
    Ok(())
}

async fn serve(config: Config, roster: Roster) -> Result<(), String> {
    let leptos_options = config.leptos_options();
    let addr = config.site.addr;
    let roster_for_jobs = roster.clone();
    let app = roster_server::router(AppState { leptos_options, roster });
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!("Roster is listening on http://{addr}");
    tokio::spawn(deactivate_dormant_on_schedule(roster_for_jobs));
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

/// Asks every few minutes whether dormant accounts are due for
/// deactivation; of several instances, the one that takes the lease does it
/// (at most hourly). A failed turn is logged and tried again at the next.
async fn deactivate_dormant_on_schedule(roster: Roster) {
    if roster.settings.deactivate_dormant_after_days <= 0 {
        return;
    }
    let holder = roster_service::job_holder_name();
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(roster_service::DORMANT_ASK_EVERY_SECONDS));
    loop {
        ticks.tick().await;
        match roster.deactivate_dormant_accounts(&holder, false).await {
            Ok(DormantRun::Deactivated(n)) => tracing::info!(deactivated = n, "dormant accounts checked"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "checking for dormant accounts failed; trying again later"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok() };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            term.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

async fn create_admin(
    roster: &Roster,
    login: &str,
    email: Option<&str>,
    first_name: String,
    last_name: String,
) -> Result<(), String> {
    let (password, generated) = match std::env::var("ROSTER_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (Alphanumeric.sample_string(&mut rand::thread_rng(), 20), true),
    };
    let account = NewAccount {
        login: Login::parse(login).map_err(|e| e.message)?,
        profile: Profile {
            email: email.map(Email::parse).transpose().map_err(|e| e.message)?,
            fields: UserFields { first_name, last_name, ..UserFields::default() },
            ..Profile::default()
        },
        password: Some(Password::parse(&password).map_err(|e| format!("ROSTER_ADMIN_PASSWORD: {}", e.message))?),
        roles: vec![RoleId::ADMIN],
    };
    roster.create_account(account, None, None).await.map_err(|e| match e.field() {
        Some(field) => format!("{}: {}", field.field, field.message),
        None => e.to_string(),
    })?;
    println!("Created the admin account. Sign in with:");
    println!("    login:    {login}");
    if generated {
        println!("    password: {password}   (shown once: keep it somewhere safe)");
    } else {
        println!("    password: the value of ROSTER_ADMIN_PASSWORD");
    }
    Ok(())
}
