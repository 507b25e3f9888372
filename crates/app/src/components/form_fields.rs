//! Labelled inputs for forms that send everything at once and show the
//! server's verdict on each field below it.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use roster_domain::AppError;

/// The fields of a form as the browser submits it, for forms whose inputs
/// the island does not track: it sends them itself, and without JavaScript
/// the same `<form method="post" action=…>` posts them to the same endpoint.
pub struct SubmittedForm(Option<web_sys::FormData>);

impl SubmittedForm {
    /// Takes over the submission from the browser and reads its fields.
    pub fn take(ev: &leptos::ev::SubmitEvent) -> Self {
        ev.prevent_default();
        let form: web_sys::HtmlFormElement = event_target(ev);
        Self(web_sys::FormData::new_with_form(&form).ok())
    }

    /// The text in the field called `name` (empty if there is none).
    pub fn text(&self, name: &str) -> String {
        self.0.as_ref().and_then(|data| data.get(name).as_string()).unwrap_or_default()
    }
}

/// The error a form sent without JavaScript came back with. The server
/// answers such a post to server function `S` by going back to the page with
/// the error in the address; this reads it while the server renders the page,
/// and the island gets it as a prop, so both show the same message.
/// Anyone can write an address, so only errors whose whole text is Roster's
/// own are shown; one carrying text of its own (a crafted link could put any
/// words on the sign-in page) is not.
pub fn error_sent_back<S: ServerFn<Error = AppError>>() -> Option<String> {
    let sent = use_context::<ServerActionError>()?;
    if sent.path() != S::PATH {
        return None;
    }
    match ServerFnUrlError::<AppError>::decode_err(sent.err()) {
        e @ (AppError::InvalidCredentials
        | AppError::InvalidCode
        | AppError::Unauthenticated
        | AppError::Forbidden
        | AppError::NotFound
        | AppError::Conflict
        | AppError::Internal) => Some(e.to_string()),
        _ => None,
    }
}

/// An input with its label and, below it, the error the server gave for
/// `name` (linked by `aria-describedby`). With `rows` it is a multi-line
/// text area.
#[component]
pub fn InputField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    failure: RwSignal<Option<AppError>>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] rows: Option<u32>,
) -> impl IntoView {
    let id = format!("field-{}", name.replace('_', "-"));
    let error_id = format!("{id}-error");
    // Text typed into the server's page before this island came to life is
    // kept: hydrating would otherwise overwrite it with the empty start value.
    if value.with_untracked(String::is_empty) {
        if let Some(typed) = typed_before_hydration(&id).filter(|t| !t.is_empty()) {
            value.set(typed);
        }
    }
    let message = move || failure.with(|f| f.as_ref().and_then(|e| e.message_for(name)).map(str::to_owned));
    let invalid = move || message().is_some().to_string();
    // The error line, while there is one: naming a missing element would
    // leave a screen reader nothing to read.
    let described_by = {
        let error_id = error_id.clone();
        move || message().is_some().then(|| error_id.clone())
    };
    let on_input = move |ev| value.set(event_target_value(&ev));
    let control = match rows {
        None => Either::Left(view! {
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                aria-invalid=invalid
                aria-describedby=described_by
                on:input=on_input
            />
        }),
        Some(rows) => Either::Right(view! {
            <textarea
                id=id.clone()
                name=name
                rows=rows
                prop:value=move || value.get()
                aria-invalid=invalid
                aria-describedby=described_by
                on:input=on_input
            ></textarea>
        }),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// What the server-rendered input or text area with this `id` holds while
/// the page's islands hydrate. Once the last island has marked the page
/// hydrated (`body[data-hydrated]`), fields are drawn by the browser and start
/// from their own values. Nothing on the server.
fn typed_before_hydration(id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let document = document();
        if document.body()?.has_attribute("data-hydrated") {
            return None;
        }
        let element = document.get_element_by_id(id)?;
        if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
            return Some(input.value());
        }
        element.dyn_ref::<web_sys::HtmlTextAreaElement>().map(|area| area.value())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// The error that belongs to no field, if any, as an alert.
pub fn form_failure(failure: RwSignal<Option<AppError>>) -> impl IntoView {
    move || {
        failure
            .get()
            .filter(|e| e.fields().is_empty())
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    }
}

/// "Type DELETE to confirm": the field a deletion (or a merge, with `word`
/// MERGE) waits for. `typed` is what is in it; the dialog's button compares
/// it with the word.
#[component]
pub fn TypeToConfirm(
    id: &'static str,
    typed: RwSignal<String>,
    #[prop(default = roster_domain::DELETE_CONFIRMATION)] word: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{format!("Type {word} to confirm")}</label>
            <input id=id autocomplete="off" prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
        </div>
    }
}

/// The end of a form that deletes for good: the word to type, "Confirm
/// it's you" when the server asks for it, the error, and Cancel beside the
/// danger button `button`, which waits for the word and is off while `busy`.
#[component]
pub fn TypedConfirmation(
    id: &'static str,
    word: &'static str,
    typed: RwSignal<String>,
    check: super::IdentityCheck,
    failure: RwSignal<Option<AppError>>,
    busy: RwSignal<bool>,
    button: &'static str,
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <TypeToConfirm id typed word />
        <super::IdentityCheckFields check />
        {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <footer class="modal-footer">
            <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="submit" class="danger" disabled=move || busy.get() || typed.with(|t| t.trim() != word)>
                {button}
            </button>
        </footer>
    }
}
