use crate::api::open_ticket;
use crate::browser::is_live;
use crate::components::{form_failure, go_to, InputField, PageContent, SignedInPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use roster_domain::{AppError, Permission};

/// `/tickets/new`: a customer opens a ticket.
#[component]
pub fn NewTicketPage() -> impl IntoView {
    view! {
        <Title text="New ticket" />
        <SignedInPage permission=Some(Permission::TicketCustomer) content=|_| PageContent::now(view! { <NewTicketForm /> }) />
    }
}

// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
fn NewTicketForm() -> impl IntoView {
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let live = is_live();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saving.set(true);
        spawn_local(async move {
            match open_ticket(title.get_untracked(), body.get_untracked()).await {
                Ok(number) => go_to(&format!("/tickets/{number}")),
                Err(e) => {
                    saving.set(false);
                    failure.set(Some(e));
                }
            }
        });
    };
    view! {
        <h1>"New ticket"</h1>
        <form class="ticket-form" on:submit=on_submit>
            <InputField name="title" label="Title" value=title failure />
            <InputField name="body" label="What happened?" value=body failure rows=8 />
            {form_failure(failure)}
            <button type="submit" class="primary" disabled=move || !live.get() || saving.get()>"Open ticket"</button>
        </form>
    }
}
