//! The sync status, on every screen, in words anyone understands.

use crate::sync::{SyncEngine, SyncState};
use leptos::prelude::*;

fn changes(n: u32) -> String {
    if n == 1 { "1 ändring".into() } else { format!("{n} ändringar") }
}

#[component]
pub fn SyncStatus() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let text = move || {
        let n = engine.pending.get();
        if let Some(m) = engine.message.get() {
            return m;
        }
        match engine.state.get() {
            SyncState::Synced => "Allt sparat på servern".to_string(),
            SyncState::Pending => format!("{} väntar — skickas strax", changes(n)),
            SyncState::Offline if n == 0 => "Ingen kontakt med servern — allt är sparat".to_string(),
            SyncState::Offline => format!("{} sparade här — skickas när nätet är tillbaka", changes(n)),
            SyncState::Error => {
                let r = engine.rejected.get();
                if r > 0 {
                    format!("{} kunde inte sparas på servern — behöver åtgärdas", changes(r))
                } else {
                    format!("Servern svarar med fel — {} väntar och skickas igen", changes(n))
                }
            }
        }
    };
    view! {
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
        </div>
    }
}
