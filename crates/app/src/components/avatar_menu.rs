use super::go_to;
use crate::api::sign_out;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The avatar button and its menu: who is signed in (`display_name`, `login`,
/// and `initials` on the button), Profile, and Sign out.
/// Keyboard: Enter or Space opens it, focus moves into it, Escape closes it.
#[island]
pub fn AvatarMenu(display_name: String, login: String, initials: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let signing_out = RwSignal::new(false);
    let first_item = NodeRef::<html::A>::new();
    let button = NodeRef::<html::Button>::new();

    Effect::new(move |_| {
        if open.get() {
            if let Some(item) = first_item.get() {
                let _ = item.focus();
            }
        }
    });
    let on_sign_out = move |_| {
        signing_out.set(true);
        spawn_local(async move {
            let signed_out = sign_out().await.is_ok();
            signing_out.set(false);
            if signed_out {
                go_to("/login");
            }
        });
    };
    let close = move || {
        open.set(false);
        if let Some(button) = button.get() {
            let _ = button.focus();
        }
    };

    view! {
        <div class="avatar-menu" on:keydown=move |ev| if ev.key() == "Escape" && open.get_untracked() { close() }>
            <button
                type="button"
                class="avatar"
                node_ref=button
                aria-haspopup="menu"
                aria-controls="avatar-menu"
                aria-expanded=move || open.get().to_string()
                aria-label=format!("Account menu for {display_name}")
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {initials}
            </button>
            <div id="avatar-menu" class="menu" role="menu" aria-label="Account" hidden=move || !open.get()>
                <p class="menu-caption" role="none">
                    {display_name.clone()}
                    <small>{login}</small>
                </p>
                <a role="menuitem" href="/profile" node_ref=first_item>
                    "Profile"
                </a>
                <button
                    type="button"
                    role="menuitem"
                    disabled=move || signing_out.get()
                    on:click=on_sign_out
                >
                    "Sign out"
                </button>
            </div>
        </div>
    }
}
