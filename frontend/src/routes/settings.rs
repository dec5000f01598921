//! Settings and about: the user's devices, the quick lock, storage state,
//! changes the server refused, the last-resort export and import, and
//! signing out without losing anything.

use crate::components::device_list::DeviceList;
use crate::components::quick_lock::{QuickLock, QuickLockSettings};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::sync::SyncEngine;
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
            store::outbox().await.unwrap_or_default().into_iter().filter(|p| p.rejected.is_some()).collect::<Vec<_>>()
        }
    });

    let export = move |_| {
        spawn_local(async move {
            match backup::export_unsynced().await {
                Ok(n) => {
                    exported.set(true);
                    notice.set(Some(format!("{n} osynkade ändringar exporterades till en fil.")))
                }
                Err(e) => notice.set(Some(e.to_string())),
            }
        })
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        spawn_local(async move {
            let text = match browser::read_chosen_file(&input).await {
                Ok(Some(t)) => t,
                Ok(None) => return,
                Err(e) => return notice.set(Some(format!("Filen kunde inte läsas: {e}"))),
            };
            match backup::import(&text).await {
                Ok(n) => {
                    notice.set(Some(format!("{n} ändringar lästes in och skickas till servern.")));
                    engine.local_write();
                }
                Err(e) => notice.set(Some(e.to_string())),
            }
            input.set_value("");
        })
    };
    // Signing out: with everything synced, this user's copy leaves the
    // device; with changes not yet synced, nothing goes before a choice.
    let unsynced = RwSignal::new(None::<u32>);
    let out_message = RwSignal::new(None::<String>);
    let out_busy = RwSignal::new(false);
    let remove_all = move || {
        spawn_local(async move {
            if let Err(e) = signin::sign_out_removing(session, engine, quick_lock).await {
                web_sys::console::warn_1(&e.into());
            }
        })
    };
    let sign_out = move |_| {
        out_message.set(None);
        spawn_local(async move {
            match signin::unsynced().await {
                0 => remove_all(),
                n => unsynced.set(Some(n)),
            }
        });
    };
    let sync_then_out = move |_| {
        out_busy.set(true);
        spawn_local(async move {
            let result = engine.sync_once().await;
            let left = signin::unsynced().await;
            out_busy.set(false);
            if left == 0 && result.is_ok() {
                remove_all();
            } else {
                unsynced.set(Some(left));
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(()) => t_string!(i18n, sync_refused, n = left).to_string(),
                };
                out_message.set(Some(t_string!(i18n, sign_out_sync_failed, reason = reason, n = left).to_string()));
            }
        });
    };
    let keep_and_out = move |_| spawn_local(signin::sign_out_keeping(session, engine, quick_lock));
    let export_first = move |_| {
        spawn_local(async move {
            match backup::export_unsynced().await {
                Ok(n) => {
                    exported.set(true);
                    out_message.set(Some(t_string!(i18n, sign_out_exported, n = n).to_string()));
                }
                Err(e) => out_message.set(Some(e.to_string())),
            }
        })
    };

    view! {
        <section class="card settings">
            <h1>{t!(i18n, settings_title)}</h1>
            {move || session.get().map(|s| view! {
                <p>{t!(i18n, signed_in_as)}" " <strong>{s.user.display_name}</strong> " (" {s.user.username} ")."</p>
            })}

            <h2>{t!(i18n, language)}</h2>
            <div class="lang">
                <button class="secondary" data-testid="lang-sv" lang="sv" aria-pressed=move || (i18n.get_locale() == Locale::sv).to_string()
                    on:click=move |_| set_lang(Locale::sv)>"Svenska"</button>
                <button class="secondary" data-testid="lang-en" lang="en" aria-pressed=move || (i18n.get_locale() == Locale::en).to_string()
                    on:click=move |_| set_lang(Locale::en)>"English"</button>
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
                            (Some(u), Some(q)) => format!("{} MB av {} MB används.", megabytes(u), megabytes(q)),
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
                    let list = refused.get().unwrap_or_default();
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
                                        <button class="secondary" data-testid="retry-refused" on:click=move |_| {
                                            spawn_local(async move {
                                                if store::retry(seq).await.unwrap_or(false) {
                                                    engine.rejected.update(|n| *n = n.saturating_sub(1));
                                                    engine.data_changed();
                                                    engine.kick();
                                                }
                                            });
                                        }>{t!(i18n, retry)}</button>
                                        <button class="secondary" data-testid="discard-refused" on:click=move |_| {
                                            let ok = web_sys::window()
                                                .and_then(|w| w.confirm_with_message(t_string!(i18n, discard_confirm)).ok())
                                                .unwrap_or(false);
                                            if ok {
                                                spawn_local(async move {
                                                    let _ = store::discard(seq).await;
                                                    engine.pending.update(|n| *n = n.saturating_sub(1));
                                                    engine.rejected.update(|n| *n = n.saturating_sub(1));
                                                    engine.data_changed();
                                                    engine.kick();
                                                });
                                            }
                                        }>{t!(i18n, discard)}</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>

            <h2>{t!(i18n, backup_title)}</h2>
            <p class="muted">{t!(i18n, backup_hint)}</p>
            <div class="row">
                <button class="secondary" data-testid="export-unsynced" on:click=export>{t!(i18n, export_unsynced)}</button>
                <label class="file-button">
                    {t!(i18n, import_file)}
                    <input type="file" accept="application/json,.json" data-testid="import-unsynced" on:change=import/>
                </label>
            </div>

            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}

            <h2>{t!(i18n, sign_out)}</h2>
            <button class="secondary" data-testid="sign-out" on:click=sign_out>{t!(i18n, sign_out_button)}</button>
            {move || unsynced.get().map(|n| view! {
                <div class="card warning sign-out-choices" data-testid="sign-out-unsynced" data-count=n.to_string() role="alertdialog"
                    aria-labelledby="sign-out-unsynced-text">
                    <p id="sign-out-unsynced-text">{t_string!(i18n, sign_out_unsynced, n = n).to_string()}</p>
                    <div class="row">
                        <button class="primary" data-testid="sign-out-sync" disabled=move || out_busy.get() on:click=sync_then_out>
                            {t!(i18n, sign_out_sync)}</button>
                        <button class="secondary" data-testid="sign-out-keep" on:click=keep_and_out>{t!(i18n, sign_out_keep)}</button>
                        <button class="secondary" data-testid="sign-out-export" on:click=export_first>{t!(i18n, sign_out_export)}</button>
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
