use super::{ActionsMenu, MenuEntry};
use leptos::prelude::*;
use roster_domain::{role_names, UserId, UserRow};

/// What a row of the table can ask of the page around it.
#[derive(Clone, Copy)]
pub struct UserRowActions {
    /// The signed-in admin: their own row offers no Delete User nor Merge into….
    pub me: UserId,
    pub edit: Callback<UserId>,
    pub delete: Callback<UserId>,
    /// Merge into…, with the duplicate's login for its dialog.
    pub merge: Callback<(UserId, String)>,
    pub unlock: Callback<UserId>,
    /// View from user's perspective, with the user's login for its dialog.
    pub impersonate: Callback<(UserId, String)>,
    /// Manage Two-Factor Authentication, with the user's login for its messages.
    pub two_factor: Callback<(UserId, String)>,
}

/// The CSS selector of a row's Edit button, where focus returns after a dialog.
pub fn user_row_selector(id: UserId) -> String {
    format!("{} .row-edit", user_row(id))
}

/// The CSS selector of a user's row.
pub fn user_row(id: UserId) -> String {
    format!("tr[data-user-id='{id}']")
}

/// The table of the Users panel. User text is rendered as text, never HTML.
/// Clicking a row (or its login, by keyboard) opens the Edit User dialog.
#[component]
pub fn UserTable(rows: Vec<UserRow>, empty: &'static str, actions: UserRowActions) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="status empty">{empty}</p> }.into_any();
    }
    view! {
        <table class="user-table">
            <caption class="visually-hidden">"Users"</caption>
            <thead>
                <tr>
                    <th scope="col" class="lock-column">
                        <span aria-hidden="true">"🔒"</span>
                        <span class="visually-hidden">"Locked"</span>
                    </th>
                    <th scope="col">"Login"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Organization"</th>
                    <th scope="col">"Roles"</th>
                    <th scope="col">"Two-factor"</th>
                    <th scope="col">"Last sign-in"</th>
                    <th scope="col">
                        <span class="visually-hidden">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>{rows.into_iter().map(|user| view! { <UserTableRow user actions /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

/// A click on a row opens the user, unless it was on the row's checkbox
/// (which the Users page's selection bar adds).
fn open_unless_ticked(ev: &leptos::ev::MouseEvent, id: UserId, actions: UserRowActions) {
    use leptos::wasm_bindgen::JsCast;
    let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    if !target.is_some_and(|t| t.closest(".select-column").ok().flatten().is_some()) {
        actions.edit.run(id);
    }
}

#[component]
fn UserTableRow(user: UserRow, actions: UserRowActions) -> impl IntoView {
    let id = user.id;
    let roles = role_names(&user.roles);
    let last_sign_in = user.last_login_at.map_or_else(|| "Never".to_owned(), |t| t.to_string());
    let inactive = (!user.active).then(|| {
        let why = if user.deactivated_for_inactivity { "Deactivated for inactivity" } else { "Inactive" };
        view! { <span class="badge">{why}</span> }
    });
    let mut entries = vec![MenuEntry::new("Edit User", Callback::new(move |_| actions.edit.run(id)))];
    if user.locked() {
        let unlock = Callback::new(move |_| actions.unlock.run(id));
        entries.push(MenuEntry::new("Unlock", unlock).busy_label("Unlocking…"));
    }
    if id != actions.me && user.active && !user.locked() && !user.administers {
        let login = user.login.clone();
        entries.push(
            MenuEntry::new("View from user's perspective", Callback::new(move |_| actions.impersonate.run((id, login.clone()))))
                .marked("👁️"),
        );
    }
    if user.two_factor && id != actions.me {
        let login = user.login.clone();
        entries.push(MenuEntry::new(
            "Manage Two-Factor Authentication",
            Callback::new(move |_| actions.two_factor.run((id, login.clone()))),
        ));
    }
    // Admins are not merged, by the rule of other admin-on-admin actions.
    if id != actions.me && !user.administers {
        let login = user.login.clone();
        entries.push(MenuEntry::new("Merge into…", Callback::new(move |_| actions.merge.run((id, login.clone())))));
    }
    if id != actions.me && !user.sole_active_admin {
        entries.push(MenuEntry::new("Delete User", Callback::new(move |_| actions.delete.run(id))));
    }
    let lock = user.lock_description().map(|description| {
        view! { <span role="img" aria-label=description.clone() title=description>"🔒"</span> }
    });
    view! {
        <tr class:inactive=!user.active data-user-id=id.to_string() on:click=move |ev| open_unless_ticked(&ev, id, actions)>
            <td class="lock-column">
                {lock}
            </td>
            <td class="login-column">
                <button type="button" class="row-edit link" aria-label=format!("Edit {}", user.login)>
                    {user.login.clone()}
                </button>
                {inactive}
            </td>
            // The labels head each value where narrow screens show a row as a card.
            <td data-label="Name">{user.full_name()}</td>
            <td data-label="Email">{user.email.clone().unwrap_or_default()}</td>
            <td data-label="Organization">{user.organization.clone().unwrap_or_default()}</td>
            <td data-label="Roles">{roles}</td>
            <td data-label="Two-factor">{if user.two_factor { "On" } else { "Off" }}</td>
            <td data-label="Last sign-in">{last_sign_in}</td>
            <td class="actions-column">
                <ActionsMenu subject=user.login.clone() entries />
            </td>
        </tr>
    }
}
