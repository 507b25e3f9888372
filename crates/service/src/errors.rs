use roster_domain::{AppError, BulkAction, FieldError};
use roster_store::StoreError;

/// Maps a storage failure to what the browser may see. Anything unexpected
/// is logged here with its cause and leaves as a generic `Internal`.
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { field } => FieldError::new(field, "Already used by another user.").into(),
        StoreError::NotFound => AppError::NotFound,
        StoreError::BadCursor => {
            FieldError::new("after", "This page link does not fit the chosen order. Start from the first page.").into()
        }
        e if e.is_timeout() => {
            FieldError::new("q", "This search took too long. Add a word or a filter to narrow it.").into()
        }
        e if e.is_unstorable_text() => AppError::Malformed("the text holds a character Roster cannot store".into()),
        other => {
            tracing::error!(error = %other, "storage failure");
            AppError::Internal
        }
    }
}

/// As `store_error`, for a user action the rules (`BulkRules`) decide in its
/// transaction: their refusal is said as for the action.
pub(crate) fn action_error(action: BulkAction) -> impl Fn(StoreError) -> AppError {
    move |e| match e {
        StoreError::Refused(refusal) => AppError::Refused(refusal.message(action).into()),
        other => store_error(other),
    }
}
