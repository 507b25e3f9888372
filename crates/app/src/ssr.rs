//! Server-side glue between Leptos and Roster: the axum state, what the
//! session layer attaches to each request, and cookie handling.

use axum::extract::FromRef;
use cookie::{Cookie, SameSite};
use http::header::SET_COOKIE;
use http::{HeaderValue, StatusCode};
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use leptos_router::location::RequestUrl;
use roster_domain::AppError;
use roster_service::{PendingAction, PendingSignIn, Roster, SessionToken, SignedIn};

/// The router's state; Leptos provides it as context to every server
/// function and page render.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub roster: Roster,
}

/// The session cookie's name. Over HTTPS it carries the `__Host-` prefix:
/// browsers then keep it only if it is Secure, for Path=/ and no Domain,
/// so neither a sibling subdomain nor plain HTTP can plant one.
pub fn session_cookie_name(roster: &Roster) -> &'static str {
    if roster.settings.secure_cookies {
        "__Host-roster_session"
    } else {
        "roster_session"
    }
}

/// What the session layer learned about a request. It sits in the request's
/// extensions, where server functions find it through `request()`.
#[derive(Clone, Debug, Default)]
pub struct RequestSession {
    /// The valid session the cookie names, if any.
    pub signed_in: Option<SignedIn>,
    /// A sign-in waiting for its code: it grants nothing but the code step.
    pub awaiting_code: Option<PendingSignIn>,
    /// A session that owes a required action: it grants nothing but that step.
    pub action_required: Option<PendingAction>,
    /// The cookie's token, valid or not: sign-in ends it.
    pub cookie_token: Option<SessionToken>,
    pub ip: Option<String>,
}

/// The service handle and the calling request's session.
pub struct Call {
    pub roster: Roster,
    pub session: RequestSession,
}

impl Call {
    pub fn signed_in(&self) -> Option<&SignedIn> {
        self.session.signed_in.as_ref()
    }

    pub fn ip(&self) -> Option<&str> {
        self.session.ip.as_deref()
    }
}

/// The body of every server function: runs `work` with the caller's
/// session and the service. One helper, so each server function is a line
/// that names the service call it makes and nothing else.
pub async fn serve<T>(work: impl AsyncFnOnce(&Call) -> Result<T, AppError>) -> Result<T, AppError> {
    let result = match call() {
        Ok(call) => work(&call).await,
        Err(e) => Err(e),
    };
    if let Err(e) = &result {
        give_page_the_status_of(e);
    }
    result
}

/// The context of the current server function or page render.
fn call() -> Result<Call, AppError> {
    let missing = |what: &str| {
        tracing::error!("{what} missing from the Leptos context");
        AppError::Internal
    };
    let state = use_context::<AppState>().ok_or_else(|| missing("AppState"))?;
    let parts = use_context::<http::request::Parts>().ok_or_else(|| missing("request parts"))?;
    let session = parts.extensions.get::<RequestSession>().cloned().unwrap_or_default();
    Ok(Call { roster: state.roster, session })
}

/// A page that meets an error while it renders on the server answers with
/// that error's status (a missing ticket's page is a 404); the router
/// provides the page's address only while it renders one. A server function
/// called over HTTP gets its status from the server's `error_status` layer
/// alone, which also sees the errors Leptos raises before Roster's code runs
/// and leaves alone the redirect that answers a form sent without JavaScript.
fn give_page_the_status_of(error: &AppError) {
    if use_context::<RequestUrl>().is_none() {
        return;
    }
    if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    }
}

/// A page's Content-Security-Policy: scripts only from Roster itself or
/// inline with this response's nonce (Leptos puts it on its own inline
/// scripts), WebAssembly allowed, no framing, no plug-ins.
pub fn set_page_security_policy() {
    let Some(response) = use_context::<ResponseOptions>() else { return };
    let nonce = leptos::nonce::use_nonce().map(|n| n.to_string()).unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The `Set-Cookie` value that hands the browser a session.
pub fn session_cookie(token: &SessionToken, roster: &Roster) -> String {
    Cookie::build((session_cookie_name(roster), token.as_cookie_value().to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(roster.settings.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::hours(roster.settings.session_absolute_hours))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn expired_session_cookie(roster: &Roster) -> String {
    let mut removal =
        Cookie::build((session_cookie_name(roster), "")).http_only(true).same_site(SameSite::Lax).path("/").build();
    removal.set_secure(roster.settings.secure_cookies);
    removal.make_removal();
    removal.to_string()
}

pub fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (use_context::<ResponseOptions>(), HeaderValue::from_str(&value)) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Reads the session token from a `Cookie` header, if it has Roster's shape.
pub fn token_from_cookie_header(roster: &Roster, header: &str) -> Option<SessionToken> {
    Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == session_cookie_name(roster))
        .and_then(|c| SessionToken::from_cookie(c.value()))
}
