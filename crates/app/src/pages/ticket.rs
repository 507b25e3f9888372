use crate::api::{change_ticket_state, get_ticket, log_ticket_time, reply_to_ticket};
use crate::browser::{is_live, PagePart};
use crate::components::{form_failure, InputField, PageContent, SignedInPage, SubmittedForm};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use roster_domain::{AppError, TicketState, TicketView};

/// `/tickets/:number`: a ticket's conversation, and — as the viewer's
/// permissions allow — a reply box, hours worked and the state. A ticket
/// the viewer may not see is "not found", as if it did not exist.
#[component]
pub fn TicketPage() -> impl IntoView {
    view! {
        <Title text="Ticket" />
        <SignedInPage
            permission=None
            content=|_| {
                let number = use_params_map().with_untracked(|p| p.get("number").and_then(|n| n.parse::<i64>().ok()));
                PageContent::after(load_ticket(number), |ticket| view! {
                    <p class="breadcrumb"><a href="/tickets">"← Tickets"</a></p>
                    {match ticket {
                        Ok(ticket) => {
                            let TicketView { number, state, can_reply, can_log_time, can_change_state, .. } = ticket;
                            view! {
                                <h1>{format!("#{number} {}", ticket.title)}</h1>
                                <TicketRecord ticket />
                                <TicketForms number state can_reply can_log_time can_change_state />
                            }
                            .into_any()
                        }
                        Err(AppError::NotFound) => view! {
                            <h1>"Ticket not found"</h1>
                            <p class="status">"There is no such ticket, or it is not yours to see."</p>
                        }
                        .into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }}
                })
            }
        />
    }
}

/// The ticket numbered `number` (`None`: the address named no number).
async fn load_ticket(number: Option<i64>) -> Result<TicketView, AppError> {
    match number {
        Some(n) => get_ticket(n).await,
        None => Err(AppError::NotFound),
    }
}

/// The element the forms redraw from the server after each save.
const RECORD_ID: &str = "ticket-record";

/// What the ticket holds: its state, conversation and hours. Drawn on the
/// server only, also when a form has saved (see `PagePart`), so
/// none of it is code in the browser's module.
#[component]
fn TicketRecord(ticket: TicketView) -> impl IntoView {
    let total = ticket.total_hours();
    view! {
        <div id=RECORD_ID>
            <dl class="ticket-facts">
                <dt>"State"</dt>
                <dd><span class=format!("state state-{}", ticket.state.key())>{ticket.state.label()}</span></dd>
                <dt>"Customer"</dt>
                <dd>{ticket.customer.clone()}</dd>
                <dt>"Opened"</dt>
                <dd>{ticket.created_at.to_string()}</dd>
            </dl>
            <section class="articles" aria-label="Conversation">
                {ticket
                    .articles
                    .into_iter()
                    .map(|a| {
                        view! {
                            <article class="article">
                                <header>
                                    <strong class="author">{a.author}</strong>
                                    " · "
                                    <time>{a.created_at.to_string()}</time>
                                </header>
                                <p class="article-body">{a.body}</p>
                            </article>
                        }
                    })
                    .collect_view()}
            </section>
            {(ticket.can_log_time || !ticket.time_entries.is_empty()).then(|| view! {
                <section class="time-entries" aria-labelledby="time-heading">
                    <h2 id="time-heading">"Time logged: " {total.to_string()}</h2>
                    <ul>
                        {ticket
                            .time_entries
                            .into_iter()
                            .map(|e| view! { <li>{format!("{} · {} · {}", e.hours, e.user, e.created_at)}</li> })
                            .collect_view()}
                    </ul>
                </section>
            })}
        </div>
    }
}

/// The forms on a ticket that the viewer may use (`can_…`), the state form
/// starting from the ticket's `state`. An island: each saves, then the
/// ticket's record is redrawn from the server beside them.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
fn TicketForms(number: i64, state: TicketState, can_reply: bool, can_log_time: bool, can_change_state: bool) -> impl IntoView {
    // Counts the record's redraws: only the latest one is shown.
    let redraws = StoredValue::new(0u32);
    let live = is_live();
    view! {
        {can_reply.then(|| view! { <ReplyForm number redraws live /> })}
        {can_change_state.then(|| view! { <StateForm number state redraws live /> })}
        {can_log_time.then(|| view! { <LogTimeForm number redraws live /> })}
    }
}

/// A form on the ticket: what is typed into it, whether it is being saved,
/// and why its last save failed. The forms are drawn once: a save redraws
/// the record beside them, so what is typed into another form stays.
#[derive(Clone, Copy)]
struct FormState {
    text: RwSignal<String>,
    saving: RwSignal<bool>,
    failure: RwSignal<Option<AppError>>,
}

impl FormState {
    fn new() -> Self {
        FormState { text: RwSignal::new(String::new()), saving: RwSignal::new(false), failure: RwSignal::new(None) }
    }
}

/// Runs `action` for `form`; on success empties the form and redraws the
/// ticket's record from the server; on failure shows why. `redraws` counts
/// the redraws: one that answers after a later one is dropped.
fn submit<F>(form: FormState, redraws: StoredValue<u32>, action: F)
where
    F: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let FormState { text, saving, failure } = form;
    saving.set(true);
    spawn_local(async move {
        let result = action.await;
        saving.set(false);
        if let Err(e) = result {
            failure.set(Some(e));
            return;
        }
        failure.set(None);
        text.set(String::new());
        let this_redraw = redraws.try_update_value(|n| {
            *n += 1;
            *n
        });
        let record = PagePart::fetch(RECORD_ID).await;
        if redraws.try_get_value() == this_redraw {
            if let Err(e) = record.and_then(PagePart::show) {
                failure.set(Some(e));
            }
        }
    });
}

#[component]
fn ReplyForm(number: i64, redraws: StoredValue<u32>, live: RwSignal<bool>) -> impl IntoView {
    let form = FormState::new();
    let FormState { text: body, saving, failure } = form;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        submit(form, redraws, async move { reply_to_ticket(number, text).await });
    };
    view! {
        <form class="ticket-form reply" on:submit=on_submit>
            <InputField name="body" label="Your reply" value=body failure rows=5 />
            {form_failure(failure)}
            <button type="submit" class="primary" disabled=move || !live.get() || saving.get()>"Send reply"</button>
        </form>
    }
}

#[component]
fn LogTimeForm(number: i64, redraws: StoredValue<u32>, live: RwSignal<bool>) -> impl IntoView {
    let form = FormState::new();
    let FormState { text: hours, saving, failure } = form;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = hours.get_untracked();
        submit(form, redraws, async move { log_ticket_time(number, typed).await });
    };
    view! {
        <form class="ticket-form inline" on:submit=on_submit>
            <InputField name="hours" label="Hours worked" value=hours failure />
            {form_failure(failure)}
            <button type="submit" disabled=move || !live.get() || saving.get()>"Log hours"</button>
        </form>
    }
}

#[component]
fn StateForm(number: i64, state: TicketState, redraws: StoredValue<u32>, live: RwSignal<bool>) -> impl IntoView {
    let form = FormState::new();
    let FormState { saving, failure, .. } = form;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // Read when sent: a choice made before the island came to life counts too.
        if let Some(to) = TicketState::from_key(&SubmittedForm::take(&ev).text("state")) {
            submit(form, redraws, async move { change_ticket_state(number, to).await });
        }
    };
    view! {
        <form class="ticket-form inline" on:submit=on_submit>
            <div class="field">
                <label for="ticket-state">"State"</label>
                // Starts from the state the ticket had when the page was drawn.
                <select id="ticket-state" name="state">
                    {TicketState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key() selected=s == state>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            {form_failure(failure)}
            <button type="submit" disabled=move || !live.get() || saving.get()>"Change state"</button>
        </form>
    }
}
