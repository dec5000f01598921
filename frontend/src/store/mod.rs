//! The local copy: every IndexedDB call of the app lives in this module, one
//! room per concern:
//! - [`open`](self::open): choosing, opening, deleting a user's database, the schema upgrades, the device id;
//! - `rows`: how records, outbox entries and visit tallies are stored;
//! - `tallies`: keeping the visit tallies equal to a fresh count inside a write's transaction;
//! - `write`: the one "merge, put, tally, queue" step every write path goes through
//!   ([`write`], [`write_many`], [`import_changes`], [`apply_sync`]), and the local edits;
//! - `sync_apply`: a sync round's outcome, imported changes, refused changes tried again or discarded;
//! - `read`: the reads screens and the sync engine use.
//!
//! Screens use the functions re-exported here; every one returns [`Result`], and a failed read
//! is a [`StoreError`] the screen shows as such (never as an empty list or a zero).
//!
//!
//! Object stores (schema version 6; the steps from every earlier version are
//! in [`upgrade`], see "Local database versions" in docs/SYNC.md):
//! - `records`: one row per record, key `id`; indexes `kind_lab` [kind, lab]
//!   and `kind_place_date_live` [kind, place, date, live] so today's visits at
//!   a place are one index range read, not a scan.
//! - `outbox`: changes not yet accepted by the server, in the order made
//!   (auto-increment key `seq`); index `waiting` (v2) holds only the changes
//!   the server has not refused, so the next batch and the counts are index
//!   reads instead of reading and decoding the whole outbox; index `record_id`
//!   (v4), so a sync reads the pending changes of the records it pulled.
//! - `visit_tallies` (v3): how many live visits have each
//!   [`VisitKey`](labblogg_shared::summary::VisitKey), key [lab, place, day,
//!   hour, band, first, gender] (gender since v6; "" when not noted), so a
//!   lab's tallies are one key range read. The summaries read these instead
//!   of a year's visits (a million rows took 16 s to read and parse); they are
//!   kept equal to a fresh count by updating them in the transaction of every
//!   record write. Since v5 each also keeps its visits' key sum, the cell key
//!   of disclosure control.
//! - `meta`: device id, pull cursor, clock.
//!
//! A local write updates its record, its visit tally and appends its outbox

mod open;
mod read;
mod rows;
mod sync_apply;
mod tallies;
mod write;

pub use open::{
    current_database, database_names, delete_database, deselect, device_id, device_id_in, open, open_for, open_named,
    select_database, use_database,
};
pub use read::{
    all_of_kind, cursor, cursor_in, deleted_in_lab, first_sync_done, first_sync_done_in, live_at_place_on, live_in_lab,
    mark_first_sync_done, mark_first_sync_done_in, next_batch, next_batch_in, outbox, outbox_counts, outbox_counts_in,
    outbox_len, record, summary_input, OutboxCounts,
};
pub use rows::{outbox_to_js, record_from_js, record_to_js, Pending};
pub use sync_apply::{apply_sync, apply_sync_in, discard, import_changes, retry, SyncOutcome};
pub use write::{write, write_many, Edit};

use indexed_db_futures::prelude::*;
use labblogg_shared::merge::MergeError;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

pub const DB_NAME: &str = "labblogg";
/// The local database's schema version. Raise it only together with a new
/// step in [`upgrade`]; steps are never edited once released.
pub const DB_VERSION: u32 = 6;

const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const META: &str = "meta";
const TALLIES: &str = "visit_tallies";

/// Why the local copy could not do what was asked. Screens show a failed read as such
/// ([`ReadError`](crate::components::read_error::ReadError)), never as an empty list or a zero.
/// Its `Display` (the technical detail under a read error, for whoever helps) is in the
/// device's language from `i18n.rs`.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    Idb(String),
    /// Nobody is signed in, so there is no user's database to use (`select_database`).
    NotSignedIn,
    Merge(MergeError),
    Corrupt(String),
}

impl From<MergeError> for StoreError {
    fn from(e: MergeError) -> Self {
        StoreError::Merge(e)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::*;
        let l = crate::labels::device_locale();
        match self {
            StoreError::Idb(e) => write!(f, "{}", td_string!(l, store_idb, error = e)),
            StoreError::NotSignedIn => write!(f, "{}", td_string!(l, store_not_signed_in)),
            StoreError::Merge(e) => write!(f, "{}", td_string!(l, store_merge, error = e)),
            StoreError::Corrupt(e) => write!(f, "{}", td_string!(l, store_corrupt, error = e)),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError::Idb(e.to_string())
    }
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError::Idb(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Rows per request when reading many records.
const READ_CHUNK: u32 = 20_000;

/// Meta key of the offset that corrects this device's wall clock (`labblogg_shared::skew`).
const CLOCK_OFFSET: &str = "clock_offset";

fn js_err(e: JsValue) -> StoreError {
    StoreError::Idb(
        e.as_string()
            .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
            .unwrap_or_else(|| format!("{e:?}")),
    )
}

fn decode_rows<T: serde::de::DeserializeOwned>(
    values: impl IntoIterator<Item = std::result::Result<JsValue, indexed_db_futures::error::Error>>,
) -> Result<Vec<T>> {
    values
        .into_iter()
        .map(|v| serde_wasm_bindgen::from_value(v?).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

fn js_key(parts: &[JsValue]) -> JsValue {
    parts.iter().collect::<js_sys::Array>().into()
}

async fn meta_get<T: for<'de> Deserialize<'de>>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: &str,
) -> Result<Option<T>> {
    let raw: Option<String> = store.get(key).primitive()?.await?;
    raw.map(|s| serde_json::from_str(&s)).transpose().map_err(Into::into)
}

async fn meta_put<T: Serialize>(
    store: &indexed_db_futures::object_store::ObjectStore<'_>,
    key: &str,
    value: &T,
) -> Result<()> {
    store.put(serde_json::to_string(value)?).with_key(key).primitive()?.await?;
    Ok(())
}
