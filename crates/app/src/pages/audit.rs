use crate::api::audit_log;
use crate::components::{PageContent, SignedInPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use roster_domain::{AuditAction, AuditEntry, AuditQuery, Permission, UserRef, MAX_AUDIT_SEARCH_CHARS};

/// `/admin/audit`: security and admin events, newest first — who did what
/// to whom, when, from where, and on whose behalf. The view lives in the
/// address; the search form is a plain GET form, so the page needs no
/// browser code and links restore it.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <SignedInPage permission=Some(Permission::AdminUser) content=|_| PageContent::now(view! { <AuditLog /> }) />
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(|q| AuditQuery::from_query(|key| q.get(key))));
    let page = Resource::new(move || view.get(), audit_log);
    let current = view.get_untracked();
    view! {
        <div class="page-title">
            <h1>"Audit log"</h1>
        </div>
        <form class="search audit-search" role="search" method="get" action="/admin/audit">
            <label for="audit-search">"Search the audit log"</label>
            <input
                id="audit-search"
                type="search"
                name="q"
                placeholder="Login, address or detail"
                maxlength=MAX_AUDIT_SEARCH_CHARS
                value=current.text.clone()
            />
            <label for="audit-action">"Event"</label>
            <select id="audit-action" name="action">
                <option value="" selected=current.action.is_none()>"All events"</option>
                {AuditAction::ALL
                    .into_iter()
                    .map(|action| {
                        view! {
                            <option value=action.key() selected=current.action == Some(action)>
                                {action.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit">"Search"</button>
        </form>
        <Transition fallback=|| view! { <p class="status" role="status">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(found) => {
                        let first = view.get_untracked().before.is_some().then(|| view.get_untracked().first_page());
                        view! {
                            <AuditTable entries=found.entries />
                            <nav class="pager" aria-label="Pages">
                                {first.map(|q| view! { <a href=q.href()>"← Newest"</a> })}
                                {found.older.map(|q| view! { <a href=q.href() rel="next">"Older →"</a> })}
                            </nav>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The events as a table. Every value is rendered as text.
#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="status empty">"No events match."</p> }.into_any();
    }
    let name = |user: Option<UserRef>| user.map(|u| u.label()).unwrap_or_default();
    view! {
        // On a narrow screen the table scrolls sideways in its own box, not the page.
        <div class="table-scroll" role="region" aria-label="Audit events" tabindex="0">
            <table class="audit-table">
                <caption class="visually-hidden">"Audit events"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"On behalf of"</th>
                        <th scope="col">"Whom"</th>
                        <th scope="col">"From"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries
                        .into_iter()
                        .map(|e| {
                            view! {
                                <tr data-event-id=e.id.to_string()>
                                    <td>{e.at.to_string()}</td>
                                    <td>{e.action.label()}</td>
                                    <td>{name(e.actor)}</td>
                                    <td>{name(e.on_behalf_of)}</td>
                                    <td>{name(e.target)}</td>
                                    <td>{e.ip.unwrap_or_default()}</td>
                                    <td>{e.detail}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
