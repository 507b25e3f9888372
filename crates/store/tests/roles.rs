//! Roles as data, on every available engine: created roles grant exactly
//! their permissions, built-in roles stay as they are, and a role in use
//! cannot be deleted.

use roster_domain::{AuditAction, BulkAction, Login, Permission, RoleDraft, RoleId, Timestamp, UserFields, UserId, UserSearch};
use roster_store::testing::{all, rules_for};
use roster_store::{AuditRecord, Db, NewUser, Profile, StoreError, UserQuery};

const NOW: Timestamp = Timestamp(1_795_845_000);

/// The audit row a change made here writes with itself.
fn audit() -> AuditRecord {
    AuditRecord {
        at: NOW,
        actor_id: None,
        on_behalf_of_id: None,
        action: AuditAction::RoleUpdated,
        target_user_id: None,
        detail: String::new(),
        ip: None,
    }
}

async fn user(db: &Db, login: &str, roles: Vec<RoleId>) -> UserId {
    let user = NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile {
            fields: UserFields { first_name: login.into(), ..UserFields::default() },
            ..Profile::default()
        },
        password_hash: None,
        roles,
    };
    db.insert_user(&user, NOW).await.unwrap()
}

fn draft(name: &str, permissions: &[Permission]) -> roster_domain::ValidRoleDraft {
    RoleDraft { name: name.into(), permissions: permissions.to_vec() }.validate().unwrap()
}

#[tokio::test]
async fn built_in_roles_grant_their_permissions() {
    for t in all().await {
        let admin = user(&t.db, "ada", vec![RoleId::ADMIN]).await;
        let customer = user(&t.db, "carl", vec![RoleId::CUSTOMER]).await;
        let admin_can = t.db.permissions_of(admin).await.unwrap();
        assert!(admin_can.contains(&Permission::AdminUser) && admin_can.contains(&Permission::TicketReply), "{}", t.name);
        assert!(!admin_can.contains(&Permission::TicketCustomer), "{}", t.name);
        assert_eq!(t.db.permissions_of(customer).await.unwrap(), [Permission::TicketCustomer], "{}", t.name);
        let names: Vec<String> = t.db.roles().await.unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["Admin", "Agent", "Customer"], "{}", t.name);
    }
}

#[tokio::test]
async fn a_created_role_grants_exactly_its_permissions_and_follows_edits() {
    for t in all().await {
        let reader = draft("Read-only agent", &[Permission::TicketRead, Permission::TicketLogTime]);
        let role = t.db.create_role(&reader, &audit()).await.unwrap();
        assert!(!role.is_built_in(), "{}: created roles get new ids", t.name);
        let nora = user(&t.db, "nora", vec![role]).await;
        assert_eq!(t.db.permissions_of(nora).await.unwrap(), [Permission::TicketRead, Permission::TicketLogTime]);
        let current = t.db.current_user(nora, None).await.unwrap().unwrap();
        assert!(current.can(Permission::TicketRead) && !current.can(Permission::TicketReply), "{}", t.name);
        assert_eq!(current.roles[0].name, "Read-only agent", "{}", t.name);

        let definitions = t.db.role_definitions().await.unwrap();
        let mine = definitions.iter().find(|d| d.role.id == role).unwrap();
        assert_eq!((mine.holders, mine.built_in, mine.version), (1, false, 1), "{}", t.name);

        let replier = draft("Replying agent", &[Permission::TicketRead, Permission::TicketReply]);
        let version = t.db.update_role(role, 1, &replier, &audit()).await.unwrap();
        assert_eq!(version, 2, "{}", t.name);
        assert_eq!(t.db.permissions_of(nora).await.unwrap(), [Permission::TicketRead, Permission::TicketReply]);
        assert!(
            matches!(t.db.update_role(role, 1, &reader, &audit()).await, Err(StoreError::Conflict)),
            "{}: a save from an old version is refused",
            t.name
        );
        assert_eq!(t.db.permissions_of(nora).await.unwrap(), [Permission::TicketRead, Permission::TicketReply]);
    }
}

#[tokio::test]
async fn a_users_page_marks_whoever_holds_a_role_granting_admin_user_whatever_it_is_called() {
    for t in all().await {
        let deputies = t.db.create_role(&draft("Deputy", &[Permission::AdminUser]), &audit()).await.unwrap();
        let readers = t.db.create_role(&draft("Reader", &[Permission::TicketRead]), &audit()).await.unwrap();
        user(&t.db, "ada", vec![RoleId::ADMIN]).await;
        user(&t.db, "dora", vec![RoleId::CUSTOMER, deputies]).await;
        user(&t.db, "rita", vec![readers, RoleId::AGENT]).await;
        user(&t.db, "carl", vec![RoleId::CUSTOMER]).await;
        let view = UserSearch::default();
        let query = t.db.prepare_search(UserQuery { search: &view, words: &[], now: NOW, dormant_before: Timestamp(NOW.0 - 90 * 86_400) }).await.unwrap();
        let page = t.db.search_users(&query, 10, false).await.unwrap();
        let mut marked: Vec<(String, bool)> = page.into_iter().map(|(row, _)| (row.login, row.administers)).collect();
        marked.sort();
        let expected = [("ada", true), ("carl", false), ("dora", true), ("rita", false)].map(|(l, a)| (l.to_owned(), a));
        assert_eq!(marked, expected, "{}", t.name);
    }
}

#[tokio::test]
async fn role_names_are_unique_in_any_case() {
    for t in all().await {
        let first = t.db.create_role(&draft("Night shift", &[Permission::TicketRead]), &audit()).await.unwrap();
        for taken in ["night shift", "Agent"] {
            let refused = t.db.create_role(&draft(taken, &[Permission::TicketRead]), &audit()).await;
            assert!(matches!(refused, Err(StoreError::Duplicate { field: "name" })), "{}: {taken}", t.name);
        }
        let other = t.db.create_role(&draft("Day shift", &[Permission::TicketRead]), &audit()).await.unwrap();
        let renamed = t.db.update_role(other, 1, &draft("NIGHT SHIFT", &[Permission::TicketRead]), &audit()).await;
        assert!(matches!(renamed, Err(StoreError::Duplicate { field: "name" })), "{}", t.name);
        t.db.update_role(first, 1, &draft("Night Shift", &[Permission::TicketRead]), &audit()).await.unwrap();
    }
}

#[tokio::test]
async fn built_in_roles_cannot_change_and_held_roles_cannot_go() {
    for t in all().await {
        let anything = draft("Admin", &[Permission::TicketRead]);
        assert!(matches!(t.db.update_role(RoleId::ADMIN, 1, &anything, &audit()).await, Err(StoreError::BuiltInRole)));
        assert!(matches!(t.db.delete_role(RoleId::CUSTOMER, &audit()).await, Err(StoreError::BuiltInRole)), "{}", t.name);

        let role = t.db.create_role(&draft("Auditor", &[Permission::TicketRead]), &audit()).await.unwrap();
        let holder = user(&t.db, "olga", vec![role, RoleId::CUSTOMER]).await;
        assert!(matches!(t.db.delete_role(role, &audit()).await, Err(StoreError::RoleInUse(1))), "{}", t.name);
        assert_eq!(t.db.permissions_of(holder).await.unwrap(), [Permission::TicketRead, Permission::TicketCustomer]);

        let deleted = AuditRecord { action: AuditAction::UserDeleted, target_user_id: Some(holder), ..audit() };
        t.db.delete_user(holder, &mut rules_for(BulkAction::Delete), deleted).await.unwrap();
        assert_eq!(t.db.delete_role(role, &audit()).await.unwrap(), "Auditor", "{}", t.name);
        assert!(matches!(t.db.delete_role(role, &audit()).await, Err(StoreError::NotFound)), "{}", t.name);
        assert_eq!(t.db.roles().await.unwrap().len(), 3, "{}", t.name);
    }
}
