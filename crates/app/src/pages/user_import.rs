use crate::api::get_import_report;
use crate::components::{PageContent, SignedInPage};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use roster_domain::{
    group_thousands, AppError, ImportPlan, ImportReport, ImportRowReport, ImportRun, ImportRunId, ImportRunState,
    Permission, IMPORT_REPORT_ROWS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS,
};

/// `/admin/users/import`: choose a CSV file of users and test it. The
/// form posts the file to the server, which tests it and sends the browser
/// on to the import's page; like every page of the import, it is drawn on
/// the server and needs no browser code.
#[component]
pub fn ImportUsersPage() -> impl IntoView {
    view! {
        <Title text="Import CSV" />
        <SignedInPage permission=Some(Permission::AdminUser) content=|_| PageContent::now(view! { <ImportForm /> }) />
    }
}

#[component]
fn ImportForm() -> impl IntoView {
    let most = group_thousands(MAX_IMPORT_ROWS as i64);
    let megabytes = MAX_IMPORT_BYTES / (1024 * 1024);
    view! {
        <p class="breadcrumb"><a href="/admin/users">"← Users"</a></p>
        <h1>"Import CSV"</h1>
        <p>
            "A file of users, one per row, with a first line that names the columns: a file from "
            <strong>"Export CSV"</strong>
            " (edited or not), or from another helpdesk (Zammad's column names work, such as "
            <code>"login"</code>", "<code>"firstname"</code>", "<code>"lastname"</code>", "<code>"email"</code>
            "). Login is the one column it needs. Roles are named as on the Roles page, separated by commas; "
            "a row without them gets Customer. Columns Roster does not import (Locked, Created…) are left aside."
        </p>
        <p>
            "UTF-8 text (with or without a byte order mark), values separated by commas or semicolons. "
            {format!("Up to {most} users and {megabytes} MB.")}
        </p>
        <form class="import-form" method="post" action="/api/import_users" enctype="multipart/form-data">
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" name="file" accept=".csv,text/csv,text/plain" required />
            </div>
            <div class="field checkbox">
                <input id="import-update-existing" type="checkbox" name="update_existing" />
                <label for="import-update-existing">"Update existing users"</label>
                <p class="hint">
                    "A row whose login or email an existing user has updates that user. Without this, such a row is refused."
                </p>
            </div>
            <p class="hint">"The test run checks every row and writes nothing; you import after reading its report."</p>
            <button type="submit">"Test run"</button>
        </form>
    }
}

/// `/admin/users/import/N`: an import's page. After the test run, its
/// report and the Import button; while the import writes, its progress
/// (the page reloads itself every two seconds); then its result.
#[component]
pub fn ImportRunPage() -> impl IntoView {
    view! {
        <Title text="Import CSV" />
        <SignedInPage
            permission=Some(Permission::AdminUser)
            content=|_| {
                let run = use_params_map().with_untracked(|p| p.get("run").and_then(|n| n.parse::<i64>().ok()));
                let notice = use_query_map().with_untracked(|q| q.get("notice"));
                PageContent::after(load_report(run), move |report| view! {
                    <p class="breadcrumb"><a href="/admin/users">"← Users"</a></p>
                    {match report {
                        Ok(report) => view! { <ImportReportView report notice /> }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <h1>"Import not found"</h1>
                            <p class="status">"There is no such import, or it is not yours. Imports are kept for a day."</p>
                            <p><a href="/admin/users/import">"Import a file"</a></p>
                        }
                        .into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }}
                })
            }
        />
    }
}

async fn load_report(run: Option<i64>) -> Result<ImportReport, AppError> {
    match run {
        Some(run) => get_import_report(ImportRunId(run)).await,
        None => Err(AppError::NotFound),
    }
}

/// What a notice in the page's address (set by the form's answer) says.
fn notice_text(notice: &str) -> Option<&'static str> {
    Some(match notice {
        "confirm" => "This file sets passwords or gives admin roles: confirm it's you with your password to import it.",
        "wrong-password" => "That password (or code) is not right. Try again.",
        "locked" => "Too many wrong passwords: your account is locked for a while.",
        "not-waiting" => "This import has already started.",
        "not-running" => "This import is not running any more.",
        _ => return None,
    })
}

#[component]
fn ImportReportView(report: ImportReport, notice: Option<String>) -> impl IntoView {
    let ImportReport { run, rows } = report;
    let notice = notice.as_deref().and_then(notice_text).map(|text| view! { <p class="form-error" role="alert">{text}</p> });
    let file_name = format!("File: {}", run.file_name);
    let heading = match run.state {
        ImportRunState::Unreadable => "The file cannot be imported",
        ImportRunState::Tested => "Test run",
        ImportRunState::Running => "Importing…",
        ImportRunState::Finished => "Imported",
        ImportRunState::Cancelled => "Import cancelled",
    };
    let body = match run.state {
        ImportRunState::Unreadable => view! {
            <p class="form-error" role="alert">{run.problem.clone().unwrap_or_default()}</p>
            <p><a class="button" href="/admin/users/import">"Test another file"</a></p>
        }
        .into_any(),
        ImportRunState::Tested => view! {
            <TestRunCounts run=run.clone() />
            <ImportRows rows run=run.clone() />
            <StartImport run />
        }
        .into_any(),
        ImportRunState::Running => view! {
            <ImportProgress run=run.clone() />
            <ImportRows rows run />
        }
        .into_any(),
        ImportRunState::Finished | ImportRunState::Cancelled => view! {
            <ImportResult run=run.clone() />
            <ImportRows rows run />
        }
        .into_any(),
    };
    view! {
        <h1>{heading}</h1>
        <p class="import-file-name">{file_name}</p>
        {notice}
        {body}
    }
}

#[component]
fn TestRunCounts(run: ImportRun) -> impl IntoView {
    let p = run.planned;
    let ignored = (!run.ignored_columns.is_empty()).then(|| {
        view! { <p class="hint">{format!("Columns not imported: {}.", run.ignored_columns.join(", "))}</p> }
    });
    view! {
        <dl class="import-counts" aria-label="What the import would do">
            <div><dt>"Would create"</dt><dd>{group_thousands(p.create)}</dd></div>
            <div><dt>"Would update"</dt><dd>{group_thousands(p.update)}</dd></div>
            <div><dt>"Unchanged"</dt><dd>{group_thousands(p.unchanged)}</dd></div>
            <div><dt>"Invalid"</dt><dd>{group_thousands(p.invalid)}</dd></div>
        </dl>
        {ignored}
        <p class="hint">"Nothing is written yet. Invalid rows are never imported; fix them in the file and test it again, or import the rest."</p>
    }
}

/// The Import button, with the password admin mode asks for when needed.
#[component]
fn StartImport(run: ImportRun) -> impl IntoView {
    let to_write = run.planned.to_write();
    if to_write == 0 {
        return view! {
            <p class="status">"No row would change anything."</p>
            <p><a class="button" href="/admin/users/import">"Test another file"</a></p>
        }
        .into_any();
    }
    let confirm = run.needs_admin_mode.then(|| {
        view! {
            <p class="hint">"This file sets passwords or gives admin roles: confirm it's you."</p>
            <div class="field">
                <label for="import-password">"Your password"</label>
                <input id="import-password" type="password" name="password" autocomplete="current-password" required />
            </div>
            <div class="field">
                <label for="import-code">"Code (if you use two-factor authentication)"</label>
                <input id="import-code" name="code" autocomplete="one-time-code" inputmode="numeric" />
            </div>
        }
    });
    let users = if to_write == 1 { "1 user".to_owned() } else { format!("{} users", group_thousands(to_write)) };
    view! {
        <form class="import-start" method="post" action="/api/import_users/run">
            <input type="hidden" name="run" value=run.id.0 />
            {confirm}
            <button type="submit">{format!("Import {users}")}</button>
            " "
            <a class="button secondary" href="/admin/users/import">"Test another file"</a>
        </form>
    }
    .into_any()
}

#[component]
fn ImportProgress(run: ImportRun) -> impl IntoView {
    let (done, total) = (run.done(), run.planned.to_write());
    let stalled = run.stalled.then(|| {
        view! {
            <p class="form-error" role="alert">"This import stopped (its server went away). Go on to import the rest."</p>
            <form method="post" action="/api/import_users/run">
                <input type="hidden" name="run" value=run.id.0 />
                <button type="submit">"Go on"</button>
            </form>
        }
    });
    view! {
        // The page follows the import by reloading itself; it needs no browser code.
        {(!run.stalled).then(|| view! { <Meta http_equiv="refresh" content="2" /> })}
        <progress class="import-progress" max=total value=done aria-label="Import progress"></progress>
        <p class="status" role="status">
            {format!("{} of {} rows", group_thousands(done), group_thousands(total))}
            {run.pace().map(|pace| format!(" · {pace}"))}
        </p>
        {stalled}
        <form method="post" action="/api/import_users/cancel">
            <input type="hidden" name="run" value=run.id.0 />
            <button type="submit" class="secondary">"Cancel"</button>
            <span class="hint">" Stops after the rows being written now; what is written stays."</span>
        </form>
    }
}

#[component]
fn ImportResult(run: ImportRun) -> impl IntoView {
    view! {
        <dl class="import-counts" aria-label="What the import did">
            <div><dt>"Created"</dt><dd>{group_thousands(run.created)}</dd></div>
            <div><dt>"Updated"</dt><dd>{group_thousands(run.updated)}</dd></div>
            <div><dt>"Refused"</dt><dd>{group_thousands(run.refused)}</dd></div>
            <div><dt>"Invalid"</dt><dd>{group_thousands(run.planned.invalid)}</dd></div>
        </dl>
        <p>
            <a class="button" href="/admin/users">"Back to Users"</a>
            " "
            <a class="button secondary" href="/admin/users/import">"Import another file"</a>
        </p>
    }
}

/// The rows worth a look: each problem next to its column, and why the
/// import refused a row; with the whole report as CSV.
#[component]
fn ImportRows(rows: Vec<ImportRowReport>, run: ImportRun) -> impl IntoView {
    let report = view! {
        <p>
            <a id="import-report" download href=format!("/api/import_report?run={}", run.id)>
                "Download the report of every row (CSV)"
            </a>
        </p>
    };
    if rows.is_empty() {
        return view! { <p class="status">"Every row passed."</p> {report} }.into_any();
    }
    let more = (rows.len() as i64 == IMPORT_REPORT_ROWS)
        .then(|| view! { <p class="hint">{format!("The first {IMPORT_REPORT_ROWS} rows with problems; the report has them all.")}</p> });
    view! {
        <h2>"Rows with problems"</h2>
        <div class="table-scroll" role="region" aria-label="Rows with problems" tabindex="0">
            <table class="import-rows">
                <thead>
                    <tr>
                        <th scope="col">"Line"</th>
                        <th scope="col">"Login"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Problem"</th>
                    </tr>
                </thead>
                <tbody>{rows.into_iter().map(row_lines).collect_view()}</tbody>
            </table>
        </div>
        {more}
        {report}
    }
    .into_any()
}

/// A row's lines of the table: one per problem.
fn row_lines(row: ImportRowReport) -> impl IntoView {
    let result = match row.outcome {
        Some(outcome) => outcome.label(),
        None if row.plan == ImportPlan::Invalid => ImportPlan::Invalid.label(),
        None => row.plan.label(),
    };
    let mut problems: Vec<(String, String)> = row.problems.into_iter().map(|p| (p.column, p.message)).collect();
    problems.extend(row.reason.map(|reason| (String::new(), reason)));
    let (line, login) = (row.line, row.login);
    problems
        .into_iter()
        .map(move |(column, message)| {
            view! {
                <tr data-line=line>
                    <td>{line}</td>
                    <td>{login.clone()}</td>
                    <td>{result}</td>
                    <td class="import-column">{column}</td>
                    <td class="import-problem">{message}</td>
                </tr>
            }
        })
        .collect_view()
}
