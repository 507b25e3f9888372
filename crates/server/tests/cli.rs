//! The `roster-server` command line, run as a real process against SQLite.

use std::process::{Command, Output};

/// A key as `head -c 32 /dev/urandom | base64` makes one.
const KEY: &str = "gvs8scnStljCu7zY8LdMEc7AA+ucQRJQi02hX3enJMc=";
const OTHER_KEY: &str = "V3a0CpCMM6f99FcSiIwmLAsnp/a1MMyxPovmFBKeGuo=";

/// `roster-server` on a SQLite database at `db_path`, with the secret key `KEY`.
fn command(db_path: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster-server"));
    command
        .env("DATABASE_URL", format!("sqlite://{}", db_path.display()))
        .env("ROSTER_CONFIG", "/nonexistent/Leptos.toml")
        // Never the port a running Roster may hold.
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("ROSTER_SECRET_KEY", KEY)
        .env("ROSTER_SECRET_KEY_FILE", db_path.with_file_name("no-such.key"))
        .env_remove("ROSTER_NEW_SECRET_KEY")
        .env_remove("ROSTER_ADMIN_PASSWORD");
    command
}

fn roster_server(db_path: &std::path::Path, args: &[&str], password: Option<&str>) -> Output {
    let mut command = command(db_path);
    command.args(args);
    if let Some(password) = password {
        command.env("ROSTER_ADMIN_PASSWORD", password);
    }
    command.output().expect("roster-server runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn create_admin_generates_a_password_once_and_if_none_skips_afterwards() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let first = roster_server(&db, &["create-admin", "--if-none"], None);
    assert!(first.status.success(), "{first:?}");
    let text = stdout(&first);
    assert!(text.contains("login:    admin"), "{text}");
    let password_line = text.lines().find(|l| l.contains("password:")).unwrap();
    assert!(password_line.contains("shown once"), "a generated password is printed: {text}");

    let again = roster_server(&db, &["create-admin", "--if-none"], None);
    assert!(again.status.success());
    assert!(stdout(&again).contains("An admin who can sign in exists already"), "{}", stdout(&again));
}

#[test]
fn create_admin_refuses_a_weak_password_and_a_taken_login() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let weak = roster_server(&db, &["create-admin"], Some("short"));
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("ROSTER_ADMIN_PASSWORD: Password must be at least 8"));

    assert!(roster_server(&db, &["create-admin"], Some("a good admin password")).status.success());
    let taken = roster_server(&db, &["create-admin"], Some("another good password"));
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("login: Already used by another user."));
}

/// How many users in this SQLite database hold the Admin role.
async fn admins_in(db_path: &std::path::Path) -> i64 {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db_path).connect().await.unwrap();
    let admins = sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role_id = 1").fetch_one(&mut conn).await;
    conn.close().await.unwrap();
    admins.unwrap()
}

#[tokio::test]
async fn seed_demo_adds_ten_thousand_users_and_no_admin_unless_asked() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let output = roster_server(&db, &["seed-demo", "--count", "10000"], None);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("Added 10000 demo users"), "{}", stdout(&output));
    assert!(stdout(&output).contains("None of them is an admin"), "it says so: {}", stdout(&output));
    assert_eq!(admins_in(&db).await, 0, "no admin with the published password");

    let asked = roster_server(&db, &["seed-demo", "--count", "1000", "--with-demo-admins"], None);
    assert!(asked.status.success(), "{asked:?}");
    assert!(stdout(&asked).contains("Every 500th is an admin"), "{}", stdout(&asked));
    assert_eq!(admins_in(&db).await, 2, "users 10,000 and 10,500");
}

#[tokio::test]
async fn the_server_will_not_start_on_a_database_it_cannot_migrate() {
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    // A table in the way of the first migration.
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).create_if_missing(true).connect().await.unwrap();
    sqlx::query("CREATE TABLE organizations (x TEXT)").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();

    let output = roster_server(&db, &["serve"], None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Roster will not start on a database it could not migrate"), "{stderr}");
}

/// Locks `login` the way an attacker would: wrong passwords at the sign-in
/// step, through Roster itself, on the same database file.
async fn lock_by_guessing(db_path: &std::path::Path, login: &str) {
    use roster_service::{Clock, PasswordHasher, Roster, Sealer, SecretKey, Settings};
    let db = roster_store::Db::connect(&format!("sqlite://{}", db_path.display())).await.unwrap();
    let sealer = Sealer::new(&SecretKey::parse(KEY, "the test").unwrap());
    let roster = Roster::new(db.clone(), Settings::default(), PasswordHasher::owasp(), Clock::System, sealer);
    for _ in 0..Settings::default().lockout_threshold {
        assert!(roster.sign_in(login, "a wrong guess", None, Some("203.0.113.9")).await.is_err());
    }
    assert!(roster.sign_in(login, "a good admin password", None, None).await.is_err(), "locked");
    db.close().await;
}

#[tokio::test]
async fn when_the_only_admin_is_locked_out_create_admin_makes_another_and_unlock_lets_them_in() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    assert!(roster_server(&db, &["create-admin"], Some("a good admin password")).status.success());
    lock_by_guessing(&db, "admin").await;

    // A first-run script on restart: no second "admin", no failure either.
    let again = roster_server(&db, &["create-admin", "--if-none"], None);
    assert!(again.status.success(), "{again:?}");
    assert!(stdout(&again).contains("roster-server unlock --login admin"), "{}", stdout(&again));

    let created = roster_server(&db, &["create-admin", "--if-none", "--login", "rescue"], Some("a rescue password 1"));
    assert!(created.status.success(), "{created:?}");
    assert!(stdout(&created).contains("login:    rescue"), "no admin can sign in, so one is made: {}", stdout(&created));

    let unlocked = roster_server(&db, &["unlock", "--login", "ADMIN"], None);
    assert!(unlocked.status.success(), "{unlocked:?}");
    assert!(stdout(&unlocked).contains("Unlocked ADMIN"), "{}", stdout(&unlocked));
    let again = roster_server(&db, &["unlock", "--login", "admin"], None);
    assert!(stdout(&again).contains("admin was not locked"), "{}", stdout(&again));
    let nobody = roster_server(&db, &["unlock", "--login", "nobody"], None);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("No user has the login nobody."));

    let db = roster_store::Db::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let audit = db.recent_audit(100).await.unwrap();
    let by_command = audit.iter().filter(|e| e.action == roster_domain::AuditAction::UserUnlocked).count();
    assert_eq!(by_command, 2, "each unlock from the command line is audited");
    assert!(audit.iter().any(|e| e.action == roster_domain::AuditAction::UserUnlocked && e.detail.contains("by=command_line")));
}

/// Runs `command`, which must end by itself: a server that starts serving is stopped and fails the test.
fn exits_within_a_minute(command: &mut Command) -> Output {
    use std::process::Stdio;
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    panic!("still running after a minute: {:?}", child.wait_with_output().unwrap());
}

/// A `roster-server serve` on a free port, stopped when dropped.
struct Serving {
    process: std::process::Child,
    base: String,
}

impl Serving {
    async fn start(mut command: Command) -> Serving {
        use std::process::Stdio;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        command.arg("serve").env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"));
        let process = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let serving = Serving { process, base: format!("http://127.0.0.1:{port}") };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return serving;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("roster-server did not start listening on port {port}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

/// The code an authenticator app with this base32 secret shows now.
fn authenticator_code(secret: &str) -> String {
    use totp_rs::{Algorithm, Secret, TOTP};
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "admin".into()).unwrap().generate_current().unwrap()
}

/// Opens the SQLite database at `path` directly, as a dump would read it.
async fn connect(path: &std::path::Path) -> sqlx::SqliteConnection {
    use sqlx::ConnectOptions;
    sqlx::sqlite::SqliteConnectOptions::new().filename(path).connect().await.unwrap()
}

#[test]
fn without_a_key_or_with_a_malformed_one_roster_will_not_start() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let output = command(&db).env_remove("ROSTER_SECRET_KEY").args(["create-admin", "--if-none"]).output().unwrap();
    assert!(!output.status.success(), "{output:?}");
    let message = stderr(&output);
    assert!(message.contains("no secret key"), "{message}");
    assert!(message.contains("ROSTER_SECRET_KEY") && message.contains("no-such.key"), "names both places: {message}");

    for malformed in ["not base64!", "c2hvcnQ="] {
        let output = command(&db).env("ROSTER_SECRET_KEY", malformed).args(["create-admin", "--if-none"]).output().unwrap();
        assert!(!output.status.success(), "{output:?}");
        assert!(stderr(&output).contains("ROSTER_SECRET_KEY is not a secret key"), "{}", stderr(&output));
    }
    let key_file = dir.path().join("secret.key");
    std::fs::write(&key_file, "c2hvcnQ=\n").unwrap();
    let output = command(&db)
        .env_remove("ROSTER_SECRET_KEY")
        .env("ROSTER_SECRET_KEY_FILE", &key_file)
        .args(["create-admin", "--if-none"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "{output:?}");
    assert!(stderr(&output).contains("is not a secret key"), "{}", stderr(&output));
}

#[test]
fn a_key_file_serves_as_well_as_the_variable() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let key_file = dir.path().join("secret.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let mut from_file = command(&db);
    from_file.env_remove("ROSTER_SECRET_KEY").env("ROSTER_SECRET_KEY_FILE", &key_file);
    let output = from_file.args(["create-admin", "--if-none"]).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    // The same key by the variable opens what the file's key sealed.
    assert!(roster_server(&db, &["create-admin", "--if-none"], None).status.success());
}

#[test]
fn a_wrong_key_is_refused_at_start_up_even_before_any_secret_is_stored() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    assert!(roster_server(&db, &["create-admin", "--if-none"], None).status.success());
    let output = exits_within_a_minute(command(&db).env("ROSTER_SECRET_KEY", OTHER_KEY).arg("serve"));
    assert!(!output.status.success(), "{output:?}");
    let message = stderr(&output);
    assert!(message.contains("the secret key does not open the secrets in this database"), "{message}");
    assert!(message.contains("Start Roster with the key"), "says what to do: {message}");
}

#[tokio::test]
async fn plaintext_secrets_are_sealed_at_start_up_and_rotation_reseals_them_for_the_new_key_only() {
    use sqlx::Connection;
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    assert!(roster_server(&db, &["create-admin"], Some("a good admin password")).status.success());
    // An authenticator set up before secrets were sealed.
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let mut conn = connect(&db).await;
    let insert = "INSERT INTO authenticator_apps (user_id, secret, last_step, enabled_at) SELECT id, $1, -1, 0 FROM users";
    sqlx::query(insert).bind(secret).execute(&mut conn).await.unwrap();
    sqlx::query("UPDATE users SET two_factor_enabled = TRUE").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let stored = || async {
        let mut conn = connect(&db).await;
        let stored: String = sqlx::query_scalar("SELECT secret FROM authenticator_apps").fetch_one(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        stored
    };

    assert!(roster_server(&db, &["create-admin", "--if-none"], None).status.success());
    let sealed = stored().await;
    assert!(!sealed.contains(secret), "sealed at start-up: {sealed}");

    let new_key = dir.path().join("new.key");
    let output = roster_server(&db, &["rotate-secret-key", "--new-key-file", new_key.to_str().unwrap()], None);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(text.contains("Re-sealed 1 secret"), "{text}");
    assert!(text.contains(new_key.to_str().unwrap()) && text.contains("ROSTER_SECRET_KEY"), "says what to do next: {text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&new_key).unwrap().permissions().mode() & 0o777, 0o600, "only the owner reads it");
    }
    let resealed = stored().await;
    assert!(resealed != sealed && !resealed.contains(secret), "{resealed}");

    // The old key opens nothing any more; the new one opens everything.
    let old = roster_server(&db, &["create-admin", "--if-none"], None);
    assert!(!old.status.success());
    assert!(stderr(&old).contains("does not open the secrets"), "{}", stderr(&old));
    let mut with_new = command(&db);
    with_new.env_remove("ROSTER_SECRET_KEY").env("ROSTER_SECRET_KEY_FILE", &new_key);
    let server = Serving::start(with_new).await;
    let browser = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let form = [("login", "admin"), ("password", "a good admin password")];
    let password_step = browser.post(server.url("/api/sign_in")).form(&form).send().await.unwrap();
    assert_eq!(password_step.text().await.unwrap(), "\"CodeRequired\"");
    let code = authenticator_code(secret);
    let code_step = browser.post(server.url("/api/verify_sign_in_code")).form(&[("code", &code)]).send().await.unwrap();
    assert_eq!(code_step.status(), 200, "the code of the re-sealed secret signs in: {}", code_step.text().await.unwrap());
    drop(server);

    let mut conn = connect(&db).await;
    let audited: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'secret_key.rotate'")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1, "the rotation is audited: {audited:?}");
    assert!(audited[0].starts_with("secrets=1 key_id="), "{audited:?}");
}

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn deactivate_dormant_runs_now_and_takes_only_accounts_without_a_recent_sign_in() {
    let dir = tempfile_dir();
    let db = dir.path().join("roster.db");
    let off = roster_server(&db, &["deactivate-dormant"], None);
    assert!(off.status.success(), "{off:?}");
    assert!(stdout(&off).contains("deactivate-dormant-after-days is 0"), "{}", stdout(&off));

    assert!(roster_server(&db, &["seed-demo", "--count", "3"], None).status.success());
    // Two demo users last signed in 40 days ago; the third never did but is new.
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).connect().await.unwrap();
        let long_ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 - 40 * 86_400;
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id IN (SELECT id FROM users ORDER BY id LIMIT 2)")
            .bind(long_ago)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let mut command = command(&db);
    let run = command.args(["deactivate-dormant"]).env("ROSTER_DEACTIVATE_DORMANT_AFTER_DAYS", "30").output().unwrap();
    assert!(run.status.success(), "{run:?}");
    assert!(stdout(&run).contains("Deactivated 2 accounts without a sign-in for 30 days."), "{}", stdout(&run));
    let mut command = self::command(&db);
    let again = command.args(["deactivate-dormant"]).env("ROSTER_DEACTIVATE_DORMANT_AFTER_DAYS", "30").output().unwrap();
    assert!(stdout(&again).contains("Deactivated 0 accounts"), "{}", stdout(&again));
}
