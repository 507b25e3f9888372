//! Storage behaviour, run against every available engine.

use roster_domain::{
    role_ids, AuditAction, Email, Login, PageCursor, RoleId, Timestamp, UserFields, UserId, UserRow, UserSearch,
};
use roster_store::testing::all;
use roster_store::{AuditRecord, Db, NewUser, Profile, StoreError, UserQuery};

fn user(login: &str, email: Option<&str>, roles: &[RoleId]) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            email: email.map(|e| Email::parse(e).unwrap()),
            fields: UserFields {
                first_name: format!("First {login}"),
                last_name: "Last".into(),
                ..UserFields::default()
            },
            ..Profile::default()
        },
        password_hash: Some("$argon2id$stand-in".into()),
        roles: roles.to_vec(),
    }
}

const NOW: Timestamp = Timestamp(1_795_845_000);

/// Up to `limit` users older than `after`, newest first.
async fn newest(db: &Db, after: Option<UserId>, limit: i64) -> Vec<UserRow> {
    let search = UserSearch { after: after.map(|id| PageCursor { id, key: String::new() }), ..Default::default() };
    let query = UserQuery { search: &search, words: &[], now: NOW, dormant_before: Timestamp(NOW.0 - 90 * 86_400) };
    let query = db.prepare_search(query).await.unwrap();
    db.search_users(&query, limit, false).await.unwrap().into_iter().map(|(row, _)| row).collect()
}

#[tokio::test]
async fn inserted_users_come_back_newest_first_with_roles() {
    for t in all().await {
        let a = t.db.insert_user(&user("alice", Some("alice@example.com"), &[RoleId::ADMIN]), NOW).await.unwrap();
        let b = t.db.insert_user(&user("bob", None, &[RoleId::AGENT, RoleId::CUSTOMER]), NOW).await.unwrap();
        assert!(b > a, "{}: ids grow with creation", t.name);

        let rows = newest(&t.db, None, 10).await;
        let logins: Vec<_> = rows.iter().map(|r| r.login.as_str()).collect();
        assert_eq!(logins, ["bob", "alice"], "{}", t.name);
        assert_eq!(role_ids(&rows[0].roles), [RoleId::AGENT, RoleId::CUSTOMER], "{}", t.name);
        assert_eq!(role_ids(&rows[1].roles), [RoleId::ADMIN], "{}", t.name);
        assert_eq!(rows[1].email.as_deref(), Some("alice@example.com"), "{}", t.name);
        assert_eq!(rows[1].created_at, NOW, "{}", t.name);

        let older = newest(&t.db, Some(b), 10).await;
        assert_eq!(older.len(), 1, "{}", t.name);
        assert_eq!(older[0].id, a, "{}", t.name);
        assert_eq!(t.db.count_users().await.unwrap(), 2, "{}", t.name);
        assert_eq!(t.db.count_active_admins(10, NOW).await.unwrap(), 1, "{}", t.name);
    }
}

#[tokio::test]
async fn active_admins_are_counted_up_to_the_cap_and_never_the_inactive_or_other_roles() {
    for t in all().await {
        for login in ["ada", "bea", "cem"] {
            t.db.insert_user(&user(login, None, &[RoleId::ADMIN, RoleId::AGENT]), NOW).await.unwrap();
        }
        t.db.insert_user(&user("dan", None, &[RoleId::AGENT]), NOW).await.unwrap();
        let mut inactive = user("eve", None, &[RoleId::ADMIN]);
        inactive.profile.active = false;
        t.db.insert_user(&inactive, NOW).await.unwrap();
        assert_eq!(t.db.count_active_admins(10, NOW).await.unwrap(), 3, "{}", t.name);
        assert_eq!(t.db.count_active_admins(2, NOW).await.unwrap(), 2, "{}: two means two or more", t.name);
    }
}

#[tokio::test]
async fn login_and_email_are_unique_case_insensitively() {
    for t in all().await {
        t.db.insert_user(&user("Carol", Some("Carol@Example.com"), &[RoleId::CUSTOMER]), NOW).await.unwrap();
        let same_login = t.db.insert_user(&user("cAROL", None, &[RoleId::CUSTOMER]), NOW).await;
        assert!(matches!(same_login, Err(StoreError::Duplicate { field: "login" })), "{}: {same_login:?}", t.name);
        let same_email = t.db.insert_user(&user("carol2", Some("carol@example.COM"), &[RoleId::CUSTOMER]), NOW).await;
        assert!(matches!(same_email, Err(StoreError::Duplicate { field: "email" })), "{}: {same_email:?}", t.name);
        assert_eq!(t.db.count_users().await.unwrap(), 1, "{}: the refused inserts left nothing behind", t.name);
    }
}

#[tokio::test]
async fn credentials_are_found_by_login_or_email_in_any_case() {
    for t in all().await {
        let id = t.db.insert_user(&user("dave", Some("dave@example.com"), &[RoleId::AGENT]), NOW).await.unwrap();
        for key in ["dave", "DAVE", "Dave@Example.com", " dave "] {
            let c = t.db.credentials(key).await.unwrap().unwrap_or_else(|| panic!("{}: {key}", t.name));
            assert_eq!(c.id, id);
            assert!(c.active);
            assert_eq!(c.password_hash.as_deref(), Some("$argon2id$stand-in"));
        }
        assert!(t.db.credentials("nobody").await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn bulk_insert_keeps_input_order_across_chunks() {
    for t in all().await {
        let users: Vec<_> = (0..1_203).map(|i| user(&format!("user{i:05}"), None, &[RoleId::CUSTOMER])).collect();
        let ids = t.db.insert_users(&users, NOW).await.unwrap();
        assert_eq!(ids.len(), 1_203);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{}: ids follow input order", t.name);
        let newest = newest(&t.db, None, 1).await;
        assert_eq!(newest[0].login, "user01202", "{}", t.name);
        assert_eq!(role_ids(&newest[0].roles), [RoleId::CUSTOMER], "{}", t.name);
    }
}

#[tokio::test]
async fn sessions_are_stored_touched_and_ended() {
    for t in all().await {
        let id = t.db.insert_user(&user("erin", None, &[RoleId::CUSTOMER]), NOW).await.unwrap();
        t.db.insert_session("hash-1", id, NOW, false).await.unwrap();
        t.db.insert_session("hash-2", id, NOW, false).await.unwrap();
        let s = t.db.session("hash-1").await.unwrap().unwrap();
        assert_eq!((s.user_id, s.impersonator_id, s.created_at), (id, None, NOW), "{}", t.name);

        t.db.touch_session("hash-1", Timestamp(NOW.0 + 90), &Default::default()).await.unwrap();
        assert_eq!(t.db.session("hash-1").await.unwrap().unwrap().last_seen_at, Timestamp(NOW.0 + 90));

        assert!(t.db.delete_session("hash-1").await.unwrap());
        assert!(!t.db.delete_session("hash-1").await.unwrap(), "{}: already gone", t.name);
        assert_eq!(t.db.delete_user_sessions(id).await.unwrap(), 1, "{}", t.name);
        assert!(t.db.session("hash-2").await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn current_user_carries_name_and_roles_of_existing_users() {
    for t in all().await {
        let id = t.db.insert_user(&user("frank", None, &[RoleId::ADMIN]), NOW).await.unwrap();
        let current = t.db.current_user(id, None).await.unwrap().unwrap();
        assert_eq!(current.display_name, "First frank Last");
        assert_eq!(role_ids(&current.roles), [RoleId::ADMIN]);
        assert!(t.db.current_user(UserId(id.0 + 1000), None).await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn audit_events_are_recorded_newest_first() {
    for t in all().await {
        for (i, action) in [AuditAction::SignInFailed, AuditAction::SignedIn].into_iter().enumerate() {
            let record = AuditRecord {
                at: Timestamp(NOW.0 + i as i64),
                actor_id: Some(UserId(7)),
                on_behalf_of_id: None,
                action,
                target_user_id: Some(UserId(7)),
                detail: String::new(),
                ip: Some("127.0.0.1".into()),
            };
            t.db.record_audit(&record).await.unwrap();
        }
        let events = t.db.recent_audit(10).await.unwrap();
        let actions: Vec<_> = events.iter().map(|e| e.action).collect();
        assert_eq!(actions, [AuditAction::SignedIn, AuditAction::SignInFailed], "{}", t.name);
    }
}

/// A request can be dropped at any await: its client went away, or a
/// timeout fired. One dropped while its transaction begins must leave no
/// transaction open on the connection the next request gets; else that
/// request's writes land in it, unseen by anyone else, and are lost when the
/// connection closes. Here the write is a failed sign-in, which the lockout
/// counts across every server instance. PostgreSQL only: SQLite's BEGIN
/// cannot be slowed to make the cut land inside it.
#[tokio::test]
async fn a_request_dropped_while_its_transaction_begins_leaves_the_next_write_seen_by_all() {
    // One connection: the write below gets the one the dropped request had.
    let Some(t) = roster_store::testing::postgres_with_connections(1).await else { return };
    let id = t.db.insert_user(&user("nina", None, &[RoleId::AGENT]), NOW).await.unwrap();

    roster_store::testing::drop_a_transaction_while_it_begins(&t.db).await;
    assert_eq!(t.db.record_failed_sign_in(id, NOW).await.unwrap().map(|c| c.failures), Some(1));

    let seen = t.count_from_outside(&format!("SELECT failed_logins::bigint FROM users WHERE id = {}", id.0)).await;
    assert_eq!(seen, 1, "the failed sign-in is seen outside the pool");
    let open = "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = current_setting('application_name') \
                AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'";
    assert_eq!(t.count_from_outside(open).await, 0, "no connection is left inside a transaction");
}

/// SQLite reads the database file through memory mapping, so a search that
/// looks up thousands of users' documents reads them in place (BENCHMARKS.md:
/// the corners' p99 at a million users went from 108 to 72 ms with it).
#[tokio::test]
async fn sqlite_reads_the_database_through_memory_mapping() {
    let t = roster_store::testing::sqlite().await;
    let roster_store::Pool::Sqlite(pool) = t.db.pool() else { panic!("a SQLite database") };
    // Every connection of the pool, not only the first.
    let mut connections = Vec::new();
    for _ in 0..3 {
        connections.push(pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let mapped: i64 = sqlx::query_scalar("PRAGMA mmap_size").fetch_one(connection.as_mut()).await.unwrap();
        assert!(mapped >= 1 << 30, "mmap_size is {mapped}");
    }
}

/// A connection the database ended while it sat idle in the pool (a
/// restart, a firewall, an administrator) is found out before it is handed
/// out, and replaced: the very next statements all succeed. (Pinging only
/// connections idle for a second, to save the round trip, failed this.)
#[tokio::test]
async fn connections_the_database_ended_while_idle_are_replaced_before_use() {
    let Some(t) = roster_store::testing::postgres().await else { return };
    let roster_store::Pool::Postgres(pool) = t.db.pool() else { panic!("a PostgreSQL database") };
    let held: Vec<_> = futures::future::join_all((0..4).map(|_| pool.acquire())).await;
    drop(held);
    let ended = roster_store::testing::terminate_connections(&t.db).await;
    assert!(ended >= 3, "the idle connections were ended ({ended})");
    // Their server processes take a moment to exit.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let asked = (0..4).map(|_| async {
        let mut connection = pool.acquire().await?;
        let one: i64 = sqlx::query_scalar("SELECT 1::bigint").fetch_one(connection.as_mut()).await?;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Ok::<i64, sqlx::Error>(one)
    });
    for answer in futures::future::join_all(asked).await {
        assert_eq!(answer.expect("a fresh connection answers"), 1);
    }
}

/// Starting Roster analyses `users` when the index of short words has no
/// statistics yet (a migration or a halted bulk load built it anew): the
/// planner, which picks how a short word is found, knows its keys only
/// from them, and autovacuum analyses after rows change, not after an
/// index is built.
#[tokio::test]
async fn starting_up_gives_a_rebuilt_index_of_short_words_its_statistics() {
    let Some(t) = roster_store::testing::postgres().await else { return };
    for i in 0..30 {
        t.db.insert_user(&user(&format!("ünal{i}"), None, &[RoleId::CUSTOMER]), NOW).await.unwrap();
    }
    for index in ["users_search_characters", "users_search_pairs"] {
        let stats = format!("SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = '{index}'");
        roster_store::testing::execute(&t.db, &format!("DROP INDEX {index}")).await;
        t.db.migrate().await.unwrap();
        assert!(roster_store::testing::count(&t.db, &stats).await > 0, "the rebuilt {index} has statistics");
    }
}
