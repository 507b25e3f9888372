use crate::app::CurrentUserResource;
use crate::components::impersonation_banner;
use leptos::prelude::*;
use leptos_meta::Title;

/// Any address Roster does not know. A browser in a view of Roster as a
/// user still sees the banner here, with its way back.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let current_user = expect_context::<CurrentUserResource>().0;
    view! {
        <Title text="Page not found" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move { current_user.await.ok().flatten().and_then(|user| impersonation_banner(&user)) })}
        </Suspense>
        <main class="centered">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Go to the start page"</a></p>
        </main>
    }
}
