//! Merging a duplicate user into another, on every available engine: what
//! moves, what goes with the duplicate, the rules checked inside the
//! transaction, and nothing half merged when a step fails.

use roster_domain::{
    AuditAction, Email, Hours, Login, MergeRefusal, RoleId, TicketState, Timestamp, UserFields, UserId, UserSearch,
};
use roster_store::testing::{all, count, execute};
use roster_store::{AuditRecord, Backend, Db, NewTicket, NewUser, Profile, StoreError, UserQuery};

const NOW: Timestamp = Timestamp(1_795_845_000);
/// The admin merging: nobody in the database, so never one of the two.
const ADMIN: UserId = UserId(0);

fn user(login: &str, roles: &[RoleId]) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            email: Some(Email::parse(&format!("{login}@example.com")).unwrap()),
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

fn audit(duplicate: UserId) -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: Some(ADMIN),
        on_behalf_of_id: None,
        action: AuditAction::UserMerged,
        target_user_id: Some(duplicate),
        detail: String::new(),
        ip: Some("127.0.0.1".into()),
    }
}

/// Carla wrote in twice, once as `carla` and once as `carla2`: each has
/// tickets, and an agent logged hours on both; `carla2` also replied on
/// someone else's ticket.
struct Duplicates {
    carla: UserId,
    carla2: UserId,
    agent: UserId,
    other: UserId,
    carla_ticket: i64,
    carla2_tickets: Vec<i64>,
    other_ticket: i64,
}

async fn duplicates(db: &Db) -> Duplicates {
    let orgs = db.organizations_named(&["Harbour Labs", "Quartz Foods", "Atlas Bakery"], NOW).await.unwrap();
    let mut first = user("carla", &[RoleId::CUSTOMER]);
    first.profile.organization_id = Some(orgs[0]);
    let mut second = user("carla2", &[RoleId::CUSTOMER, RoleId::AGENT]);
    second.profile.organization_id = Some(orgs[1]);
    second.profile.secondary_organization_ids = vec![orgs[0], orgs[2]];
    let carla = db.insert_user(&first, NOW).await.unwrap();
    let carla2 = db.insert_user(&second, NOW).await.unwrap();
    let agent = db.insert_user(&user("arne", &[RoleId::AGENT]), NOW).await.unwrap();
    let other = db.insert_user(&user("otto", &[RoleId::CUSTOMER]), NOW).await.unwrap();
    let ticket = |customer: UserId, title: &str, articles: Vec<(UserId, String)>, hours: i64| NewTicket {
        customer,
        title: title.into(),
        state: TicketState::Open,
        articles,
        time_entries: vec![(agent, hours)],
    };
    let numbers = db
        .insert_tickets(
            &[
                ticket(carla, "Printer jams", vec![(carla, "It jams.".into())], 50),
                ticket(carla2, "VPN drops", vec![(carla2, "It drops.".into()), (agent, "On it.".into())], 25),
                ticket(carla2, "VPN again", vec![(carla2, "Again.".into())], 25),
                ticket(other, "Wrong invoice", vec![(other, "Wrong VAT.".into()), (carla2, "Same here.".into())], 100),
            ],
            NOW,
        )
        .await
        .unwrap();
    // carla2 logged an hour on the other customer's ticket too.
    let entry = format!(
        "INSERT INTO time_entries (ticket_id, user_id, centihours, created_at) \
         SELECT id, {}, 100, {} FROM tickets WHERE number = {}",
        carla2.0, NOW.0, numbers[3]
    );
    execute(db, &entry).await;
    Duplicates {
        carla,
        carla2,
        agent,
        other,
        carla_ticket: numbers[0],
        carla2_tickets: numbers[1..3].to_vec(),
        other_ticket: numbers[3],
    }
}

#[tokio::test]
async fn the_counts_say_what_moves_and_what_is_lost() {
    for t in all().await {
        let d = duplicates(&t.db).await;
        t.db.insert_session("carla2-session", d.carla2, NOW, false).await.unwrap();
        let counts = t.db.merge_counts(d.carla2, d.carla).await.unwrap();
        let moves = &counts.moves;
        assert_eq!((moves.tickets, moves.articles, moves.time_entries), (2, 3, 1), "{}", t.name);
        assert_eq!(moves.hours, Hours(100), "{}", t.name);
        assert_eq!(moves.organization, None, "{}: carla keeps her own", t.name);
        assert_eq!(
            moves.secondary_organizations,
            ["Atlas Bakery", "Quartz Foods"],
            "{}: not Harbour Labs, hers already",
            t.name
        );
        assert_eq!(moves.roles, ["Agent"], "{}", t.name);
        assert_eq!((counts.sessions, counts.two_factor), (1, false), "{}", t.name);

        let gone = t.db.merge_counts(d.carla2, UserId(999_999)).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{}: {gone:?}", t.name);
    }
}

#[tokio::test]
async fn a_merge_moves_everything_to_the_user_kept_and_deletes_the_duplicate() {
    for t in all().await {
        let d = duplicates(&t.db).await;
        t.db.insert_session("carla2-session", d.carla2, NOW, false).await.unwrap();
        t.db.insert_session("carla-session", d.carla, NOW, false).await.unwrap();
        let version = t.db.editable_user(d.carla).await.unwrap().unwrap().version;
        let rows_before = t.db.count_helpdesk_rows().await.unwrap();

        let moves = t.db.merge_users(d.carla2, d.carla, ADMIN, audit(d.carla2)).await.unwrap();
        assert_eq!((moves.tickets, moves.articles, moves.time_entries), (2, 3, 1), "{}", t.name);

        assert_eq!(t.db.editable_user(d.carla2).await.unwrap(), None, "{}: the duplicate is gone", t.name);
        assert!(t.db.credentials("carla2").await.unwrap().is_none(), "{}: with their login", t.name);
        assert_eq!(t.db.count_helpdesk_rows().await.unwrap(), rows_before, "{}: no ticket row is lost", t.name);
        let numbers: Vec<i64> = t.db.tickets_of(d.carla, 10).await.unwrap().iter().map(|t| t.number).collect();
        let mut expected = vec![d.carla_ticket];
        expected.extend(&d.carla2_tickets);
        expected.reverse();
        assert_eq!(numbers, expected, "{}: every ticket is hers, with its number", t.name);
        assert_eq!(
            t.db.article_authors(d.carla2_tickets[0]).await.unwrap(),
            [Some(d.carla), Some(d.agent)],
            "{}",
            t.name
        );
        assert_eq!(t.db.article_authors(d.other_ticket).await.unwrap(), [Some(d.other), Some(d.carla)], "{}", t.name);
        assert_eq!(
            t.db.time_entries_of(d.other_ticket).await.unwrap(),
            [(Some(d.agent), 100), (Some(d.carla), 100)],
            "{}",
            t.name
        );

        let kept = t.db.editable_user(d.carla).await.unwrap().unwrap();
        assert_eq!(kept.details.organization, "Harbour Labs", "{}: her own organization stays", t.name);
        assert_eq!(kept.details.secondary_organizations, ["Atlas Bakery", "Quartz Foods"], "{}", t.name);
        assert_eq!(kept.details.roles, [RoleId::AGENT, RoleId::CUSTOMER], "{}: both users' roles", t.name);
        assert_eq!(kept.details.email, "carla@example.com", "{}: her own email", t.name);
        assert_eq!(kept.version, version + 1, "{}: an open Edit User dialog sees the change", t.name);

        assert!(t.db.session("carla2-session").await.unwrap().is_none(), "{}: the duplicate's sessions end", t.name);
        let session = t.db.session("carla-session").await.unwrap().expect("hers stays");
        assert!(session.rotate, "{}: with new rights it gets a new id", t.name);

        // The role filter and the search follow the new roles.
        let search = UserSearch { text: "carla".into(), roles: vec![RoleId::AGENT], ..Default::default() };
        let words = search.words().unwrap();
        let query = t.db.prepare_search(UserQuery { search: &search, words: &words, now: NOW, dormant_before: Timestamp(NOW.0 - 90 * 86_400) }).await.unwrap();
        let found = t.db.search_users(&query, 10, false).await.unwrap();
        assert_eq!(found.iter().map(|f| f.0.id).collect::<Vec<_>>(), [d.carla], "{}", t.name);

        let event = t.db.recent_audit(1).await.unwrap().remove(0);
        assert_eq!(event.action, AuditAction::UserMerged, "{}", t.name);
        assert_eq!((event.actor_id, event.target_user_id), (Some(ADMIN), Some(d.carla2)), "{}", t.name);
        let detail = format!("kept={} tickets=2 articles=3 time_entries=1 organizations=2 roles=1", d.carla);
        assert_eq!(event.detail, detail, "{}: both ids and counts, no personal data", t.name);
    }
}

#[tokio::test]
async fn a_user_kept_without_an_organization_takes_the_duplicates() {
    for t in all().await {
        let d = duplicates(&t.db).await;
        let moves = t.db.merge_counts(d.carla2, d.other).await.unwrap().moves;
        assert_eq!(moves.organization.as_deref(), Some("Quartz Foods"), "{}", t.name);
        assert_eq!(moves.secondary_organizations, ["Atlas Bakery", "Harbour Labs"], "{}", t.name);

        t.db.merge_users(d.carla2, d.other, ADMIN, audit(d.carla2)).await.unwrap();
        let kept = t.db.editable_user(d.other).await.unwrap().unwrap().details;
        assert_eq!(kept.organization, "Quartz Foods", "{}", t.name);
        assert_eq!(kept.secondary_organizations, ["Atlas Bakery", "Harbour Labs"], "{}", t.name);

        // The search finds them by their new organization.
        let search = UserSearch { text: "quartz".into(), ..Default::default() };
        let words = search.words().unwrap();
        let query = t.db.prepare_search(UserQuery { search: &search, words: &words, now: NOW, dormant_before: Timestamp(NOW.0 - 90 * 86_400) }).await.unwrap();
        let found = t.db.search_users(&query, 10, false).await.unwrap();
        assert_eq!(found.iter().map(|f| f.0.id).collect::<Vec<_>>(), [d.other], "{}", t.name);
    }
}

#[tokio::test]
async fn the_rules_refuse_inside_the_transaction_and_nothing_changes() {
    for t in all().await {
        let d = duplicates(&t.db).await;
        let admin = t.db.insert_user(&user("ada", &[RoleId::ADMIN]), NOW).await.unwrap();
        let cases = [
            (d.carla2, d.carla2, ADMIN, MergeRefusal::SameUser),
            (d.carla2, d.carla, d.carla, MergeRefusal::Yourself),
            (admin, d.carla, ADMIN, MergeRefusal::Admin),
            (d.carla2, admin, ADMIN, MergeRefusal::Admin),
        ];
        for (duplicate, keep, me, refusal) in cases {
            let result = t.db.merge_users(duplicate, keep, me, audit(duplicate)).await;
            assert!(
                matches!(result, Err(StoreError::MergeRefused(r)) if r == refusal),
                "{}: {refusal:?}: {result:?}",
                t.name
            );
        }
        // While an admin views Roster as either of them.
        let viewing = format!(
            "INSERT INTO impersonations (admin_id, user_id, started_at) VALUES ({}, {}, {})",
            admin.0, d.carla.0, NOW.0
        );
        execute(&t.db, &viewing).await;
        let result = t.db.merge_users(d.carla2, d.carla, ADMIN, audit(d.carla2)).await;
        assert!(matches!(result, Err(StoreError::MergeRefused(MergeRefusal::BeingViewed))), "{}: {result:?}", t.name);

        let gone = t.db.merge_users(UserId(999_999), d.carla, ADMIN, audit(UserId(999_999))).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{}: {gone:?}", t.name);
        assert!(t.db.editable_user(d.carla2).await.unwrap().is_some(), "{}", t.name);
        assert_eq!(t.db.tickets_of(d.carla2, 10).await.unwrap().len(), 2, "{}", t.name);
        assert!(
            t.db.recent_audit(100).await.unwrap().iter().all(|e| e.action != AuditAction::UserMerged),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn a_failure_midway_through_a_merge_leaves_both_users_as_they_were() {
    for t in all().await {
        let d = duplicates(&t.db).await;
        t.db.insert_session("carla2-session", d.carla2, NOW, false).await.unwrap();
        let before = t.db.editable_user(d.carla).await.unwrap().unwrap();
        // The duplicate's row goes last: by then every row has moved.
        match t.db.backend() {
            Backend::Sqlite => {
                execute(&t.db, "CREATE TRIGGER fail BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'injected'); END")
                    .await;
            }
            Backend::Postgres => {
                execute(&t.db, "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$").await;
                execute(&t.db, "CREATE TRIGGER fail BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION fail()").await;
            }
        }
        let events_before = t.db.recent_audit(100).await.unwrap().len();
        let result = t.db.merge_users(d.carla2, d.carla, ADMIN, audit(d.carla2)).await;
        assert!(matches!(result, Err(StoreError::Database(_))), "{}: {result:?}", t.name);

        assert!(t.db.editable_user(d.carla2).await.unwrap().is_some(), "{}: the duplicate remains", t.name);
        assert_eq!(
            t.db.editable_user(d.carla).await.unwrap().unwrap(),
            before,
            "{}: the user kept is unchanged",
            t.name
        );
        assert_eq!(t.db.tickets_of(d.carla2, 10).await.unwrap().len(), 2, "{}: their tickets are theirs", t.name);
        assert_eq!(t.db.tickets_of(d.carla, 10).await.unwrap().len(), 1, "{}", t.name);
        assert_eq!(t.db.article_authors(d.other_ticket).await.unwrap()[1], Some(d.carla2), "{}", t.name);
        let entries = format!("SELECT COUNT(*) FROM time_entries WHERE user_id = {}", d.carla2.0);
        assert_eq!(count(&t.db, &entries).await, 1, "{}: their hours are theirs", t.name);
        assert!(t.db.session("carla2-session").await.unwrap().is_some(), "{}", t.name);
        assert_eq!(t.db.recent_audit(100).await.unwrap().len(), events_before, "{}: no audit event", t.name);
    }
}
