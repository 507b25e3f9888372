use leptos::prelude::*;
use leptos::server_fn;
use roster_domain::{AppError, UserSearch, UsersPage};

/// One page of the Users panel for a search (text, roles, facets, sort,
/// cursor), with a count capped for speed. Needs `admin.user`.
#[server(endpoint = "search_users", input = server_fn::codec::Json)]
pub async fn search_users(search: UserSearch) -> Result<UsersPage, AppError> {
    use crate::ssr::*;
    reply(
        async {
            let call = call()?;
            call.roster.search_users(call.signed_in(), &search).await
        }
        .await,
    )
}

/// The exact number of users a search matches. Needs `admin.user`.
#[server(endpoint = "count_users", input = server_fn::codec::Json)]
pub async fn count_users(search: UserSearch) -> Result<i64, AppError> {
    use crate::ssr::*;
    reply(
        async {
            let call = call()?;
            call.roster.count_users(call.signed_in(), &search).await
        }
        .await,
    )
}
