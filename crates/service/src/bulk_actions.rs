//! Bulk actions on the Users panel: a preview that records who is covered
//! (and the version each had), then a run, a chunk per call, each chunk one
//! transaction in which every user is decided by the same rules
//! (`roster_domain::BulkRules`) as the single-user actions.

use crate::users::require;
use crate::{store_error, Roster, SignedIn};
use roster_domain::{
    group_thousands, AppError, AuditAction, BulkAction, BulkOutcome, BulkPreview, BulkProgress, BulkRefusal, BulkRules,
    BulkRunId, BulkRunState, BulkSelection, FieldError, Permission, RefusedUser, UserId, UserSearch, BULK_CHUNK,
    COUNT_CAP, DELETE_CONFIRMATION, MAX_PICKED_USERS, PREVIEW_REFUSALS,
};
use crate::user_export::{csv_lines, ExportStream};
use futures::StreamExt;
use roster_store::{AuditRecord, BulkRefusalRecord, BulkRunRecord, StoreError, UserQuery};

/// Users read per step while a preview gathers and weighs a selection.
const PREVIEW_PAGE: i64 = 1_000;
/// What a run's audit events say of a selection picked by hand.
const PICKED_VIEW: &str = "users picked in the panel";

impl Roster {
    /// What `action` would do to `selection`, before anything changes: how
    /// many users change, how many are already so, and who is refused and
    /// why. Records the selection with each user's version for the run.
    /// Needs `admin.user`; asks for admin mode where the single-user action
    /// would. Returns the preview, whose `run` starts it.
    pub async fn preview_bulk_action(
        &self,
        session: Option<&SignedIn>,
        action: BulkAction,
        selection: &BulkSelection,
    ) -> Result<BulkPreview, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        if let BulkAction::AddRole(role) | BulkAction::RemoveRole(role) = action {
            if !self.db.roles().await.map_err(store_error)?.iter().any(|r| r.id == role) {
                return Err(FieldError::new("role", "This role no longer exists. Reload and choose again.").into());
            }
        }
        if action.always_needs_admin_mode() {
            self.require_admin_mode(session).await?;
        }
        let view = match selection {
            BulkSelection::Picked(ids) if ids.is_empty() => {
                return Err(FieldError::new("selection", "Select at least one user.").into());
            }
            BulkSelection::Picked(ids) if ids.len() > MAX_PICKED_USERS => {
                let most = group_thousands(MAX_PICKED_USERS as i64);
                return Err(FieldError::new("selection", format!("Pick at most {most} users, or select all matches.")).into());
            }
            BulkSelection::Picked(_) => PICKED_VIEW.to_owned(),
            BulkSelection::AllMatches(search) => {
                search.words()?;
                search.first_page().href()
            }
        };
        let run = self.db.create_bulk_run(admin.user.id, action, &view, self.now()).await.map_err(store_error)?;
        match selection {
            BulkSelection::Picked(ids) => {
                for chunk in ids.chunks(PREVIEW_PAGE as usize) {
                    self.db.add_bulk_run_users(run, chunk).await.map_err(store_error)?;
                }
            }
            BulkSelection::AllMatches(search) => self.add_every_match(run, search).await?,
        }
        self.weigh_bulk_run(admin, run, action).await
    }

    /// Adds every user `search` matches to `run`, a page at a time.
    async fn add_every_match(&self, run: BulkRunId, search: &UserSearch) -> Result<(), AppError> {
        let mut search = search.first_page();
        let words = search.words()?;
        let now = self.now();
        let many_match = {
            let query = self.db.prepare_search(UserQuery { search: &search, words: &words, now, dormant_before: self.dormant_line() }).await.map_err(store_error)?;
            self.db.count_matching_users(&query, Some(COUNT_CAP + 1)).await.map_err(store_error)? > COUNT_CAP
        };
        loop {
            let query = self.db.prepare_search(UserQuery { search: &search, words: &words, now, dormant_before: self.dormant_line() }).await.map_err(store_error)?;
            let found = self.db.search_users(&query, PREVIEW_PAGE, many_match).await.map_err(store_error)?;
            drop(query);
            let ids: Vec<UserId> = found.iter().map(|(row, _)| row.id).collect();
            self.db.add_bulk_run_users(run, &ids).await.map_err(store_error)?;
            match found.last() {
                Some((_, last)) if found.len() as i64 == PREVIEW_PAGE => search.after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// The preview of a run whose users are recorded: each user decided by
    /// the rules as they are now, without changing anyone.
    async fn weigh_bulk_run(&self, admin: &SignedIn, run: BulkRunId, action: BulkAction) -> Result<BulkPreview, AppError> {
        let mut rules = self.bulk_rules(admin, action).await?;
        rules.active_admins = self.db.count_active_admins(i64::MAX, self.now()).await.map_err(store_error)?;
        let mut preview = BulkPreview {
            run,
            action,
            total: 0,
            will_change: 0,
            already: 0,
            refused: 0,
            refusals: Vec::new(),
            tickets: 0,
        };
        let mut after = None;
        loop {
            let users = self.db.bulk_run_users(run, after, PREVIEW_PAGE).await.map_err(store_error)?;
            let Some((last, _)) = users.last() else { break };
            after = Some(*last);
            let ids: Vec<UserId> = users.iter().map(|(id, _)| *id).collect();
            let targets = self.db.bulk_targets(&ids, self.now()).await.map_err(store_error)?;
            let mut changing = Vec::new();
            for (id, version) in users {
                // Deleted since it was recorded, a moment ago: not part of it.
                let Some(found) = targets.get(&id) else { continue };
                preview.total += 1;
                match rules.outcome(&found.target, version) {
                    BulkOutcome::Change => {
                        preview.will_change += 1;
                        changing.push(id);
                    }
                    BulkOutcome::Already => preview.already += 1,
                    // Ask for the proof first, as the single-user action would.
                    BulkOutcome::Refused(BulkRefusal::NeedsAdminMode) => {
                        self.require_admin_mode(Some(admin)).await?;
                    }
                    BulkOutcome::Refused(refusal) => {
                        preview.refused += 1;
                        if preview.refusals.len() < PREVIEW_REFUSALS {
                            let reason = refusal.message(action).to_owned();
                            preview.refusals.push(RefusedUser { id, login: found.login.clone(), reason });
                        }
                    }
                }
            }
            if action == BulkAction::Delete {
                preview.tickets += self.db.tickets_of_users(&changing).await.map_err(store_error)?;
            }
        }
        Ok(preview)
    }

    /// The rules of `action` run by `admin` now (the active admins are
    /// counted where the rules are applied).
    async fn bulk_rules(&self, admin: &SignedIn, action: BulkAction) -> Result<BulkRules, AppError> {
        let admin_roles = self.db.roles_granting(Permission::AdminUser).await.map_err(store_error)?;
        let admin_mode = self.in_admin_mode(admin);
        Ok(BulkRules { action, me: admin.user.id, admin_roles, active_admins: 0, admin_mode })
    }

    /// The rules of a single-user action on `user`, which the store applies
    /// again inside the action's transaction, as a bulk chunk does to each
    /// of its users. They are first applied here, as a preview is, so that
    /// a refusal comes before any request for admin mode. `NotFound` if
    /// the user is gone; `Refused` with the rules' reason.
    pub(crate) async fn single_user_rules(&self, admin: &SignedIn, action: BulkAction, user: UserId) -> Result<BulkRules, AppError> {
        let mut rules = self.bulk_rules(admin, action).await?;
        let targets = self.db.bulk_targets(&[user], self.now()).await.map_err(store_error)?;
        let target = &targets.get(&user).ok_or(AppError::NotFound)?.target;
        let mut preview = BulkRules { active_admins: self.active_admins().await?, admin_mode: true, ..rules.clone() };
        if let BulkOutcome::Refused(refusal) = preview.outcome(target, target.version) {
            return Err(AppError::Refused(refusal.message(action).into()));
        }
        rules.admin_mode = self.in_admin_mode(admin);
        Ok(rules)
    }

    /// Runs the next chunk of a previewed run (the first call starts it)
    /// and says where it has got to. A Delete needs `DELETE` typed. Only
    /// the admin who previewed a run may run it. Needs `admin.user`.
    pub async fn run_bulk_action(
        &self,
        session: Option<&SignedIn>,
        run: BulkRunId,
        confirmation: &str,
        ip: Option<&str>,
    ) -> Result<BulkProgress, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let record = self.own_bulk_run(admin, run).await?;
        let action = record.action;
        if action == BulkAction::Delete && confirmation.trim() != DELETE_CONFIRMATION {
            return Err(FieldError::new("confirmation", format!("Type {DELETE_CONFIRMATION} to confirm.")).into());
        }
        if record.state.is_over() {
            return Ok(progress(&record, Vec::new(), self.now()));
        }
        if action.always_needs_admin_mode() {
            self.require_admin_mode(session).await?;
        }
        let audit = BulkAudit { roster: self, admin, ip, record: &record };
        if record.state == BulkRunState::Previewed {
            self.db.start_bulk_run(run, &audit.started()).await.map_err(store_error)?;
        }
        let mut rules = self.bulk_rules(admin, action).await?;
        let role_name = match action {
            BulkAction::AddRole(role) | BulkAction::RemoveRole(role) => {
                self.db.roles().await.map_err(store_error)?.into_iter().find(|r| r.id == role).map(|r| r.name)
            }
            _ => None,
        };
        let detail_of = |tickets: i64| user_detail(run, action, role_name.as_deref(), tickets);
        let each = audit.each_user();
        let chunk = self
            .db
            .run_bulk_chunk(run, &mut rules, BULK_CHUNK as i64, &each, detail_of, |r| audit.ended(r))
            .await
            .map_err(|e| match e {
                StoreError::RoleGone => AppError::Refused("The role was deleted meanwhile: the run stops here.".into()),
                // Cancelled or finished meanwhile (another tab): say where it stands.
                StoreError::NotFound => AppError::Refused("This bulk action is no longer running.".into()),
                other => store_error(other),
            })?;
        crate::log_audit(&each);
        Ok(progress(&chunk.run, refused_users(action, chunk.refusals), self.now()))
    }

    /// Stops a run after the chunk under way; what was done stays done.
    /// Needs `admin.user`, and the run must be the caller's.
    pub async fn cancel_bulk_action(
        &self,
        session: Option<&SignedIn>,
        run: BulkRunId,
        ip: Option<&str>,
    ) -> Result<BulkProgress, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let record = self.own_bulk_run(admin, run).await?;
        let audit = BulkAudit { roster: self, admin, ip, record: &record };
        let record = self.db.cancel_bulk_run(run, |r| audit.ended(r)).await.map_err(store_error)?;
        Ok(progress(&record, Vec::new(), self.now()))
    }

    /// The report of a run: every user it refused so far, with why, as CSV
    /// (a header row, then a page at a time). Needs `admin.user`; the
    /// caller's runs only.
    pub async fn bulk_action_report(&self, session: Option<&SignedIn>, run: BulkRunId) -> Result<ExportStream, AppError> {
        let admin = require(session, Permission::AdminUser)?;
        let record = self.own_bulk_run(admin, run).await?;
        let header = [vec!["Login".to_owned(), "User id".to_owned(), "Reason".to_owned()]];
        let mut first = vec![0xEF, 0xBB, 0xBF]; // UTF-8's byte order mark, as Export CSV has it.
        first.extend(csv_lines(header)?);
        // (the next page's start, or None once every page is sent)
        let start: Option<Option<UserId>> = Some(None);
        let (roster, action) = (self.clone(), record.action);
        let pages = futures::stream::try_unfold(start, move |after| {
            let roster = roster.clone();
            async move {
                let Some(after) = after else { return Ok(None) };
                let refused = roster.db.bulk_run_refusals(run, after, PREVIEW_PAGE).await.map_err(store_error)?;
                let next = (refused.len() as i64 == PREVIEW_PAGE).then(|| refused.last().map(|r| r.id));
                let rows = refused_users(action, refused).into_iter().map(|r| vec![r.login, r.id.to_string(), r.reason]);
                Ok(Some((csv_lines(rows)?, next)))
            }
        });
        Ok(Box::pin(futures::stream::once(async move { Ok(first) }).chain(pages)))
    }

    /// The run, if it is `admin`'s; another admin's is `NotFound`, as if
    /// it did not exist.
    async fn own_bulk_run(&self, admin: &SignedIn, run: BulkRunId) -> Result<BulkRunRecord, AppError> {
        let record = self.db.bulk_run(run).await.map_err(store_error)?;
        record.filter(|r| r.admin_id == admin.user.id).ok_or(AppError::NotFound)
    }
}

/// Where a run stands, for the progress bar.
fn progress(record: &BulkRunRecord, refusals: Vec<RefusedUser>, now: roster_domain::Timestamp) -> BulkProgress {
    BulkProgress {
        state: record.state,
        total: record.total,
        changed: record.changed,
        already: record.already,
        refused: record.refused,
        refusals,
        seconds: record.started_at.map_or(0, |started| (now.0 - started.0).max(0)),
    }
}

fn refused_users(action: BulkAction, refusals: Vec<BulkRefusalRecord>) -> Vec<RefusedUser> {
    refusals
        .into_iter()
        .map(|r| RefusedUser { id: r.id, login: r.login.unwrap_or_default(), reason: r.refusal.message(action).to_owned() })
        .collect()
}

/// The mark every audit event of a run carries, so that searching the
/// audit log for it lists the run and each user it changed.
pub fn bulk_mark(run: BulkRunId) -> String {
    format!("bulk={run};")
}

/// The detail of one changed user's event.
fn user_detail(run: BulkRunId, action: BulkAction, role: Option<&str>, tickets: i64) -> String {
    let mark = bulk_mark(run);
    let role = role.unwrap_or_default();
    match action {
        BulkAction::Activate | BulkAction::Deactivate => format!("{mark} fields=active"),
        BulkAction::AddRole(_) => format!("{mark} fields=roles role_added={role}"),
        BulkAction::RemoveRole(_) => format!("{mark} fields=roles role_removed={role}"),
        BulkAction::RemoveTwoFactor => format!("{mark} methods=all"),
        BulkAction::Delete => format!("{mark} tickets={tickets}"),
        BulkAction::Unlock | BulkAction::SignOutEverywhere => mark,
    }
}

/// The audit events of one run: who runs it, from where.
struct BulkAudit<'a> {
    roster: &'a Roster,
    admin: &'a SignedIn,
    ip: Option<&'a str>,
    record: &'a BulkRunRecord,
}

impl BulkAudit<'_> {
    fn record(&self, action: AuditAction, detail: String) -> AuditRecord {
        let (actor, on_behalf_of) = (Some(self.admin.user.id), self.admin.impersonator);
        self.roster.audit_record(action, actor, on_behalf_of, None, self.ip, detail)
    }

    /// The run's first event: what, for how many, from which view.
    fn started(&self) -> AuditRecord {
        let r = self.record;
        let detail = format!("{} {}; {} users; view: {}", bulk_mark(r.id), r.action.label(), group_thousands(r.total), r.view);
        self.record(AuditAction::BulkActionStarted, detail)
    }

    /// The event of each user a chunk changes (its detail is the user's).
    fn each_user(&self) -> AuditRecord {
        let action = match self.record.action {
            BulkAction::Activate | BulkAction::Deactivate | BulkAction::AddRole(_) | BulkAction::RemoveRole(_) => {
                AuditAction::UserUpdated
            }
            BulkAction::Unlock => AuditAction::UserUnlocked,
            BulkAction::SignOutEverywhere => AuditAction::SessionsEnded,
            BulkAction::RemoveTwoFactor => AuditAction::TwoFactorRemoved,
            BulkAction::Delete => AuditAction::UserDeleted,
        };
        self.record(action, String::new())
    }

    /// The run's last event, with its counts.
    fn ended(&self, r: &BulkRunRecord) -> AuditRecord {
        let how = if r.state == BulkRunState::Cancelled { "cancelled" } else { "finished" };
        let detail = format!(
            "{} {}, {how}: {} changed, {} already so, {} refused, of {}; view: {}",
            bulk_mark(r.id),
            r.action.label(),
            group_thousands(r.changed),
            group_thousands(r.already),
            group_thousands(r.refused),
            group_thousands(r.total),
            r.view,
        );
        self.record(AuditAction::BulkActionEnded, detail)
    }
}
