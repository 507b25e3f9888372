//! Finds the session a request's cookie names before any page or server
//! function runs, so every one of them sees the same, current answer:
//! a session ended elsewhere is gone on the very next request.

use crate::client_address::ClientAddress;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use http::{HeaderValue, StatusCode};
use roster_app::ssr::{expired_session_cookie, session_cookie, token_from_cookie_header, RequestSession};
use roster_service::{PendingAction, Roster, Session, SessionClient};

pub async fn resolve_session(State(roster): State<Roster>, mut request: Request, next: Next) -> Response {
    // Built assets need no session and no database round trip.
    if request.uri().path().starts_with("/pkg/") {
        return next.run(request).await;
    }
    let ip = request.extensions().get::<ClientAddress>().map(|c| c.0.to_string());
    let token = request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| token_from_cookie_header(&roster, header));
    let user_agent = request.headers().get(USER_AGENT).and_then(|v| v.to_str().ok());
    let client = SessionClient::new(ip.clone(), user_agent);
    let session = match &token {
        Some(token) => match roster.resolve_session_from(token, &client).await {
            Ok(session) => session,
            Err(_) => {
                return (StatusCode::SERVICE_UNAVAILABLE, "Roster cannot reach its database. Please try again shortly.")
                    .into_response()
            }
        },
        None => None,
    };
    let stale_cookie = token.is_some() && session.is_none();
    // The session got a new id (its user's rights changed, or a view ended at its time limit).
    let renewed = match &session {
        Some(Session::SignedIn(s) | Session::ActionRequired(PendingAction { session: s, .. }))
            if token.as_ref() != Some(&s.token) =>
        {
            Some(session_cookie(&s.token, &roster))
        }
        _ => None,
    };
    let mut found = RequestSession { cookie_token: token, ip, ..RequestSession::default() };
    match session {
        Some(Session::SignedIn(s)) => found.signed_in = Some(s),
        Some(Session::AwaitingCode(p)) => found.awaiting_code = Some(p),
        Some(Session::ActionRequired(p)) => found.action_required = Some(p),
        None => {}
    }
    request.extensions_mut().insert(found);

    let mut response = next.run(request).await;
    // Tell the browser to drop a cookie that no longer names a session, or
    // the new id of one that got it — unless the request itself set the cookie.
    let cookie = match renewed {
        Some(renewed) => Some(renewed),
        None => stale_cookie.then(|| expired_session_cookie(&roster)),
    };
    if let Some(cookie) = cookie.filter(|_| !response.headers().contains_key(SET_COOKIE)) {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}
