//! Redraws one server-rendered part of the page the browser is on, from
//! the server, so an island can show what its save changed without drawing
//! that part itself (its code stays out of the browser's module).

use roster_domain::AppError;

/// A part of this page as the server now draws it: the element with an id,
/// from a fresh copy of the page the browser is on.
pub struct PagePart(#[cfg(feature = "hydrate")] web_sys::Element);

impl PagePart {
    /// Asks the server for the page the browser is on, and takes its
    /// element `#id`. The part must hold no island: an island in it would
    /// not come to life.
    #[cfg(feature = "hydrate")]
    pub async fn fetch(id: &str) -> Result<PagePart, AppError> {
        use leptos::wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let window = web_sys::window().ok_or_else(not_shown)?;
        // "" is the address of the page the browser is on.
        let answer: web_sys::Response =
            JsFuture::from(window.fetch_with_str("")).await.map_err(|_| not_shown())?.unchecked_into();
        // Signed out meanwhile, or the record is gone: a reload shows why.
        if !answer.ok() {
            return Err(not_shown());
        }
        let html = JsFuture::from(answer.text().map_err(|_| not_shown())?).await.map_err(|_| not_shown())?;
        web_sys::DomParser::new()
            .and_then(|parser| parser.parse_from_string(&html.as_string().unwrap_or_default(), web_sys::SupportedType::TextHtml))
            .ok()
            .and_then(|page| page.get_element_by_id(id))
            .map(PagePart)
            .ok_or_else(not_shown)
    }

    /// Puts this part in place of the element with the same id. Nothing
    /// else on the page changes, so the islands beside it, and what is typed
    /// into them, stay as they are.
    #[cfg(feature = "hydrate")]
    pub fn show(self) -> Result<(), AppError> {
        let shown = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&self.0.id()));
        shown.and_then(|shown| shown.replace_with_with_node_1(&self.0).ok()).ok_or_else(not_shown)
    }

    /// On the server there is nothing to redraw.
    #[cfg(not(feature = "hydrate"))]
    pub async fn fetch(_id: &str) -> Result<PagePart, AppError> {
        Ok(PagePart())
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn show(self) -> Result<(), AppError> {
        Ok(())
    }
}

/// Why a part could not be redrawn, said to someone whose save landed.
#[cfg(feature = "hydrate")]
fn not_shown() -> AppError {
    AppError::Transport("your change was saved, but the page could not be redrawn. Reload it to see the change.".into())
}
