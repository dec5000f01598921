//! How the local copy stores its rows: a record, an outbox entry, a visit tally.

use super::{decode_rows, Result, StoreError};
use labblogg_shared::disclosure::CellKey;
use labblogg_shared::summary::{VisitKey, VisitTally};
use labblogg_shared::sync::{Change, Rejection};
use labblogg_shared::{AgeBand, Gender, RecordState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wasm_bindgen::JsValue;

/// A record's row. The record itself is one JSON string: one crossing of the
/// Rust↔JS boundary instead of one per field; the indexed columns beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct RecordRow {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) lab: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) date: Option<String>,
    /// 1 while not deleted (index keys cannot be booleans).
    pub(super) live: u8,
    pub(super) body: String,
}

impl RecordRow {
    pub(super) fn of(state: &RecordState) -> Result<Self> {
        let text = |name: &str| state.fields.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(RecordRow {
            id: state.id.to_string(),
            kind: state.kind.as_str().to_owned(),
            lab: state.lab_id.to_string(),
            place: text("meeting_place_id"),
            date: text("date"),
            live: u8::from(state.deleted.is_none()),
            body: serde_json::to_string(state)?,
        })
    }

    pub(super) fn state(&self) -> Result<RecordState> {
        Ok(serde_json::from_str(&self.body)?)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OutboxRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) seq: Option<u64>,
    pub(super) record_id: String,
    pub(super) body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) rejected: Option<String>,
    /// 1 while the server has not refused the change, absent once it has:
    /// only waiting changes are in the `waiting` index (schema v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) waiting: Option<u8>,
}

impl OutboxRow {
    pub(super) fn new(change: &Change) -> Result<Self> {
        Ok(OutboxRow {
            seq: None,
            record_id: change.id.to_string(),
            body: serde_json::to_string(change)?,
            rejected: None,
            waiting: Some(1),
        })
    }
}

/// A change waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub seq: u64,
    pub change: Change,
    pub rejected: Option<Rejection>,
}

impl OutboxRow {
    pub(super) fn pending(self) -> Result<Pending> {
        Ok(Pending {
            seq: self.seq.ok_or_else(|| StoreError::Corrupt("outbox row without key".into()))?,
            change: serde_json::from_str(&self.body)?,
            rejected: self.rejected.as_deref().map(serde_json::from_str).transpose()?,
        })
    }
}

/// A stored visit tally (schema v3). Its key is [lab, place, day, hour, band,
/// first, gender], the [`VisitKey`] spelled in values IndexedDB can use as keys
/// (strings and numbers: a boolean is not a key, so `first` is 0 or 1, and no
/// gender is ""); the lab first, so one lab's tallies are one range.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct TallyRow {
    pub(super) lab: String,
    pub(super) place: String,
    pub(super) day: i64,
    pub(super) hour: u8,
    pub(super) band: AgeBand,
    pub(super) first: u8,
    /// The visits' gender (schema v6), "" where none was noted.
    #[serde(default)]
    pub(super) gender: String,
    pub(super) n: u64,
    /// The sum of the visits' record keys modulo 2^32 (schema v5): the cell key disclosure
    /// control reads (`labblogg_shared::disclosure`).
    #[serde(default)]
    pub(super) keys: u32,
}

/// The key path of `visit_tallies`, in [`TallyRow`]'s field names.
pub(super) const TALLY_KEY_PATH: [&str; 7] = ["lab", "place", "day", "hour", "band", "first", "gender"];
/// The key path v3 to v5 used (no gender); only the upgrade steps name it.
pub(super) const TALLY_KEY_PATH_V3: [&str; 6] = ["lab", "place", "day", "hour", "band", "first"];

/// A tally's key as [`TallyRow`] serialises it: serde makes the same strings
/// and numbers of the tuple as of the row's fields, so gets find puts.
pub(super) type TallyKey = (String, String, i64, u8, AgeBand, u8, String);

pub(super) fn tally_key(key: &VisitKey) -> TallyKey {
    let gender = key.gender.map(|g| g.as_str().to_owned()).unwrap_or_default();
    (key.lab_id.to_string(), key.place_id.to_string(), key.day, key.hour, key.band, u8::from(key.first), gender)
}

impl TallyRow {
    pub(super) fn of(key: &VisitKey, n: u64, keys: CellKey) -> Self {
        let (lab, place, day, hour, band, first, gender) = tally_key(key);
        TallyRow { lab, place, day, hour, band, first, gender, n, keys: keys.0 }
    }

    pub(super) fn key(&self) -> TallyKey {
        (self.lab.clone(), self.place.clone(), self.day, self.hour, self.band, self.first, self.gender.clone())
    }

    pub(super) fn tally(self) -> Result<VisitTally> {
        let corrupt = |e: String| StoreError::Corrupt(format!("visit tally: {e}"));
        let uuid = |s: &str| Uuid::parse_str(s).map_err(|e| corrupt(e.to_string()));
        let gender = match self.gender.as_str() {
            "" => None,
            g => Some(Gender::parse(g).ok_or_else(|| corrupt(format!("kön {g}")))?),
        };
        let key = VisitKey {
            lab_id: uuid(&self.lab)?,
            place_id: uuid(&self.place)?,
            day: self.day,
            hour: self.hour,
            band: self.band,
            first: self.first != 0,
            gender,
        };
        Ok(VisitTally { key, n: self.n, keys: CellKey(self.keys) })
    }
}

/// The row [`write`] stores for a record, as the JS value IndexedDB is given.
/// Public so the benchmarks can time the Rust→JS conversion on its own.
pub fn record_to_js(state: &RecordState) -> Result<JsValue> {
    use indexed_db_futures::SerialiseToJs;
    Ok(RecordRow::of(state)?.serialise_to_js()?)
}

/// A record back from the row [`record_to_js`] made (what every read does).
pub fn record_from_js(value: JsValue) -> Result<RecordState> {
    decode_rows::<RecordRow>([Ok(value)])?.remove(0).state()
}

/// The outbox row [`write`] stores for a change, as the JS value IndexedDB is given.
pub fn outbox_to_js(change: &Change) -> Result<JsValue> {
    use indexed_db_futures::SerialiseToJs;
    let row = OutboxRow::new(change)?;
    Ok(row.serialise_to_js()?)
}
