//! Keeping the visit tallies equal to a fresh count: part of every transaction that writes a record.

use super::rows::{tally_key, TallyKey, TallyRow};
use super::{decode_rows, js_key, Result};
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use labblogg_shared::calendar::StockholmClock;
use labblogg_shared::disclosure::CellKey;
use labblogg_shared::summary::{TallyChanges, TallyDelta, VisitKey};
use labblogg_shared::{RecordKind, Visit};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;
use wasm_bindgen::JsValue;

/// A stored tally being read inside a write's transaction.
pub(super) type TallyRead = indexed_db_futures::future::BasicRequest<Option<TallyRow>>;

/// Part of a write's transaction: add `changes` to the stored tallies. Every
/// count is asked for before any answer is awaited, and the new counts are
/// written without waiting (a failed put aborts the transaction, which the
/// commit reports). `in_flight` holds reads issued earlier, such as a tap's
/// own tally read together with its record; the ones not needed are dropped.
/// A count that would fall to zero or below is deleted: no summary reads a
/// zero, and a row per key ever seen would only grow.
pub(super) async fn add_to_tallies(
    tallies: &ObjectStore<'_>,
    changes: TallyChanges,
    mut in_flight: Vec<(VisitKey, TallyRead)>,
) -> Result<()> {
    use indexed_db_futures::KeyRange;
    let changes = changes.into_sorted();
    if changes.len() > TALLY_GETS_AT_MOST {
        return add_to_tallies_by_range(tallies, changes).await;
    }
    let mut reads = Vec::with_capacity(changes.len());
    for (key, _) in &changes {
        let read = match in_flight.iter().position(|(k, _)| k == key) {
            Some(i) => in_flight.swap_remove(i).1,
            None => tallies.get::<TallyRow, _, _>(KeyRange::Only(tally_key(key))).serde()?,
        };
        reads.push(read);
    }
    let mut stored = Vec::with_capacity(reads.len());
    for read in reads {
        stored.push(read.await?.map_or((0, CellKey::default()), |row| (row.n, CellKey(row.keys))));
    }
    write_tallies(tallies, changes.into_iter().zip(stored))
}

/// Above this many changed tallies (a pulled page, a bulk write), the stored
/// ones are read by range, one request per meeting place, not one per key.
const TALLY_GETS_AT_MOST: usize = 16;

/// [`add_to_tallies`] for many keys: they come sorted, so one place's keys are
/// one run, read with one request over the days it spans (a pulled page's visits
/// are a few days of a few places; a place's rows are at most a few thousand).
async fn add_to_tallies_by_range(tallies: &ObjectStore<'_>, changes: Vec<(VisitKey, TallyDelta)>) -> Result<()> {
    use indexed_db_futures::KeyRange;
    let mut reads = Vec::new();
    for run in changes.chunk_by(|a, b| (a.0.lab_id, a.0.place_id) == (b.0.lab_id, b.0.place_id)) {
        let (first, last) = (&run[0].0, &run[run.len() - 1].0);
        let (lab, place) = (JsValue::from(first.lab_id.to_string()), JsValue::from(first.place_id.to_string()));
        // An array sorts after every number: `[lab, place, last day, []]` is above all of that day's keys.
        let lower = js_key(&[lab.clone(), place.clone(), JsValue::from(first.day as f64)]);
        let upper = js_key(&[lab, place, JsValue::from(last.day as f64), js_sys::Array::new().into()]);
        reads
            .push(tallies.get_all().with_query::<JsValue, _>(KeyRange::Bound(lower, false, upper, false)).primitive()?);
    }
    let mut counts: HashMap<TallyKey, (u64, CellKey)> = HashMap::new();
    for read in reads {
        for row in decode_rows::<TallyRow>(read.await?)? {
            counts.insert(row.key(), (row.n, CellKey(row.keys)));
        }
    }
    let stored: Vec<(u64, CellKey)> =
        changes.iter().map(|(key, _)| counts.get(&tally_key(key)).copied().unwrap_or_default()).collect();
    write_tallies(tallies, changes.into_iter().zip(stored))
}

/// Put each tally's new count (stored + change) and key sum, or delete it at
/// zero, without waiting: a failed request aborts the transaction, which the
/// commit reports.
fn write_tallies(
    tallies: &ObjectStore<'_>,
    counts: impl IntoIterator<Item = ((VisitKey, TallyDelta), (u64, CellKey))>,
) -> Result<()> {
    use indexed_db_futures::KeyRange;
    for ((key, delta), (stored, stored_keys)) in counts {
        let n = stored as i64 + delta.n;
        if n > 0 {
            drop(tallies.put(TallyRow::of(&key, n as u64, stored_keys.plus(delta.keys))).serde()?);
        } else {
            drop(tallies.delete(KeyRange::Only(tally_key(&key))).serde()?);
        }
    }
    Ok(())
}

/// The tally a new, live visit with these fields will count in: a tap's, so
/// [`write`] can read it together with the record instead of after it.
pub(super) fn new_visit_key(
    kind: RecordKind,
    lab_id: Uuid,
    fields: &serde_json::Map<String, serde_json::Value>,
    deleted: bool,
) -> Option<VisitKey> {
    if kind != RecordKind::Visit || deleted {
        return None;
    }
    let visit = Visit::deserialize(fields).ok()?;
    VisitKey::of_visit(lab_id, &visit, &mut StockholmClock::default())
}
