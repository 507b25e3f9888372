use crate::{store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, Email, Login, Password, Permission, Role, UserId, UsersPage};
use roster_store::NewUser;

/// The Users panel shows this many users per page.
pub const PAGE_SIZE: i64 = 50;

/// An account to create from parsed input.
#[derive(Debug)]
pub struct NewAccount {
    pub login: Login,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<Email>,
    pub password: Option<Password>,
    pub roles: Vec<Role>,
}

impl Roster {
    /// A page of users, newest first. Needs `admin.user`.
    pub async fn list_users(&self, session: Option<&SignedIn>, before: Option<UserId>) -> Result<UsersPage, AppError> {
        require(session, Permission::AdminUser)?;
        let mut rows = self.db.users_newest_first(before, PAGE_SIZE + 1).await.map_err(store_error)?;
        let next_before = if rows.len() as i64 > PAGE_SIZE {
            rows.truncate(PAGE_SIZE as usize);
            rows.last().map(|r| r.id)
        } else {
            None
        };
        let total = self.db.count_users().await.map_err(store_error)?;
        Ok(UsersPage { rows, total, next_before })
    }

    /// Creates an account; `actor` is the admin who did it (none from the CLI).
    pub async fn create_account(&self, account: NewAccount, actor: Option<UserId>) -> Result<UserId, AppError> {
        let password_hash = match &account.password {
            Some(p) => Some(self.hasher().hash(p).await?),
            None => None,
        };
        let user = NewUser {
            login: account.login,
            first_name: account.first_name,
            last_name: account.last_name,
            email: account.email,
            password_hash,
            roles: account.roles,
        };
        let id = self.db.insert_user(&user, self.now()).await.map_err(store_error)?;
        self.audit(AuditAction::UserCreated, actor, Some(id), None).await?;
        Ok(id)
    }

    /// Whether any active admin exists (the first-run check).
    pub async fn has_admin(&self) -> Result<bool, AppError> {
        Ok(self.db.count_active_admins().await.map_err(store_error)? > 0)
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
