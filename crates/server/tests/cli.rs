//! The `roster-server` command line, run as a real process against SQLite.

use std::process::{Command, Output};

fn roster_server(db_path: &std::path::Path, args: &[&str], password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster-server"));
    command
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db_path.display()))
        .env("ROSTER_CONFIG", "/nonexistent/Leptos.toml")
        // Never the port a running Roster may hold.
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env_remove("ROSTER_ADMIN_PASSWORD");
    if let Some(password) = password {
        command.env("ROSTER_ADMIN_PASSWORD", password);
    }
    command.output().expect("roster-server runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
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
    use roster_service::{Clock, PasswordHasher, Roster, Settings};
    let db = roster_store::Db::connect(&format!("sqlite://{}", db_path.display())).await.unwrap();
    let roster = Roster::new(db.clone(), Settings::default(), PasswordHasher::owasp(), Clock::System);
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

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
