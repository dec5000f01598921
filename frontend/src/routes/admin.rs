//! Administration, for administrators only: accounts (create, disable, new
//! password, their devices), new labs and the audit log. Online only: each
//! action is one call to the admin API, which checks the role again; nothing
//! here is queued offline.

use crate::components::device_list::{api_failed, DeviceList};
use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::labels::focus_label;
use crate::labels::wire;
use crate::records;
use crate::store::StoreError;
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{api, format};
use labblogg_shared::auth::{
    AdminUser, AuditAction, AuditEntry, CreateUserRequest, LabRole, Membership, ResetPasswordRequest, Role,
};
use labblogg_shared::model::{FocusArea, Lab, MeetingPlace};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// Audit entries fetched per page ("Visa fler" fetches the next).
const AUDIT_PAGE: u32 = 50;

/// Everything the screen's parts share.
#[derive(Clone, Copy)]
struct AdminCtx {
    session: RwSignal<Option<crate::session::Session>>,
    engine: SyncEngine,
    /// Bumped after every change: the user list and the audit log reload.
    version: RwSignal<u32>,
    /// Labs to choose from: those in this device's copy, and any created here.
    labs: Signal<Vec<(Uuid, String)>>,
    notice: RwSignal<Option<String>>,
}

impl AdminCtx {
    fn token(self) -> Option<String> {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    fn changed(self, notice: String) {
        self.notice.set(Some(notice));
        self.version.update(|v| *v += 1);
    }

    fn lab_name(self, id: Uuid) -> String {
        self.labs
            .with(|labs| labs.iter().find(|(l, _)| *l == id).map(|(_, n)| n.clone()))
            .unwrap_or_else(|| id.to_string())
    }
}

#[component]
pub fn Admin() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let i18n = use_i18n();
    let is_admin = move || session.with(|s| s.as_ref().is_some_and(|s| s.user.role == Role::Admin));
    view! {
        <Show when=is_admin fallback=move || view! { <p class="card">{t!(i18n, admin_only)}</p> }>
            <AdminScreen/>
        </Show>
    }
}

#[component]
fn AdminScreen() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let created_labs = RwSignal::new(Vec::<(Uuid, String)>::new());
    let local_labs = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = session.with(|s| s.as_ref().map(|s| s.user.labs.clone()).unwrap_or_default());
        async move {
            // A failed read is said as such (below the list), never shown as no labs.
            Ok::<_, StoreError>(
                records::list::<Lab>(RecordKind::Lab, &labs)
                    .await?
                    .into_iter()
                    .map(|l| (l.id, l.data.name))
                    .collect::<Vec<_>>(),
            )
        }
    });
    let labs = Signal::derive(move || {
        let mut all = local_labs.get().and_then(Result::ok).unwrap_or_default();
        for (id, name) in created_labs.get() {
            if !all.iter().any(|(l, _)| *l == id) {
                all.push((id, name));
            }
        }
        all.sort_by(|a, b| a.1.cmp(&b.1));
        all
    });
    let ctx = AdminCtx { session, engine, version: RwSignal::new(0), labs, notice: RwSignal::new(None) };
    let new_user = RwSignal::new(false);
    let new_lab = RwSignal::new(false);

    view! {
        <section class="card admin" data-testid="admin-screen">
            <h1>{t!(i18n, admin_title)}</h1>
            // Said only when the server is out of reach: online, administration just works (#16).
            <Show when=move || engine.state.get() == crate::sync::SyncState::Offline>
                <p class="warning" role="status" data-testid="admin-offline">{t!(i18n, admin_online_only)}</p>
            </Show>
            {move || ctx.notice.get().map(|n| view! { <p class="notice" role="status" data-testid="admin-notice">{n}</p> })}

            <div class="list-head">
                <h2>{t!(i18n, admin_users)}</h2>
                <button class="primary" data-testid="admin-user-new" aria-expanded=move || new_user.get().to_string()
                    on:click=move |_| new_user.update(|o| *o = !*o)>{t!(i18n, admin_user_new)}</button>
            </div>
            <Show when=move || new_user.get()>
                <NewUserForm ctx=ctx on_done=Callback::new(move |_| new_user.set(false))/>
            </Show>
            <UserList ctx=ctx/>

            <div class="list-head">
                <h2>{t!(i18n, admin_labs_title)}</h2>
                <button class="secondary" data-testid="admin-lab-new" aria-expanded=move || new_lab.get().to_string()
                    on:click=move |_| new_lab.update(|o| *o = !*o)>{t!(i18n, admin_lab_new)}</button>
            </div>
            <ul class="lab-names" data-testid="admin-labs">
                {move || labs.get().into_iter().map(|(_, name)| view! { <li>{name}</li> }).collect_view()}
            </ul>
            {move || local_labs.get().and_then(Result::err).map(|error| view! { <ReadError what=Reading::Records error=error/> })}
            <Show when=move || new_lab.get()>
                <NewLabForm ctx=ctx on_created=Callback::new(move |lab: (Uuid, String)| {
                    created_labs.update(|l| l.push(lab));
                    new_lab.set(false);
                })/>
            </Show>

            <h2>{t!(i18n, admin_audit)}</h2>
            <AuditLog ctx=ctx/>
        </section>
    }
}

#[component]
fn UserList(ctx: AdminCtx) -> impl IntoView {
    let i18n = use_i18n();
    let users = LocalResource::new(move || {
        let _ = ctx.version.get();
        let token = ctx.token();
        async move {
            let Some(token) = token else { return Ok(Vec::new()) };
            let mut users = api::admin_users(&token).await.map_err(|e| api_failed(ctx.engine, e))?;
            users.sort_by(|a, b| (a.disabled, a.username.as_str()).cmp(&(b.disabled, b.username.as_str())));
            Ok::<_, String>(users)
        }
    });
    view! {
        {move || match users.get() {
            None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="warning" role="status">{e}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <ul class="user-list" data-testid="admin-users">
                    {list.into_iter().map(|u| view! { <UserItem ctx=ctx user=u/> }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

/// A role in words (`Role::label_sv` in Swedish).
fn role_label(role: Role, l: Locale) -> &'static str {
    match role {
        Role::Staff => td_string!(l, admin_role_staff),
        Role::Coordinator => td_string!(l, admin_role_coordinator),
        Role::Researcher => td_string!(l, admin_role_researcher),
        Role::Admin => td_string!(l, admin_role_admin),
    }
}

#[component]
fn RoleLabel(role: Role) -> impl IntoView {
    let i18n = use_i18n();
    move || role_label(role, i18n.get_locale())
}

#[component]
fn UserItem(ctx: AdminCtx, user: AdminUser) -> impl IntoView {
    let i18n = use_i18n();
    let confirm_disable = RwSignal::new(false);
    let reset_open = RwSignal::new(false);
    let devices_open = RwSignal::new(false);
    let new_password = RwSignal::new(String::new());
    let id = user.id;
    // Disabling and a new password are writes through actions (online, to the admin API); either
    // under way disables both buttons, and the last failure shows under the row.
    let disable_write = Write::new(move |(token, username): &(String, String)| {
        let (token, username) = (token.clone(), username.clone());
        async move {
            api::admin_disable_user(&token, id).await.map_err(|e| api_failed(ctx.engine, e))?;
            ctx.changed(t_string!(i18n, admin_user_disabled_done, name = username).to_string());
            Ok(())
        }
    });
    let reset_write = Write::new(move |(token, username, req): &(String, String, ResetPasswordRequest)| {
        let (token, username, req) = (token.clone(), username.clone(), req.clone());
        async move {
            api::admin_reset_password(&token, id, &req).await.map_err(|e| api_failed(ctx.engine, e))?;
            new_password.set(String::new());
            reset_open.set(false);
            ctx.changed(t_string!(i18n, admin_password_saved, name = username).to_string());
            Ok(())
        }
    });
    let busy = move || disable_write.pending().get() || reset_write.pending().get();
    let username = user.username.clone();
    let is_me = ctx.session.with_untracked(|s| s.as_ref().is_some_and(|s| s.user.username == user.username));
    let memberships = user.memberships.clone();
    let labs = move || {
        memberships
            .iter()
            .map(|m| {
                let role = role_label(m.role.into(), i18n.get_locale());
                format!("{} ({})", ctx.lab_name(m.lab_id), role.to_lowercase())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let disabled = user.disabled;

    let disable = {
        let username = username.clone();
        move |_| {
            confirm_disable.set(false);
            let Some(token) = ctx.token() else { return };
            disable_write.dispatch((token, username.clone()));
        }
    };
    let reset = {
        let username = username.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(token) = ctx.token() else { return };
            let req = ResetPasswordRequest { password: new_password.get_untracked() };
            disable_write.clear();
            reset_write.clear();
            reset_write.dispatch((token, username.clone(), req));
        }
    };
    let pw_id = format!("admin-pw-{id}");

    view! {
        <li class="user-item" data-testid="admin-user-item" data-username=user.username.clone() data-disabled=disabled.to_string()>
            <div class="user-head">
                <div>
                    <strong>{user.display_name.clone()}</strong>" "<span class="muted">"("{user.username.clone()}")"</span>
                    " "<span class="badge"><RoleLabel role=user.role/></span>
                    {disabled.then(|| view! { " " <span class="badge off" data-testid="admin-user-disabled">{t!(i18n, admin_disabled)}</span> })}
                    <div class="muted">{labs}</div>
                </div>
                <div class="row">
                    <button class="secondary" data-testid="admin-user-devices" aria-expanded=move || devices_open.get().to_string()
                        on:click=move |_| devices_open.update(|o| *o = !*o)>{t!(i18n, admin_devices)}</button>
                    {(!disabled).then(|| view! {
                        <button class="secondary" data-testid="admin-user-reset" aria-expanded=move || reset_open.get().to_string()
                            on:click=move |_| reset_open.update(|o| *o = !*o)>{t!(i18n, admin_reset_password)}</button>
                    })}
                    {(!disabled && !is_me).then(|| view! {
                        <Show when=move || confirm_disable.get()
                            fallback=move || view! {
                                <button class="secondary danger" data-testid="admin-user-disable"
                                    on:click=move |_| confirm_disable.set(true)>{t!(i18n, admin_disable)}</button>
                            }>
                            <span class="confirm">{t!(i18n, admin_disable_q)}</span>
                            <button class="primary danger" data-testid="admin-user-disable-confirm" disabled=busy
                                on:click=disable.clone()>{t!(i18n, admin_disable_yes)}</button>
                            <button class="secondary" on:click=move |_| confirm_disable.set(false)>{t!(i18n, cancel)}</button>
                        </Show>
                    })}
                </div>
            </div>
            <Show when=move || reset_open.get()>
                <form class="row reset-form" on:submit=reset.clone()>
                    <div class="field">
                        <label for=pw_id.clone()>{t!(i18n, admin_new_password)}</label>
                        <input id=pw_id.clone() type="password" autocomplete="new-password" required minlength="8"
                            data-testid="admin-user-new-password" bind:value=new_password/>
                    </div>
                    <button type="submit" class="primary" data-testid="admin-user-reset-save" disabled=busy>
                        {t!(i18n, save)}
                    </button>
                </form>
                <p class="muted">{t!(i18n, admin_reset_hint)}</p>
            </Show>
            {move || reset_write.error().or_else(|| disable_write.error()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Show when=move || devices_open.get()>
                <DeviceList user=id/>
            </Show>
        </li>
    }
}

#[component]
fn NewUserForm(ctx: AdminCtx, on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Staff.as_str().to_owned());
    let chosen_labs = RwSignal::new(Vec::<Uuid>::new());
    let home_place = RwSignal::new(String::new());
    // Creating the account is a write through an action (online, to the admin API).
    let create_write = Write::new(move |(token, req): &(String, CreateUserRequest)| {
        let (token, req) = (token.clone(), req.clone());
        async move {
            let user = api::admin_create_user(&token, &req).await.map_err(|e| api_failed(ctx.engine, e))?;
            ctx.changed(t_string!(i18n, admin_user_created, name = user.username).to_string());
            on_done.run(());
            Ok(())
        }
    });
    let busy = move || create_write.pending().get();
    let role_of = move || Role::parse(&role.get()).unwrap_or(Role::Staff);

    let places = LocalResource::new(move || {
        let labs = chosen_labs.get();
        async move {
            // The place choice is optional, but a failed read is said as such, not shown as no places.
            let mut places = records::list::<MeetingPlace>(RecordKind::MeetingPlace, &labs).await?;
            places.retain(|p| !p.data.retired);
            places.sort_by(|a, b| a.data.name.cmp(&b.data.name));
            Ok::<_, StoreError>(places.into_iter().map(|p| (p.id, p.data.name)).collect::<Vec<_>>())
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if create_write.pending().get_untracked() {
            return;
        }
        let Some(token) = ctx.token() else { return };
        let role = role_of();
        let labs = chosen_labs.get_untracked();
        // Staff and coordinators hold the role in each lab; an administrator
        // may also read labs, as their coordinator; researchers never.
        let (labs, memberships) = match role {
            Role::Staff | Role::Coordinator => (labs, Vec::new()),
            Role::Admin => {
                (Vec::new(), labs.into_iter().map(|lab_id| Membership { lab_id, role: LabRole::Coordinator }).collect())
            }
            Role::Researcher => (Vec::new(), Vec::new()),
        };
        let home = (role == Role::Staff).then(|| Uuid::parse_str(&home_place.get_untracked()).ok()).flatten();
        let req = CreateUserRequest {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role,
            labs,
            memberships,
            home_meeting_place: home,
        };
        create_write.clear();
        create_write.dispatch((token, req));
    };

    view! {
        <form class="activity-form admin-form" data-testid="admin-user-form" on:submit=submit>
            <h3>{t!(i18n, admin_user_new)}</h3>
            <div class="row">
                <div class="field">
                    <label for="new-user-username">{t!(i18n, username)}</label>
                    <input id="new-user-username" data-testid="admin-user-username" autocomplete="off" autocapitalize="none" required
                        bind:value=username/>
                </div>
                <div class="field">
                    <label for="new-user-name">{t!(i18n, admin_display_name)}</label>
                    <input id="new-user-name" data-testid="admin-user-display-name" autocomplete="off" required bind:value=display_name/>
                </div>
            </div>
            <div class="row">
                <div class="field">
                    <label for="new-user-password">{t!(i18n, password)}</label>
                    <input id="new-user-password" type="password" data-testid="admin-user-password" autocomplete="new-password"
                        required minlength="8" aria-describedby="new-user-password-hint" bind:value=password/>
                    <span id="new-user-password-hint" class="muted">{t!(i18n, admin_password_hint)}</span>
                </div>
                <div class="field">
                    <label for="new-user-role">{t!(i18n, admin_role)}</label>
                    <select id="new-user-role" data-testid="admin-user-role" bind:value=role>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()><RoleLabel role=r/></option> }).collect_view()}
                    </select>
                </div>
            </div>
            <Show when=move || role_of() != Role::Researcher fallback=move || view! { <p class="muted">{t!(i18n, admin_researcher_no_labs)}</p> }>
                <fieldset>
                    <legend>{t!(i18n, admin_labs)}</legend>
                    <p class="muted">{t!(i18n, admin_labs_hint)}</p>
                    <div class="chips">
                        {move || ctx.labs.get().into_iter().map(|(lab, name)| view! {
                            <label class="chip">
                                <input type="checkbox" data-testid="admin-user-lab" value=lab.to_string()
                                    prop:checked=move || chosen_labs.with(|c| c.contains(&lab))
                                    on:change=move |_| chosen_labs.update(|c| if let Some(i) = c.iter().position(|l| *l == lab) { c.remove(i); } else { c.push(lab); })/>
                                {name}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
            </Show>
            <Show when=move || role_of() == Role::Staff>
                <div class="field">
                    <label for="new-user-place">{t!(i18n, admin_home_place)}</label>
                    <select id="new-user-place" data-testid="admin-user-home-place" bind:value=home_place>
                        <option value="">{t!(i18n, admin_no_place)}</option>
                        {move || places.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|(id, name)| view! {
                            <option value=id.to_string()>{name}</option>
                        }).collect_view()}
                    </select>
                    {move || places.get().and_then(Result::err).map(|error| view! { <ReadError what=Reading::Places error=error/> })}
                </div>
            </Show>
            {move || create_write.error().map(|e| view! { <p class="error" role="alert" data-testid="admin-error">{e}</p> })}
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="admin-user-save" disabled=busy>{t!(i18n, save)}</button>
                <button type="button" class="secondary" on:click=move |_| on_done.run(())>{t!(i18n, cancel)}</button>
            </div>
        </form>
    }
}

#[component]
fn NewLabForm(ctx: AdminCtx, on_created: Callback<(Uuid, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let name = RwSignal::new(String::new());
    let city = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let focus = RwSignal::new(Vec::<FocusArea>::new());
    let question = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Creating the lab is a write through an action (online, to the admin API).
    let create_write = Write::new(move |(token, lab): &(String, Lab)| {
        let (token, lab) = (token.clone(), lab.clone());
        async move {
            let created = api::admin_create_lab(&token, &lab).await.map_err(|e| api_failed(ctx.engine, e))?;
            ctx.changed(t_string!(i18n, admin_lab_created, name = lab.name.clone()).to_string());
            on_created.run((created.id, lab.name));
            Ok(())
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if create_write.pending().get_untracked() {
            return;
        }
        create_write.clear();
        let Some(token) = ctx.token() else { return };
        let lab = Lab {
            name: name.get_untracked().trim().to_owned(),
            city: city.get_untracked().trim().to_owned(),
            organisation: organisation.get_untracked().trim().to_owned(),
            focus_areas: focus.get_untracked(),
            question: question.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
        };
        if let Err(e) = labblogg_shared::validate::lab(&lab) {
            return error.set(Some(e.to_string()));
        }
        error.set(None);
        create_write.dispatch((token, lab));
    };

    view! {
        <form class="activity-form admin-form" data-testid="admin-lab-form" on:submit=submit>
            <div class="row">
                <div class="field">
                    <label for="new-lab-name">{t!(i18n, admin_lab_name)}</label>
                    <input id="new-lab-name" data-testid="admin-lab-name" required bind:value=name/>
                </div>
                <div class="field">
                    <label for="new-lab-city">{t!(i18n, admin_lab_city)}</label>
                    <input id="new-lab-city" data-testid="admin-lab-city" required bind:value=city/>
                </div>
                <div class="field">
                    <label for="new-lab-org">{t!(i18n, admin_lab_organisation)}</label>
                    <input id="new-lab-org" data-testid="admin-lab-organisation" required bind:value=organisation/>
                </div>
            </div>
            <fieldset>
                <legend>{t!(i18n, admin_lab_focus)}</legend>
                <div class="chips">
                    {FocusArea::ALL.into_iter().map(|f| view! {
                        <label class="chip">
                            <input type="checkbox" data-testid="admin-lab-focus" value=wire(&f)
                                prop:checked=move || focus.with(|c| c.contains(&f))
                                on:change=move |_| focus.update(|c| if let Some(i) = c.iter().position(|x| *x == f) { c.remove(i); } else { c.push(f); })/>
                            {move || focus_label(f, english())}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
            <label for="new-lab-question">{t!(i18n, admin_lab_question)}</label>
            <textarea id="new-lab-question" data-testid="admin-lab-question" required bind:value=question></textarea>
            <label for="new-lab-description">{t!(i18n, admin_lab_description)}</label>
            <textarea id="new-lab-description" data-testid="admin-lab-description" bind:value=description></textarea>
            {move || error.get().or_else(|| create_write.error()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <div class="row form-actions">
                <button type="submit" class="primary" data-testid="admin-lab-save" disabled=move || create_write.pending().get()>{t!(i18n, save)}</button>
            </div>
        </form>
    }
}

#[component]
fn AuditLog(ctx: AdminCtx) -> impl IntoView {
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let more = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // `before`: None reloads from the newest, Some(id) appends the next page.
    let load = move |before: Option<u64>| {
        let Some(token) = ctx.token() else { return };
        busy.set(true);
        spawn_local(async move {
            match api::admin_audit(&token, before, AUDIT_PAGE).await {
                Ok(page) => {
                    more.set(page.len() as u32 == AUDIT_PAGE);
                    if before.is_some() {
                        entries.update(|e| e.extend(page));
                    } else {
                        entries.set(page);
                    }
                    error.set(None);
                }
                Err(e) => error.set(Some(api_failed(ctx.engine, e))),
            }
            busy.set(false);
        });
    };
    Effect::new(move |_| {
        let _ = ctx.version.get();
        load(None);
    });
    let action_label = move |a: AuditAction| match a {
        AuditAction::SignIn => t_string!(i18n, audit_sign_in),
        AuditAction::SignInFailed => t_string!(i18n, audit_sign_in_failed),
        AuditAction::UserCreated => t_string!(i18n, audit_user_created),
        AuditAction::UserDisabled => t_string!(i18n, audit_user_disabled),
        AuditAction::PasswordReset => t_string!(i18n, audit_password_reset),
        AuditAction::TokenRevoked => t_string!(i18n, audit_token_revoked),
        AuditAction::LabCreated => t_string!(i18n, audit_lab_created),
        AuditAction::Restored => t_string!(i18n, audit_restored),
        AuditAction::RecordsRestored => t_string!(i18n, audit_records_restored),
    };
    let subject = move |e: &AuditEntry| {
        let s = e.subject.clone().unwrap_or_default();
        match (e.action, Uuid::parse_str(&s)) {
            (AuditAction::LabCreated, Ok(lab)) => ctx.lab_name(lab),
            _ => s,
        }
    };

    view! {
        <div class="table-wrap" data-testid="admin-audit">
            <table class="data audit">
                <caption class="sr-only">{t!(i18n, admin_audit)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, audit_when)}</th>
                        <th scope="col">{t!(i18n, audit_action)}</th>
                        <th scope="col">{t!(i18n, audit_actor)}</th>
                        <th scope="col">{t!(i18n, audit_subject)}</th>
                        <th scope="col">{t!(i18n, audit_address)}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || entries.get().into_iter().map(|e| {
                        let action = e.action;
                        let at = e.at_ms;
                        view! {
                            <tr data-testid="admin-audit-item" data-action=action.as_str()>
                                <td>{move || format::moment(at, english())}</td>
                                <td>{move || action_label(action)}</td>
                                <td>{e.actor.clone()}</td>
                                <td class="subject">{subject(&e)}</td>
                                <td>{e.address.clone().unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || error.get().map(|e| view! { <p class="warning" role="status">{e}</p> })}
        <Show when=move || more.get()>
            <button class="secondary" data-testid="admin-audit-more" disabled=move || busy.get()
                on:click=move |_| load(entries.with_untracked(|e| e.last().map(|l| l.id)))>{t!(i18n, audit_more)}</button>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn swedish_roles_are_the_shared_labels() {
        for role in Role::ALL {
            assert_eq!(role_label(role, Locale::sv), role.label_sv());
        }
    }
}
