use crate::api::list_users;
use crate::components::{SignedInPage, UserTable};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use roster_domain::Permission;

/// `/admin/users`: every account, newest first, a page at a time. The page
/// lives in the URL (`?before=<id>`), so links and Back restore it.
#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <SignedInPage permission=Some(Permission::AdminUser) content=|_| view! { <UsersPanel /> }.into_any() />
    }
}

#[component]
fn UsersPanel() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.read().get("before").and_then(|b| b.parse::<i64>().ok()));
    let page = Resource::new(move || before.get(), list_users);

    view! {
        <h1>"Users"</h1>
        <Transition fallback=|| view! { <p class="status">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let count = match page.total {
                            1 => "1 user".to_owned(),
                            n => format!("{n} users"),
                        };
                        let older = page.next_before.map(|id| view! {
                            <a href=format!("/admin/users?before={id}") rel="next">"Older users →"</a>
                        });
                        let newest = before.get_untracked().map(|_| view! {
                            <a href="/admin/users">"← Newest users"</a>
                        });
                        view! {
                            <p class="status" role="status">{count}</p>
                            <UserTable rows=page.rows />
                            <nav class="pager" aria-label="Pages">{newest}{older}</nav>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
