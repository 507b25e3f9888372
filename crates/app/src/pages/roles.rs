use crate::api::role_definitions;
use crate::browser::{fetch_dialogs_on_approach, lazy_dialog, Loaded};
use crate::components::{focus_after_redraw, DeleteRoleDialog, PageContent, RoleDialog, RoleTwoFactorDialog, SignedInPage};
use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_meta::Title;
use roster_domain::{AppError, Permission, RoleDefinition};

/// `/admin/roles`: the built-in roles and the admins' own, with what each
/// grants and how many users hold it. Roles are given in the user dialog.
#[component]
pub fn RolesPage() -> impl IntoView {
    view! {
        <Title text="Roles" />
        <SignedInPage
            permission=Some(Permission::AdminUser)
            content=|_| PageContent::after(role_definitions(), |roles| view! { <Roles roles /> })
        />
    }
}

/// The dialog open over the page: a new role, this role's edit, or the
/// confirmation of its deletion.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    New,
    Role(RoleDefinition),
    Delete(RoleDefinition),
    TwoFactor(RoleDefinition),
}

impl Editing {
    /// The button that opened this dialog.
    fn opener(&self) -> String {
        match self {
            Editing::New => "#new-role".to_owned(),
            Editing::Role(role) => format!("tr[data-role-id=\"{}\"] button.edit-role", role.role.id),
            Editing::Delete(role) => format!("tr[data-role-id=\"{}\"] button.danger", role.role.id),
            Editing::TwoFactor(role) => format!("tr[data-role-id=\"{}\"] button.two-factor", role.role.id),
        }
    }
}

/// Hands keyboard focus to `selector` once the page has redrawn, or to New
/// role when that is gone.
fn focus_soon(selector: String) {
    focus_after_redraw(selector, "#new-role");
}

/// The page's content, interactive throughout; `roles` is what the page
/// brought along, shown until a change asks the server again.
// Lazy: its code is a piece of the bundle of its own, fetched by the pages
// that show it, so the module every page loads stays small.
#[island(lazy)]
fn Roles(roles: Result<Vec<RoleDefinition>, AppError>) -> impl IntoView {
    let roles = Loaded::ready(roles);
    let refetch = move || roles.fill(role_definitions());
    fetch_dialogs_on_approach(DIALOG_OPENERS, fetch_roles_page_dialogs);
    let editing = RwSignal::new(None::<Editing>);
    let notice = RwSignal::new(None::<String>);
    // Closed unchanged: back to the button that opened it. Saved or deleted:
    // to New role, as the table is about to be drawn again.
    let on_close = Callback::new(move |_| {
        let closing = editing.get_untracked();
        if let Some(opener) = closing.as_ref().map(Editing::opener) {
            focus_soon(opener);
        }
        // A refused deletion means someone took the role meanwhile: show the new count.
        if matches!(closing, Some(Editing::Delete(_))) {
            refetch();
        }
        editing.set(None);
    });
    let on_saved = Callback::new(move |message: String| {
        focus_soon("#new-role".to_owned());
        editing.set(None);
        notice.set(Some(message));
        refetch();
    });
    // A deletion that finishes after its dialog was closed still reports,
    // but closes nothing opened since.
    let on_deleted = Callback::new(move |message: String| {
        if matches!(editing.get_untracked(), Some(Editing::Delete(_))) {
            focus_soon("#new-role".to_owned());
            editing.set(None);
        }
        notice.set(Some(message));
        refetch();
    });
    view! {
        <div class="page-title">
            <h1>"Roles"</h1>
            <button type="button" class="primary" id="new-role" on:click=move |_| editing.set(Some(Editing::New))>
                "New role"
            </button>
        </div>
        <p class="notice" aria-live="polite">{move || notice.get()}</p>
        {move || {
            editing.get().map(|which| {
                lazy_dialog(roles_page_dialog(which, on_close, on_saved, on_deleted), notice, on_close)
            })
        }}
        {move || match roles.get() {
            Some(Ok(list)) => view! { <RoleTable roles=list editing /> }.into_any(),
            Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}

/// The open dialog. Its code is a separate piece of the bundle, fetched when
/// the admin first goes for a dialog (`fetch_dialogs_on_approach`) or opens
/// one (see `lazy_dialog`).
#[wasm_split(
    roster_roles_page_dialog,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(fetch_roles_page_dialogs)
)]
fn roles_page_dialog(
    which: Editing,
    on_close: Callback<()>,
    on_saved: Callback<String>,
    on_deleted: Callback<String>,
) -> Result<AnyView, SplitLoaderError> {
    Ok(match which {
        Editing::New => view! { <RoleDialog editing=None on_close on_saved /> }.into_any(),
        Editing::Role(role) => view! { <RoleDialog editing=Some(role) on_close on_saved /> }.into_any(),
        Editing::Delete(role) => view! { <DeleteRoleDialog role on_close on_deleted /> }.into_any(),
        Editing::TwoFactor(role) => view! { <RoleTwoFactorDialog role on_close on_saved /> }.into_any(),
    })
}

/// What opens a dialog: **New role**, and each role's Edit and Delete.
const DIALOG_OPENERS: &str = "#new-role, .role-table button";

#[component]
fn RoleTable(roles: Vec<RoleDefinition>, editing: RwSignal<Option<Editing>>) -> impl IntoView {
    view! {
        // On a narrow screen the table scrolls sideways in its own box, not the page.
        <div class="table-scroll" role="region" aria-label="Roles" tabindex="0">
            <table class="role-table">
                <caption class="visually-hidden">"Roles"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Permissions"</th>
                        <th scope="col">"Users"</th>
                        <th scope="col">"Two-factor"</th>
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
                                    <button type="button" class="edit-role" aria-label=format!("Edit {name}")
                                        on:click=move |_| editing.set(Some(Editing::Role(to_edit.clone())))>
                                        "Edit"
                                    </button>
                                    <button type="button" class="danger" aria-label=format!("Delete {name}")
                                        on:click=move |_| editing.set(Some(Editing::Delete(to_delete.clone())))>
                                        "Delete"
                                    </button>
                                }
                            });
                            let two_factor = {
                                let (required, to_change) = (role.require_two_factor, role.clone());
                                let label = if required { "Required" } else { "Optional" };
                                let change = if required { "Stop requiring" } else { "Require two-factor" };
                                view! {
                                    <span class=if required { "badge badge-required" } else { "muted" }>{label}</span>
                                    <button type="button" class="two-factor link"
                                        aria-label=format!("{change} for {}", role.role.name)
                                        on:click=move |_| editing.set(Some(Editing::TwoFactor(to_change.clone())))>
                                        {change}
                                    </button>
                                }
                            };
                            view! {
                                <tr data-role-id=role.role.id.to_string()>
                                    <th scope="row">
                                        {role.role.name.clone()}
                                        {role.built_in.then(|| view! { <span class="badge">"Built-in"</span> })}
                                    </th>
                                    <td><ul class="permission-list">{granted}</ul></td>
                                    <td>{role.holders.to_string()}</td>
                                    <td class="two-factor-setting">{two_factor}</td>
                                    <td class="actions">{actions}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
