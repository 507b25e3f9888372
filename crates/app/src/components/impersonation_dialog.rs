use super::{form_failure, go_to, landing_page, Dialog, IdentityCheck, IdentityCheckFields, InputField};
use crate::api::start_impersonation;
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{AppError, ImpersonationReason, UserId};

/// ⋮ Actions → **View from user's perspective**: asks the admin why (for
/// the audit log, and nowhere else), then this browser becomes the user's
/// session and goes to their start page.
#[component]
pub fn ImpersonationDialog(id: UserId, login: String, on_close: Callback<()>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<AppError>);
    let entering = RwSignal::new(false);
    let check = IdentityCheck::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server checks too; this spares a round trip for an empty reason.
        if let Err(e) = ImpersonationReason::parse(&reason.get_untracked()) {
            failure.set(Some(e.into()));
            return;
        }
        entering.set(true);
        spawn_local(async move {
            match check.run(move || start_impersonation(id, reason.get_untracked())).await {
                Ok(user) => go_to(landing_page(&user)),
                Err(e) => {
                    entering.set(false);
                    failure.set(Some(e));
                }
            }
        });
    };
    view! {
        <Dialog title="View from user's perspective".into() on_close>
            <form class="impersonation-form" on:submit=on_submit>
                <p>
                    "This browser becomes " <strong>{login}</strong> "'s session: they are signed out, and "
                    "everything you do is really done as them, recorded as done by you. It lasts until "
                    "Back to my view, or until its time limit."
                </p>
                <InputField name="reason" label="Reason (for the audit log)" value=reason failure />
                <IdentityCheckFields check />
                {form_failure(failure)}
                <footer class="modal-footer">
                    <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || entering.get()>"View as this user"</button>
                </footer>
            </form>
        </Dialog>
    }
}
