//! The JSON encoding of Roster's server functions.

use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON, byte for byte what server_fn's own `Json` sends, read back as text
/// (`serde_json::from_str`). Leptos reads an island's props that way, so
/// the browser's module holds one JSON reader for a type that is both an
/// answer and a prop, not a second one for bytes (`from_slice`).
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// Arguments and answers as JSON in the body of a `POST`: what Roster's
/// server functions answer with, and what most of them take.
pub type JsonCall = Post<JsonText>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppError, UserSearch};

    #[test]
    fn a_value_reads_back_as_it_was_written_and_bad_text_is_an_error() {
        let search = UserSearch { text: "nina ß".into(), ..Default::default() };
        let bytes = <JsonText as Encodes<UserSearch>>::encode(&search).unwrap();
        assert_eq!(bytes, Bytes::from(serde_json::to_vec(&search).unwrap()), "the same bytes as plain JSON");
        let back: UserSearch = <JsonText as Decodes<UserSearch>>::decode(bytes).unwrap();
        assert_eq!(back, search);
        let not_utf8 = <JsonText as Decodes<AppError>>::decode(Bytes::from_static(b"\"\xff\""));
        assert!(not_utf8.is_err());
        let not_json = <JsonText as Decodes<AppError>>::decode(Bytes::from_static(b"{"));
        assert!(not_json.is_err());
    }
}
