//! Tickets as customers and agents work on them, on every available
//! engine: lists by customer and in pages, replies, hours and state.

use roster_domain::{AuditAction, BulkAction, Hours, Login, RoleId, TicketState, Timestamp, UserFields, UserId};
use roster_store::testing::{all, rules_for};
use roster_store::{AuditRecord, Db, NewTicket, NewUser, Profile};

const NOW: Timestamp = Timestamp(1_795_845_000);

/// The audit row a ticket change writes with itself.
fn audit(at: Timestamp) -> AuditRecord {
    AuditRecord {
        at,
        actor_id: None,
        on_behalf_of_id: None,
        action: AuditAction::TicketReplied,
        target_user_id: None,
        detail: String::new(),
        ip: None,
    }
}

async fn user(db: &Db, login: &str, first_name: &str, role: RoleId) -> UserId {
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: first_name.into(), last_name: "Test".into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: None,
        roles: vec![role],
    };
    db.insert_user(&user, NOW).await.unwrap()
}

fn ticket(customer: UserId, title: &str) -> NewTicket {
    NewTicket {
        customer,
        title: title.into(),
        state: TicketState::New,
        articles: vec![(customer, format!("{title}, please help"))],
        time_entries: vec![],
    }
}

#[tokio::test]
async fn lists_show_a_customers_own_tickets_or_all_newest_first_in_pages() {
    for t in all().await {
        let cara = user(&t.db, "cara", "Cara", RoleId::CUSTOMER).await;
        let dan = user(&t.db, "dan", "", RoleId::CUSTOMER).await;
        let tickets: Vec<NewTicket> =
            (0..7).map(|i| ticket(if i % 2 == 0 { cara } else { dan }, &format!("Issue {i}"))).collect();
        let numbers = t.db.insert_tickets(&tickets, NOW).await.unwrap();

        let caras = t.db.tickets_page(Some(cara), None, 10).await.unwrap();
        let titles: Vec<&str> = caras.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["Issue 6", "Issue 4", "Issue 2", "Issue 0"], "{}", t.name);
        assert!(caras.iter().all(|t| t.customer == "Cara Test"), "{}", t.name);
        let dans = t.db.tickets_page(Some(dan), None, 10).await.unwrap();
        assert_eq!(dans[0].customer, "Test", "{}: the name as far as there is one", t.name);

        let first = t.db.tickets_page(None, None, 3).await.unwrap();
        let second = t.db.tickets_page(None, Some(first[2].number), 3).await.unwrap();
        let third = t.db.tickets_page(None, Some(second[2].number), 3).await.unwrap();
        let walked: Vec<i64> = first.iter().chain(&second).chain(&third).map(|t| t.number).collect();
        let mut expected = numbers.clone();
        expected.reverse();
        assert_eq!(walked, expected, "{}: every ticket once, newest first", t.name);
    }
}

#[tokio::test]
async fn replies_hours_and_states_are_kept_with_who_did_them() {
    for t in all().await {
        let cara = user(&t.db, "cara", "Cara", RoleId::CUSTOMER).await;
        let abe = user(&t.db, "abe", "Abe", RoleId::AGENT).await;
        let number = t.db.open_ticket(cara, "Printer on fire", "Smoke everywhere", NOW, |_| audit(NOW)).await.unwrap();
        let second = t.db.open_ticket(cara, "Still on fire", "More smoke", NOW, |_| audit(NOW)).await.unwrap();
        assert_eq!(second, number + 1, "{}", t.name);

        let record = t.db.ticket(number).await.unwrap().unwrap();
        assert_eq!((record.customer_id, record.state, record.customer.as_str()), (cara, TicketState::New, "Cara Test"));
        let later = Timestamp(NOW.0 + 60);
        t.db.add_article(record.id, abe, "On my way", &audit(later)).await.unwrap();
        t.db.log_time(record.id, abe, Hours(150), &audit(later)).await.unwrap();
        t.db.log_time(record.id, abe, Hours(25), &audit(later)).await.unwrap();
        let before = t.db.set_ticket_state(record.id, TicketState::Pending, later, |_| audit(later)).await.unwrap();
        assert_eq!(before, TicketState::New, "{}", t.name);

        let articles = t.db.articles(record.id).await.unwrap();
        let said: Vec<(&str, &str)> = articles.iter().map(|a| (a.author.as_str(), a.body.as_str())).collect();
        assert_eq!(said, [("Cara Test", "Smoke everywhere"), ("Abe Test", "On my way")], "{}", t.name);
        let hours: Vec<Hours> = t.db.time_entries(record.id).await.unwrap().into_iter().map(|e| e.hours).collect();
        assert_eq!(hours, [Hours(150), Hours(25)], "{}", t.name);
        let listed = t.db.tickets_page(Some(cara), None, 10).await.unwrap();
        let this = listed.iter().find(|l| l.number == number).unwrap();
        assert_eq!((this.state, this.updated_at), (TicketState::Pending, later), "{}", t.name);

        assert!(t.db.ticket(999_999).await.unwrap().is_none(), "{}", t.name);
    }
}

#[tokio::test]
async fn tickets_opened_at_once_get_distinct_numbers() {
    for t in all().await {
        let cara = user(&t.db, "cara", "Cara", RoleId::CUSTOMER).await;
        let opened = (0..8).map(|i| {
            let db = t.db.clone();
            async move { db.open_ticket(cara, &format!("Race {i}"), "Same moment", NOW, |_| audit(NOW)).await }
        });
        let mut numbers: Vec<i64> = futures::future::join_all(opened).await.into_iter().map(Result::unwrap).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), 8, "{}", t.name);
    }
}

#[tokio::test]
async fn a_deleted_tickets_number_is_never_given_again() {
    for t in all().await {
        let ann = user(&t.db, "ann", "Ann", RoleId::CUSTOMER).await;
        let bo = user(&t.db, "bo", "Bo", RoleId::CUSTOMER).await;
        let first = t.db.open_ticket(ann, "Ann's printer", "Jammed", NOW, |_| audit(NOW)).await.unwrap();
        let newest = t.db.insert_tickets(&[ticket(ann, "Ann's screen")], NOW).await.unwrap()[0];
        assert_eq!(newest, first + 1, "{}", t.name);

        // Ann goes, and her tickets with her: the newest number with them.
        let deleted = AuditRecord { action: AuditAction::UserDeleted, target_user_id: Some(ann), ..audit(NOW) };
        assert_eq!(t.db.delete_user(ann, &mut rules_for(BulkAction::Delete), deleted).await.unwrap(), 2, "{}", t.name);

        let opened = t.db.open_ticket(bo, "Bo's laptop", "Slow", NOW, |_| audit(NOW)).await.unwrap();
        assert_eq!(opened, newest + 1, "{}: #{newest} was Ann's", t.name);
        let inserted = t.db.insert_tickets(&[ticket(bo, "Bo's phone"), ticket(bo, "Bo's mouse")], NOW).await.unwrap();
        assert_eq!(inserted, [newest + 2, newest + 3], "{}", t.name);
    }
}
