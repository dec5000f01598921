//! The sync status, on every screen, in words anyone understands.

use crate::context::SessionCtx;
use crate::i18n::*;
use crate::sync::{SyncEngine, SyncState};
use leptos::prelude::*;

#[component]
pub fn SyncStatus() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let i18n = use_i18n();
    // Before anyone signs in there is nothing of theirs to be saved or not (#16).
    let signed_in = move || session.with(Option::is_some);
    // "Senast synkad 18:42" (with the date when it was not today).
    let last_synced = move || {
        let ms = engine.last_synced.get()?;
        let (date, time) = crate::clock::local(ms);
        let when = if date == crate::clock::today() {
            time
        } else {
            format!("{} {time}", crate::format::date_short(&date, i18n.get_locale() == Locale::en))
        };
        Some(t_string!(i18n, sync_last_synced, time = when).to_string())
    };
    let text = move || {
        let n = engine.pending.get();
        if let Some(m) = engine.message.get() {
            return m;
        }
        match engine.state.get() {
            // Nothing of this device waits (also while the first round of a start runs): the
            // short text from the first frame, so the top bar does not reflow a moment later.
            SyncState::Synced => t_string!(i18n, sync_synced).to_string(),
            SyncState::Pending if n == 0 => t_string!(i18n, sync_synced).to_string(),
            SyncState::Pending if n == 1 => t_string!(i18n, sync_pending_one).to_string(),
            SyncState::Pending => t_string!(i18n, sync_pending, n = n).to_string(),
            SyncState::Offline if n == 0 => t_string!(i18n, sync_offline_none).to_string(),
            SyncState::Offline if n == 1 => t_string!(i18n, sync_offline_one).to_string(),
            SyncState::Offline => t_string!(i18n, sync_offline, n = n).to_string(),
            SyncState::Error => match engine.rejected.get() {
                0 if n == 1 => t_string!(i18n, sync_server_error_one).to_string(),
                0 => t_string!(i18n, sync_server_error, n = n).to_string(),
                1 => t_string!(i18n, sync_refused_one).to_string(),
                r => t_string!(i18n, sync_refused, n = r).to_string(),
            },
        }
    };
    view! {
        <Show when=signed_in>
        <div
            class="sync-status"
            data-testid="sync-status"
            data-state=move || engine.state.get().as_str()
            data-pending=move || engine.pending.get().to_string()
            role="status"
            aria-live="polite"
        >
            <span class="dot" aria-hidden="true"></span>
            <span>{text}</span>
            {move || last_synced().map(|t| view! { <span class="last-synced" data-testid="last-synced">{t}</span> })}
        </div>
        </Show>
        // Other people's changes on this device: each waits for, or syncs under, their own sign-in.
        {move || {
            let others = engine.others.get();
            (!others.is_empty()).then(|| view! {
                <ul class="others-waiting" data-testid="others-waiting">
                    {others.into_iter().map(|o| {
                        let refused = o.refused;
                        let text = if refused {
                            t_string!(i18n, others_refused, n = o.pending).to_string()
                        } else {
                            t_string!(i18n, others_waiting, n = o.pending).to_string()
                        };
                        view! { <li data-testid="other-waiting" data-refused=refused.to_string() data-pending=o.pending.to_string()
                            class=if refused { "warning" } else { "muted" }>{text}</li> }
                    }).collect_view()}
                </ul>
            })
        }}
        {move || engine.clock_skew_ms.get().map(|ms| {
            let min = (ms.abs() + 30_000) / 60_000;
            view! { <p class="clock-warning" data-testid="clock-warning" role="alert">{t_string!(i18n, clock_warning, min = min).to_string()}</p> }
        })}
    }
}
