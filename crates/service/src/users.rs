use crate::{store_error, Roster, SignedIn};
use roster_domain::{
    AppError, AuditAction, Login, MatchCount, Password, Permission, RoleId, UserId, UserRow, UserSearch, UsersPage, COUNT_CAP,
    PAGE_SIZE,
};
use roster_store::{AuditRecord, NewUser, PreparedSearch, Profile, UserQuery};

/// An account to create from parsed input.
#[derive(Debug)]
pub struct NewAccount {
    pub login: Login,
    pub profile: Profile,
    pub password: Option<Password>,
    pub roles: Vec<RoleId>,
}

impl Roster {
    /// One page of the Users panel for `search`, with a count that is exact
    /// when small and capped at `COUNT_CAP` otherwise. Needs `admin.user`.
    pub async fn search_users(&self, session: Option<&SignedIn>, search: &UserSearch) -> Result<UsersPage, AppError> {
        require(session, Permission::AdminUser)?;
        let words = search.words()?;
        let query = self.prepare_search(search, &words).await?;
        // The capped count is cheap and tells PostgreSQL how to plan the page.
        let capped = self.db.count_matching_users(&query, Some(COUNT_CAP + 1)).await.map_err(store_error)?;
        let count = if capped > COUNT_CAP { MatchCount::AtLeast(COUNT_CAP) } else { MatchCount::Exact(capped) };
        let mut found =
            self.db.search_users(&query, PAGE_SIZE as i64 + 1, capped > COUNT_CAP).await.map_err(store_error)?;
        let next = if found.len() > PAGE_SIZE {
            found.truncate(PAGE_SIZE);
            found.last().map(|(_, cursor)| cursor.clone())
        } else {
            None
        };
        let mut rows: Vec<_> = found.into_iter().map(|(row, _)| row).collect();
        // The page marks the one active admin, if there is only one, so
        // their row does not offer to delete or demote them. (An admin whom
        // failed sign-ins lock out is not one: they cannot sign in.)
        let active_admin = |r: &UserRow| r.active && !r.locked() && r.has_role(RoleId::ADMIN);
        if rows.iter().any(active_admin) && self.active_admins().await? == 1 {
            for row in rows.iter_mut().filter(|r| active_admin(r)) {
                row.sole_active_admin = true;
            }
        }
        Ok(UsersPage { rows, count, next, dormant_after_days: self.settings.dormant_after_days.max(1) })
    }

    /// The exact number of users matching `search`. Needs `admin.user`.
    pub async fn count_users(&self, session: Option<&SignedIn>, search: &UserSearch) -> Result<i64, AppError> {
        require(session, Permission::AdminUser)?;
        let words = search.words()?;
        let query = self.prepare_search(search, &words).await?;
        self.db.count_matching_users(&query, None).await.map_err(store_error)
    }

    async fn prepare_search<'a>(
        &self,
        search: &'a UserSearch,
        words: &'a [String],
    ) -> Result<PreparedSearch<'a>, AppError> {
        let query = UserQuery { search, words, now: self.now(), dormant_before: self.dormant_line() };
        self.db.prepare_search(query).await.map_err(store_error)
    }

    /// Creates an account; `actor` is the admin who did it (none from the CLI).
    pub async fn create_account(
        &self,
        account: NewAccount,
        actor: Option<UserId>,
        ip: Option<&str>,
    ) -> Result<UserId, AppError> {
        let password_hash = match &account.password {
            Some(p) => Some(self.hasher().hash(p).await?),
            None => None,
        };
        let user = NewUser { login: account.login, profile: account.profile, password_hash, roles: account.roles };
        let audit = self.audit_record(AuditAction::UserCreated, actor, None, None, ip, String::new());
        let id = self.db.create_user(&user, &audit).await.map_err(store_error)?;
        crate::log_audit(&AuditRecord { target_user_id: Some(id), ..audit });
        Ok(id)
    }

    /// Whether any active admin exists (the first-run check).
    pub async fn has_admin(&self) -> Result<bool, AppError> {
        Ok(self.active_admins().await? > 0)
    }

    /// How many active admins there are: 0, 1, or 2 for "two or more" (all
    /// any caller needs to know).
    pub(crate) async fn active_admins(&self) -> Result<i64, AppError> {
        self.db.count_active_admins(2, self.now()).await.map_err(store_error)
    }
}

/// The caller's session, if it carries `permission`: `Unauthenticated`
/// without a session, `Forbidden` without the permission.
pub fn require(session: Option<&SignedIn>, permission: Permission) -> Result<&SignedIn, AppError> {
    let session = session.ok_or(AppError::Unauthenticated)?;
    if session.user.can(permission) {
        Ok(session)
    } else {
        Err(AppError::Forbidden)
    }
}
