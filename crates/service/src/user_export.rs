//! Export CSV: every user the Users panel's view matches, in its order, as
//! a CSV file streamed a page at a time, so a million users cost the server
//! no more memory than one page.

use crate::users::require;
use crate::{store_error, Roster, SignedIn};
use roster_domain::{AppError, AuditAction, Permission, UserFields, UserId, UserRow, UserSearch, COUNT_CAP};
use roster_store::{ExportDetails, UserQuery};
use std::collections::HashMap;

/// Users read and written per step of an export.
const EXPORT_PAGE: i64 = 1_000;

/// The columns after the dialog's own fields, which come in `UserFields`'
/// order between "Active" and "Roles".
const LEADING_COLUMNS: [&str; 6] = ["Login", "Email", "Organization", "Secondary organizations", "VIP", "Active"];
const TRAILING_COLUMNS: [&str; 5] = ["Roles", "Locked", "Two-factor methods", "Last sign-in", "Created"];

/// The header row of an export (and of the file an import takes).
pub fn export_header() -> Vec<&'static str> {
    let fields = UserFields::RULES.iter().map(|rule| rule.label);
    LEADING_COLUMNS.into_iter().chain(fields).chain(TRAILING_COLUMNS).collect()
}

/// A value as a spreadsheet should show it: text that would start a
/// formula (`=`, `+`, `-`, `@`, or a tab or carriage return before one)
/// gets a leading `'`, which spreadsheets take as "text, not a formula".
pub fn neutralised(value: &str) -> std::borrow::Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}").into(),
        _ => value.into(),
    }
}

/// One user's row, in `export_header`'s order.
fn export_row(row: &UserRow, details: &ExportDetails, now: roster_domain::Timestamp) -> Vec<String> {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let mut values = vec![
        row.login.clone(),
        row.email.clone().unwrap_or_default(),
        row.organization.clone().unwrap_or_default(),
        details.secondary_organizations.join(", "),
        yes_no(details.vip),
        yes_no(row.active),
    ];
    values.extend(details.fields.values().iter().map(|v| (*v).to_owned()));
    values.push(row.roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "));
    values.push(yes_no(row.locked_until.is_some_and(|until| until > now)));
    values.push(details.two_factor.iter().map(|k| k.label()).collect::<Vec<_>>().join(", "));
    values.push(row.last_login_at.map(|t| t.to_string()).unwrap_or_default());
    values.push(row.created_at.to_string());
    values
}

/// CSV text of `rows`, each value neutralised.
pub(crate) fn csv_lines(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, AppError> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row.iter().map(|v| neutralised(v).into_owned())).map_err(|_| AppError::Internal)?;
    }
    writer.into_inner().map_err(|_| AppError::Internal)
}

/// What an export's audit event says besides how many users went out: who
/// exported which view, from where.
#[derive(Clone)]
struct ExportAudit {
    roster: Roster,
    admin: UserId,
    ip: Option<String>,
    /// The view's address in the panel.
    view: String,
}

impl ExportAudit {
    /// Records that `rows` users went out, and whether the file was whole
    /// (a download stopped half-way is not).
    async fn record(&self, rows: u64, whole: bool) -> Result<(), AppError> {
        let (n, view) = (roster_domain::group_thousands(rows as i64), &self.view);
        let detail = if whole { format!("{n} users; view: {view}") } else { format!("{n} users, then stopped; view: {view}") };
        let ip = self.ip.as_deref();
        self.roster.audit_with_detail(AuditAction::UsersExported, Some(self.admin), None, ip, detail).await
    }
}

/// A page of an export as read: the users, and their export details.
type ExportPage = (Vec<(UserRow, roster_domain::PageCursor)>, HashMap<UserId, ExportDetails>);

/// Reads the page of `search` (from its `after`).
async fn read_page(roster: Roster, search: UserSearch, words: Vec<String>, many_match: bool) -> Result<ExportPage, AppError> {
    let query = UserQuery { search: &search, words: &words, now: roster.now(), dormant_before: roster.dormant_line() };
    let query = roster.db.prepare_search(query).await.map_err(store_error)?;
    let found = roster.db.search_users(&query, EXPORT_PAGE, many_match).await.map_err(store_error)?;
    drop(query);
    let ids: Vec<UserId> = found.iter().map(|(row, _)| row.id).collect();
    let details = roster.db.export_details(&ids).await.map_err(store_error)?;
    Ok((found, details))
}

/// Where an export has got to.
struct ExportState {
    roster: Roster,
    search: UserSearch,
    words: Vec<String>,
    /// The capped count found many matches (it picks the page plan).
    many_match: bool,
    header_sent: bool,
    finished: bool,
    rows_sent: u64,
    audit: ExportAudit,
    audited: bool,
    /// The next page, being read while the one before is written out: the
    /// database and the CSV writer then work at once, on two cores.
    next: Option<tokio::task::JoinHandle<Result<ExportPage, AppError>>>,
}

impl ExportState {
    /// Starts reading the page of the search as it stands.
    fn read_ahead(&mut self) {
        let page = read_page(self.roster.clone(), self.search.clone(), self.words.clone(), self.many_match);
        self.next = Some(tokio::spawn(page));
    }

    /// The next piece of the file: the header first, then a page of users;
    /// `None` once every match is sent (and the export audited).
    async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if !self.header_sent {
            self.header_sent = true;
            self.read_ahead();
            let mut header = vec![0xEF, 0xBB, 0xBF]; // UTF-8's byte order mark: spreadsheets then read é as é.
            header.extend(csv_lines([export_header().into_iter().map(str::to_owned).collect()])?);
            return Ok(Some(header));
        }
        if self.finished {
            return self.finish().await;
        }
        if self.next.is_none() {
            self.read_ahead();
        }
        let reading = self.next.take().expect("a page is being read");
        let (found, details) = reading.await.map_err(|_| AppError::Internal)??;
        let Some((_, last)) = found.last() else {
            self.finished = true;
            return self.finish().await;
        };
        if (found.len() as i64) < EXPORT_PAGE {
            self.finished = true;
        } else {
            self.search.after = Some(last.clone());
            self.read_ahead();
        }
        let now = self.roster.now();
        // A user deleted between the two reads is left out.
        let rows: Vec<Vec<String>> =
            found.iter().filter_map(|(row, _)| details.get(&row.id).map(|d| export_row(row, d, now))).collect();
        self.rows_sent += rows.len() as u64;
        Ok(Some(csv_lines(rows)?))
    }

    /// The end of the file: audits the export as whole, once.
    async fn finish(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if !self.audited {
            self.audited = true;
            self.audit.record(self.rows_sent, true).await?;
        }
        Ok(None)
    }
}

impl Drop for ExportState {
    /// A download stopped half-way (the browser went away) is audited too,
    /// with what it got.
    fn drop(&mut self) {
        if let Some(reading) = self.next.take() {
            reading.abort();
        }
        if self.header_sent && !self.audited {
            self.audited = true;
            let (audit, rows) = (self.audit.clone(), self.rows_sent);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(e) = audit.record(rows, false).await {
                        tracing::warn!(error = ?e, "could not audit a stopped export");
                    }
                });
            }
        }
    }
}

/// An export's pieces, as a stream of bytes.
pub type ExportStream = std::pin::Pin<Box<dyn futures::Stream<Item = Result<Vec<u8>, AppError>> + Send>>;

impl Roster {
    /// Every user `search` matches (all pages, from the first), in its
    /// order, as CSV with a header row. Needs `admin.user`; the search is
    /// checked before anything is sent, and the export is audited with its
    /// count when it ends.
    pub async fn export_users(
        &self,
        session: Option<&SignedIn>,
        search: &UserSearch,
        ip: Option<&str>,
    ) -> Result<ExportStream, AppError> {
        let session = require(session, Permission::AdminUser)?;
        let search = search.first_page();
        let words = search.words()?;
        let many_match = {
            let query = UserQuery { search: &search, words: &words, now: self.now(), dormant_before: self.dormant_line() };
            let query = self.db.prepare_search(query).await.map_err(store_error)?;
            self.db.count_matching_users(&query, Some(COUNT_CAP + 1)).await.map_err(store_error)? > COUNT_CAP
        };
        let audit = ExportAudit { roster: self.clone(), admin: session.user.id, ip: ip.map(str::to_owned), view: search.href() };
        let state = ExportState {
            roster: self.clone(),
            search,
            words,
            many_match,
            header_sent: false,
            finished: false,
            rows_sent: 0,
            audit,
            audited: false,
            next: None,
        };
        Ok(Box::pin(futures::stream::try_unfold(state, |mut state| async move {
            Ok(state.next_piece().await?.map(|piece| (piece, state)))
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_left_alone() {
        for formula in ["=1+1", "+49 30 1234", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralised(formula), format!("'{formula}"));
        }
        for plain in ["ben.schmidt1", "Müller", "a=b", "", "'quoted", "1-2"] {
            assert_eq!(neutralised(plain), plain);
        }
    }

    #[test]
    fn the_header_names_every_dialog_field_once() {
        let header = export_header();
        for rule in UserFields::RULES {
            assert_eq!(header.iter().filter(|h| **h == rule.label).count(), 1, "{}", rule.label);
        }
        assert_eq!(header.len(), LEADING_COLUMNS.len() + UserFields::COUNT + TRAILING_COLUMNS.len());
    }

    #[test]
    fn quotes_commas_and_newlines_survive_a_csv_reader() {
        let row = vec!["a,b".to_owned(), "say \"hi\"".to_owned(), "two\nlines".to_owned(), "=cmd".to_owned()];
        let text = csv_lines([row]).unwrap();
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_slice());
        let read: Vec<String> = reader.records().next().unwrap().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(read, ["a,b", "say \"hi\"", "two\nlines", "'=cmd"]);
    }
}
