//! PostgreSQL's search document worked out in Rust, as migration 0017's
//! `roster_search_document` works it out in the database: a bulk load
//! sends each new user's document with the row (COPY calls no function),
//! and a typed word takes the same form before it is looked for.

use roster_domain::UserFields;

/// The punctuation `roster_search_text` maps, and the upper-case letter each
/// becomes (a lower-cased text holds none, so the trigram index sees them as
/// letters without confusing them with any).
const MARKS: &str = ".@-_+'/,:;()#&!?*=";
const MARK_LETTERS: &str = "DAHUPQSCKJLRNEXYZW";

/// `roster_search_text`: lower case, character by character as
/// PostgreSQL's `lower()` does it (`İ` becomes `i`, a final `Σ` becomes `σ`,
/// where Rust's `str::to_lowercase` would write `i̇` and `ς`), and
/// punctuation mapped to upper-case letters.
pub(crate) fn postgres_search_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            let lower = c.to_lowercase().next().unwrap_or(c);
            MARKS
                .find(lower)
                .map_or(lower, |i| MARK_LETTERS.as_bytes()[i] as char)
        })
        .collect()
}

/// What a user's search document is made of, as the row holds it.
pub(crate) struct DocumentSource<'a> {
    pub login: &'a str,
    pub email: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub fields: &'a UserFields,
    pub role_tokens: &'a str,
}

/// `roster_search_document`: the searchable attributes a line each, then
/// the role tokens, which stay as they are.
pub(crate) fn postgres_search_document(source: &DocumentSource<'_>) -> String {
    let f = source.fields;
    let name = format!("{} {}", f.first_name, f.last_name);
    let lines = [
        name.as_str(),
        source.login,
        source.email.unwrap_or(""),
        &f.phone,
        &f.mobile,
        source.organization.unwrap_or(""),
        &f.department,
        &f.city,
        &f.note,
    ];
    let mut document = postgres_search_text(&lines.join("\n"));
    document.push('\n');
    document.push_str(source.role_tokens);
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_becomes_letters_and_letters_lower_case() {
        assert_eq!(postgres_search_text("S.E@Corp-x_y"), "sDeAcorpHxUy");
        assert_eq!(postgres_search_text("chloé"), "chloé");
        assert_eq!(
            postgres_search_text("İSTANBUL ΟΔΟΣ"),
            "istanbul οδοσ",
            "one character for one, as PostgreSQL"
        );
    }

    #[test]
    fn a_document_is_its_lines_then_the_role_tokens() {
        let fields = UserFields {
            first_name: "Anna".into(),
            last_name: "Müller".into(),
            city: "Köln".into(),
            ..UserFields::default()
        };
        let source = DocumentSource {
            login: "a.mueller",
            email: None,
            organization: Some("ACME"),
            fields: &fields,
            role_tokens: "ЖΔЖ",
        };
        assert_eq!(
            postgres_search_document(&source),
            "anna müller\naDmueller\n\n\n\nacme\n\nköln\n\nЖΔЖ"
        );
    }
}
