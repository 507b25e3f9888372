//! Import CSV over HTTP: the import page's forms post here, and each
//! answer sends the browser on to the import's page (`/admin/users/import/N`),
//! which shows the test run's report or the import's progress. Plain forms,
//! so the page needs no browser code; the service checks the permission and
//! that the import is the caller's, and the cross-site check refuses posts
//! from another site's page, as for every `/api/` request.
//!
//! - `POST /api/import_users` (multipart: `file`, `update_existing`): tests a file.
//! - `POST /api/import_users/run` (`run`, and `password`/`code` when the
//!   import needs admin mode): starts writing it.
//! - `POST /api/import_users/cancel` (`run`): stops it after the chunk under way.
//! - `GET /api/import_report?run=N`: every row of it, as CSV.

use crate::csv_download::{csv_download, error_answer};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Multipart, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use roster_app::ssr::{AppState, RequestSession};
use roster_domain::{AppError, ImportRunId, MAX_IMPORT_BYTES};
use roster_service::ImportUpload;

pub const IMPORT_USERS_PATH: &str = "/api/import_users";
pub const RUN_IMPORT_PATH: &str = "/api/import_users/run";
pub const CANCEL_IMPORT_PATH: &str = "/api/import_users/cancel";
pub const IMPORT_REPORT_PATH: &str = "/api/import_report";
/// The largest request the upload reads: a file too large to import is
/// still read to the end (and thrown away) up to here, so its page can say
/// how large it was; past this, the request is refused outright (413).
pub const IMPORT_REQUEST_LIMIT: usize = 256 * 1024 * 1024;

/// The page of an import, with what to tell the admin there.
fn import_page(run: ImportRunId, notice: Option<&str>) -> Response {
    let to = match notice {
        Some(notice) => format!("/admin/users/import/{run}?notice={notice}"),
        None => format!("/admin/users/import/{run}"),
    };
    Redirect::to(&to).into_response()
}

fn session_of(request: &Request) -> RequestSession {
    request.extensions().get::<RequestSession>().cloned().unwrap_or_default()
}

pub async fn import_users(State(state): State<AppState>, request: Request) -> Response {
    let session = session_of(&request);
    // Who may import is checked before the file is read.
    if let Err(error) = roster_service::require(session.signed_in.as_ref(), roster_domain::Permission::AdminUser) {
        return error_answer(error, IMPORT_USERS_PATH);
    }
    let mut multipart = match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
        Ok(multipart) => multipart,
        Err(_) => return malformed("send the file as a form upload (multipart/form-data) in the field `file`"),
    };
    let (mut file_name, mut bytes, mut size, mut update_existing) = (String::new(), Vec::new(), 0, false);
    let mut has_file = false;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return malformed("the upload ended before its end: send the file again"),
        };
        match field.name() {
            Some("file") => {
                has_file = true;
                file_name = field.file_name().unwrap_or_default().to_owned();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            size += chunk.len();
                            if bytes.len() <= MAX_IMPORT_BYTES {
                                bytes.extend_from_slice(&chunk);
                            }
                        }
                        Ok(None) => break,
                        Err(_) => return malformed("the upload ended before its end: send the file again"),
                    }
                }
            }
            Some("update_existing") => update_existing = field.text().await.is_ok_and(|v| v == "on" || v == "true"),
            _ => {}
        }
    }
    if !has_file {
        return malformed("choose a file to test (the form field `file`)");
    }
    let upload = ImportUpload { file_name: &file_name, bytes: &bytes, size, update_existing };
    match state.roster.test_import(session.signed_in.as_ref(), upload, session.ip.as_deref()).await {
        Ok(run) => import_page(run, None),
        Err(error) => error_answer(error, IMPORT_USERS_PATH),
    }
}

fn malformed(message: &str) -> Response {
    error_answer(AppError::Malformed(message.to_owned()), IMPORT_USERS_PATH)
}

#[derive(serde::Deserialize)]
pub struct RunForm {
    run: i64,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn run_import(State(state): State<AppState>, request: Request) -> Response {
    let session = session_of(&request);
    let form: Result<Form<RunForm>, FormRejection> =
        <Form<RunForm> as axum::extract::FromRequest<()>>::from_request(request, &()).await;
    let Ok(Form(form)) = form else {
        return error_answer(AppError::Malformed("say which import: run=…".into()), RUN_IMPORT_PATH);
    };
    let (roster, run) = (&state.roster, ImportRunId(form.run));
    let (mut signed_in, ip) = (session.signed_in.clone(), session.ip.as_deref());
    // The password the page asks for when the import needs admin mode.
    if !form.password.is_empty() {
        match roster.confirm_identity(signed_in.as_ref(), &form.password, &form.code, ip).await {
            // The session is proved from now on (as stored); this request goes on with it.
            Ok(()) => signed_in = signed_in.map(|s| roster_service::SignedIn { confirmed_at: roster.now(), ..s }),
            Err(AppError::Validation(_) | AppError::InvalidCredentials | AppError::InvalidCode) => {
                return import_page(run, Some("wrong-password"));
            }
            Err(AppError::Refused(_) | AppError::TooManyAttempts { .. }) => return import_page(run, Some("locked")),
            Err(error) => return error_answer(error, RUN_IMPORT_PATH),
        }
    }
    match roster.start_import(signed_in.as_ref(), run, ip).await {
        Ok(()) => import_page(run, None),
        Err(AppError::ReauthenticationRequired { .. }) => import_page(run, Some("confirm")),
        Err(AppError::Refused(_)) => import_page(run, Some("not-waiting")),
        Err(error) => error_answer(error, RUN_IMPORT_PATH),
    }
}

#[derive(serde::Deserialize)]
pub struct RunQuery {
    run: i64,
}

pub async fn cancel_import(State(state): State<AppState>, request: Request) -> Response {
    let session = session_of(&request);
    let form: Result<Form<RunQuery>, FormRejection> =
        <Form<RunQuery> as axum::extract::FromRequest<()>>::from_request(request, &()).await;
    let Ok(Form(RunQuery { run })) = form else {
        return error_answer(AppError::Malformed("say which import: run=…".into()), CANCEL_IMPORT_PATH);
    };
    let run = ImportRunId(run);
    match state.roster.cancel_import(session.signed_in.as_ref(), run, session.ip.as_deref()).await {
        Ok(()) => import_page(run, None),
        Err(AppError::Refused(_)) => import_page(run, Some("not-running")),
        Err(error) => error_answer(error, CANCEL_IMPORT_PATH),
    }
}

pub async fn import_report(
    State(state): State<AppState>,
    query: Result<Query<RunQuery>, QueryRejection>,
    request: Request,
) -> Response {
    let session = session_of(&request);
    let Ok(Query(RunQuery { run })) = query else {
        return error_answer(AppError::Malformed("say which import: ?run=…".into()), IMPORT_REPORT_PATH);
    };
    let run = ImportRunId(run);
    match state.roster.import_rows_report(session.signed_in.as_ref(), run).await {
        Ok(stream) => csv_download(stream, &format!("import-{run}-report.csv")),
        Err(error) => error_answer(error, IMPORT_REPORT_PATH),
    }
}
