use crate::api::{change_ticket_state, get_ticket, log_ticket_time, reply_to_ticket};
use crate::components::{form_failure, is_live, InputField, Loaded, PageContent, SignedInPage};
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
                PageContent::after(load_ticket(number), move |ticket| view! { <Ticket number ticket /> })
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

/// The ticket numbered `number`, as the page brought it along. An island:
/// its forms save and then show the ticket as it now is.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
fn Ticket(number: Option<i64>, ticket: Result<TicketView, AppError>) -> impl IntoView {
    let ticket = Loaded::ready(ticket);
    let changed = Callback::new(move |_| ticket.fill(load_ticket(number)));
    let forms = Forms { reply: FormState::new(), hours: FormState::new(), state: FormState::new() };
    view! {
        <p class="breadcrumb"><a href="/tickets">"← Tickets"</a></p>
        {move || match ticket.get() {
            Some(Ok(t)) => view! { <TicketDetails ticket=t changed forms /> }.into_any(),
            Some(Err(AppError::NotFound)) => view! {
                <h1>"Ticket not found"</h1>
                <p class="status">"There is no such ticket, or it is not yours to see."</p>
            }
            .into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// A form on the ticket: what is typed into it, whether it is being saved,
/// and why its last save failed. The island keeps it while the ticket is
/// drawn anew after another form's save, so no text, error or save under
/// way is lost.
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

#[derive(Clone, Copy)]
struct Forms {
    reply: FormState,
    hours: FormState,
    state: FormState,
}

#[component]
fn TicketDetails(ticket: TicketView, changed: Callback<()>, forms: Forms) -> impl IntoView {
    let number = ticket.number;
    let total = ticket.total_hours();
    view! {
        <div class="page-title">
            <h1>{format!("#{} {}", ticket.number, ticket.title)}</h1>
        </div>
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
        {ticket.can_reply.then(|| view! { <ReplyForm number changed form=forms.reply /> })}
        {ticket.can_change_state.then(|| view! { <StateForm number state=ticket.state changed form=forms.state /> })}
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
                {ticket.can_log_time.then(|| view! { <LogTimeForm number changed form=forms.hours /> })}
            </section>
        })}
    }
}

/// Runs `action` for `form`; on success empties the form and reloads the
/// ticket, which draws the forms anew; on failure shows why.
fn submit<F>(form: FormState, changed: Callback<()>, action: F)
where
    F: std::future::Future<Output = Result<(), AppError>> + 'static,
{
    let FormState { text, saving, failure } = form;
    saving.set(true);
    spawn_local(async move {
        let result = action.await;
        saving.set(false);
        match result {
            Ok(()) => {
                failure.set(None);
                text.set(String::new());
                changed.run(());
            }
            Err(e) => failure.set(Some(e)),
        }
    });
}

#[component]
fn ReplyForm(number: i64, changed: Callback<()>, form: FormState) -> impl IntoView {
    let FormState { text: body, saving, failure } = form;
    let live = is_live();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        submit(form, changed, async move { reply_to_ticket(number, text).await });
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
fn LogTimeForm(number: i64, changed: Callback<()>, form: FormState) -> impl IntoView {
    let FormState { text: hours, saving, failure } = form;
    let live = is_live();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = hours.get_untracked();
        submit(form, changed, async move { log_ticket_time(number, typed).await });
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
fn StateForm(number: i64, state: TicketState, changed: Callback<()>, form: FormState) -> impl IntoView {
    // The choice starts from the state the ticket now has; the form keeps no text.
    let chosen = RwSignal::new(state);
    let FormState { saving, failure, .. } = form;
    let live = is_live();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let to = chosen.get_untracked();
        submit(form, changed, async move { change_ticket_state(number, to).await });
    };
    view! {
        <form class="ticket-form inline" on:submit=on_submit>
            <div class="field">
                <label for="ticket-state">"State"</label>
                <select
                    id="ticket-state"
                    on:change=move |ev| {
                        if let Some(s) = TicketState::from_key(&event_target_value(&ev)) {
                            chosen.set(s);
                        }
                    }
                >
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
