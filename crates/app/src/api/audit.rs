#[cfg(feature = "ssr")]
use crate::ssr::serve;
use leptos::prelude::*;
use roster_domain::{JsonCall, AppError, AuditPage, AuditQuery};

/// A page of the audit log for a search. Needs `admin.user`.
#[server(endpoint = "audit_log", input = JsonCall, output = JsonCall)]
pub async fn audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    serve(async |call| call.roster.audit_log(call.signed_in(), &query).await).await
}
