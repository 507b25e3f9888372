use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::RETRY_AFTER;
use http::StatusCode;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use roster_app::ssr::RequestSession;
use roster_domain::AppError;
use roster_service::Roster;

/// Gives a server function's error answer the status of its `AppError`: the
/// one place that does, for Roster's own errors and for those Leptos raises
/// itself before Roster's code runs (arguments that do not parse) alike.
/// Leptos 0.8 answers both with 500 and the error in the body, and offers no
/// hook that sees the second kind and can set a status. A form sent without
/// JavaScript is answered by a redirect to its page instead, which this
/// leaves alone. (A page rendering on the server takes the status of an
/// error it meets in `roster_app::ssr::serve`.)
///
/// A refusal for want of a permission (403) is audited here too, with who
/// asked, for what and from where: this layer runs inside the session
/// layer, so it knows the caller.
pub async fn status_from_error_body(State(roster): State<Roster>, request: Request, next: Next) -> Response {
    let session = request.extensions().get::<RequestSession>().cloned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let is_error_answer = response.headers().contains_key(SERVER_FN_ERROR_HEADER);
    if !is_error_answer || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::Busy { retry_after_seconds } | AppError::TooManyAttempts { retry_after_seconds } = error {
            parts.headers.insert(RETRY_AFTER, retry_after_seconds.into());
        }
    }
    if parts.status == StatusCode::FORBIDDEN {
        let session = session.unwrap_or_default();
        if roster.record_refusal(session.signed_in.as_ref(), &path, session.ip.as_deref()).await.is_err() {
            tracing::error!(path, "could not audit a refused request");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
