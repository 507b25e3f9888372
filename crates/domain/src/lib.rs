//! Roster's domain: the values every other crate agrees on.
//!
//! Parse, don't validate: a `Login`, `Email` or `Password` can only be built
//! through its `parse` function, so holding one means it is valid.

mod audit;
mod audit_log;
mod bulk_action;
mod error;
mod ids;
mod impersonation;
#[cfg(feature = "server-fn")]
mod json_text;
mod login;
mod email;
mod password;
mod required_action;
mod role;
mod text;
mod ticket;
mod time;
mod two_factor;
mod user;
mod user_deletion;
mod user_details;
mod user_fields;
mod user_import;
mod user_merge;
mod user_search;
mod user_session;

pub use audit::AuditAction;
pub use bulk_action::{
    BulkAction, BulkOutcome, BulkPreview, BulkProgress, BulkRefusal, BulkRules, BulkRunId, BulkRunState, BulkSelection,
    BulkTarget, RefusedUser, BULK_CHUNK, MAX_PICKED_USERS, PREVIEW_REFUSALS,
};
pub use audit_log::{AuditEntry, AuditPage, AuditQuery, UserRef, AUDIT_PAGE_SIZE, MAX_AUDIT_SEARCH_CHARS};
pub use email::Email;
pub use error::{AppError, FieldError};
pub use ids::{OrganizationId, UserId};
pub use impersonation::{ImpersonationReason, MAX_IMPERSONATION_REASON_CHARS};
#[cfg(feature = "server-fn")]
pub use json_text::{JsonCall, JsonText};
pub use login::Login;
pub use password::Password;
pub use required_action::RequiredAction;
pub use role::{holds, role_ids, role_names, Permission, Role, RoleDefinition, RoleDraft, RoleId, ValidRoleDraft, MAX_ROLE_NAME_CHARS};
pub use ticket::{
    valid_new_ticket, valid_reply, ArticleView, Hours, TicketListItem, TicketState, TicketSummary, TicketView, TicketsPage,
    TimeEntryView, MAX_ARTICLE_CHARS, MAX_HOURS_PER_ENTRY, MAX_TICKET_TITLE_CHARS, TICKETS_PAGE_SIZE,
};
pub use text::{is_one_line, is_plain_text, without_control_characters};
pub use time::Timestamp;
pub use two_factor::{
    recovery_code_from_bytes, AuthenticatorSetup, SecondFactorCode, SignInStep, TwoFactorKind, TwoFactorMethod,
    RECOVERY_CODE_CHARS, RECOVERY_CODE_COUNT,
};
pub use user::{full_name, CurrentUser, UserRow, LOCKED_UNTIL_UNLOCKED};
pub use user_deletion::{DeletionPreview, DELETE_CONFIRMATION, DELETION_PREVIEW_TICKETS};
pub use user_merge::{merge_refusal, MergeMoves, MergeParty, MergePreview, MergeRefusal, MERGE_CONFIRMATION};
pub use user_details::{limits, EditableUser, PasswordInput, UserDetails, ValidUserDetails};
pub use user_session::{SessionId, UserSession, SESSION_LIST_LIMIT};
pub use user_import::{
    ImportOutcome, ImportPlan, ImportPlanCounts, ImportProblem, ImportReport, ImportRowReport, ImportRun, ImportRunId,
    ImportRunState, IMPORT_CHUNK, IMPORT_REPORT_ROWS, IMPORT_UPDATE_CHUNK, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS,
};
pub use user_fields::{FieldKind, FieldRule, Section, UserFields};
pub use user_search::{
    group_thousands, MatchCount, PageCursor, UserFacet, UserSearch, UserSort, UsersPage, COUNT_CAP, MAX_SEARCH_CHARS,
    MAX_SEARCH_WORDS, PAGE_SIZE,
};
