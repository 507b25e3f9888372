use crate::browser::{fetch_dialogs_on_approach, lazy_dialog, Loaded, PagePart};
use super::{
    authenticator_steps, focus_after_redraw, form_failure, recovery_code_list, ChangePasswordDialog, ConfirmThenRetry,
    Dialog, IdentityCheck, InputField,
};
use crate::api::{confirm_authenticator, generate_recovery_codes, remove_my_two_factor, start_authenticator_setup};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use roster_domain::{AppError, TwoFactorKind, TwoFactorMethod};

/// The element redrawn from the server after each change.
const METHODS_ID: &str = "two-factor-methods";

/// The attribute that marks the buttons that open the profile's dialogs,
/// naming the dialog, and the selector that finds them.
const OPENS: &str = "data-opens";
const FLOW_BUTTONS: &str = "[data-opens]";

/// A change to your password or your second factors, each made in a
/// dialog of its own.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    ChangePassword,
    SetUpApp,
    NewCodes,
    Remove(TwoFactorKind),
}

impl Flow {
    const ALL: [Flow; 5] = [
        Flow::ChangePassword,
        Flow::SetUpApp,
        Flow::NewCodes,
        Flow::Remove(TwoFactorKind::AuthenticatorApp),
        Flow::Remove(TwoFactorKind::RecoveryCodes),
    ];

    /// How its button is marked (`data-opens`).
    fn key(self) -> &'static str {
        match self {
            Flow::ChangePassword => "change-password",
            Flow::SetUpApp => "set-up-app",
            Flow::NewCodes => "new-codes",
            Flow::Remove(TwoFactorKind::AuthenticatorApp) => "remove-app",
            Flow::Remove(TwoFactorKind::RecoveryCodes) => "remove-codes",
        }
    }

    fn from_key(key: &str) -> Option<Flow> {
        Flow::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// Your second factors as the server has them: an authenticator app and
/// recovery codes, each with the buttons that set it up, replace it or
/// remove it. Drawn on the server only, again after each change (see
/// `PagePart`); the buttons work through `ProfileDialogs`.
#[component]
pub fn TwoFactorMethods(methods: Result<Vec<TwoFactorMethod>, AppError>) -> impl IntoView {
    let methods = match methods {
        Ok(methods) => methods,
        Err(e) => return view! { <p class="form-error" role="alert" id=METHODS_ID>{e.to_string()}</p> }.into_any(),
    };
    let find = |kind| methods.iter().find(|m: &&TwoFactorMethod| m.kind == kind).cloned();
    let app = find(TwoFactorKind::AuthenticatorApp);
    let codes = find(TwoFactorKind::RecoveryCodes);
    let button = |flow: Flow, class: &'static str, label: String| {
        view! { <button type="button" class=class data-opens=flow.key()>{label}</button> }
    };
    let remove = |kind: TwoFactorKind| {
        button(Flow::Remove(kind), "danger", format!("Remove {}…", kind.label().to_ascii_lowercase()))
    };
    view! {
        <div id=METHODS_ID>
            <div class="method" aria-labelledby="authenticator-heading">
                <h4 id="authenticator-heading">"Authenticator app"</h4>
                {match app {
                    Some(method) => view! {
                        <p>{format!("On since {}.", method.since)}</p>
                        {remove(TwoFactorKind::AuthenticatorApp)}
                    }
                    .into_any(),
                    None => view! {
                        <p>"Use an app such as FreeOTP, Aegis or Google Authenticator to make sign-in codes."</p>
                        {button(Flow::SetUpApp, "primary", "Set up authenticator app".into())}
                    }
                    .into_any(),
                }}
            </div>
            <div class="method" aria-labelledby="recovery-heading">
                <h4 id="recovery-heading">"Recovery codes"</h4>
                {codes.as_ref().map(|m| match m.unused_codes.unwrap_or_default() {
                    0 => view! {
                        <p class="danger" role="alert">
                            "You have used your last recovery code. Generate new ones now: signing in still asks "
                            "for a code, and without an app or a recovery code you could not sign in."
                        </p>
                    }
                    .into_any(),
                    left => view! { <p>{format!("{left} unused codes left. New codes replace them all.")}</p> }.into_any(),
                })}
                <p>"Single-use codes for when your app is out of reach."</p>
                {button(
                    Flow::NewCodes,
                    "secondary",
                    if codes.is_some() { "Generate new recovery codes" } else { "Generate recovery codes" }.into(),
                )}
                {codes.is_some().then(|| remove(TwoFactorKind::RecoveryCodes))}
            </div>
        </div>
    }
    .into_any()
}

/// The button that opens the password dialog (see `ProfileDialogs`).
#[component]
pub fn ChangePasswordButton() -> impl IntoView {
    view! {
        <button type="button" class="primary" data-opens=Flow::ChangePassword.key()>"Change password…"</button>
    }
}

/// What the profile's buttons open: a dialog for each change. Their code
/// is a piece of the bundle fetched as you go for a button, so the profile
/// starts with less. After a change the two-factor methods are drawn anew
/// from the server and a notice says what changed.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
pub fn ProfileDialogs() -> impl IntoView {
    use leptos::wasm_bindgen::JsCast;
    let flow = RwSignal::new(None::<Flow>);
    let notice = RwSignal::new(None::<String>);
    fetch_dialogs_on_approach(FLOW_BUTTONS, fetch_profile_dialogs);
    // The server draws the buttons, again after each change: one listener serves them all.
    let _ = window_event_listener(leptos::ev::click, move |ev| {
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let button = target.and_then(|t| t.closest(FLOW_BUTTONS).ok().flatten());
        if let Some(chosen) = button.and_then(|b| b.get_attribute(OPENS)).and_then(|k| Flow::from_key(&k)) {
            notice.set(None);
            flow.set(Some(chosen));
        }
    });
    // Focus goes back to the button that opened the dialog, or, when that
    // one is gone (the method it set up or removed changed the buttons), to
    // the first of the page's buttons, never to the page as a whole.
    let focus_opener = move |opened: Option<Flow>| {
        if let Some(opened) = opened {
            focus_after_redraw(format!("[{OPENS}=\"{}\"]", opened.key()), FLOW_BUTTONS);
        }
    };
    let on_close = Callback::new(move |_| {
        let opened = flow.get_untracked();
        flow.set(None);
        focus_opener(opened);
    });
    let on_done = Callback::new(move |message: String| {
        let opened = flow.get_untracked();
        flow.set(None);
        spawn_local(async move {
            let shown = PagePart::fetch(METHODS_ID).await.and_then(PagePart::show);
            notice.set(Some(match shown {
                Ok(()) => message,
                Err(e) => e.to_string(),
            }));
            // Once the buttons are drawn anew.
            focus_opener(opened);
        });
    });
    view! {
        <p class="notice" role="status">{move || notice.get()}</p>
        {move || flow.get().map(|chosen| lazy_dialog(profile_dialog(chosen, on_close, on_done), notice, on_close))}
    }
}

/// The open dialog. `fallible`: a failed fetch is an error to report, not
/// a panic that would stop the page.
#[wasm_split(
    roster_profile_dialog,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(fetch_profile_dialogs)
)]
fn profile_dialog(flow: Flow, on_close: Callback<()>, on_done: Callback<String>) -> Result<AnyView, SplitLoaderError> {
    Ok(match flow {
        Flow::ChangePassword => view! { <ChangePasswordDialog on_close on_done /> }.into_any(),
        Flow::SetUpApp => view! { <SetUpApp on_close on_done /> }.into_any(),
        Flow::NewCodes => view! { <NewCodes on_close on_done /> }.into_any(),
        Flow::Remove(kind) => view! { <RemoveMethod kind on_close on_done /> }.into_any(),
    })
}

/// Set up an authenticator app: scan the key, then prove it with a code.
#[component]
fn SetUpApp(on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let check = IdentityCheck::new();
    let setup = Loaded::waiting();
    let load = move || setup.fill(check.run(start_authenticator_setup));
    load();
    let failure = RwSignal::new(None::<AppError>);
    let code = RwSignal::new(String::new());
    // Busy while the server checks the code: the button cannot send it twice.
    let confirming = RwSignal::new(false);
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirming.set(true);
        spawn_local(async move {
            let result = confirm_authenticator(code.get_untracked()).await;
            confirming.try_set(false);
            match result {
                Ok(()) => on_done.run("Authenticator app enabled. Signing in now asks for a code from it.".into()),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <Dialog title="Set up authenticator app".into() on_close>
            {move || match setup.get() {
                None => view! { <p class="status">"Loading…"</p> }.into_any(),
                Some(Err(_)) if check.is_asked() => {
                    view! { <ConfirmThenRetry check retry=Callback::new(move |_| load()) /> }.into_any()
                }
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(s)) => authenticator_steps(&s, "modal-body", code, failure, confirming, confirm).into_any(),
            }}
        </Dialog>
    }
}

/// New recovery codes, made as the dialog opens and shown only in it.
#[component]
fn NewCodes(on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let check = IdentityCheck::new();
    let codes = Loaded::waiting();
    let load = move || codes.fill(check.run(generate_recovery_codes));
    load();
    // Once made, the old codes are gone: closing shows the new count either way.
    let close = Callback::new(move |_| match codes.get() {
        Some(Ok(_)) => on_done.run("Recovery codes saved.".into()),
        _ => on_close.run(()),
    });
    view! {
        <Dialog title="Recovery codes".into() on_close=close>
            {move || match codes.get() {
                None => view! { <p class="status">"Loading…"</p> }.into_any(),
                Some(Err(_)) if check.is_asked() => {
                    view! { <ConfirmThenRetry check retry=Callback::new(move |_| load()) /> }.into_any()
                }
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(codes)) => view! {
                    <div class="modal-body">
                        {recovery_code_list(codes)}
                        <footer class="modal-footer">
                            <button type="button" class="primary" on:click=move |_| close.run(())>"I have saved them"</button>
                        </footer>
                    </div>
                }
                .into_any(),
            }}
        </Dialog>
    }
}

/// Remove one of your methods, after typing your password.
#[component]
fn RemoveMethod(kind: TwoFactorKind, on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let removing = RwSignal::new(false);
    let remove = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        removing.set(true);
        spawn_local(async move {
            let result = remove_my_two_factor(kind, password.get_untracked()).await;
            removing.try_set(false);
            match result {
                Ok(()) => on_done.run(format!("{} removed.", kind.label())),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <Dialog title=format!("Remove {}", kind.label().to_ascii_lowercase()) on_close>
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
                <footer class="modal-footer">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="danger" disabled=move || removing.get()>"Remove"</button>
                </footer>
            </form>
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flow_is_found_by_its_buttons_mark() {
        for flow in Flow::ALL {
            assert_eq!(Flow::from_key(flow.key()), Some(flow));
        }
        assert_eq!(Flow::from_key("remove"), None);
    }
}
