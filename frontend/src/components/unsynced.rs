//! Which records in a list are saved on this device but not yet on the
//! server: marked "inte skickad än" (#16).

use crate::i18n::*;
use crate::sync::SyncEngine;
use leptos::prelude::*;
use std::collections::HashSet;
use uuid::Uuid;

/// The ids of the records with a change in the outbox (waiting or refused),
/// re-read when local data or the outbox changes; empty while nothing waits.
pub fn unsynced_ids() -> LocalResource<HashSet<Uuid>> {
    let engine = expect_context::<SyncEngine>();
    LocalResource::new(move || {
        let _ = engine.data_version.get();
        let pending = engine.pending.get();
        async move {
            if pending == 0 {
                return HashSet::new();
            }
            // A failed read marks nothing rather than everything; the sync status still counts them.
            crate::store::outbox().await.map(|o| o.into_iter().map(|p| p.change.id).collect()).unwrap_or_default()
        }
    })
}

/// "inte skickad än" after a list item whose record waits for the server.
#[component]
pub fn UnsyncedMark(id: Uuid, ids: LocalResource<HashSet<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        ids.get().is_some_and(|s| s.contains(&id)).then(|| {
            view! { <span class="unsynced-mark" data-testid="unsynced-mark">{t!(i18n, unsynced_mark)}</span> }
        })
    }
}
