use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use roster_domain::AppError;

/// Leptos answers 500 when it rejects a server-function request itself (for
/// instance, arguments that do not parse), before Roster's code runs. The
/// body still carries the `AppError`; this gives the response that error's
/// own status, so bad input is a 400 and never looks like a server fault.
pub async fn status_from_error_body(request: Request, next: Next) -> Response {
    let is_server_function = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_function || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
