use super::{AppHeader, ImpersonationBanner};
use crate::app::CurrentUserResource;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use roster_domain::{CurrentUser, Permission};

/// The frame of every signed-in page. Without a session it redirects to
/// `/login`; without `permission` to the start page. This is for people:
/// the server functions behind the page check again for themselves.
#[component]
pub fn SignedInPage(
    permission: Option<Permission>,
    content: fn(CurrentUser) -> AnyView,
) -> impl IntoView {
    let current_user = expect_context::<CurrentUserResource>().0;
    view! {
        <Suspense fallback=|| view! { <p class="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match current_user.await {
                    Ok(Some(user)) if permission.is_none_or(|p| user.can(p)) => EitherOf4::A(view! {
                        {user.impersonator.clone().map(|admin| view! { <ImpersonationBanner user=user.clone() admin /> })}
                        <AppHeader user=user.clone() />
                        <main>{content(user)}</main>
                    }),
                    Ok(Some(_)) => EitherOf4::B(view! { <Redirect path="/" /> }),
                    Ok(None) => EitherOf4::C(view! { <Redirect path="/login" /> }),
                    Err(e) => EitherOf4::D(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
                }
            })}
        </Suspense>
    }
}
