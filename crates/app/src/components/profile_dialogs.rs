use super::{form_failure, InputField, Loaded};
use crate::api::{
    confirm_authenticator, generate_recovery_codes, my_two_factor_methods, remove_my_two_factor,
    start_authenticator_setup,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, AuthenticatorSetup, TwoFactorKind, TwoFactorMethod};

/// Your second factors: an authenticator app and recovery codes, each set
/// up, replaced or removed here. `methods` is what the page brought along.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
pub fn TwoFactorSettings(methods: Result<Vec<TwoFactorMethod>, AppError>) -> impl IntoView {
    let methods = Loaded::ready(methods);
    let notice = RwSignal::new(None::<String>);
    let changed = Callback::new(move |message: String| {
        notice.set(Some(message));
        methods.fill(my_two_factor_methods());
    });
    view! {
        <section class="two-factor" aria-labelledby="two-factor-heading">
            <h3 id="two-factor-heading">"Two-factor authentication"</h3>
            <p class="notice" role="status">{move || notice.get()}</p>
            {move || match methods.get() {
                Some(Ok(methods)) => {
                    let find = |kind| methods.iter().find(|m: &&TwoFactorMethod| m.kind == kind).cloned();
                    let app = find(TwoFactorKind::AuthenticatorApp);
                    let codes = find(TwoFactorKind::RecoveryCodes);
                    view! {
                        <AuthenticatorApp method=app changed />
                        <RecoveryCodes method=codes changed />
                    }
                    .into_any()
                }
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn AuthenticatorApp(method: Option<TwoFactorMethod>, changed: Callback<String>) -> impl IntoView {
    let setup = RwSignal::new(None::<AuthenticatorSetup>);
    let failure = RwSignal::new(None::<AppError>);
    let code = RwSignal::new(String::new());
    let start = move |_| {
        failure.set(None);
        spawn_local(async move {
            match start_authenticator_setup().await {
                Ok(s) => setup.set(Some(s)),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match confirm_authenticator(code.get_untracked()).await {
                Ok(()) => {
                    setup.set(None);
                    changed.run("Authenticator app enabled. Signing in now asks for a code from it.".into());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let body = match method {
        Some(method) => view! {
            <p>{format!("On since {}.", method.since)}</p>
            <RemoveMethod kind=TwoFactorKind::AuthenticatorApp changed />
        }
        .into_any(),
        None => view! {
            {move || match setup.get() {
                None => view! {
                    <p>"Use an app such as FreeOTP, Aegis or Google Authenticator to make sign-in codes."</p>
                    <button type="button" class="primary" on:click=start>"Set up authenticator app"</button>
                }
                .into_any(),
                Some(s) => view! {
                    <ol class="setup-steps">
                        <li>
                            "Scan this QR code with your app:"
                            <img
                                class="qr-code"
                                src=format!("data:image/png;base64,{}", s.qr_png_base64)
                                alt="QR code for your authenticator app"
                                width="200"
                                height="200"
                            />
                            "or type this key into it: " <code id="authenticator-secret">{s.secret.clone()}</code>
                        </li>
                        <li>
                            <form on:submit=confirm>
                                <InputField
                                    name="code"
                                    label="Code from the app"
                                    value=code
                                    failure
                                    autocomplete="one-time-code"
                                />
                                <button type="submit" class="primary">"Enable"</button>
                            </form>
                        </li>
                    </ol>
                }
                .into_any(),
            }}
        }
        .into_any(),
    };
    view! {
        <div class="method" aria-labelledby="authenticator-heading">
            <h4 id="authenticator-heading">"Authenticator app"</h4>
            {body}
            {form_failure(failure)}
        </div>
    }
}

#[component]
fn RecoveryCodes(method: Option<TwoFactorMethod>, changed: Callback<String>) -> impl IntoView {
    let fresh = RwSignal::new(None::<Vec<String>>);
    let failure = RwSignal::new(None::<AppError>);
    let generate = move |_| {
        failure.set(None);
        spawn_local(async move {
            match generate_recovery_codes().await {
                Ok(codes) => fresh.set(Some(codes)),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let label = if method.is_some() { "Generate new recovery codes" } else { "Generate recovery codes" };
    let status = method.as_ref().map(|m| {
        let left = m.unused_codes.unwrap_or_default();
        view! { <p>{format!("{left} unused codes left. New codes replace them all.")}</p> }
    });
    let has_codes = method.is_some();
    view! {
        <div class="method" aria-labelledby="recovery-heading">
            <h4 id="recovery-heading">"Recovery codes"</h4>
            {status}
            {move || match fresh.get() {
                Some(codes) => view! {
                    <p class="danger">
                        "Save these codes somewhere safe now: they are shown only this once. Each works once, "
                        "in place of a code from your app."
                    </p>
                    <ol class="recovery-codes" aria-label="Your recovery codes">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ol>
                    <button
                        type="button"
                        on:click=move |_| {
                            fresh.set(None);
                            changed.run("Recovery codes saved.".into());
                        }
                    >
                        "I have saved them"
                    </button>
                }
                .into_any(),
                None => view! {
                    <p>"Single-use codes for when your app is out of reach."</p>
                    <button type="button" on:click=generate>{label}</button>
                    {has_codes.then(|| view! { <RemoveMethod kind=TwoFactorKind::RecoveryCodes changed /> })}
                }
                .into_any(),
            }}
            {form_failure(failure)}
        </div>
    }
}

/// Remove one of your methods, after typing your password.
#[component]
fn RemoveMethod(kind: TwoFactorKind, changed: Callback<String>) -> impl IntoView {
    let asking = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let remove = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match remove_my_two_factor(kind, password.get_untracked()).await {
                Ok(()) => changed.run(format!("{} removed.", kind.label())),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        {move || if asking.get() {
            view! {
                <form class="remove-method" on:submit=remove>
                    <InputField
                        name="password"
                        label="Your password, to confirm"
                        value=password
                        failure
                        autocomplete="current-password"
                        kind="password"
                    />
                    {form_failure(failure)}
                    <button type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
                    <button type="submit" class="danger">{format!("Remove {}", kind.label())}</button>
                </form>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class="danger" on:click=move |_| asking.set(true)>
                    {format!("Remove {}…", kind.label().to_ascii_lowercase())}
                </button>
            }
            .into_any()
        }}
    }
}
