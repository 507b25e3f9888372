//! Import chunks, on every available engine: each row is checked against
//! the users as they are when its chunk runs (a login taken meanwhile, a
//! user edited or made an admin since the test run), refused on its own,
//! and the rest land with an audit event each; the last chunk ends the run.

use roster_domain::{
    AuditAction, ImportOutcome, ImportPlan, ImportRunState, Login, RoleId, Timestamp, UserFields, UserId,
};
use roster_store::testing::{all, execute};
use roster_store::{import_refusals, AuditRecord, ImportChunkRow, ImportWrite, NewUser, Profile, StagedRow, UserUpdate};

const NOW: Timestamp = Timestamp(1_795_845_000);

fn user(login: &str) -> NewUser {
    NewUser {
        login: Login::parse(login).unwrap(),
        profile: Profile { fields: UserFields { first_name: login.into(), ..UserFields::default() }, ..Profile::default() },
        password_hash: None,
        roles: vec![RoleId::CUSTOMER],
    }
}

fn audit(action: AuditAction) -> AuditRecord {
    AuditRecord { at: NOW, actor_id: None, on_behalf_of_id: None, action, target_user_id: None, detail: "import=1;".into(), ip: None }
}

fn staged(line: i64, login: &str, plan: ImportPlan, user: Option<(UserId, i64)>) -> StagedRow {
    StagedRow { line, login: login.into(), plan, user, details: Some("{}".into()), problems: Vec::new() }
}

#[tokio::test]
async fn each_row_is_checked_again_and_refused_alone_and_the_last_chunk_ends_the_run() {
    for test in all().await {
        let db = &test.db;
        let ids = db.insert_users(&[user("admin.one"), user("kept.same"), user("edited.meanwhile"), user("promoted")], NOW).await.unwrap();
        let (admin, same, edited, promoted) = (ids[0], ids[1], ids[2], ids[3]);
        let run = db.create_import_run(admin, "people.csv", true, NOW).await.unwrap();
        let version = |id: UserId| async move { db.editable_user(id).await.unwrap().unwrap().version };
        let (v_same, v_edited, v_promoted) = (version(same).await, version(edited).await, version(promoted).await);
        let rows = [
            staged(2, "new.one", ImportPlan::Create, None),
            staged(3, "taken.meanwhile", ImportPlan::Create, None),
            staged(4, "kept.same", ImportPlan::Update, Some((same, v_same))),
            staged(5, "edited.meanwhile", ImportPlan::Update, Some((edited, v_edited))),
            staged(6, "promoted", ImportPlan::Update, Some((promoted, v_promoted))),
            StagedRow { details: None, ..staged(7, "bad", ImportPlan::Invalid, None) },
            staged(8, "new.two", ImportPlan::Create, None),
        ];
        db.add_import_rows(run, &rows).await.unwrap();
        let start = audit(AuditAction::ImportStarted);
        assert!(db.start_import_run(run, NOW, NOW, &start).await.unwrap(), "{}", test.name);
        assert!(!db.start_import_run(run, NOW, NOW, &start).await.unwrap(), "{}: only once", test.name);

        // Meanwhile: someone takes a login, edits a user, makes another an admin.
        db.insert_user(&user("taken.meanwhile"), NOW).await.unwrap();
        execute(db, &format!("UPDATE users SET version = version + 1 WHERE id = {}", edited.0)).await;
        execute(db, &format!("INSERT INTO user_roles (user_id, role_id) VALUES ({}, {})", promoted.0, RoleId::ADMIN.0)).await;

        let pending = db.pending_import_rows(run, 4).await.unwrap();
        assert_eq!(pending.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4, 5], "{}: file order, invalid rows never", test.name);
        let update = |login: &str, city: &str| UserUpdate {
            login: Login::parse(login).unwrap(),
            profile: Profile { fields: UserFields { first_name: login.into(), city: city.into(), ..UserFields::default() }, ..Profile::default() },
            roles: vec![RoleId::CUSTOMER],
            password_hash: None,
        };
        let chunk_row = |line: i64, write: ImportWrite| ImportChunkRow { line, write: Ok(write), audit: audit(AuditAction::UserCreated) };
        let first = vec![
            chunk_row(2, ImportWrite::Create(user("new.one"))),
            chunk_row(3, ImportWrite::Create(user("taken.meanwhile"))),
            chunk_row(4, ImportWrite::Update { id: same, version: v_same, update: update("kept.same", "Oslo") }),
            chunk_row(5, ImportWrite::Update { id: edited, version: v_edited, update: update("edited.meanwhile", "Oslo") }),
        ];
        let ended = |_: &_| audit(AuditAction::ImportEnded);
        let record = db.write_import_chunk(run, first, NOW, ended).await.unwrap();
        assert_eq!((record.state, record.created, record.updated, record.refused), (ImportRunState::Running, 1, 1, 2), "{}", test.name);
        assert_eq!(db.editable_user(same).await.unwrap().unwrap().details.fields.city, "Oslo");
        assert_eq!(db.editable_user(edited).await.unwrap().unwrap().details.fields.city, "", "{}: not overwritten", test.name);

        let second = vec![
            chunk_row(6, ImportWrite::Update { id: promoted, version: v_promoted, update: update("promoted", "Oslo") }),
            ImportChunkRow { line: 8, write: Err("The password cannot be read.".into()), audit: audit(AuditAction::UserCreated) },
        ];
        let record = db.write_import_chunk(run, second, NOW, ended).await.unwrap();
        assert_eq!((record.state, record.created, record.updated, record.refused), (ImportRunState::Finished, 1, 1, 4), "{}", test.name);
        assert!(db.write_import_chunk(run, Vec::new(), NOW, ended).await.is_err(), "{}: a finished run writes no more", test.name);

        let rows = db.import_rows(run, 0, 100, true).await.unwrap();
        let refused: Vec<(i64, Option<ImportOutcome>, Option<String>)> =
            rows.into_iter().map(|r| (r.staged.line, r.outcome, r.reason)).collect();
        let refusal = |line: i64, reason: &str| (line, Some(ImportOutcome::Refused), Some(reason.to_owned()));
        assert_eq!(
            refused,
            [
                refusal(3, import_refusals::LOGIN_TAKEN),
                refusal(5, import_refusals::EDITED),
                refusal(6, import_refusals::ADMIN),
                (7, None, None),
                refusal(8, "The password cannot be read."),
            ],
            "{}",
            test.name
        );
        let every_row = db.import_rows(run, 0, 100, false).await.unwrap();
        assert!(every_row.iter().all(|r| r.staged.details.is_none()), "{}: nothing to write is kept (no sealed password)", test.name);
        let events = db.recent_audit(100).await.unwrap();
        let count = |action| events.iter().filter(|e| e.action == action).count();
        assert_eq!((count(AuditAction::UserCreated), count(AuditAction::ImportEnded)), (2, 1), "{}", test.name);
        assert!(db.credentials("new.two").await.unwrap().is_none(), "{}", test.name);
    }
}
