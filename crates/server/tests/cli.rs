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
    assert!(stdout(&again).contains("An admin exists already"), "{}", stdout(&again));
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

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}
