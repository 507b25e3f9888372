use crate::api::{my_sessions, my_two_factor_methods};
use crate::components::{
    session_table, ChangePasswordButton, PageContent, ProfileDialogs, SignedInPage, TwoFactorMethods,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use roster_domain::{AppError, UserSession};

/// Where the Sessions section's forms post (see the server's `my_sessions` routes).
pub const END_MY_SESSION_PATH: &str = "/api/my_sessions/end";

/// `/profile`: **Password & Authentication** and **Sessions** for whoever
/// is signed in.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="Profile" />
        <SignedInPage permission=None content=|user| {
            let notice = use_query_map().with_untracked(|q| q.get("notice"));
            let load = async { (my_two_factor_methods().await, my_sessions().await) };
            // The two-factor methods come with the page (see `PageContent::after`).
            PageContent::after(load, move |(methods, sessions)| view! {
                <h1>"Profile"</h1>
                <p class="status">{format!("Signed in as {} ({})", user.display_name, user.login)}</p>
                // Its notice and dialogs stay out of the section's grid, where
                // even an empty notice took a row.
                <ProfileDialogs />
                <section class="profile" aria-labelledby="password-auth-heading">
                    <h2 id="password-auth-heading">"Password & Authentication"</h2>
                    <div class="method" aria-labelledby="password-heading">
                        <h3 id="password-heading">"Password"</h3>
                        <p>"Changing it signs you out everywhere else."</p>
                        <ChangePasswordButton />
                    </div>
                    <section class="two-factor" aria-labelledby="two-factor-heading">
                        <h3 id="two-factor-heading">"Two-factor authentication"</h3>
                        <TwoFactorMethods methods />
                    </section>
                </section>
                <MySessions sessions notice />
            })
        } />
    }
}

/// Profile → **Sessions**: where you are signed in, each with **Sign out**,
/// and **Sign out everywhere else**. Drawn on the server; its buttons are
/// plain forms, answered with this page again and what happened.
#[component]
fn MySessions(sessions: Result<Vec<UserSession>, AppError>, notice: Option<String>) -> impl IntoView {
    let notice = notice.as_deref().and_then(notice_text).map(|text| view! { <p class="notice" role="status">{text}</p> });
    let list = match sessions {
        Err(e) => return view! { <section class="sessions" id="sessions"><p class="form-error" role="alert">{e.to_string()}</p></section> }.into_any(),
        Ok(list) => list,
    };
    let others = list.iter().filter(|s| !s.this_browser && s.viewed_by.is_none()).count();
    view! {
        <section class="sessions" id="sessions" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            {notice}
            {session_table(list, |session| {
                (session.viewed_by.is_none()).then(|| view! {
                    <form method="post" action=END_MY_SESSION_PATH>
                        <input type="hidden" name="session" value=session.id.0.clone() />
                        <button type="submit">"Sign out"</button>
                    </form>
                })
            })}
            {(others > 0).then(|| view! {
                <form method="post" action=END_MY_SESSION_PATH>
                    <input type="hidden" name="everywhere_else" value="yes" />
                    <button type="submit" class="danger">"Sign out everywhere else"</button>
                </form>
            })}
        </section>
    }
    .into_any()
}

/// What a notice in the page's address (set by a form's answer) says.
fn notice_text(notice: &str) -> Option<&'static str> {
    Some(match notice {
        "session-ended" => "Session signed out.",
        "others-ended" => "Signed out everywhere else.",
        "already-ended" => "That session had ended already.",
        "not-during-a-view" => "You are viewing Roster as another user: their sessions are theirs to end.",
        _ => return None,
    })
}
