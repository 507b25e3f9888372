use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::AppError;
use std::future::Future;

/// What an island shows from the server. An island gets its first answer
/// from the page, which loaded it while the server rendered; dialogs, drawn
/// in the browser only, start with none. Later answers come from requests
/// made in the browser. A signal filled by a request does what a resource
/// would, with much less code in the browser's module: no suspense, no
/// resource state sent along with the page.
pub struct Loaded<T: Send + Sync + 'static> {
    answer: RwSignal<Option<Result<T, AppError>>>,
    /// How many requests were made: only the latest one's answer is kept.
    asked: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Clone + Send + Sync + 'static> Loaded<T> {
    /// Nothing asked for yet.
    pub fn waiting() -> Self {
        Loaded { answer: RwSignal::new(None), asked: StoredValue::new(0) }
    }

    /// Holding an answer already, such as one the page brought along.
    pub fn ready(answer: Result<T, AppError>) -> Self {
        Loaded { answer: RwSignal::new(Some(answer)), asked: StoredValue::new(0) }
    }

    /// Starts loading at once.
    pub fn new<F: Future<Output = Result<T, AppError>> + 'static>(request: F) -> Self {
        let loaded = Self::waiting();
        loaded.fill(request);
        loaded
    }

    /// Loads again; the last answer stays until the new one arrives, and an
    /// answer to an earlier request that arrives later is dropped.
    pub fn fill<F: Future<Output = Result<T, AppError>> + 'static>(self, request: F) {
        let Some(this_request) = self.asked.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        spawn_local(async move {
            let answer = request.await;
            // A closed dialog wants no answer; a newer request has the last word.
            if self.asked.try_get_value() == Some(this_request) {
                let _ = self.answer.try_set(Some(answer));
            }
        });
    }

    /// The answer, if it has arrived (tracked).
    pub fn get(self) -> Option<Result<T, AppError>> {
        self.answer.get()
    }
}
