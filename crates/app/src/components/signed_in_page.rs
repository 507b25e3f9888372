use super::{impersonation_banner, AppHeader};
use crate::app::CurrentUserResource;
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use roster_domain::{CurrentUser, Permission};
use std::future::Future;
use std::pin::Pin;

/// What a signed-in page shows in its `<main>`: drawn at once, or once
/// something it needs has loaded on the server. The page waits for it in
/// the same step as for the signed-in user, so the HTML holds it.
pub struct PageContent(Pin<Box<dyn Future<Output = AnyView> + Send>>);

impl PageContent {
    /// Content that needs nothing loaded.
    pub fn now(view: impl IntoView + 'static) -> Self {
        let view = view.into_any();
        PageContent(Box::pin(async move { view }))
    }

    /// `draw`s what `load` brings: how a page hands an island its first
    /// answer (see `Loaded`), so the browser does not ask for it again.
    pub fn after<T, V>(
        load: impl Future<Output = T> + Send + 'static,
        draw: impl FnOnce(T) -> V + Send + 'static,
    ) -> Self
    where
        V: IntoView + 'static,
    {
        PageContent(Box::pin(async move { draw(load.await).into_any() }))
    }
}

/// The frame of every signed-in page. Without a session it redirects to
/// `/login`; without `permission` to the start page. This is for people:
/// the server functions behind the page check again for themselves.
#[component]
pub fn SignedInPage(
    permission: Option<Permission>,
    content: fn(CurrentUser) -> PageContent,
) -> impl IntoView {
    let current_user = expect_context::<CurrentUserResource>().0;
    view! {
        <Suspense fallback=|| view! { <p class="status">"Loading…"</p> }>
            // Awaited once: not a reactive closure, which would run again
            // when the signed-in user arrives and drop the first run's loads
            // half done (the frame is server-rendered, never hydrated).
            {Suspend::new(async move {
                match current_user.await {
                    Ok(Some(user)) if permission.is_none_or(|p| user.can(p)) => {
                        let main = content(user.clone()).0.await;
                        EitherOf4::A(view! {
                            {impersonation_banner(&user)}
                            <AppHeader user=user.clone() />
                            <main>{main}</main>
                        })
                    }
                    Ok(Some(_)) => EitherOf4::B(view! { <Redirect path="/" /> }),
                    Ok(None) => EitherOf4::C(view! { <Redirect path="/login" /> }),
                    Err(e) => EitherOf4::D(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
                }
            })}
        </Suspense>
    }
}
