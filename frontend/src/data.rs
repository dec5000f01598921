//! What screens with figures read: the synced local copy of the user's labs, as a
//! [`Dataset`]. Not a screen: the overview, the lab report, the comparison, the goals and
//! the year's report all read it.

use crate::context::SessionCtx;
use crate::store::{self, StoreError};
use crate::sync::SyncEngine;
use labblogg_shared::summary::Dataset;
use leptos::prelude::*;

/// The synced local copy of the user's labs, reloaded when a sync brings data.
/// Visits come as the store's tallies (`store::summary_input`), never as rows:
/// a year of a lab's visits is a million of them.
///
/// A failed read never becomes figures: the dataset stays unread (screens show it as
/// loading) and the second value holds the error, for
/// [`ReadError`](crate::components::read_error::ReadError) to show.
///
/// One for every screen that reads it (`context::SharedDataset`): moving from the overview
/// to a lab's report, another URL, does not read the copy again.
pub fn dataset() -> (LocalResource<Dataset>, ReadSignal<Option<StoreError>>) {
    let Some(shared) = use_context::<crate::context::SharedDataset>() else { return read_dataset() };
    if let Some(ds) = shared.dataset.get_value() {
        return ds;
    }
    let ds = shared.owner.with(read_dataset);
    shared.dataset.set_value(Some(ds));
    ds
}

fn read_dataset() -> (LocalResource<Dataset>, ReadSignal<Option<StoreError>>) {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<SyncEngine>();
    let failed = RwSignal::new(None::<StoreError>);
    let ds = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let labs = session.get().map(|s| s.user.labs).unwrap_or_default();
        async move {
            match store::summary_input(&labs).await {
                Ok((states, tallies)) => {
                    failed.set(None);
                    Dataset::from_states_and_tallies(states.iter(), tallies)
                }
                Err(e) => {
                    failed.set(Some(e));
                    // Left unresolved until the next data version reads again.
                    std::future::pending().await
                }
            }
        }
    });
    (ds, failed.read_only())
}
