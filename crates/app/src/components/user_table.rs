use leptos::prelude::*;
use roster_domain::UserRow;

/// The table of the Users panel. User text is rendered as text, never HTML.
#[component]
pub fn UserTable(rows: Vec<UserRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="status">"No users yet."</p> }.into_any();
    }
    view! {
        <table class="user-table">
            <caption class="visually-hidden">"Users, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Login"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Roles"</th>
                    <th scope="col">"Created"</th>
                </tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|user| {
                        let roles = user.roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr>
                                <td>{user.login.clone()}</td>
                                <td>{user.full_name()}</td>
                                <td>{user.email.clone().unwrap_or_default()}</td>
                                <td>{roles}</td>
                                <td>{user.created_at.to_string()}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
