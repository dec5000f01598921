//! What screens share through Leptos context, in one place: the root
//! (`app.rs`) provides these, screens and components read them, and nothing
//! here imports a screen, so no screen needs `app.rs` (which imports every
//! screen) and screens need not import each other for a shared type.

use crate::session::Session;
use labblogg_shared::knowledge::{GoodExample, Lesson};
use leptos::prelude::*;
use uuid::Uuid;

/// The signed-in session, shared through context.
#[derive(Clone, Copy)]
pub struct SessionCtx(pub RwSignal<Option<Session>>);

/// A proposal prefilled elsewhere (a lab's report, an activity's lessons)
/// for the knowledge screen to open in its form.
#[derive(Debug, Clone, PartialEq)]
pub enum Prefill {
    Example { lab: Uuid, data: GoodExample },
    Lesson { lab: Uuid, data: Lesson },
}

/// Shared through context: set it and move to the knowledge screen
/// ([`crate::nav::open_prefilled`]); the knowledge screen takes it when it opens.
#[derive(Clone, Copy)]
pub struct KnowledgePrefill(pub RwSignal<Option<Prefill>>);

/// The summaries' dataset of the signed-in user's labs and its read error
/// (`data::dataset`), made on first use under the root's owner
/// so it outlives the screen that asked first and every summary screen
/// shares it.
#[derive(Clone)]
pub struct SharedDataset {
    pub owner: Owner,
    #[allow(clippy::type_complexity)]
    pub dataset: StoredValue<
        Option<(LocalResource<labblogg_shared::summary::Dataset>, ReadSignal<Option<crate::store::StoreError>>)>,
    >,
}

impl SharedDataset {
    /// Under the current owner (the root's).
    pub fn at_root() -> Self {
        SharedDataset { owner: Owner::current().unwrap_or_default(), dataset: StoredValue::new(None) }
    }
}
