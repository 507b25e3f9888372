use crate::api::{end_user_session, end_user_sessions, user_sessions};
use crate::browser::Loaded;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, SessionId, UserId, UserSession};

/// A Sessions table, as both lists show it: each session's browser, where
/// from and when, then what `action` draws for it.
pub fn session_table<V: IntoView + 'static>(sessions: Vec<UserSession>, action: impl Fn(&UserSession) -> V) -> impl IntoView {
    let rows = sessions
        .iter()
        .map(|session| {
            let browser = match (&session.viewed_by, session.this_browser) {
                (Some(admin), _) => format!("{} · {admin} viewing as this user", session.browser),
                (None, true) => format!("{} · this browser", session.browser),
                (None, false) => session.browser.clone(),
            };
            view! {
                <tr>
                    <td data-label="Browser">{browser}</td>
                    <td data-label="Address">{session.address.clone().unwrap_or_else(|| "Unknown".to_owned())}</td>
                    <td data-label="Started">{session.started.to_string()}</td>
                    <td data-label="Last seen">{session.last_seen.to_string()}</td>
                    <td class="actions">{action(session)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="session-table">
            <thead>
                <tr>
                    <th scope="col">"Browser"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Last seen"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Edit User → **Sessions**: every open session of the user, each with
/// **Sign out**, and **Sign out everywhere**. An ended browser is signed
/// out at its next request.
#[component]
pub fn UserSessions(id: UserId, login: String) -> impl IntoView {
    let sessions = Loaded::new(user_sessions(id));
    let notice = RwSignal::new(None::<Result<String, AppError>>);
    let busy = RwSignal::new(false);
    let login = StoredValue::new(login);
    let after = move |result: Result<String, AppError>| {
        busy.set(false);
        notice.set(Some(result));
        sessions.fill(user_sessions(id));
    };
    let sign_out = Callback::new(move |session: SessionId| {
        busy.set(true);
        spawn_local(async move {
            let result = end_user_session(id, session).await.map(|()| "Session signed out.".to_owned());
            after(result);
        });
    });
    let everywhere = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = end_user_sessions(id).await.map(|n| {
                let login = login.get_value();
                match n {
                    1 => format!("{login} signed out of 1 session."),
                    n => format!("{login} signed out of {n} sessions."),
                }
            });
            after(result);
        });
    };
    view! {
        <section class="sessions" aria-labelledby="user-sessions-heading">
            <h3 id="user-sessions-heading">"Sessions"</h3>
            <p class="notice" role="status">
                {move || notice.get().and_then(Result::ok)}
            </p>
            {move || {
                notice.get().and_then(Result::err).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
            }}
            {move || match sessions.get() {
                None => EitherOf4::A(view! { <p class="status">"Loading sessions…"</p> }),
                Some(Err(e)) => EitherOf4::B(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
                Some(Ok(list)) if list.is_empty() => EitherOf4::C(view! { <p>"No open sessions."</p> }),
                Some(Ok(list)) => EitherOf4::D(view! {
                    {session_table(list, move |session| {
                        let id = session.id.clone();
                        let label = if session.viewed_by.is_some() { "End view" } else { "Sign out" };
                        view! {
                            <button type="button" disabled=move || busy.get() on:click=move |_| sign_out.run(id.clone())>
                                {label}
                            </button>
                        }
                    })}
                    <button type="button" class="danger" disabled=move || busy.get() on:click=everywhere>
                        "Sign out everywhere"
                    </button>
                }),
            }}
        </section>
    }
}
