use crate::browser::Loaded;
use super::{Dialog, IdentityCheck, IdentityCheckFields};
use crate::api::{remove_user_two_factor, user_two_factor_methods};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, TwoFactorKind, TwoFactorMethod, UserId};

/// **Manage Two-Factor Authentication**: the user's methods, each
/// removable, and **Remove all**. Removing signs the user out everywhere;
/// they can set methods up again in their profile.
#[component]
pub fn TwoFactorDialog(id: UserId, login: String, on_close: Callback<()>, on_changed: Callback<String>) -> impl IntoView {
    let methods = Loaded::new(user_two_factor_methods(id));
    let login = StoredValue::new(login);
    view! {
        <Dialog title="Manage Two-Factor Authentication".to_owned() on_close>
            {move || match methods.get() {
                None => EitherOf3::A(view! { <p class="status" role="status">"Loading the user's methods…"</p> }),
                Some(Ok(methods)) => {
                    EitherOf3::B(view! { <MethodList id login=login.get_value() methods on_close on_changed /> })
                }
                Some(Err(e)) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
            }}
        </Dialog>
    }
}

#[component]
fn MethodList(
    id: UserId,
    login: String,
    methods: Vec<TwoFactorMethod>,
    on_close: Callback<()>,
    on_changed: Callback<String>,
) -> impl IntoView {
    let failure = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let check = IdentityCheck::new();
    let remove = Callback::new(move |kind: Option<TwoFactorKind>| {
        let login = login.clone();
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = check.run(move || remove_user_two_factor(id, kind)).await;
            busy.set(false);
            match result {
                Ok(removed) => {
                    let what = removed.iter().map(|k| k.label()).collect::<Vec<_>>().join(" and ");
                    on_changed.run(format!("{what} removed from {login}. They have been signed out."));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    });
    if methods.is_empty() {
        return view! {
            <p>"This user has no two-factor methods."</p>
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Close"</button>
            </footer>
        }
        .into_any();
    }
    view! {
        <p>"Removing a method signs the user out everywhere. They can set it up again in their profile."</p>
        <ul class="method-list" aria-label="Two-factor methods">
            {methods
                .into_iter()
                .map(|method| {
                    let kind = method.kind;
                    let description = method.description();
                    let label = format!("Remove {}", kind.label());
                    view! {
                        <li>
                            <span>{description} <small>{format!(" since {}", method.since)}</small></span>
                            <button
                                type="button"
                                class="danger"
                                aria-label=label
                                disabled=move || busy.get()
                                on:click=move |_| remove.run(Some(kind))
                            >
                                "Remove"
                            </button>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <IdentityCheckFields check />
        {move || failure.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <footer class="modal-footer">
            <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| remove.run(None)>
                "Remove all"
            </button>
        </footer>
    }
    .into_any()
}
