//! Editing and deleting users, on every available engine: versions refuse
//! stale saves, an active admin always remains, and a deletion takes the
//! user's tickets with it in one transaction, or nothing at all.

use roster_domain::{UserSort, role_ids, AuditAction, BulkAction, BulkRefusal, Email, Login, RoleId, TicketState, Timestamp, UserFields, UserId, UserSearch};
use roster_store::testing::{all, execute, rules_for};
use roster_store::{AuditRecord, Backend, Db, NewTicket, NewUser, Profile, StoreError, UserQuery, UserUpdate};

const NOW: Timestamp = Timestamp(1_795_845_000);
/// The "No sign-in for 90 days" line at `NOW`.
const DORMANT_BEFORE: Timestamp = Timestamp(NOW.0 - 90 * 86_400);

fn user(login: &str, roles: &[RoleId]) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
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

/// The update that writes back what `id` has now, with `change` applied.
async fn update_of(db: &Db, id: UserId, change: impl FnOnce(&mut UserUpdate)) -> (i64, UserUpdate) {
    let user = db.editable_user(id).await.unwrap().unwrap();
    let d = user.details;
    let mut update = UserUpdate {
        login: Login::parse(&d.login).unwrap(),
        profile: Profile {
            email: (!d.email.is_empty()).then(|| Email::parse(&d.email).unwrap()),
            active: d.active,
            fields: d.fields,
            ..Profile::default()
        },
        roles: d.roles,
        password_hash: None,
    };
    change(&mut update);
    (user.version, update)
}

fn audit(actor: UserId, target: UserId) -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: Some(actor),
        on_behalf_of_id: None,
        action: AuditAction::UserDeleted,
        target_user_id: Some(target),
        detail: String::new(),
        ip: Some("127.0.0.1".into()),
    }
}

/// The audit row of an edit of `target`.
fn edited(target: UserId) -> AuditRecord {
    AuditRecord { action: AuditAction::UserUpdated, ..audit(target, target) }
}

/// Plain fields each holding a value of its own, the address on two lines.
fn every_field_set(tag: &str) -> UserFields {
    let mut fields = UserFields::default();
    for (value, rule) in fields.values_mut().into_iter().zip(UserFields::RULES) {
        *value = format!("{tag} {}", rule.name);
    }
    fields.address = format!("{tag}\naddress");
    fields
}

#[tokio::test]
async fn every_field_is_stored_and_read_back_for_editing() {
    for t in all().await {
        let orgs = t.db.organizations_named(&["Harbour Labs", "Quartz Foods", "Atlas Bakery"], NOW).await.unwrap();
        let new = NewUser {
            login: Login::parse("Nina.B").unwrap(),
            profile: Profile {
                email: Some(Email::parse("Nina@Example.com").unwrap()),
                organization_id: Some(orgs[0]),
                secondary_organization_ids: vec![orgs[2], orgs[1]],
                vip: true,
                active: false,
                must_change_password: Some(true),
                fields: every_field_set("first"),
            },
            password_hash: None,
            roles: vec![RoleId::AGENT, RoleId::CUSTOMER],
        };
        let id = t.db.insert_user(&new, NOW).await.unwrap();
        let stored = t.db.editable_user(id).await.unwrap().expect("the user exists");
        let d = &stored.details;
        assert_eq!(stored.version, 1, "{}", t.name);
        assert!(!stored.has_password, "{}", t.name);
        assert_eq!((d.login.as_str(), d.email.as_str()), ("Nina.B", "Nina@Example.com"), "{}", t.name);
        assert_eq!(d.fields, new.profile.fields, "{}: every plain field as stored", t.name);
        assert_eq!(d.organization, "Harbour Labs", "{}", t.name);
        assert_eq!(d.secondary_organizations, ["Atlas Bakery", "Quartz Foods"], "{}: by name", t.name);
        assert!(d.vip && !d.active && d.must_change_password, "{}", t.name);
        assert_eq!(d.roles, [RoleId::AGENT, RoleId::CUSTOMER], "{}", t.name);
        assert!(d.password.0.is_empty(), "{}: never read back", t.name);
        assert_eq!(t.db.editable_user(UserId(999_999)).await.unwrap(), None, "{}", t.name);

        let (version, update) = update_of(&t.db, id, |u| u.profile.fields = every_field_set("edited")).await;
        t.db.update_user(id, version, &update, &edited(id)).await.unwrap();
        let edited = t.db.editable_user(id).await.unwrap().unwrap().details;
        assert_eq!(edited.fields, update.profile.fields, "{}: every plain field as saved", t.name);
        assert!(edited.must_change_password, "{}: an edit that does not say keeps the flag", t.name);
        let (version, update) = update_of(&t.db, id, |u| u.profile.must_change_password = Some(false)).await;
        t.db.update_user(id, version, &update, &audit(id, id)).await.unwrap();
        assert!(!t.db.editable_user(id).await.unwrap().unwrap().details.must_change_password, "{}", t.name);
    }
}

#[tokio::test]
async fn a_save_from_an_old_version_is_refused_and_the_first_save_survives() {
    for t in all().await {
        let id = t.db.insert_user(&user("olga", &[RoleId::CUSTOMER]), NOW).await.unwrap();
        let (version, first) = update_of(&t.db, id, |u| u.profile.fields.city = "Oslo".into()).await;
        let (_, second) = update_of(&t.db, id, |u| u.profile.fields.city = "Bergen".into()).await;

        assert_eq!(t.db.update_user(id, version, &first, &edited(id)).await.unwrap(), version + 1, "{}", t.name);
        let stale = t.db.update_user(id, version, &second, &edited(id)).await;
        assert!(matches!(stale, Err(StoreError::Conflict)), "{}: {stale:?}", t.name);
        let stored = t.db.editable_user(id).await.unwrap().unwrap();
        assert_eq!((stored.details.fields.city.as_str(), stored.version), ("Oslo", version + 1), "{}", t.name);

        let gone = t.db.update_user(UserId(999_999), 1, &first, &edited(UserId(999_999))).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{}: {gone:?}", t.name);
    }
}

#[tokio::test]
async fn an_edit_changes_roles_keeps_the_password_and_updates_the_search() {
    for t in all().await {
        let id = t.db.insert_user(&user("pablo", &[RoleId::CUSTOMER]), NOW).await.unwrap();
        let (version, update) = update_of(&t.db, id, |u| {
            u.profile.fields.last_name = "Quintanilla".into();
            u.roles = vec![RoleId::AGENT];
        })
        .await;
        t.db.update_user(id, version, &update, &edited(id)).await.unwrap();
        assert!(t.db.credentials("pablo").await.unwrap().unwrap().password_hash.is_some(), "{}", t.name);

        let search = UserSearch { text: "quintan".into(), roles: vec![RoleId::AGENT], ..Default::default() };
        let words = search.words().unwrap();
        let query = UserQuery { search: &search, words: &words, now: NOW, dormant_before: DORMANT_BEFORE };
        let query = t.db.prepare_search(query).await.unwrap();
        let found = t.db.search_users(&query, 10, false).await.unwrap();
        assert_eq!(found.len(), 1, "{}: the index follows the edit", t.name);
        assert_eq!(role_ids(&found[0].0.roles), [RoleId::AGENT], "{}", t.name);

        // A short word, in login order, a page of one: the renamed login
        // now sorts first, whatever it sorted as before.
        let mut otto = user("otto", &[RoleId::CUSTOMER]);
        otto.profile.fields.last_name = "Quast".into();
        t.db.insert_user(&otto, NOW).await.unwrap();
        let (version, update) = update_of(&t.db, id, |u| u.login = Login::parse("aa-pablo").unwrap()).await;
        t.db.update_user(id, version, &update, &edited(id)).await.unwrap();
        let search = UserSearch { text: "q".into(), sort: UserSort::Login, ..Default::default() };
        let words = search.words().unwrap();
        let query = t.db.prepare_search(UserQuery { search: &search, words: &words, now: NOW, dormant_before: DORMANT_BEFORE }).await.unwrap();
        let first = t.db.search_users(&query, 1, false).await.unwrap();
        assert_eq!(first[0].0.login, "aa-pablo", "{}: the login order follows the edit", t.name);
    }
}

#[tokio::test]
async fn login_and_email_stay_unique_on_edit() {
    for t in all().await {
        t.db.insert_user(&user("taken", &[RoleId::CUSTOMER]), NOW).await.unwrap();
        let id = t.db.insert_user(&user("free", &[RoleId::CUSTOMER]), NOW).await.unwrap();
        let (version, update) = update_of(&t.db, id, |u| u.login = Login::parse("TAKEN").unwrap()).await;
        let result = t.db.update_user(id, version, &update, &edited(id)).await;
        assert!(matches!(result, Err(StoreError::Duplicate { field: "login" })), "{}: {result:?}", t.name);
        assert_eq!(t.db.editable_user(id).await.unwrap().unwrap().version, version, "{}: nothing saved", t.name);
    }
}

#[tokio::test]
async fn the_last_active_admin_stays_an_active_admin() {
    for t in all().await {
        let ada = t.db.insert_user(&user("ada", &[RoleId::ADMIN]), NOW).await.unwrap();
        for change in [
            Box::new(|u: &mut UserUpdate| u.roles = vec![RoleId::AGENT]) as Box<dyn FnOnce(&mut UserUpdate)>,
            Box::new(|u: &mut UserUpdate| u.profile.active = false),
        ] {
            let (version, update) = update_of(&t.db, ada, change).await;
            let result = t.db.update_user(ada, version, &update, &edited(ada)).await;
            assert!(matches!(result, Err(StoreError::LastAdmin)), "{}: {result:?}", t.name);
        }
        assert_eq!(t.db.count_active_admins(10, NOW).await.unwrap(), 1, "{}", t.name);
        let result = t.db.delete_user(ada, &mut rules_for(BulkAction::Delete), audit(ada, ada)).await;
        assert!(matches!(result, Err(StoreError::Refused(BulkRefusal::LastAdmin))), "{}: {result:?}", t.name);
        assert!(t.db.editable_user(ada).await.unwrap().is_some(), "{}", t.name);

        // A second admin whom failed sign-ins lock out is no admin to leave in charge…
        let bea = t.db.insert_user(&user("bea", &[RoleId::ADMIN]), NOW).await.unwrap();
        execute(&t.db, &format!("UPDATE users SET locked_until = {} WHERE id = {}", NOW.0 + 60, bea.0)).await;
        assert_eq!(t.db.count_active_admins(10, NOW).await.unwrap(), 1, "{}", t.name);
        let (version, update) = update_of(&t.db, ada, |u| u.roles = vec![RoleId::AGENT]).await;
        let result = t.db.update_user(ada, version, &update, &edited(ada)).await;
        assert!(matches!(result, Err(StoreError::LastAdmin)), "{}: {result:?}", t.name);
        let result = t.db.delete_user(ada, &mut rules_for(BulkAction::Delete), audit(ada, ada)).await;
        assert!(matches!(result, Err(StoreError::Refused(BulkRefusal::LastAdmin))), "{}: {result:?}", t.name);

        // …until the lock lifts: then either may step down.
        let later = Timestamp(NOW.0 + 60);
        assert_eq!(t.db.count_active_admins(10, later).await.unwrap(), 2, "{}", t.name);
        t.db.update_user(ada, version, &update, &AuditRecord { at: later, ..edited(ada) }).await.unwrap();
        assert_eq!(t.db.count_active_admins(10, later).await.unwrap(), 1, "{}", t.name);
    }
}

/// A customer with two tickets answered by an agent, and a second customer
/// whose ticket the agent and the first customer both wrote on.
struct Helpdesk {
    admin: UserId,
    customer: UserId,
    agent: UserId,
    other: UserId,
    customer_tickets: Vec<i64>,
    other_ticket: i64,
}

async fn helpdesk(db: &Db) -> Helpdesk {
    let admin = db.insert_user(&user("admin", &[RoleId::ADMIN]), NOW).await.unwrap();
    let customer = db.insert_user(&user("carla", &[RoleId::CUSTOMER]), NOW).await.unwrap();
    let agent = db.insert_user(&user("arne", &[RoleId::AGENT]), NOW).await.unwrap();
    let other = db.insert_user(&user("otto", &[RoleId::CUSTOMER]), NOW).await.unwrap();
    let ticket = |customer: UserId, title: &str, articles: Vec<(UserId, String)>| NewTicket {
        customer,
        title: title.into(),
        state: TicketState::Open,
        articles,
        time_entries: vec![(agent, 50)],
    };
    let numbers = db
        .insert_tickets(
            &[
                ticket(customer, "Printer jams", vec![(customer, "It jams.".into()), (agent, "On it.".into())]),
                ticket(customer, "VPN drops", vec![(customer, "It drops.".into())]),
                ticket(other, "Wrong invoice", vec![(other, "Wrong VAT.".into()), (agent, "Fixed.".into()), (customer, "Same here.".into())]),
            ],
            NOW,
        )
        .await
        .unwrap();
    Helpdesk { admin, customer, agent, other, customer_tickets: numbers[..2].to_vec(), other_ticket: numbers[2] }
}

#[tokio::test]
async fn deleting_a_customer_takes_their_tickets_and_keeps_what_they_wrote_elsewhere() {
    for t in all().await {
        let h = helpdesk(&t.db).await;
        t.db.insert_session("customer-session", h.customer, NOW, false).await.unwrap();
        let counts = t.db.deletion_counts(h.customer).await.unwrap();
        assert_eq!((counts.tickets, counts.kept_articles, counts.kept_time_entries), (2, 1, 0), "{}", t.name);
        let preview = t.db.tickets_of(h.customer, 5).await.unwrap();
        assert_eq!(preview.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["VPN drops", "Printer jams"]);
        assert_eq!(preview[1].number, h.customer_tickets[0], "{}", t.name);

        assert_eq!(t.db.delete_user(h.customer, &mut rules_for(BulkAction::Delete), audit(h.admin, h.customer)).await.unwrap(), 2, "{}", t.name);
        assert_eq!(t.db.editable_user(h.customer).await.unwrap(), None, "{}", t.name);
        assert_eq!(t.db.count_helpdesk_rows().await.unwrap(), (1, 3, 1), "{}: only the other ticket remains", t.name);
        assert!(t.db.tickets_of(h.customer, 5).await.unwrap().is_empty(), "{}", t.name);
        assert_eq!(
            t.db.article_authors(h.other_ticket).await.unwrap(),
            [Some(h.other), Some(h.agent), None],
            "{}: the deleted customer's reply stays, without author",
            t.name
        );
        assert!(t.db.session("customer-session").await.unwrap().is_none(), "{}", t.name);
        if t.db.backend() == Backend::Sqlite {
            // Nor anything the search kept of them.
            for table in ["user_search_text", "user_name_keys", "user_login_keys", "user_email_keys", "user_last_sign_in_keys"] {
                let sql = format!("SELECT COUNT(*) FROM {table} WHERE user_id = {}", h.customer.0);
                assert_eq!(roster_store::testing::count(&t.db, &sql).await, 0, "{table}");
            }
        }

        let event = t.db.recent_audit(1).await.unwrap().remove(0);
        assert_eq!(event.action, AuditAction::UserDeleted, "{}", t.name);
        assert_eq!((event.actor_id, event.target_user_id), (Some(h.admin), Some(h.customer)), "{}", t.name);
        assert_eq!(event.detail, "tickets=2", "{}: ids and counts, no personal data", t.name);
    }
}

#[tokio::test]
async fn deleting_an_agent_keeps_their_replies_and_hours_as_a_deleted_user() {
    for t in all().await {
        let h = helpdesk(&t.db).await;
        let counts = t.db.deletion_counts(h.agent).await.unwrap();
        assert_eq!((counts.tickets, counts.kept_articles, counts.kept_time_entries), (0, 2, 3), "{}", t.name);
        assert_eq!(t.db.delete_user(h.agent, &mut rules_for(BulkAction::Delete), audit(h.admin, h.agent)).await.unwrap(), 0, "{}", t.name);
        assert_eq!(t.db.count_helpdesk_rows().await.unwrap(), (3, 6, 3), "{}: nothing else is deleted", t.name);
        assert_eq!(t.db.article_authors(h.customer_tickets[0]).await.unwrap(), [Some(h.customer), None], "{}", t.name);
        assert_eq!(t.db.time_entries_of(h.other_ticket).await.unwrap(), [(None, 50)], "{}", t.name);
    }
}

#[tokio::test]
async fn a_failure_midway_through_a_deletion_leaves_everything_in_place() {
    for t in all().await {
        let h = helpdesk(&t.db).await;
        t.db.insert_session("customer-session", h.customer, NOW, false).await.unwrap();
        // The user row goes last: by then tickets, articles and sessions are gone.
        match t.db.backend() {
            Backend::Sqlite => {
                execute(&t.db, "CREATE TRIGGER fail BEFORE DELETE ON users BEGIN SELECT RAISE(ABORT, 'injected'); END").await;
            }
            Backend::Postgres => {
                execute(&t.db, "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$").await;
                execute(&t.db, "CREATE TRIGGER fail BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION fail()").await;
            }
        }
        let events_before = t.db.recent_audit(100).await.unwrap().len();
        let result = t.db.delete_user(h.customer, &mut rules_for(BulkAction::Delete), audit(h.admin, h.customer)).await;
        assert!(matches!(result, Err(StoreError::Database(_))), "{}: {result:?}", t.name);

        assert!(t.db.editable_user(h.customer).await.unwrap().is_some(), "{}", t.name);
        assert_eq!(t.db.count_helpdesk_rows().await.unwrap(), (3, 6, 3), "{}: every ticket row remains", t.name);
        assert_eq!(t.db.tickets_of(h.customer, 5).await.unwrap().len(), 2, "{}", t.name);
        assert_eq!(t.db.article_authors(h.other_ticket).await.unwrap()[2], Some(h.customer), "{}", t.name);
        assert!(t.db.session("customer-session").await.unwrap().is_some(), "{}", t.name);
        assert_eq!(t.db.recent_audit(100).await.unwrap().len(), events_before, "{}: no audit event", t.name);
    }
}

#[tokio::test]
async fn deleting_someone_who_is_gone_is_not_found() {
    for t in all().await {
        let admin = t.db.insert_user(&user("admin", &[RoleId::ADMIN]), NOW).await.unwrap();
        let result = t.db.delete_user(UserId(999_999), &mut rules_for(BulkAction::Delete), audit(admin, UserId(999_999))).await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{}: {result:?}", t.name);
        assert!(matches!(t.db.deletion_counts(UserId(999_999)).await, Err(StoreError::NotFound)), "{}", t.name);
    }
}

#[tokio::test]
async fn organization_suggestions_put_prefixes_first_and_take_percent_literally() {
    for t in all().await {
        t.db.organizations_named(&["Harbour Labs", "Atlas Harbour", "Harbinger 100% Foods", "Quartz"], NOW).await.unwrap();
        let found = t.db.organizations_matching("HARB", 10).await.unwrap();
        assert_eq!(found, ["Harbinger 100% Foods", "Harbour Labs", "Atlas Harbour"], "{}", t.name);
        assert_eq!(t.db.organizations_matching("0%", 10).await.unwrap(), ["Harbinger 100% Foods"], "{}", t.name);
        assert_eq!(t.db.organizations_matching("harbour", 1).await.unwrap(), ["Harbour Labs"], "{}", t.name);
    }
}

#[tokio::test]
async fn text_postgresql_cannot_store_is_told_apart_from_a_failure() {
    for t in all().await {
        let result = t.db.organizations_matching("Harbour\0Labs", 10).await;
        match t.db.backend() {
            // SQLite takes NUL like any other character; nothing matches.
            Backend::Sqlite => assert_eq!(result.unwrap(), Vec::<String>::new()),
            Backend::Postgres => assert!(result.is_err_and(|e| e.is_unstorable_text()), "{}", t.name),
        }
    }
}
