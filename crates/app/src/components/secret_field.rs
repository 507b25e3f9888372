use leptos::prelude::*;
use roster_domain::AppError;

/// A password or code input with its label and, below it, the error the
/// server gave for `name` (linked by `aria-describedby`).
#[component]
pub fn SecretField(
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    failure: RwSignal<Option<AppError>>,
    #[prop(default = "current-password")] autocomplete: &'static str,
    #[prop(default = "password")] kind: &'static str,
) -> impl IntoView {
    let id = format!("field-{}", name.replace('_', "-"));
    let error_id = format!("{id}-error");
    let message = move || failure.with(|f| f.as_ref().and_then(|e| e.message_for(name)).map(str::to_owned));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                aria-invalid=move || message().is_some().to_string()
                aria-describedby=error_id.clone()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
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
