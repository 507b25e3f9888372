//! How the CSV files Roster sends (Export CSV, a bulk action's report) are
//! answered: as a download streamed as it is written, or as a server
//! function's error.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use roster_domain::AppError;
use roster_service::ExportStream;

/// `stream` as a CSV file the browser saves as `filename`.
pub fn csv_download(stream: ExportStream, filename: &str) -> Response {
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    response
}

/// An error answered as a server function answers one, for `path` (see
/// `error_status`, which gives it its status and audits a refusal).
pub fn error_answer(error: AppError, path: &'static str) -> Response {
    let body = serde_json::to_string(&error).unwrap_or_default();
    let mut response = (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(SERVER_FN_ERROR_HEADER, HeaderValue::from_static(path));
    response
}
