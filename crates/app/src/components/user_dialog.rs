use crate::browser::Loaded;
use super::{focus_first, Dialog, IdentityCheck, IdentityCheckFields, UserSessions};
use crate::api::{create_user, get_editable_user, list_roles, organization_names, update_user};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos::task::spawn_local;
use roster_domain::{
    AppError, FieldError, FieldKind, FieldRule, PasswordInput, Role, Section, UserDetails, UserFields, UserId,
};

/// Which user the dialog is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserDialogMode {
    New,
    Edit(UserId),
}

/// The **New User** / **Edit User** dialog. `on_saved` gets the confirmation
/// to show once the server has accepted the save.
#[component]
pub fn UserDialog(mode: UserDialogMode, on_close: Callback<()>, on_saved: Callback<String>) -> impl IntoView {
    let title = match mode {
        UserDialogMode::New => "New User",
        UserDialogMode::Edit(_) => "Edit User",
    };
    let content = match mode {
        UserDialogMode::New => Either::Left(view! {
            <UserForm mode initial=UserDetails::default() version=0 on_saved on_close reload=Callback::new(|_| ()) />
        }),
        UserDialogMode::Edit(id) => {
            let loaded = Loaded::new(get_editable_user(id));
            let reload = Callback::new(move |_| loaded.fill(get_editable_user(id)));
            Either::Right(move || match loaded.get() {
                None => EitherOf3::A(view! { <p class="status" role="status">"Loading user…"</p> }),
                Some(Ok(user)) => EitherOf3::B(view! {
                    <UserForm mode initial=user.details version=user.version on_saved on_close reload />
                }),
                Some(Err(e)) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
            })
        }
    };
    view! { <Dialog title=title.to_owned() on_close>{content}</Dialog> }
}

/// The form's state: what is typed, what the server said, and which
/// fields already show their errors.
#[derive(Clone, Copy)]
struct FormState {
    details: RwSignal<UserDetails>,
    /// Errors the browser cannot know (a login already used): cleared when
    /// their field changes.
    server_errors: RwSignal<Vec<FieldError>>,
    /// The same rules the server runs, run as the admin types.
    browser_errors: Memo<Vec<FieldError>>,
    /// Fields the admin has left, or all of them after a first Save.
    touched: RwSignal<Vec<&'static str>>,
    submitted: RwSignal<bool>,
}

impl FormState {
    fn new(initial: UserDetails) -> FormState {
        let details = RwSignal::new(initial);
        FormState {
            details,
            server_errors: RwSignal::new(Vec::new()),
            browser_errors: Memo::new(move |_| details.with(|d| d.validate().err().unwrap_or_default())),
            touched: RwSignal::new(Vec::new()),
            submitted: RwSignal::new(false),
        }
    }

    fn error(self, field: &'static str) -> Option<String> {
        let from_server = self.server_errors.with(|e| e.iter().find(|e| e.field == field).map(|e| e.message.clone()));
        let shown = self.submitted.get() || self.touched.with(|t| t.contains(&field));
        from_server.or_else(|| {
            shown.then(|| self.browser_errors.with(|e| e.iter().find(|e| e.field == field).map(|e| e.message.clone())))?
        })
    }

    fn edit(self, field: &'static str, change: impl FnOnce(&mut UserDetails)) {
        self.details.update(change);
        self.server_errors.update(|e| e.retain(|e| e.field != field));
    }

    /// Marks a field the admin has left. The browser also reports leaving
    /// the focused field when the dialog closes and its fields are removed,
    /// by which time the form's state is gone: then there is nothing to mark.
    fn touch(self, field: &'static str) {
        if self.touched.try_with_untracked(|t| t.contains(&field)) == Some(false) {
            self.touched.try_update(|t| t.push(field));
        }
    }
}

#[component]
fn UserForm(
    mode: UserDialogMode,
    initial: UserDetails,
    /// The version the edit starts from (ignored for a new user).
    version: i64,
    on_saved: Callback<String>,
    on_close: Callback<()>,
    /// Loads the user afresh, dropping what was typed.
    reload: Callback<()>,
) -> impl IntoView {
    let sessions = match mode {
        UserDialogMode::Edit(id) => Some(view! { <UserSessions id login=initial.login.clone() /> }),
        UserDialogMode::New => None,
    };
    let form = FormState::new(initial);
    let failure = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let check = IdentityCheck::new();
    // After the dialog has opened (which focuses its first button).
    Effect::new(move |_| {
        set_timeout(
            || {
                focus_first("#user-login");
            },
            std::time::Duration::ZERO,
        )
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.submitted.set(true);
        if let Some(first) = form.browser_errors.with_untracked(|e| e.first().map(|e| e.field.clone())) {
            focus_field(&first);
            return;
        }
        let details = form.details.get_untracked();
        let login = details.login.trim().to_owned();
        saving.set(true);
        failure.set(None);
        spawn_local(async move {
            let result = match mode {
                UserDialogMode::New => {
                    check.run(move || create_user(details)).await.map(|_| format!("User {login} created."))
                }
                UserDialogMode::Edit(id) => {
                    check.run(move || update_user(id, version, details)).await.map(|_| format!("User {login} saved."))
                }
            };
            saving.set(false);
            match result {
                Ok(message) => on_saved.run(message),
                Err(AppError::Validation(errors)) => {
                    if let Some(first) = errors.first() {
                        focus_field(&first.field);
                    }
                    form.server_errors.set(errors);
                }
                Err(other) => failure.set(Some(other)),
            }
        });
    };
    let (password_label, password_hint) = match mode {
        UserDialogMode::New => ("Password", "Optional. Without one, the user cannot sign in until a password is set."),
        UserDialogMode::Edit(_) => ("New password", "Leave blank to keep the current password."),
    };

    view! {
        <form class="user-form" novalidate on:submit=on_submit>
            {move || {
                failure
                    .get()
                    .map(|e| {
                        let conflict = e == AppError::Conflict;
                        view! {
                            <div class="form-error" role="alert">
                                <p>{e.to_string()}</p>
                                {conflict
                                    .then(|| {
                                        view! {
                                            <button type="button" on:click=move |_| reload.run(())>
                                                "Reload"
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                    })
            }}
            <div class="form-grid">
                <TextField form name="login" label="Login" get=|d| d.login.clone() set=|d, v| d.login = v />
                <PlainFields form section=Section::Name />
                <TextField form name="email" label="Email" kind="email" get=|d| d.email.clone() set=|d, v| d.email = v />
                <PlainFields form section=Section::Contact />
                <OrganizationField form />
                <TextArea
                    form
                    name="secondary_organizations"
                    label="Secondary organizations"
                    hint="One per line."
                    get=|d| d.secondary_organizations.join("\n")
                    set=|d, v| d.secondary_organizations = v.lines().map(str::to_owned).collect()
                />
                <PlainFields form section=Section::Organization />
                <PlainFields form section=Section::Address />
                <TextField
                    form
                    name="password"
                    label=password_label
                    hint=password_hint
                    kind="password"
                    get=|d| d.password.0.clone()
                    set=|d, v| d.password = PasswordInput(v)
                />
                <PlainFields form section=Section::Note />
                <RolesField form />
                <fieldset class="flags">
                    <legend>"Account"</legend>
                    <CheckBox form name="vip" label="VIP" get=|d| d.vip set=|d, v| d.vip = v />
                    <CheckBox form name="active" label="Active" get=|d| d.active set=|d, v| d.active = v />
                    // A password someone else set is one they know: its
                    // user replaces it, so typing one ticks the box for good.
                    <CheckBox
                        form
                        name="must_change_password"
                        label="Must change password at next sign-in"
                        get=|d| d.must_change_password
                        set=|d, v| d.must_change_password = v
                        locked=|d| !d.password.0.is_empty()
                        hint=|locked| if locked {
                            "Always, after you set a user's password."
                        } else {
                            "They choose a new password before anything else."
                        }
                    />
                </fieldset>
            </div>
            {sessions}
            <IdentityCheckFields check />
            <footer class="modal-footer">
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="submit" class="primary" disabled=move || saving.get()>
                    {move || match (saving.get(), mode) {
                        (true, _) => "Saving…",
                        (false, UserDialogMode::New) => "Create",
                        (false, UserDialogMode::Edit(_)) => "Save",
                    }}
                </button>
            </footer>
        </form>
    }
}

/// The id of a field's input (`user-first-name`), which tests and focus use.
fn input_id(name: &str) -> String {
    format!("user-{}", name.replace('_', "-"))
}

/// Moves focus to a field (for a group of checkboxes, its first box).
fn focus_field(name: &str) {
    let id = input_id(name);
    let _ = focus_first(&format!("input#{id}, textarea#{id}, #{id} input"));
}

/// The error line under a field, and the attributes that tie it to the input.
fn error_line(form: FormState, name: &'static str) -> impl IntoView {
    let id = format!("{}-error", input_id(name));
    move || form.error(name).map(|message| view! { <p class="field-error" id=id.clone()>{message}</p> })
}

/// What a field's `aria-describedby` names: its error line while one is
/// shown, and its hint when it has one. Naming an element that is not on
/// the page would leave a screen reader nothing to read.
fn described_by(form: FormState, name: &'static str, hint: bool) -> impl Fn() -> Option<String> + Send + Sync + 'static {
    let id = input_id(name);
    move || {
        let error = form.error(name).map(|_| format!("{id}-error"));
        let hint = hint.then(|| format!("{id}-hint"));
        let ids: Vec<String> = error.into_iter().chain(hint).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The plain fields of one section, each as `UserFields::RULES` declares it.
#[component]
fn PlainFields(form: FormState, section: Section) -> impl IntoView {
    let field = move |rule: &'static FieldRule| match rule.kind {
        FieldKind::Text => Either::Left(view! { <TextArea form name=rule.name label=rule.label /> }),
        FieldKind::Line => Either::Right(view! { <TextField form name=rule.name label=rule.label /> }),
        FieldKind::Phone => Either::Right(view! { <TextField form name=rule.name label=rule.label kind="tel" /> }),
        FieldKind::Web => Either::Right(view! { <TextField form name=rule.name label=rule.label kind="url" /> }),
    };
    UserFields::RULES.iter().filter(|rule| rule.section == section).map(field).collect_view()
}

/// Where a text input's value lives: `get` and `set` for a field with its
/// own handling; without them, the plain field called `name`.
#[derive(Clone, Copy)]
struct TextValue {
    name: &'static str,
    get: Option<fn(&UserDetails) -> String>,
    set: Option<fn(&mut UserDetails, String)>,
}

impl TextValue {
    fn get(self, details: &UserDetails) -> String {
        match self.get {
            Some(get) => get(details),
            None => details.fields.value(self.name).unwrap_or_default().to_owned(),
        }
    }

    fn set(self, details: &mut UserDetails, value: String) {
        match self.set {
            Some(set) => set(details, value),
            None => {
                if let Some(field) = details.fields.value_mut(self.name) {
                    *field = value;
                }
            }
        }
    }
}

#[component]
fn TextField(
    form: FormState,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] get: Option<fn(&UserDetails) -> String>,
    #[prop(optional)] set: Option<fn(&mut UserDetails, String)>,
) -> impl IntoView {
    let value = TextValue { name, get, set };
    let id = input_id(name);
    let described = described_by(form, name, !hint.is_empty());
    let autocomplete = if kind == "password" { "new-password" } else { "off" };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || form.details.with(|d| value.get(d))
                aria-invalid=move || form.error(name).is_some().to_string()
                aria-describedby=described
                on:input=move |ev| form.edit(name, |d| value.set(d, event_target_value(&ev)))
                on:blur=move |_| form.touch(name)
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            {error_line(form, name)}
        </div>
    }
}

#[component]
fn TextArea(
    form: FormState,
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] get: Option<fn(&UserDetails) -> String>,
    #[prop(optional)] set: Option<fn(&mut UserDetails, String)>,
) -> impl IntoView {
    let value = TextValue { name, get, set };
    let id = input_id(name);
    let described = described_by(form, name, !hint.is_empty());
    view! {
        <div class="field wide">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id.clone()
                name=name
                rows="3"
                prop:value=move || form.details.with(|d| value.get(d))
                aria-invalid=move || form.error(name).is_some().to_string()
                aria-describedby=described
                on:input=move |ev| form.edit(name, |d| value.set(d, event_target_value(&ev)))
                on:blur=move |_| form.touch(name)
            ></textarea>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            {error_line(form, name)}
        </div>
    }
}

/// A box of the Account group. `locked`: while it says so, the box shows
/// ticked and cannot be changed (the server ticks it then); `hint` says why.
#[component]
fn CheckBox(
    form: FormState,
    name: &'static str,
    label: &'static str,
    get: fn(&UserDetails) -> bool,
    set: fn(&mut UserDetails, bool),
    #[prop(optional)] locked: Option<fn(&UserDetails) -> bool>,
    #[prop(optional)] hint: Option<fn(bool) -> &'static str>,
) -> impl IntoView {
    let id = input_id(name);
    let is_locked = move || locked.is_some_and(|locked| form.details.with(locked));
    view! {
        <div class="check">
            <input
                type="checkbox"
                id=id.clone()
                name=name
                prop:checked=move || is_locked() || form.details.with(get)
                prop:disabled=is_locked
                aria-describedby=described_by(form, name, hint.is_some())
                on:change=move |ev| form.edit(name, |d| set(d, event_target_checked(&ev)))
            />
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <span class="hint" id=format!("{id}-hint")>{move || hint(is_locked())}</span> })}
            {error_line(form, name)}
        </div>
    }
}

/// Organization with suggestions from the existing ones; a new name is
/// created on save, and the field says so.
#[component]
fn OrganizationField(form: FormState) -> impl IntoView {
    let typed = Memo::new(move |_| form.details.with(|d| d.organization.trim().to_owned()));
    let suggestions = Loaded::waiting();
    // Effects run only in the browser, where dialogs are drawn.
    Effect::new(move |_| {
        let text = typed.get();
        suggestions.fill(async move { if text.is_empty() { Ok(Vec::new()) } else { organization_names(text).await } });
    });
    let is_new = move || {
        let text = typed.get();
        let known = suggestions.get().and_then(Result::ok).unwrap_or_default();
        (!text.is_empty() && suggestions.get().is_some() && !known.iter().any(|n| n.to_lowercase() == text.to_lowercase()))
            .then(|| format!("A new organization “{text}” will be created."))
    };
    view! {
        <div class="field">
            <label for="user-organization">"Organization"</label>
            <input
                id="user-organization"
                name="organization"
                list="organization-suggestions"
                autocomplete="off"
                prop:value=move || form.details.with(|d| d.organization.clone())
                aria-invalid=move || form.error("organization").is_some().to_string()
                aria-describedby=described_by(form, "organization", true)
                on:input=move |ev| form.edit("organization", |d| d.organization = event_target_value(&ev))
                on:blur=move |_| form.touch("organization")
            />
            <datalist id="organization-suggestions">
                {move || {
                    suggestions
                        .get()
                        .and_then(Result::ok)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|name| view! { <option value=name></option> })
                        .collect_view()
                }}
            </datalist>
            <p class="hint" id="user-organization-hint">{is_new}</p>
            {error_line(form, "organization")}
        </div>
    }
}

/// The **Roles** checkboxes, one per role (built-in and created): at least one.
#[component]
fn RolesField(form: FormState) -> impl IntoView {
    // Not a resource: a resource read here would suspend the page around the
    // dialog, which would then be drawn anew (losing focus).
    let roles = Loaded::new(list_roles());
    let checkbox = move |role: Role| {
        let id = format!("user-role-{}", role.id.key());
        let role_id = role.id;
        view! {
            <div class="check">
                <input
                    type="checkbox"
                    id=id.clone()
                    prop:checked=move || form.details.with(|d| d.roles.contains(&role_id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        form.edit("roles", |d| {
                            d.roles.retain(|r| *r != role_id);
                            if on {
                                d.roles.push(role_id);
                            }
                        });
                        form.touch("roles");
                    }
                />
                <label for=id>{role.name}</label>
            </div>
        }
    };
    view! {
        <fieldset class="roles" id="user-roles" aria-describedby=described_by(form, "roles", false)>
            <legend>"Roles"</legend>
            {move || match roles.get() {
                None => EitherOf3::A(view! { <p class="status">"Loading roles…"</p> }),
                Some(Ok(roles)) => EitherOf3::B(roles.into_iter().map(checkbox).collect_view()),
                Some(Err(e)) => EitherOf3::C(view! { <p class="form-error" role="alert">{e.to_string()}</p> }),
            }}
            {error_line(form, "roles")}
        </fieldset>
    }
}
