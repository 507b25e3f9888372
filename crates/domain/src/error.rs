use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A problem with one input field, shown next to that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// Every error a server function can return to the browser.
///
/// Internal causes never travel: the server logs them and sends `Internal`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Error)]
pub enum AppError {
    /// No valid session: sign in first.
    #[error("Please sign in.")]
    Unauthenticated,
    /// Signed in, but this needs a permission the caller lacks.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Sign-in failed. One message for every cause, so nobody learns which.
    #[error("Wrong login or password.")]
    InvalidCredentials,
    #[error("{0}")]
    Validation(FieldError),
    #[error("Not found.")]
    NotFound,
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// The request never reached Roster's code or its answer was unreadable.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::Validation(_) | AppError::Transport(_) => 400,
            AppError::NotFound => 404,
            AppError::Internal => 500,
        }
    }

    pub fn field(&self) -> Option<&FieldError> {
        match self {
            AppError::Validation(e) => Some(e),
            _ => None,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(e)
    }
}

#[cfg(feature = "server-fn")]
mod server_fn_error {
    use super::AppError;
    use server_fn::codec::JsonEncoding;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};

    impl FromServerFnError for AppError {
        type Encoder = JsonEncoding;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            AppError::Transport(value.to_string())
        }
    }
}
