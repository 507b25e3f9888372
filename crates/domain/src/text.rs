/// Whether `value` fits on one line: it holds no control characters at all
/// (NUL included, which PostgreSQL cannot store).
pub fn is_one_line(value: &str) -> bool {
    !value.chars().any(char::is_control)
}

/// Whether `value` is plain text: line breaks and tabs allowed, other
/// control characters not.
pub fn is_plain_text(value: &str) -> bool {
    value.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
}

/// `value` without the control characters a paste brings along, which the
/// writer cannot see to remove: vertical tab, form feed and NEL become line
/// breaks; NUL, escape codes, DEL and the rest are dropped. Line breaks and
/// tabs stay.
pub fn without_control_characters(value: &str) -> String {
    value
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(c),
            '\u{b}' | '\u{c}' | '\u{85}' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The impls every parsed text value shares: read access, the normalized
/// (lower-case) form used for uniqueness, serde through `parse`, Display.
macro_rules! parsed_text {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The form used for uniqueness and look-up.
            pub fn normalized(&self) -> String {
                self.0.to_lowercase()
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::FieldError;
            fn try_from(s: String) -> Result<Self, $crate::FieldError> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use parsed_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_has_no_control_characters_and_plain_text_only_breaks_and_tabs() {
        assert!(is_one_line("Zoë Öztürk — Hafen GmbH"));
        for bad in ["a\0b", "a\nb", "a\tb", "a\u{1b}[31m"] {
            assert!(!is_one_line(bad), "{bad:?}");
        }
        assert!(is_plain_text("first line\r\nsecond\tcolumn"));
        for bad in ["a\0b", "a\u{7}b", "a\u{85}b"] {
            assert!(!is_plain_text(bad), "{bad:?}");
        }
    }

    #[test]
    fn pasted_control_characters_are_dropped_or_become_line_breaks() {
        let pasted = "\u{1b}[31mERROR\u{1b}[0m disk full\0\u{c}page 2\r\n\tdone\u{7f}";
        assert_eq!(without_control_characters(pasted), "[31mERROR[0m disk full\npage 2\r\n\tdone");
        assert!(is_plain_text(&without_control_characters(pasted)));
    }
}
