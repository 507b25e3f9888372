use crate::api::{delete_role, role_definitions};
use crate::components::{RoleDialog, SignedInPage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use roster_domain::{Permission, RoleDefinition};

/// `/admin/roles`: the built-in roles and the admins' own, with what each
/// grants and how many users hold it. Roles are given in the user dialog.
#[component]
pub fn RolesPage() -> impl IntoView {
    view! {
        <Title text="Roles" />
        <SignedInPage permission=Some(Permission::AdminUser) content=|_| view! { <Roles /> }.into_any() />
    }
}

/// The dialog open over the page: none, a new role, or this role.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    New,
    Role(RoleDefinition),
}

#[component]
fn Roles() -> impl IntoView {
    let roles = Resource::new(|| (), |_| role_definitions());
    let editing = RwSignal::new(None::<Editing>);
    let notice = RwSignal::new(None::<String>);
    let on_close = Callback::new(move |_| editing.set(None));
    let on_saved = Callback::new(move |message: String| {
        editing.set(None);
        notice.set(Some(message));
        roles.refetch();
    });
    let delete = Callback::new(move |role: RoleDefinition| {
        notice.set(None);
        spawn_local(async move {
            match delete_role(role.role.id).await {
                Ok(()) => notice.set(Some(format!("Role “{}” deleted", role.role.name))),
                Err(e) => notice.set(Some(e.to_string())),
            }
            roles.refetch();
        });
    });
    view! {
        <div class="page-title">
            <h1>"Roles"</h1>
            <button type="button" class="primary" on:click=move |_| editing.set(Some(Editing::New))>"New role"</button>
        </div>
        <p class="notice" aria-live="polite">{move || notice.get()}</p>
        {move || {
            editing.get().map(|which| {
                let editing = match which {
                    Editing::New => None,
                    Editing::Role(role) => Some(role),
                };
                view! { <RoleDialog editing on_close on_saved /> }
            })
        }}
        <Transition fallback=|| view! { <p class="status" role="status">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Ok(list) => view! { <RoleTable roles=list editing delete /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RoleTable(roles: Vec<RoleDefinition>, editing: RwSignal<Option<Editing>>, delete: Callback<RoleDefinition>) -> impl IntoView {
    view! {
        <table class="role-table">
            <caption class="visually-hidden">"Roles"</caption>
            <thead>
                <tr>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Permissions"</th>
                    <th scope="col">"Users"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {roles
                    .into_iter()
                    .map(|role| {
                        let name = role.role.name.clone();
                        let granted = role.permissions.iter().map(|p| view! { <li>{p.label()}</li> }).collect_view();
                        let actions = (!role.built_in).then(|| {
                            let (to_edit, to_delete) = (role.clone(), role.clone());
                            view! {
                                <button type="button" aria-label=format!("Edit {name}")
                                    on:click=move |_| editing.set(Some(Editing::Role(to_edit.clone())))>
                                    "Edit"
                                </button>
                                <button type="button" class="danger" aria-label=format!("Delete {name}")
                                    on:click=move |_| delete.run(to_delete.clone())>
                                    "Delete"
                                </button>
                            }
                        });
                        view! {
                            <tr data-role-id=role.role.id.to_string()>
                                <th scope="row">
                                    {role.role.name.clone()}
                                    {role.built_in.then(|| view! { <span class="badge">"Built-in"</span> })}
                                </th>
                                <td><ul class="permission-list">{granted}</ul></td>
                                <td>{role.holders.to_string()}</td>
                                <td class="actions">{actions}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
