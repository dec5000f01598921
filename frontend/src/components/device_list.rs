//! Signed-in devices (one per token) with "Spärra": the user's own in
//! Settings, or any user's in the administration. Online only: the list is
//! the server's.

use crate::context::SessionCtx;
use crate::i18n::*;
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{api, format};
use labblogg_shared::auth::DeviceInfo;
use leptos::prelude::*;
use uuid::Uuid;

/// The server refused the token: the app asks to sign in again (the local
/// copy and its unsynced changes stay). Returns the message to show.
pub fn api_failed(engine: SyncEngine, e: api::ApiError) -> String {
    if let api::ApiError::Unauthorized(m) = &e {
        engine.token_refused(m.clone());
    }
    e.to_string()
}

/// A short, stable name for a device: the end of its id (the random part;
/// time-ordered ids of devices set up the same day share their start).
fn device_name(d: &DeviceInfo) -> String {
    let id = d.device_id.unwrap_or(d.id).simple().to_string();
    id[id.len() - 8..].to_uppercase()
}

/// `user`: whose devices, as an administrator; `None`: the signed-in user's own.
#[component]
pub fn DeviceList(#[prop(optional)] user: Option<Uuid>) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let reload = RwSignal::new(0u32);
    let confirm = RwSignal::new(None::<Uuid>);
    let notice = RwSignal::new(None::<String>);
    let token = move || session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()));

    let devices = LocalResource::new(move || {
        let _ = reload.get();
        let token = token();
        async move {
            let Some(token) = token else { return Ok(Vec::new()) };
            let list = match user {
                None => api::devices(&token).await,
                Some(u) => api::admin_user_devices(&token, u).await,
            };
            let mut list = list.map_err(|e| api_failed(engine, e))?;
            // The current device first, then the most recently used.
            list.sort_by_key(|d| {
                (!d.current, d.revoked_ms.is_some(), std::cmp::Reverse(d.last_used_ms.unwrap_or(d.created_ms)))
            });
            Ok::<_, String>(list)
        }
    });

    // Revoking is a write through an action; its outcome, either way, is the notice, and the
    // list is read again.
    let revoke_write = Write::new(move |&(token_id, ref token): &(Uuid, String)| {
        let token = token.clone();
        async move {
            let result = match user {
                None => api::revoke_device(&token, token_id).await,
                Some(_) => api::admin_revoke_token(&token, token_id).await,
            };
            let outcome = match result {
                Ok(()) => {
                    notice.set(Some(t_string!(i18n, device_revoked_done).to_string()));
                    Ok(())
                }
                Err(e) => {
                    notice.set(None);
                    Err(api_failed(engine, e))
                }
            };
            reload.update(|n| *n += 1);
            outcome
        }
    });
    let revoke = move |id: Uuid| {
        confirm.set(None);
        let Some(token) = token() else { return };
        revoke_write.dispatch((id, token));
    };
    let notice_text = move || notice.get().or_else(|| revoke_write.error());

    view! {
        <div class="devices">
            {move || match devices.get() {
                None => view! { <p class="muted">{t!(i18n, loading)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warning" role="status">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{t!(i18n, none)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="device-list" data-testid="devices-list">
                        {list.into_iter().map(|d| {
                            let id = d.id;
                            let name = device_name(&d);
                            let given = d.name.clone();
                            let created = d.created_ms;
                            let last = d.last_used_ms;
                            let revoked = d.revoked_ms;
                            let current = d.current;
                            view! {
                                <li class="device-item" data-testid="device-item" data-token-id=id.to_string()
                                    data-current=current.to_string() data-revoked=revoked.is_some().to_string()>
                                    <div>
                                        // The name given at the first sign-in; the id's end where none was.
                                        <strong data-testid="device-name-shown">{move || given.clone().unwrap_or_else(|| t_string!(i18n, device_label, id = name.clone()).to_string())}</strong>
                                        {current.then(|| view! { " " <span class="badge" data-testid="device-current">{t!(i18n, device_this)}</span> })}
                                        {revoked.map(|_| view! { " " <span class="badge off">{t!(i18n, device_revoked)}</span> })}
                                        <div class="muted">
                                            {move || format!("{} {} · {} {}",
                                                t_string!(i18n, device_created), format::moment(created, english()),
                                                t_string!(i18n, device_last_used),
                                                last.map(|l| format::moment(l, english())).unwrap_or_else(|| t_string!(i18n, device_never_used).to_string()))}
                                        </div>
                                    </div>
                                    // An administrator brings back, in one action, what a lost tablet deleted.
                                    {user.and(d.device_id).map(|device| view! { <RestoreDeletions device=device/> })}
                                    {(!current && revoked.is_none()).then(|| view! {
                                        <div class="row">
                                            <Show when=move || confirm.get() == Some(id)
                                                fallback=move || view! {
                                                    <button class="secondary danger" data-testid="device-revoke"
                                                        on:click=move |_| confirm.set(Some(id))>{t!(i18n, device_revoke)}</button>
                                                }>
                                                <span class="confirm">{t!(i18n, device_revoke_q)}</span>
                                                <button class="primary danger" data-testid="device-revoke-confirm"
                                                    on:click=move |_| revoke(id)>{t!(i18n, device_revoke_yes)}</button>
                                                <button class="secondary" on:click=move |_| confirm.set(None)>{t!(i18n, cancel)}</button>
                                            </Show>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || notice_text().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        </div>
    }
}

/// "Återställ allt som den här enheten raderade sedan …": every record of any
/// lab deleted from `device` since the chosen day comes back (`POST
/// /api/v1/restore`, as the administrator; each restore is in the history).
#[component]
fn RestoreDeletions(device: Uuid) -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let since = RwSignal::new(crate::clock::today());
    let notice = RwSignal::new(None::<String>);
    // Restoring is a write through an action: the button waits while it runs; its outcome,
    // either way, is the notice.
    let restore = Write::new(move |(token, req): &(String, labblogg_shared::history::RestoreRequest)| {
        let (token, req) = (token.clone(), req.clone());
        async move {
            match api::restore(&token, &req).await {
                Ok(r) => {
                    notice.set(Some(t_string!(i18n, restore_device_done, n = r.restored).to_string()));
                    Ok(())
                }
                Err(e) => {
                    notice.set(None);
                    Err(api_failed(engine, e))
                }
            }
        }
    });
    let go = move |_| {
        let Some(token) = session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) else { return };
        let Some(day) = labblogg_shared::calendar::day_of(&since.get_untracked()) else { return };
        // From the start of that day in Stockholm.
        let since_ms = labblogg_shared::calendar::utc_ms_of_local(day, 0).max(0) as u64;
        let req =
            labblogg_shared::history::RestoreRequest { lab_id: None, device_id: Some(device), user_id: None, since_ms };
        restore.dispatch((token, req));
    };
    let notice_text = move || notice.get().or_else(|| restore.error());
    let input_id = format!("restore-since-{device}");
    view! {
        <div class="row restore-deletions">
            <label for=input_id.clone()>{t!(i18n, restore_device_since)}</label>
            <input id=input_id type="date" data-testid="restore-device-since" bind:value=since/>
            <button class="secondary" data-testid="restore-device-deletions" disabled=move || restore.pending().get() on:click=go>
                {t!(i18n, restore_device_go)}</button>
            {move || notice_text().map(|n| view! { <span class="notice" role="status" data-testid="restore-device-notice">{n}</span> })}
        </div>
    }
}
