use crate::client_address::find_client_address;
use crate::compression::no_compression_for_other_sites;
use crate::error_status::status_from_error_body;
use crate::cross_site::{refuse_cross_site, CrossSiteRefusals};
use crate::session_layer::resolve_session;
use crate::throttle::{throttle_sign_in, SignInThrottle};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use crate::user_import as import;
use http::StatusCode;
use std::time::Duration;
use http::header::{
    HeaderName, HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY, VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::OnceLock;
use roster_app::ssr::AppState;
use roster_app::{shell, App};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The app's routes, listed once per process. Listing them renders the app
/// with resource loading switched off for the whole process (Leptos keeps
/// that switch in a global), and a page that starts loading a resource in
/// that moment waits forever. Listing once, before any router serves, keeps
/// every router built later (the tests build one per test, in parallel) from
/// stalling a page another one is rendering.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// A request whose handling panicked gets the generic error (logged with
/// the panic's message) instead of a dropped connection; the server goes on.
fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| panic.downcast_ref::<String>().cloned());
    tracing::error!(panic = message.as_deref().unwrap_or("(no message)"), "a request panicked");
    let body = serde_json::to_string(&roster_domain::AppError::Internal).unwrap_or_default();
    (StatusCode::INTERNAL_SERVER_ERROR, [(http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The built browser bundle (`/pkg/…`), with the brotli or gzip copy the
/// build wrote when the browser accepts it. Browsers check back on every
/// use (`no-cache`; an unchanged file costs a 304), so after an update a
/// page never runs an old piece of the bundle with a new one.
fn built_files(options: &leptos::config::LeptosOptions) -> (String, SetResponseHeader<SetResponseHeader<ServeDir, HeaderValue>, HeaderValue>) {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let files = SetResponseHeader::overriding(files, CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let files = SetResponseHeader::overriding(files, VARY, HeaderValue::from_static("accept-encoding"));
    (format!("/{}", options.site_pkg_dir), files)
}

/// Pages and server-function answers show people's names, emails and
/// more: no cache (a proxy's, or the browser's on a shared computer) may
/// keep them. The site's own files say how they are cached themselves.
async fn no_store_for_pages_and_answers(request: Request, next: Next) -> Response {
    let is_answer = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let is_page = response.headers().get(CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if (is_answer || is_page) && !response.headers().contains_key(CACHE_CONTROL) {
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Over HTTPS, browsers are told to use nothing else for a year.
const HSTS: &str = "max-age=31536000";

/// Largest request body Roster accepts (but for Import CSV's upload);
/// larger ones get 413.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// Longest a request may take; a stuck one gets 503 instead of holding
/// the browser (and a connection) forever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole HTTP application: pages, server functions and built assets,
/// behind the session layer, the cross-site check, sign-in throttling, the
/// client address (from `X-Forwarded-For` of trusted proxies only), panic
/// and timeout guards, the body size limit, security headers and
/// compression. The headers sit outside every layer that may answer by
/// itself (413, 429, 403, 503), so every answer carries them. (Pages set
/// their own Content-Security-Policy with the nonce of their inline
/// scripts; other responses get the strictest.)
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let render = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let settings = &state.roster.settings;
    let throttle = SignInThrottle::new(settings.sign_in_attempts_per_minute, settings.lockout_threshold);
    let trusted_proxies: std::sync::Arc<[_]> = state.roster.settings.trusted_proxies.clone().into();
    let (files_path, files) = built_files(&state.leptos_options);
    let hsts = state.roster.settings.secure_cookies.then_some(HeaderValue::from_static(HSTS));
    // Import CSV's upload is the one request with a large body.
    let upload = Router::new()
        .route(import::IMPORT_USERS_PATH, post(import::import_users))
        .layer(RequestBodyLimitLayer::new(import::IMPORT_REQUEST_LIMIT))
        .layer(axum::extract::DefaultBodyLimit::max(import::IMPORT_REQUEST_LIMIT));
    Router::new()
        .nest_service(&files_path, files)
        .route(crate::user_export::EXPORT_USERS_PATH, get(crate::user_export::export_users))
        .route(
            crate::bulk_action_report::BULK_ACTION_REPORT_PATH,
            get(crate::bulk_action_report::bulk_action_report),
        )
        .route(import::RUN_IMPORT_PATH, post(import::run_import))
        .route(import::CANCEL_IMPORT_PATH, post(import::cancel_import))
        .route(import::IMPORT_REPORT_PATH, get(import::import_report))
        .route(roster_app::END_MY_SESSION_PATH, post(crate::my_sessions::end_my_session))
        .leptos_routes(&state, routes, render)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .merge(upload)
        .layer(axum::middleware::from_fn_with_state(state.roster.clone(), status_from_error_body))
        .layer(axum::middleware::from_fn_with_state(state.roster.clone(), resolve_session))
        .layer(axum::middleware::from_fn_with_state(throttle, throttle_sign_in))
        .layer(axum::middleware::from_fn_with_state(CrossSiteRefusals::new(state.roster.clone()), refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(trusted_proxies, find_client_address))
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(axum::middleware::from_fn(no_store_for_pages_and_answers))
        .layer(header(CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(X_FRAME_OPTIONS, "DENY"))
        .layer(header(REFERRER_POLICY, "same-origin"))
        .layer(SetResponseHeaderLayer::overriding(STRICT_TRANSPORT_SECURITY, hsts))
        // Pages and answers; the bundle's files come compressed already. The
        // fastest level: most of the size saved (the Users panel's 82 kB page
        // is 7.0 kB, 6.5 kB at brotli's default 4) for half the time.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(1)))
        .layer(axum::middleware::from_fn(no_compression_for_other_sites))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_answered_with_the_generic_error_and_nothing_of_its_message() {
        let response = answer_panic(Box::new("index out of bounds: secret detail"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        let error: roster_domain::AppError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error, roster_domain::AppError::Internal);
    }
}
