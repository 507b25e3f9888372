use crate::api::list_tickets;
use crate::components::{tickets_heading, PageContent, SignedInPage};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use roster_domain::{CurrentUser, Permission, TicketListItem};

/// `/tickets`: every ticket for agents ("Tickets"), their own for
/// customers ("My tickets"), newest first, fifty a page.
#[component]
pub fn TicketsPage() -> impl IntoView {
    view! {
        <Title text="Tickets" />
        <SignedInPage permission=None content=|user| PageContent::now(view! { <TicketList user /> }) />
    }
}

#[component]
fn TicketList(user: CurrentUser) -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let page = Resource::new(move || before.get(), list_tickets);
    let agent = user.can(Permission::TicketRead);
    view! {
        <div class="page-title">
            <h1>{tickets_heading(&user)}</h1>
            {user.can(Permission::TicketCustomer).then(|| view! { <a class="button primary" href="/tickets/new">"New ticket"</a> })}
        </div>
        <Transition fallback=|| view! { <p class="status" role="status">"Loading tickets…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(found) => {
                        let newest = before.get_untracked().is_some();
                        view! {
                            <TicketTable tickets=found.tickets agent />
                            <nav class="pager" aria-label="Pages">
                                {newest.then(|| view! { <a href="/tickets">"← Newest"</a> })}
                                {found.older.map(|n| view! { <a href=format!("/tickets?before={n}") rel="next">"Older →"</a> })}
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

#[component]
fn TicketTable(tickets: Vec<TicketListItem>, agent: bool) -> impl IntoView {
    if tickets.is_empty() {
        return view! { <p class="status empty">"No tickets yet."</p> }.into_any();
    }
    view! {
        // On a narrow screen the table scrolls sideways in its own box, not the page.
        <div class="table-scroll" role="region" aria-label="Tickets" tabindex="0">
            <table class="ticket-table">
                <caption class="visually-hidden">"Tickets"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Number"</th>
                        <th scope="col">"Title"</th>
                        <th scope="col">"State"</th>
                        {agent.then(|| view! { <th scope="col">"Customer"</th> })}
                        <th scope="col">"Updated"</th>
                    </tr>
                </thead>
                <tbody>
                    {tickets
                        .into_iter()
                        .map(|t| {
                            let href = format!("/tickets/{}", t.number);
                            view! {
                                <tr>
                                    <td><a href=href.clone()>{format!("#{}", t.number)}</a></td>
                                    <td><a href=href>{t.title}</a></td>
                                    <td><span class=format!("state state-{}", t.state.key())>{t.state.label()}</span></td>
                                    {agent.then(|| view! { <td>{t.customer}</td> })}
                                    <td>{t.updated_at.to_string()}</td>
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
