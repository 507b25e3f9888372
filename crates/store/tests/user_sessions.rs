//! Edit User → Sessions' storage: each session listed by an id of its own
//! (never its cookie's hash), kept through a new cookie, with the address
//! and browser it was last seen from; signing out one, or all but one.

use roster_domain::{Login, RoleId, SessionId, Timestamp, UserId};
use roster_store::testing::all;
use roster_store::{Db, NewUser, Profile, SessionClient};

const NOW: Timestamp = Timestamp(1_795_845_000);
const LONG_AGO: Timestamp = Timestamp(0);

async fn customer(db: &Db, login: &str) -> UserId {
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile::default(),
        password_hash: None,
        roles: vec![RoleId::CUSTOMER],
    };
    db.insert_user(&user, NOW).await.unwrap()
}

fn firefox(address: &str) -> SessionClient {
    SessionClient::new(Some(address.to_owned()), Some("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"))
}

async fn listed(db: &Db, user: UserId, this_hash: &str) -> Vec<roster_store::ListedSession> {
    db.user_sessions(user, this_hash, LONG_AGO, LONG_AGO, 1_000).await.unwrap()
}

#[tokio::test]
async fn sessions_list_by_an_id_of_their_own_most_recently_seen_first() {
    for t in all().await {
        let (db, name) = (&t.db, &t.name);
        let gwen = customer(db, "gwen").await;
        let other = customer(db, "other").await;
        db.insert_session("hash-phone", gwen, NOW, false).await.unwrap();
        db.insert_session("hash-laptop", gwen, NOW, false).await.unwrap();
        db.insert_session("hash-pending", gwen, NOW, true).await.unwrap();
        db.insert_session("hash-other", other, NOW, false).await.unwrap();
        db.touch_session("hash-laptop", Timestamp(NOW.0 + 60), &firefox("203.0.113.7")).await.unwrap();

        let sessions = listed(db, gwen, "hash-phone").await;
        assert_eq!(sessions.len(), 2, "{name}: a sign-in still owing its code is no session yet");
        let (laptop, phone) = (&sessions[0], &sessions[1]);
        assert_eq!(laptop.last_seen_at, Timestamp(NOW.0 + 60), "{name}: the latest first");
        assert_eq!(laptop.client.address.as_deref(), Some("203.0.113.7"), "{name}");
        assert!(laptop.client.user_agent.as_deref().unwrap().contains("Firefox/133.0"), "{name}");
        assert!(phone.this_browser && !laptop.this_browser, "{name}");
        assert_eq!(phone.client, SessionClient::default(), "{name}: not seen since its sign-in");
        for s in &sessions {
            assert_eq!(SessionId::parse(&s.id.0).as_ref(), Some(&s.id), "{name}: 32 hex digits");
            assert!(!s.id.0.contains("hash"), "{name}: never the cookie's hash");
        }
        assert_ne!(laptop.id, phone.id, "{name}");

        // An unknown client leaves what was known; timed-out sessions are not listed.
        db.touch_session("hash-laptop", Timestamp(NOW.0 + 120), &SessionClient::default()).await.unwrap();
        assert_eq!(listed(db, gwen, "").await[0].client.address.as_deref(), Some("203.0.113.7"), "{name}");
        let recent = db.user_sessions(gwen, "", Timestamp(NOW.0 + 100), LONG_AGO, 1_000).await.unwrap();
        assert_eq!(recent.len(), 1, "{name}: only the laptop was seen after the idle cut-off");
        let capped = db.user_sessions(gwen, "", LONG_AGO, LONG_AGO, 1).await.unwrap();
        assert_eq!(capped.len(), 1, "{name}: the limit holds");
    }
}

#[tokio::test]
async fn a_new_cookie_keeps_the_listed_id_and_signing_out_ends_both() {
    for t in all().await {
        let (db, name) = (&t.db, &t.name);
        let hana = customer(db, "hana").await;
        db.insert_session("hash-old", hana, NOW, false).await.unwrap();
        db.touch_session("hash-old", NOW, &firefox("198.51.100.4")).await.unwrap();
        let before = listed(db, hana, "").await;
        roster_store::testing::execute(db, "UPDATE sessions SET rotate = TRUE").await;
        assert!(db.rotate_session("hash-old", "hash-new", Timestamp(NOW.0 + 5)).await.unwrap(), "{name}");

        let after = listed(db, hana, "hash-new").await;
        assert_eq!(after.len(), 1, "{name}: the replaced id is not a second session");
        assert_eq!(after[0].id, before[0].id, "{name}: the list's id survives a new cookie");
        assert_eq!(after[0].client.address.as_deref(), Some("198.51.100.4"), "{name}");
        assert!(after[0].this_browser, "{name}");

        assert!(!db.delete_listed_session(hana, &SessionId("0".repeat(32))).await.unwrap(), "{name}");
        let someone_else = customer(db, "ida").await;
        assert!(!db.delete_listed_session(someone_else, &after[0].id).await.unwrap(), "{name}: only the user's own");
        assert!(db.delete_listed_session(hana, &after[0].id).await.unwrap(), "{name}");
        assert!(db.session("hash-new").await.unwrap().is_none(), "{name}");
        assert!(db.session("hash-old").await.unwrap().is_none(), "{name}: the old id in its grace ends too");
    }
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_browser_only() {
    for t in all().await {
        let (db, name) = (&t.db, &t.name);
        let ines = customer(db, "ines").await;
        for hash in ["hash-a", "hash-b", "hash-c"] {
            db.insert_session(hash, ines, NOW, false).await.unwrap();
        }
        let other = customer(db, "jo").await;
        db.insert_session("hash-jo", other, NOW, false).await.unwrap();
        assert_eq!(db.delete_other_sessions(ines, "hash-b").await.unwrap(), 2, "{name}");
        let left = listed(db, ines, "hash-b").await;
        assert_eq!(left.len(), 1, "{name}");
        assert!(left[0].this_browser, "{name}");
        assert!(db.session("hash-jo").await.unwrap().is_some(), "{name}: another user's stay");
    }
}
