//! Reading a CSV file of users: its encoding, its separator, its header
//! (Roster's own export, or a Zammad-style file), and its rows with the
//! line each starts on. A file that cannot be read gets one message that
//! says where and why; a row that can be read but breaks a rule is the
//! test run's to report.

use roster_domain::{UserFields, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS};

/// What a column of the file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    Login,
    Email,
    Organization,
    SecondaryOrganizations,
    Vip,
    Active,
    /// `UserFields::RULES[i]`.
    Field(usize),
    Roles,
    Password,
}

impl Column {
    /// The column a header names: the export's own labels, the names the
    /// browser and the database use (`first_name`), and Zammad's
    /// (`firstname`), in any case and spacing.
    fn named(header: &str) -> Option<Column> {
        let key = squeezed(header);
        let fixed = match key.as_str() {
            "login" | "username" => Some(Column::Login),
            "email" | "emailaddress" | "mail" => Some(Column::Email),
            "organization" | "organisation" | "company" => Some(Column::Organization),
            "secondaryorganizations" | "organizations" | "organisations" => Some(Column::SecondaryOrganizations),
            "vip" => Some(Column::Vip),
            "active" => Some(Column::Active),
            "roles" | "role" => Some(Column::Roles),
            "password" => Some(Column::Password),
            _ => None,
        };
        fixed.or_else(|| {
            UserFields::RULES.iter().position(|rule| squeezed(rule.label) == key || squeezed(rule.name) == key).map(Column::Field)
        })
    }
}

/// A header as compared: lower-case letters and digits only.
fn squeezed(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// One row of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileRow {
    /// The line it starts on (the header being line 1).
    pub line: i64,
    pub values: Vec<String>,
}

/// A file as read: the columns it imports (with their header as written),
/// the ones it does not, and its rows.
#[derive(Debug)]
pub(crate) struct ImportFile {
    pub columns: Vec<(Column, String)>,
    /// For each value of a row: the index into `columns`, or `None` for a
    /// column that is not imported.
    pub positions: Vec<Option<usize>>,
    pub ignored: Vec<String>,
    pub rows: Vec<FileRow>,
}

impl ImportFile {
    /// The header of `column` as the file writes it, if it has one.
    pub fn header(&self, column: Column) -> Option<&str> {
        self.columns.iter().find(|(c, _)| *c == column).map(|(_, h)| h.as_str())
    }

    /// The row's imported values, each with its column.
    pub fn values<'a>(&'a self, row: &'a FileRow) -> impl Iterator<Item = (Column, &'a str)> + 'a {
        self.positions.iter().zip(&row.values).filter_map(|(at, value)| at.map(|i| (self.columns[i].0, value.as_str())))
    }
}

/// Reads a file, or says in one sentence why it cannot be read.
pub(crate) fn read_import_file(bytes: &[u8]) -> Result<ImportFile, String> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(too_large(bytes.len()));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("The file is UTF-16 text. Save it as “CSV UTF-8” and test it again.".into());
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        format!("Line {line} is not UTF-8 text. Save the file as “CSV UTF-8” and test it again.")
    })?;
    if text.trim().is_empty() {
        return Err("The file is empty.".into());
    }
    let delimiter = delimiter(text);
    if let Some(line) = unclosed_quote(text, delimiter) {
        return Err(format!("Line {line} opens a quoted value (\") that is never closed."));
    }

    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        _ => return Err("The first line must name the columns (Login, Email, First name, …).".into()),
    };
    let (mut columns, mut positions, mut ignored) = (Vec::new(), Vec::new(), Vec::new());
    for name in header.iter() {
        let name = name.trim();
        match Column::named(name) {
            Some(column) if columns.iter().any(|(c, _)| *c == column) => {
                return Err(format!("Two columns of the header mean the same thing: “{name}”. Keep one of them."));
            }
            Some(column) => {
                positions.push(Some(columns.len()));
                columns.push((column, name.to_owned()));
            }
            None => {
                positions.push(None);
                if !name.is_empty() {
                    ignored.push(name.to_owned());
                }
            }
        }
    }
    if !columns.iter().any(|(c, _)| *c == Column::Login) {
        return Err("The first line must name the columns, and one of them must be Login.".into());
    }

    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    for record in records {
        let record = record.map_err(|e| {
            let line = lines.line_at(e.position().map_or(0, |p| p.byte() as usize));
            format!("Line {line} cannot be read as CSV.")
        })?;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_IMPORT_ROWS {
            let most = roster_domain::group_thousands(MAX_IMPORT_ROWS as i64);
            return Err(format!("The file has more than {most} users. Split it, and import each part."));
        }
        let line = lines.line_at(record.position().map_or(0, |p| p.byte() as usize)) as i64;
        rows.push(FileRow { line, values: record.iter().map(|v| without_formula_guard(v).to_owned()).collect() });
    }
    Ok(ImportFile { columns, positions, ignored, rows })
}

/// The line a record starts on, from the byte its reading started at (the
/// csv crate's own line count is off after CRLF line ends). Records come in
/// file order, so the count goes on from the last one.
struct LineCounter<'a> {
    text: &'a [u8],
    counted_to: usize,
    newlines: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter { text, counted_to: 0, newlines: 0 }
    }

    fn line_at(&mut self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        if byte >= self.counted_to {
            self.newlines += self.text[self.counted_to..byte].iter().filter(|b| **b == b'\n').count();
            self.counted_to = byte;
        }
        // Reading may start at the line end before the record: its first value's line counts.
        let skipped = self.text[byte..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).filter(|b| **b == b'\n').count();
        self.newlines + skipped + 1
    }
}

/// Why a file is too large, in megabytes.
pub(crate) fn too_large(bytes: usize) -> String {
    let mb = |n: usize| n.div_ceil(1024 * 1024);
    format!(
        "The file is {} MB; Roster imports files up to {} MB ({} users). Split it, and import each part.",
        mb(bytes),
        mb(MAX_IMPORT_BYTES),
        roster_domain::group_thousands(MAX_IMPORT_ROWS as i64)
    )
}

/// The separator of the file: the one of `,`, `;` and tab that its first
/// line (outside quotes) has most of; a comma if none.
fn delimiter(text: &str) -> u8 {
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in text.bytes() {
        match c {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                for (d, n) in counts.iter_mut() {
                    if *d == c {
                        *n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts.iter().max_by_key(|(d, n)| (*n, *d == b',')).map_or(b',', |(d, _)| *d)
}

/// The line on which a quoted value opens and never closes, if one does.
/// A value is quoted when `"` is its first character; inside it, `""` is a
/// quote and a lone `"` ends it.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let (mut line, mut opened_on) = (1, None);
    let (mut at_start, mut quoted) = (true, false);
    let mut bytes = text.bytes().peekable();
    while let Some(c) = bytes.next() {
        if c == b'\n' {
            line += 1;
        }
        if quoted {
            if c == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match c {
            b'"' if at_start => {
                quoted = true;
                opened_on = Some(line);
            }
            b'\n' | b'\r' => at_start = true,
            _ if c == delimiter => at_start = true,
            _ => at_start = false,
        }
    }
    if quoted {
        opened_on
    } else {
        None
    }
}

/// A value as it was before Export CSV guarded it against spreadsheet
/// formulas (see `neutralised`): `'=1` is `=1` again.
fn without_formula_guard(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if matches!(rest.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r')) => rest,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user_export::{export_header, neutralised};

    fn read(text: &str) -> ImportFile {
        read_import_file(text.as_bytes()).unwrap()
    }

    fn problem(bytes: &[u8]) -> String {
        read_import_file(bytes).unwrap_err()
    }

    #[test]
    fn reads_the_exports_own_header_and_a_zammad_style_one() {
        let header = export_header().join(",");
        let file = read(&format!("{header}\r\n"));
        assert_eq!(file.ignored, ["Locked", "Two-factor methods", "Last sign-in", "Created"]);
        assert_eq!(file.columns.len(), 6 + UserFields::COUNT + 1, "every other column is imported");
        let zammad = read("login,firstname,lastname,email,organization,roles,password,id,image\nann,Ann,Berg,a@x.io,Acme,Agent,,7,\n");
        let kinds: Vec<Column> = zammad.columns.iter().map(|(c, _)| *c).collect();
        let field = |name: &str| Column::Field(UserFields::RULES.iter().position(|r| r.name == name).unwrap());
        assert_eq!(
            kinds,
            [Column::Login, field("first_name"), field("last_name"), Column::Email, Column::Organization, Column::Roles, Column::Password]
        );
        assert_eq!(zammad.ignored, ["id", "image"]);
        let values: Vec<(Column, &str)> = zammad.values(&zammad.rows[0]).collect();
        assert_eq!(values[0], (Column::Login, "ann"));
        assert_eq!(values.len(), 7);
    }

    #[test]
    fn separators_byte_order_marks_and_quoted_newlines() {
        let file = read("\u{feff}Login;Note;City\n\"ann\";\"two\nlines; and \"\"quotes\"\"\";Köln\nben;;\n");
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].values, ["ann", "two\nlines; and \"quotes\"", "Köln"]);
        assert_eq!((file.rows[0].line, file.rows[1].line), (2, 4), "a row's line is where it starts");
        assert_eq!(read("Login\tCity\nann\tOslo\n").rows[0].values, ["ann", "Oslo"]);
        assert_eq!(read("Login,Note\nann,\"a;b;c\"\n").rows[0].values, ["ann", "a;b;c"], "the header decides");
        assert_eq!(read("Login\r\n\r\nann\r\n,\r\n").rows.len(), 1, "blank rows are skipped");
        let crlf = read("Login;Note\r\nann;x\r\nben;\"two\r\nlines\"\r\n\r\ncarl;y\r\n");
        let lines: Vec<i64> = crlf.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 6], "lines count after CRLF line ends too");
    }

    #[test]
    fn exported_values_come_back_as_they_were() {
        for value in ["=1+1", "+49 30 1234", "-2", "@home", "'quoted", "plain", "1-2"] {
            let text = format!("Login,Phone\nann,{}\n", neutralised(value));
            assert_eq!(read(&text).rows[0].values[1], value);
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_says_where() {
        assert_eq!(problem(b"Login,Note\nann,\"never closed\nben,x\n"), "Line 2 opens a quoted value (\") that is never closed.");
        assert!(problem(b"Login,City\nann,K\xf6ln\n").starts_with("Line 2 is not UTF-8 text."));
        assert!(problem(b"\xff\xfeL\0o\0").contains("UTF-16"));
        assert!(problem(b"").contains("empty"));
        assert!(problem(b"Email,City\na@x.io,Oslo\n").contains("Login"));
        assert!(problem(b"Login,login\nann,ann\n").contains("Two columns"));
        let big = vec![b'a'; MAX_IMPORT_BYTES + 1];
        assert!(problem(&big).starts_with("The file is 33 MB; Roster imports files up to 32 MB"));
        let many = format!("Login\n{}", "x\n".repeat(MAX_IMPORT_ROWS + 1));
        assert!(problem(many.as_bytes()).contains("more than 100,000 users"));
    }
}
