//! Profile → Sessions' forms: `POST /api/my_sessions/end` with `session`
//! (one of yours, this browser's too) or `everywhere_else`. The answer is
//! the profile again, saying what happened; ending this browser's session
//! answers with the sign-in page.

use crate::csv_download::error_answer;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use roster_app::ssr::{expired_session_cookie, AppState, RequestSession};
use roster_app::END_MY_SESSION_PATH;
use roster_domain::{AppError, SessionId};

#[derive(serde::Deserialize)]
pub struct EndSessionForm {
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    everywhere_else: Option<String>,
}

fn profile(notice: &str) -> Response {
    Redirect::to(&format!("/profile?notice={notice}#sessions")).into_response()
}

pub async fn end_my_session(State(state): State<AppState>, request: Request) -> Response {
    let session: RequestSession = request.extensions().get::<RequestSession>().cloned().unwrap_or_default();
    let form: Result<Form<EndSessionForm>, FormRejection> =
        <Form<EndSessionForm> as axum::extract::FromRequest<()>>::from_request(request, &()).await;
    let Ok(Form(form)) = form else {
        return error_answer(AppError::Malformed("say which session: session=… or everywhere_else=yes".into()), END_MY_SESSION_PATH);
    };
    let (roster, me, ip) = (&state.roster, session.signed_in.as_ref(), session.ip.as_deref());
    if me.is_some_and(|me| me.impersonator.is_some()) {
        return profile("not-during-a-view");
    }
    let answer = match (form.session.as_deref().map(SessionId::parse), form.everywhere_else.is_some()) {
        (Some(Some(id)), false) => {
            let own = roster.my_sessions(me).await.map(|list| list.into_iter().find(|s| s.id == id).map(|s| s.this_browser));
            match roster.end_my_session(me, &id, ip).await {
                Ok(()) if matches!(own, Ok(Some(true))) => {
                    let mut answer = Redirect::to("/login").into_response();
                    if let Ok(cookie) = http::HeaderValue::from_str(&expired_session_cookie(roster)) {
                        answer.headers_mut().append(http::header::SET_COOKIE, cookie);
                    }
                    return answer;
                }
                Ok(()) => Ok("session-ended"),
                Err(e) => Err(e),
            }
        }
        (Some(None), false) => Err(AppError::Refused(String::new())),
        (None, true) => roster.end_my_other_sessions(me, ip).await.map(|_| "others-ended"),
        _ => return error_answer(AppError::Malformed("send either session=… or everywhere_else=yes".into()), END_MY_SESSION_PATH),
    };
    match answer {
        Ok(notice) => profile(notice),
        Err(AppError::Refused(_)) => profile("already-ended"),
        Err(error) => error_answer(error, END_MY_SESSION_PATH),
    }
}
