use leptos::prelude::*;
use roster_domain::{AppError, UsersPage};

/// A page of users, newest first, older than `before`. Needs `admin.user`.
#[server(endpoint = "list_users")]
pub async fn list_users(before: Option<i64>) -> Result<UsersPage, AppError> {
    use crate::ssr::*;
    use roster_domain::UserId;
    reply(
        async {
            let call = call()?;
            call.roster.list_users(call.signed_in(), before.map(UserId)).await
        }
        .await,
    )
}
