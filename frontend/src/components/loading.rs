//! Until a device's first sync is complete, screens with figures show how
//! far it has come instead of zeros and verdicts computed from half the data.

use crate::format;
use crate::i18n::*;
use crate::sync::{FirstSync, SyncEngine, SyncState};
use leptos::prelude::*;

#[component]
pub fn FirstSyncProgress() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let text = move || match engine.first_sync.get() {
        FirstSync::Loading { pulled, total: Some(total) } => t_string!(
            i18n,
            loading_progress,
            pulled = format::integer(pulled as i64, english()),
            total = format::integer(total as i64, english())
        )
        .to_string(),
        FirstSync::Loading { pulled, total: None } => {
            t_string!(i18n, loading_progress_unknown, pulled = format::integer(pulled as i64, english())).to_string()
        }
        _ => t_string!(i18n, loading).to_string(),
    };
    view! {
        <div class="loading-progress" role="status" data-testid="loading-progress"
            data-pulled=move || match engine.first_sync.get() { FirstSync::Loading { pulled, .. } => pulled.to_string(), _ => String::new() }
            data-total=move || match engine.first_sync.get() { FirstSync::Loading { total, .. } => total.map(|t| t.to_string()).unwrap_or_default(), _ => String::new() }>
            <p><strong>{text}</strong></p>
            <progress max=move || match engine.first_sync.get() { FirstSync::Loading { total: Some(t), .. } => t.max(1).to_string(), _ => "1".into() }
                value=move || match engine.first_sync.get() { FirstSync::Loading { pulled, total: Some(_) } => pulled.to_string(), _ => "0".into() }
                aria-label=move || t_string!(i18n, loading).to_string()></progress>
            <p class="muted">{t!(i18n, loading_figures_hint)}</p>
            {move || (engine.state.get() == SyncState::Offline).then(|| view! { <p class="warning">{t!(i18n, loading_offline)}</p> })}
        </div>
    }
}
