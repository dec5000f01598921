//! Settings and about: the user's devices, the quick lock, storage state,
//! changes the server refused, the last-resort export and import, and
//! signing out without losing anything.

use crate::components::device_list::DeviceList;
use crate::components::quick_lock::{QuickLock, QuickLockSettings};
use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::store::StoreError;
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{backup, browser, session, signin, store};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// Warn when the local copy uses more than this share of the browser's quota.
const QUOTA_WARNING_SHARE: f64 = 0.8;

fn megabytes(bytes: f64) -> String {
    format!("{:.1}", bytes / 1_000_000.0).replace('.', ",")
}

#[component]
pub fn Settings() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let quick_lock = expect_context::<QuickLock>();
    let notice = RwSignal::new(None::<String>);
    let exported = RwSignal::new(false);
    let i18n = use_i18n();
    let set_lang = move |lang: Locale| {
        i18n.set_locale(lang);
        session::set_language(if lang == Locale::en { "en" } else { "sv" });
    };

    let storage = LocalResource::new(browser::storage_state);
    let refused = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let _ = engine.rejected.get();
        async move {
            Ok::<_, StoreError>(store::outbox().await?.into_iter().filter(|p| p.rejected.is_some()).collect::<Vec<_>>())
        }
    });
    let english = move || i18n.get_locale_untracked() == Locale::en;

    // The last-resort export and import are writes through actions; their messages share the
    // one notice line (a success is the notice, a failure its action's error).
    let export = Write::new(move |_: &()| async move {
        let n = backup::export_unsynced().await.map_err(|e| e.text(english()))?;
        exported.set(true);
        notice.set(Some(t_string!(i18n, settings_exported, n = n).to_string()));
        Ok(())
    });
    let import = Write::new(move |input: &web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            let text = match browser::read_chosen_file(&input).await {
                Ok(Some(t)) => t,
                Ok(None) => return Ok(()),
                Err(e) => {
                    notice.set(None);
                    return Err(t_string!(i18n, settings_file_unreadable, error = e).to_string());
                }
            };
            let result = backup::import(&text).await;
            input.set_value("");
            let n = result.map_err(|e| {
                notice.set(None);
                e.text(english())
            })?;
            notice.set(Some(t_string!(i18n, settings_imported, n = n).to_string()));
            engine.local_write();
            Ok(())
        }
    });
    let notice_text = move || notice.get().or_else(|| export.error()).or_else(|| import.error());
    let on_export = move |_| {
        import.clear();
        export.dispatch(());
    };
    let on_import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        export.clear();
        import.dispatch(input);
    };
    // Retrying or discarding a refused change; a failed retry leaves it in the list.
    let retry_write = Write::new(move |&seq: &u64| async move {
        if store::retry(seq).await.map_err(|e| e.to_string())? {
            engine.rejected.update(|n| *n = n.saturating_sub(1));
            engine.data_changed();
            engine.kick();
        }
        Ok(())
    });
    let discard_write = Write::new(move |&seq: &u64| async move {
        // As before: the counts go down and the list is read again whether or not the delete went.
        let _ = store::discard(seq).await;
        engine.pending.update(|n| *n = n.saturating_sub(1));
        engine.rejected.update(|n| *n = n.saturating_sub(1));
        engine.data_changed();
        engine.kick();
        Ok(())
    });
    // Signing out: with everything synced, this user's copy leaves the
    // device; with changes not yet synced, nothing goes before a choice.
    let unsynced = RwSignal::new(None::<u32>);
    let out_message = RwSignal::new(None::<String>);
    let remove_all = move || {
        spawn_local(async move {
            if let Err(e) = signin::sign_out_removing(session, engine, quick_lock).await {
                web_sys::console::warn_1(&e.into());
            }
        })
    };
    // How many changes are unsent decides what signing out does: unreadable, nothing is removed.
    let sign_out = Write::new(move |_: &()| async move {
        match signin::unsynced().await {
            Ok(0) => remove_all(),
            Ok(n) => unsynced.set(Some(n)),
            Err(e) => return Err(t_string!(i18n, settings_unsynced_unreadable, error = e).to_string()),
        }
        Ok(())
    });
    let sync_then_out = Write::new(move |_: &()| async move {
        let result = engine.sync_once().await;
        let left = signin::unsynced().await;
        match (left, result) {
            (Ok(0), Ok(())) => remove_all(),
            (Ok(left), result) => {
                unsynced.set(Some(left));
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(()) => t_string!(i18n, sync_refused, n = left).to_string(),
                };
                out_message.set(Some(t_string!(i18n, sign_out_sync_failed, reason = reason, n = left).to_string()));
            }
            (Err(e), _) => {
                out_message.set(Some(t_string!(i18n, settings_unsynced_unreadable, error = e).to_string()));
            }
        }
        Ok(())
    });
    let keep_and_out = move |_| spawn_local(signin::sign_out_keeping(session, engine, quick_lock));
    let export_first = Write::new(move |_: &()| async move {
        match backup::export_unsynced().await {
            Ok(n) => {
                exported.set(true);
                out_message.set(Some(t_string!(i18n, sign_out_exported, n = n).to_string()));
            }
            Err(e) => out_message.set(Some(e.text(english()))),
        }
        Ok(())
    });

    view! {
        <section class="card settings">
            <h1>{t!(i18n, settings_title)}</h1>
            {move || session.get().map(|s| view! {
                <p>{t!(i18n, signed_in_as)}" " <strong>{s.user.display_name}</strong> " (" {s.user.username} ")."</p>
            })}

            <h2>{t!(i18n, language)}</h2>
            <div class="lang">
                <button class="secondary" data-testid="lang-sv" lang="sv" aria-pressed=move || (i18n.get_locale() == Locale::sv).to_string()
                    on:click=move |_| set_lang(Locale::sv)>{t!(i18n, settings_lang_sv)}</button>
                <button class="secondary" data-testid="lang-en" lang="en" aria-pressed=move || (i18n.get_locale() == Locale::en).to_string()
                    on:click=move |_| set_lang(Locale::en)>{t!(i18n, settings_lang_en)}</button>
            </div>

            {move || (!crate::session::coordinated_labs(session).is_empty()).then(|| view! {
                <h2>{t!(i18n, place_settings_title)}</h2>
                <p class="muted" data-testid="settings-setup-moved">{t!(i18n, settings_setup_moved)}</p>
            })}

            <h2>{t!(i18n, devices_title)}</h2>
            <p class="muted">{t!(i18n, devices_hint)}" "{t!(i18n, device_this_hint)}</p>
            <DeviceList/>

            <h2>{t!(i18n, lock_title)}</h2>
            <QuickLockSettings/>

            <h2>{t!(i18n, storage_title)}</h2>
            <div data-testid="storage-state">
                {move || match storage.get() {
                    None => view! { <p class="muted">{t!(i18n, storage_checking)}</p> }.into_any(),
                    Some(None) => view! { <p class="warning">{t!(i18n, storage_unknown)}</p> }.into_any(),
                    Some(Some(s)) => {
                        let usage = match (s.usage_bytes, s.quota_bytes) {
                            (Some(u), Some(q)) => t_string!(i18n, settings_storage_usage, used = megabytes(u), quota = megabytes(q)).to_string(),
                            _ => String::new(),
                        };
                        let low = s.used_share().is_some_and(|x| x > QUOTA_WARNING_SHARE);
                        view! {
                            <p data-persisted=s.persisted.to_string()>
                                {if s.persisted { t_string!(i18n, storage_persistent) }
                                 else { t_string!(i18n, storage_not_persistent) }}
                            </p>
                            <p>{usage}</p>
                            {low.then(|| view! { <p class="warning">{t!(i18n, storage_full)}</p> })}
                        }.into_any()
                    }
                }}
            </div>

            <h2>{t!(i18n, refused_title)}</h2>
            <div data-testid="refused-changes">
                {move || {
                    let list = match refused.get() {
                        Some(Err(error)) => return view! { <ReadError what=Reading::Records error=error/> }.into_any(),
                        Some(Ok(list)) => list,
                        None => Vec::new(),
                    };
                    if list.is_empty() {
                        return view! { <p class="muted">{t!(i18n, none)}</p> }.into_any();
                    }
                    view! {
                        <ul class="refused">
                            {list.into_iter().map(|p| {
                                let seq = p.seq;
                                let code = p.rejected.as_ref().map(|r| crate::labels::wire(&r.code)).unwrap_or_default();
                                let reason = p.rejected.map(|r| r.message).unwrap_or_default();
                                let what = crate::components::record_history::kind_label(p.change.kind, i18n.get_locale_untracked() == Locale::en);
                                let date = p.change.fields.get("date").and_then(|d| d.as_str()).map(|d| format!(" ({d})")).unwrap_or_default();
                                view! {
                                    <li data-testid="refused-change" data-code=code>
                                        <span><strong>{what}{date}</strong>": "<span data-testid="refused-reason">{reason}</span></span>
                                        <button class="secondary" data-testid="retry-refused" on:click=move |_| retry_write.dispatch(seq)>{t!(i18n, retry)}</button>
                                        <button class="secondary" data-testid="discard-refused" on:click=move |_| {
                                            let ok = web_sys::window()
                                                .and_then(|w| w.confirm_with_message(t_string!(i18n, discard_confirm)).ok())
                                                .unwrap_or(false);
                                            if ok {
                                                discard_write.dispatch(seq);
                                            }
                                        }>{t!(i18n, discard)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>

            {move || retry_write.error().map(|e| view! { <p class="error" role="alert">{e}</p> })}

            <h2>{t!(i18n, backup_title)}</h2>
            <p class="muted">{t!(i18n, backup_hint)}</p>
            <div class="row">
                <button class="secondary" data-testid="export-unsynced" on:click=on_export>{t!(i18n, export_unsynced)}</button>
                <label class="file-button">
                    {t!(i18n, import_file)}
                    <input type="file" accept="application/json,.json" data-testid="import-unsynced" on:change=on_import/>
                </label>
            </div>

            {move || notice_text().map(|n| view! { <p class="notice" role="status">{n}</p> })}

            <h2>{t!(i18n, sign_out)}</h2>
            <button class="secondary" data-testid="sign-out" on:click=move |_| { out_message.set(None); sign_out.dispatch(()); }>{t!(i18n, sign_out_button)}</button>
            {move || sign_out.error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || unsynced.get().map(|n| view! {
                <div class="card warning sign-out-choices" data-testid="sign-out-unsynced" data-count=n.to_string() role="alertdialog"
                    aria-labelledby="sign-out-unsynced-text">
                    <p id="sign-out-unsynced-text">{t_string!(i18n, sign_out_unsynced, n = n).to_string()}</p>
                    <div class="row">
                        <button class="primary" data-testid="sign-out-sync" disabled=move || sync_then_out.pending().get() on:click=move |_| sync_then_out.dispatch(())>
                            {t!(i18n, sign_out_sync)}</button>
                        <button class="secondary" data-testid="sign-out-keep" on:click=keep_and_out>{t!(i18n, sign_out_keep)}</button>
                        <button class="secondary" data-testid="sign-out-export" on:click=move |_| export_first.dispatch(())>{t!(i18n, sign_out_export)}</button>
                        <button class="secondary" data-testid="sign-out-cancel" on:click=move |_| unsynced.set(None)>{t!(i18n, sign_out_cancel)}</button>
                    </div>
                    <Show when=move || exported.get()>
                        <button class="primary danger" data-testid="sign-out-delete" on:click=move |_| remove_all()>
                            {t!(i18n, sign_out_delete)}</button>
                    </Show>
                    {move || out_message.get().map(|m| view! { <p role="status" data-testid="sign-out-message">{m}</p> })}
                </div>
            })}
        </section>
    }
}
