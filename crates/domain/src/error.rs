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
    /// Input that breaks a rule; each error names its field, so every one
    /// is shown next to the field it is about.
    #[error("{}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Validation(Vec<FieldError>),
    /// The record changed since the caller read it: their save would
    /// silently overwrite someone else's.
    #[error("Another admin saved this user after you opened it. Reload to see their changes, then make yours again.")]
    Conflict,
    /// A rule forbids this action on this record; the message says which.
    #[error("{0}")]
    Refused(String),
    /// The code at the sign-in code step (or when confirming a setup) is
    /// wrong, malformed or already used.
    #[error("That code is not valid. Enter the current code from your authenticator app, or an unused recovery code.")]
    InvalidCode,
    /// The caller's address made too many sign-in or code attempts.
    #[error("Too many attempts. Please wait {retry_after_seconds} seconds, then try again.")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// The action needs the caller to prove again who they are (their
    /// password, and a code when they have a second factor) first.
    #[error("{}", reauthentication_message(*code))]
    ReauthenticationRequired { code: bool },
    /// Password checks are queued to their limit: this one was not started.
    #[error("Roster is busy checking passwords. Please try again in a moment.")]
    Busy { retry_after_seconds: u64 },
    #[error("Not found.")]
    NotFound,
    #[error("Something went wrong on the server. Please try again.")]
    Internal,
    /// The request's arguments did not parse (a hand-made or damaged
    /// request; Roster's own pages always send well-formed ones).
    #[error("Roster could not read this request: {0}")]
    Malformed(String),
    /// The request never reached Roster's code or its answer was unreadable.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

fn reauthentication_message(code: bool) -> &'static str {
    if code {
        "Confirm it's you: enter your password and a code from your authenticator app (or a recovery code) to go on."
    } else {
        "Confirm it's you: enter your password to go on."
    }
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials | AppError::InvalidCode => 401,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::ReauthenticationRequired { .. } => 428,
            AppError::Forbidden => 403,
            AppError::Validation(_) | AppError::Malformed(_) | AppError::Transport(_) => 400,
            AppError::NotFound => 404,
            AppError::Conflict | AppError::Refused(_) => 409,
            AppError::Internal => 500,
        }
    }

    /// The first field error, if this is a validation error.
    pub fn field(&self) -> Option<&FieldError> {
        self.fields().first()
    }

    /// Every field error (none unless this is a validation error).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Validation(errors) => errors,
            _ => &[],
        }
    }

    /// The message for `field`, if there is one.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.fields().iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation(vec![e])
    }
}

#[cfg(feature = "server-fn")]
mod server_fn_error {
    use super::AppError;
    use crate::JsonText;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};

    impl FromServerFnError for AppError {
        type Encoder = JsonText;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            // In the browser a body that does not decode is the server's
            // answer; on the server it is the request.
            let on_server = !cfg!(target_arch = "wasm32");
            match value {
                ServerFnErrorErr::Args(cause) => AppError::Malformed(cause),
                ServerFnErrorErr::MissingArg(name) => AppError::Malformed(format!("missing argument {name}")),
                ServerFnErrorErr::Deserialization(cause) if on_server => AppError::Malformed(cause),
                other => AppError::Transport(other.to_string()),
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn arguments_that_do_not_parse_are_a_400_saying_so_and_not_a_transport_failure() {
            let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `login`".into()));
            assert_eq!(error, AppError::Malformed("missing field `login`".into()));
            assert_eq!(error.status_code(), 400);
            assert_eq!(error.to_string(), "Roster could not read this request: missing field `login`");
            let undecodable = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization("invalid utf-8".into()));
            assert_eq!(undecodable, AppError::Malformed("invalid utf-8".into()));
            let network = AppError::from_server_fn_error(ServerFnErrorErr::Request("connection refused".into()));
            assert!(matches!(network, AppError::Transport(_)));
        }
    }
}
