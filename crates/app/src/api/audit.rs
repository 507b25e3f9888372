use leptos::prelude::*;
use leptos::server_fn;
use roster_domain::{AppError, AuditPage, AuditQuery};

/// A page of the audit log for a search. Needs `admin.user`.
#[server(endpoint = "audit_log", input = server_fn::codec::Json)]
pub async fn audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::ssr::*;
    reply(
        async {
            let call = call()?;
            call.roster.audit_log(call.signed_in(), &query).await
        }
        .await,
    )
}
