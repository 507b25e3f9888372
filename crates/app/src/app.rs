use crate::api::get_current_user;
use crate::pages::{
    AuditLogPage, HomePage, ImportRunPage, ImportUsersPage, LoginPage, NewTicketPage, NotFoundPage, ProfilePage, RolesPage, TicketPage, TicketsPage,
    UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};
use roster_domain::{AppError, CurrentUser};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::set_page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                // Registered before the islands start, to report a piece of the bundle that fails to load.
                <script src="/load-failure.js" defer></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The signed-in user (or `None`), loaded once per page and shared by the
/// server-rendered parts of it (islands get what they need as props).
#[derive(Clone, Copy)]
pub struct CurrentUserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(CurrentUserResource(Resource::new(|| (), |_| get_current_user())));

    view! {
        <Stylesheet id="leptos" href="/pkg/roster.css" />
        <Title formatter=|page: String| format!("{page} · Roster") />
        <Router>
            // Pages that depend on who is signed in render completely before
            // the response starts, so they can still redirect.
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/users/import") view=ImportUsersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/users/import/:run") view=ImportRunPage ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async />
                <Route path=path!("/admin/roles") view=RolesPage ssr=SsrMode::Async />
                <Route path=path!("/tickets") view=TicketsPage ssr=SsrMode::Async />
                <Route path=path!("/tickets/new") view=NewTicketPage ssr=SsrMode::Async />
                <Route path=path!("/tickets/:number") view=TicketPage ssr=SsrMode::Async />
                <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async />
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
            </Routes>
        </Router>
        <HydrationMark />
    }
}

/// Marks the page as hydrated, so people and tests can tell the
/// WebAssembly module has taken over. Islands hydrate in document order and
/// this one comes last, so every other island on the page is live by then.
#[island]
fn HydrationMark() -> impl IntoView {
    // Effects run only in the browser.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
