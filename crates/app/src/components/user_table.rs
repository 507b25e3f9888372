use leptos::prelude::*;
use roster_domain::UserRow;

/// The table of the Users panel. User text is rendered as text, never HTML.
#[component]
pub fn UserTable(rows: Vec<UserRow>, empty: &'static str) -> impl IntoView {
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
                </tr>
            </thead>
            <tbody>{rows.into_iter().map(|user| view! { <UserTableRow user /> }).collect_view()}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn UserTableRow(user: UserRow) -> impl IntoView {
    let roles = user.roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
    let last_sign_in = user.last_login_at.map_or_else(|| "Never".to_owned(), |t| t.to_string());
    let inactive = (!user.active).then(|| view! { <span class="badge">"Inactive"</span> });
    view! {
        <tr class:inactive=!user.active>
            <td class="lock-column">
                {user.locked.then(|| view! { <span role="img" aria-label="Locked" title="Locked">"🔒"</span> })}
            </td>
            <td>{user.login.clone()} {inactive}</td>
            <td>{user.full_name()}</td>
            <td>{user.email.clone().unwrap_or_default()}</td>
            <td>{user.organization.clone().unwrap_or_default()}</td>
            <td>{roles}</td>
            <td>{if user.two_factor { "On" } else { "Off" }}</td>
            <td>{last_sign_in}</td>
        </tr>
    }
}
