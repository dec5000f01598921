//! The local copy: every IndexedDB call of the app lives here.
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
//! entry in one transaction: all are saved, or none.

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use labblogg_shared::calendar::StockholmClock;
use labblogg_shared::disclosure::CellKey;
use labblogg_shared::hlc::node_of;
use labblogg_shared::merge::{apply_change, MergeError};
use labblogg_shared::skew;
use labblogg_shared::summary::{TallyChanges, TallyDelta, VisitKey, VisitTally};
use labblogg_shared::sync::{Change, RejectCode, Rejection, ServerRecord};
use labblogg_shared::{AgeBand, Gender, Hlc, RecordKind, RecordState, Visit};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

pub const DB_NAME: &str = "labblogg";
/// The local database's schema version. Raise it only together with a new
/// step in [`upgrade`]; steps are never edited once released.
pub const DB_VERSION: u32 = 6;

const RECORDS: &str = "records";
const OUTBOX: &str = "outbox";
const META: &str = "meta";
const TALLIES: &str = "visit_tallies";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("den lokala databasen svarar inte: {0}")]
    Idb(String),
    #[error("ändringen stämmer inte med posten: {0}")]
    Merge(#[from] MergeError),
    #[error("lokal data är skadad: {0}")]
    Corrupt(String),
}

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

/// A record's row. The record itself is one JSON string: one crossing of the
/// Rust↔JS boundary instead of one per field; the indexed columns beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordRow {
    id: String,
    kind: String,
    lab: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    /// 1 while not deleted (index keys cannot be booleans).
    live: u8,
    body: String,
}

impl RecordRow {
    fn of(state: &RecordState) -> Result<Self> {
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

    fn state(&self) -> Result<RecordState> {
        Ok(serde_json::from_str(&self.body)?)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OutboxRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    record_id: String,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rejected: Option<String>,
    /// 1 while the server has not refused the change, absent once it has:
    /// only waiting changes are in the `waiting` index (schema v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    waiting: Option<u8>,
}

impl OutboxRow {
    fn new(change: &Change) -> Result<Self> {
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
    fn pending(self) -> Result<Pending> {
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
struct TallyRow {
    lab: String,
    place: String,
    day: i64,
    hour: u8,
    band: AgeBand,
    first: u8,
    /// The visits' gender (schema v6), "" where none was noted.
    #[serde(default)]
    gender: String,
    n: u64,
    /// The sum of the visits' record keys modulo 2^32 (schema v5): the cell key disclosure
    /// control reads (`labblogg_shared::disclosure`).
    #[serde(default)]
    keys: u32,
}

/// The key path of `visit_tallies`, in [`TallyRow`]'s field names.
const TALLY_KEY_PATH: [&str; 7] = ["lab", "place", "day", "hour", "band", "first", "gender"];
/// The key path v3 to v5 used (no gender); only the upgrade steps name it.
const TALLY_KEY_PATH_V3: [&str; 6] = ["lab", "place", "day", "hour", "band", "first"];

/// A tally's key as [`TallyRow`] serialises it: serde makes the same strings
/// and numbers of the tuple as of the row's fields, so gets find puts.
type TallyKey = (String, String, i64, u8, AgeBand, u8, String);

fn tally_key(key: &VisitKey) -> TallyKey {
    let gender = key.gender.map(|g| g.as_str().to_owned()).unwrap_or_default();
    (key.lab_id.to_string(), key.place_id.to_string(), key.day, key.hour, key.band, u8::from(key.first), gender)
}

impl TallyRow {
    fn of(key: &VisitKey, n: u64, keys: CellKey) -> Self {
        let (lab, place, day, hour, band, first, gender) = tally_key(key);
        TallyRow { lab, place, day, hour, band, first, gender, n, keys: keys.0 }
    }

    fn key(&self) -> TallyKey {
        (self.lab.clone(), self.place.clone(), self.day, self.hour, self.band, self.first, self.gender.clone())
    }

    fn tally(self) -> Result<VisitTally> {
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

/// A stored tally being read inside a write's transaction.
type TallyRead = indexed_db_futures::future::BasicRequest<Option<TallyRow>>;

/// Part of a write's transaction: add `changes` to the stored tallies. Every
/// count is asked for before any answer is awaited, and the new counts are
/// written without waiting (a failed put aborts the transaction, which the
/// commit reports). `in_flight` holds reads issued earlier, such as a tap's
/// own tally read together with its record; the ones not needed are dropped.
/// A count that would fall to zero or below is deleted: no summary reads a
/// zero, and a row per key ever seen would only grow.
async fn add_to_tallies(
    tallies: &indexed_db_futures::object_store::ObjectStore<'_>,
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
async fn add_to_tallies_by_range(
    tallies: &indexed_db_futures::object_store::ObjectStore<'_>,
    changes: Vec<(VisitKey, TallyDelta)>,
) -> Result<()> {
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
    tallies: &indexed_db_futures::object_store::ObjectStore<'_>,
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
fn new_visit_key(
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

thread_local! {
    static DB: RefCell<Option<Database>> = const { RefCell::new(None) };
    /// The database [`open`] opens: [`DB_NAME`] until the app picks the
    /// signed-in user's (`device_users.rs`: one database per user).
    static CURRENT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The device id of the database it was read from.
    static DEVICE: RefCell<Option<(String, Uuid)>> = const { RefCell::new(None) };
}

/// Open (and create or upgrade) the local database. Later calls reuse it.
pub async fn open() -> Result<Database> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let name = current_database();
    if name.is_empty() {
        return Err(StoreError::Idb("ingen är inloggad".into()));
    }
    let db = open_named(&name).await?;
    if current_database() != name {
        // Another database was chosen while this one opened: use that one.
        db.close();
        return Box::pin(open()).await;
    }
    // Opened twice at once (screens read as the app starts): keep one connection, close the
    // other, so none is left open to block deleting the database later.
    if let Some(first) = DB.with(|d| d.borrow().clone()).filter(|d| d.name() == name) {
        db.close();
        return Ok(first);
    }
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    // The correction of a wrong tablet clock outlives a reload (see `clock.rs`).
    {
        let tx = db.transaction(META).build()?;
        if let Some(offset) = meta_get::<i64>(&tx.object_store(META)?, CLOCK_OFFSET).await? {
            crate::clock::set_offset_ms(offset);
        }
    }
    Ok(db)
}

/// Meta key of the offset that corrects this device's wall clock (`labblogg_shared::skew`).
const CLOCK_OFFSET: &str = "clock_offset";

/// Use the local database `name` from now on instead of [`DB_NAME`], so tests and
/// benchmarks can keep their data apart. Later calls of every function here use it.
pub async fn use_database(name: &str) -> Result<()> {
    CURRENT.with(|c| *c.borrow_mut() = Some(name.to_owned()));
    let db = open_named(name).await?;
    if let Some(old) = DB.with(|d| d.borrow_mut().replace(db)) {
        old.close();
    }
    Ok(())
}

/// The name of the database [`open`] uses.
pub fn current_database() -> String {
    CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| DB_NAME.to_owned())
}

/// Make `name` the database every function here uses from now on (opened on
/// first use). Work already holding the previous one (a sync in flight)
/// finishes on it.
pub fn select_database(name: &str) {
    if current_database() == name && DB.with(|d| d.borrow().is_some()) {
        return;
    }
    CURRENT.with(|c| *c.borrow_mut() = Some(name.to_owned()));
    if let Some(old) = DB.with(|d| d.borrow_mut().take()) {
        if old.name() != name {
            old.close();
        } else {
            DB.with(|d| *d.borrow_mut() = Some(old));
        }
    }
}

/// Nobody is signed in: no database is used until one is selected (so
/// nothing reads, or creates, a database of no one).
pub fn deselect() {
    select_database("");
}

/// The names of the local databases in this browser (`indexedDB.databases()`).
pub async fn database_names() -> Result<Vec<String>> {
    let factory = web_sys::window()
        .ok_or_else(|| StoreError::Idb("no window".into()))?
        .indexed_db()
        .map_err(js_err)?
        .ok_or_else(|| StoreError::Idb("no IndexedDB".into()))?;
    let databases = js_sys::Reflect::get(&factory, &"databases".into()).map_err(js_err)?;
    let Some(databases) = databases.dyn_ref::<js_sys::Function>() else { return Ok(Vec::new()) };
    let promise: js_sys::Promise = databases.call0(&factory).map_err(js_err)?.unchecked_into();
    let list = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(js_err)?;
    Ok(js_sys::Array::from(&list)
        .iter()
        .filter_map(|d| js_sys::Reflect::get(&d, &"name".into()).ok().and_then(|n| n.as_string()))
        .collect())
}

/// Open database `name` for work that must stay on it whatever is selected
/// meanwhile (a user's sync). The second value says whether the connection
/// is the caller's own, to close when done (else it is the selected one's).
pub async fn open_for(name: &str) -> Result<(Database, bool)> {
    if current_database() == name {
        return Ok((open().await?, false));
    }
    Ok((open_named(name).await?, true))
}

/// Delete the local database `name` (closing it first if it is the one in use).
pub async fn delete_database(name: &str) -> Result<()> {
    let in_use = DB.with(|d| d.borrow().as_ref().is_some_and(|db| db.name() == name));
    if in_use {
        if let Some(db) = DB.with(|d| d.borrow_mut().take()) {
            db.close();
        }
    }
    Database::delete_by_name(name)?.await?;
    Ok(())
}

/// Open a database by name, running every upgrade step it has not had.
pub async fn open_named(name: &str) -> Result<Database> {
    upgrade(name).await?;
    // Already at DB_VERSION: no upgrade runs here. A database a newer app
    // upgraded further fails to open (VersionError) instead of being misread.
    let db = Database::open(name).with_version(DB_VERSION).await?;
    // Another tab (a newer app) wants to upgrade, or the database is being
    // deleted (a user signed out): let it — this connection closes, whoever
    // holds it — and reopen later.
    use indexed_db_futures::internals::SystemRepr;
    let raw: web_sys::IdbDatabase = db.as_sys().unchecked_ref::<web_sys::IdbDatabase>().clone();
    let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new({
        let name = name.to_owned();
        let raw = raw.clone();
        move || {
            forget_database(&name);
            raw.close();
        }
    });
    raw.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    Ok(db)
}

/// Close the connection to `name` if it is the one in use; the next call opens it again.
fn forget_database(name: &str) {
    let in_use = DB.with(|d| d.borrow().as_ref().is_some_and(|db| db.name() == name));
    if in_use {
        if let Some(db) = DB.with(|d| d.borrow_mut().take()) {
            db.close();
        }
    }
}

fn js_err(e: JsValue) -> StoreError {
    StoreError::Idb(
        e.as_string()
            .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
            .unwrap_or_else(|| format!("{e:?}")),
    )
}

/// Bring database `name` to [`DB_VERSION`] with raw web-sys calls: the
/// steps need the upgrade's own (versionchange) transaction to change
/// existing stores and their rows, which indexed_db_futures 0.6 does not
/// hand to its upgrade callback. Every step from the database's version on
/// runs, in order, in that one transaction: an old database and a new one
/// end up the same, and a failed step leaves the old version untouched.
async fn upgrade(name: &str) -> Result<()> {
    let factory = web_sys::window()
        .ok_or_else(|| StoreError::Idb("no window".into()))?
        .indexed_db()
        .map_err(js_err)?
        .ok_or_else(|| StoreError::Idb("IndexedDB is not available".into()))?;
    let request = factory.open_with_u32(name, DB_VERSION).map_err(js_err)?;
    let failure: std::rc::Rc<RefCell<Option<StoreError>>> = Default::default();
    let on_upgrade = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new({
        let request = request.clone();
        let failure = failure.clone();
        move |event: web_sys::IdbVersionChangeEvent| {
            let old = event.old_version() as u32;
            if let Err(e) = run_upgrade_steps(&request, old) {
                if let Some(tx) = request.transaction() {
                    let _ = tx.abort();
                }
                *failure.borrow_mut() = Some(e);
            }
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let done = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let result = wasm_bindgen_futures::JsFuture::from(done).await;
    request.set_onupgradeneeded(None);
    drop(on_upgrade);
    if let Some(e) = failure.borrow_mut().take() {
        return Err(e);
    }
    result.map_err(|_| {
        StoreError::Idb(request.error().ok().flatten().map(|e| e.message()).unwrap_or_else(|| "opening failed".into()))
    })?;
    if let Ok(db) = request.result() {
        db.unchecked_into::<web_sys::IdbDatabase>().close();
    }
    Ok(())
}

/// The upgrade steps, cumulative: a database at version `old` gets every
/// step above it. Steps are never changed once released; a new schema is a
/// new step (and a test that builds the previous version's database by hand).
fn run_upgrade_steps(request: &web_sys::IdbOpenDbRequest, old: u32) -> Result<()> {
    let db: web_sys::IdbDatabase = request.result().map_err(js_err)?.unchecked_into();
    let tx = request.transaction().ok_or_else(|| StoreError::Idb("no upgrade transaction".into()))?;
    if old < 1 {
        // v1: records with their two indexes, the outbox, meta.
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_key_path(&"id".into());
        let records = db.create_object_store_with_optional_parameters(RECORDS, &params).map_err(js_err)?;
        records.create_index_with_str_sequence("kind_lab", &js_key(&["kind".into(), "lab".into()])).map_err(js_err)?;
        records
            .create_index_with_str_sequence(
                "kind_place_date_live",
                &js_key(&["kind".into(), "place".into(), "date".into(), "live".into()]),
            )
            .map_err(js_err)?;
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_key_path(&"seq".into());
        params.set_auto_increment(true);
        db.create_object_store_with_optional_parameters(OUTBOX, &params).map_err(js_err)?;
        db.create_object_store(META).map_err(js_err)?;
    }
    if old < 2 {
        // v2: the `waiting` index over the outbox; every change already in it
        // that the server has not refused gets `waiting: 1`.
        let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
        outbox.create_index_with_str("waiting", "waiting").map_err(js_err)?;
        let cursor_request = outbox.open_cursor().map_err(js_err)?;
        let on_row = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new({
            let cursor_request = cursor_request.clone();
            move |_: web_sys::Event| {
                let Ok(cursor) = cursor_request.result() else { return };
                let Some(cursor) = cursor.dyn_ref::<web_sys::IdbCursorWithValue>() else { return }; // null: done
                if let Ok(row) = cursor.value() {
                    let rejected = js_sys::Reflect::get(&row, &"rejected".into()).unwrap_or(JsValue::UNDEFINED);
                    if rejected.is_undefined() || rejected.is_null() {
                        let _ = js_sys::Reflect::set(&row, &"waiting".into(), &1.into());
                        // A failed update aborts the upgrade transaction: the open fails, v1 stays.
                        let _ = cursor.update(&row);
                    }
                }
                let _ = cursor.continue_();
            }
        });
        cursor_request.set_onsuccess(Some(on_row.as_ref().unchecked_ref()));
        // Lives until the page goes: it runs once per row of this upgrade only.
        on_row.forget();
    }
    if old < 3 {
        // v3: visit tallies (counted from the visits already stored by v6, which keys them anew).
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_key_path(&js_key(&TALLY_KEY_PATH_V3.map(JsValue::from)));
        db.create_object_store_with_optional_parameters(TALLIES, &params).map_err(js_err)?;
    }
    if old < 4 {
        // v4: the outbox by record, so a sync reads the pending changes of the records it pulled
        // rather than the whole outbox (rows already there are indexed by IndexedDB itself).
        let outbox = tx.object_store(OUTBOX).map_err(js_err)?;
        outbox.create_index_with_str("record_id", "record_id").map_err(js_err)?;
    }
    // v5: each tally keeps its visits' key sum (the cell key of disclosure control), counted
    // afresh; v6 counts them afresh anyway, so v5 has nothing left to do here.
    if old < 6 {
        // v6: the visits' gender is part of a tally's key (a visit goal may count one gender).
        // A key path cannot change: the store is made again and the stored visits counted into it,
        // in this transaction, before any write. (Synchronous: no request of an earlier step is
        // still pending on the old store.)
        db.delete_object_store(TALLIES).map_err(js_err)?;
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_key_path(&js_key(&TALLY_KEY_PATH.map(JsValue::from)));
        db.create_object_store_with_optional_parameters(TALLIES, &params).map_err(js_err)?;
        if old >= 1 {
            count_stored_visits(&tx)?;
        }
    }
    Ok(())
}

/// Part of the v6 upgrade (v3 and v5 before it): count every live visit in `records` into
/// `visit_tallies`, inside the upgrade's own transaction, so no write can
/// come between the count and the first write that keeps it up to date.
///
/// Rows are read [`READ_CHUNK`] at a time in key order (a cursor would be
/// one event and one call into wasm per row, for a million rows); rows
/// that are not live visits are passed over by their `kind` and `live`
/// columns before any parsing. A row whose `body` this version cannot read is
/// not counted, as the summaries leave out what they cannot read. Any failed
/// request aborts the upgrade: the open fails and v2 stays as it was.
fn count_stored_visits(tx: &web_sys::IdbTransaction) -> Result<()> {
    use std::rc::Rc;
    /// What the count needs of a stored visit's `body`: its lab and fields. The per-field
    /// stamps are skipped unread, which makes this several times faster than a `RecordState`.
    #[derive(Deserialize)]
    struct StoredVisit {
        id: Uuid,
        lab_id: Uuid,
        fields: Visit,
    }
    let mut clock = StockholmClock::default();
    let records = tx.object_store(RECORDS).map_err(js_err)?;
    let tallies = tx.object_store(TALLIES).map_err(js_err)?;
    let counts: Rc<RefCell<Option<TallyChanges>>> = Rc::new(RefCell::new(Some(TallyChanges::default())));
    // The handler asks for the next chunk and hands it to itself.
    let handler: Rc<RefCell<Option<js_sys::Function>>> = Default::default();
    let on_chunk = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new({
        let (tx, handler, records) = (tx.clone(), handler.clone(), records.clone());
        move |event: web_sys::Event| {
            let mut step = || -> std::result::Result<(), JsValue> {
                let request: web_sys::IdbRequest = event.target().ok_or("no request")?.unchecked_into();
                let rows: js_sys::Array = request.result()?.unchecked_into();
                let mut counts = counts.borrow_mut();
                let Some(changes) = counts.as_mut() else { return Ok(()) };
                let (id, kind, live, body) =
                    (JsValue::from("id"), JsValue::from("kind"), JsValue::from("live"), JsValue::from("body"));
                for row in rows.iter() {
                    let is_visit =
                        js_sys::Reflect::get(&row, &kind)?.as_string().is_some_and(|k| k == RecordKind::Visit.as_str());
                    if !is_visit || js_sys::Reflect::get(&row, &live)?.as_f64() != Some(1.0) {
                        continue;
                    }
                    let Some(text) = js_sys::Reflect::get(&row, &body)?.as_string() else { continue };
                    // The same key as `TallyChanges::record_changed` gives the whole record.
                    if let Ok(v) = serde_json::from_str::<StoredVisit>(&text) {
                        if let Some(key) = VisitKey::of_visit(v.lab_id, &v.fields, &mut clock) {
                            changes.add(key, v.id, true);
                        }
                    }
                }
                if rows.length() == READ_CHUNK {
                    let last = js_sys::Reflect::get(&rows.get(READ_CHUNK - 1), &id)?;
                    let next = records.get_all_with_key_and_limit(
                        &web_sys::IdbKeyRange::lower_bound_with_open(&last, true)?.into(),
                        READ_CHUNK,
                    )?;
                    next.set_onsuccess(handler.borrow().as_ref());
                } else if let Some(done) = counts.take() {
                    for tally in done.into_tallies() {
                        use indexed_db_futures::SerialiseToJs;
                        let row = TallyRow::of(&tally.key, tally.n, tally.keys)
                            .serialise_to_js()
                            .map_err(|e| JsValue::from(e.to_string()))?;
                        tallies.put(&row)?;
                    }
                }
                Ok(())
            };
            if step().is_err() {
                let _ = tx.abort();
            }
        }
    });
    *handler.borrow_mut() = Some(on_chunk.as_ref().unchecked_ref::<js_sys::Function>().clone());
    // Lives until the page goes: it runs once per chunk of this upgrade only.
    on_chunk.forget();
    let first = records.get_all_with_key_and_limit(&JsValue::UNDEFINED, READ_CHUNK).map_err(js_err)?;
    first.set_onsuccess(handler.borrow().as_ref());
    Ok(())
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

/// This device's id, made on first use and kept. Remembered after the first
/// read (per database), so a tap does not pay for a transaction of its own.
pub async fn device_id() -> Result<Uuid> {
    device_id_in(&open().await?).await
}

/// [`device_id`] of database `db`. A new database takes the id this
/// browser already goes by (`device_users::device_id`): one tablet is one
/// device on the server, whoever signs in on it.
pub async fn device_id_in(db: &Database) -> Result<Uuid> {
    let name = db.name();
    if let Some(id) = DEVICE.with(|d| d.borrow().as_ref().filter(|(n, _)| *n == name).map(|(_, id)| *id)) {
        return Ok(id);
    }
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    let meta = tx.object_store(META)?;
    let id = match meta_get::<Uuid>(&meta, "device_id").await? {
        Some(id) => id,
        // A user's database takes the device's id; a test's or benchmark's stands for a device of its own.
        None if crate::device_users::is_user_database(&name) => {
            let id = crate::device_users::device_id_or_new();
            meta_put(&meta, "device_id", &id).await?;
            id
        }
        None => {
            let id = Uuid::new_v4();
            meta_put(&meta, "device_id", &id).await?;
            id
        }
    };
    tx.commit().await?;
    if crate::device_users::is_user_database(&name) {
        crate::device_users::adopt_device_id(id);
    }
    DEVICE.with(|d| *d.borrow_mut() = Some((name, id)));
    Ok(id)
}

/// Save a local edit: stamp it with the device clock, merge it into the
/// record and queue it for the server, all in one transaction.
///
/// The tap's latency is this function, so it waits as little as it can: the
/// reads (clock, record, and for a new visit its tally) are in flight
/// together, and the writes are issued without waiting for each other. A
/// failed write aborts the transaction, which the commit reports: still all
/// or nothing.
pub async fn write(
    kind: RecordKind,
    id: Uuid,
    lab_id: Uuid,
    fields: serde_json::Map<String, serde_json::Value>,
    deleted: bool,
    now_ms: u64,
) -> Result<Change> {
    let device = device_id().await?;
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    let clock_read = meta.get("hlc").primitive()?;
    let record_read = records.get::<RecordRow, _, _>(id.to_string()).serde()?;
    // A tap makes a new visit: its tally is read now, not after the record.
    let mut tally_reads = Vec::new();
    if let Some(key) = new_visit_key(kind, lab_id, &fields, deleted) {
        tally_reads
            .push((key, tallies.get::<TallyRow, _, _>(indexed_db_futures::KeyRange::Only(tally_key(&key))).serde()?));
    }
    let raw_clock: Option<String> = clock_read.await?;
    let current: Option<RecordRow> = record_read.await?;

    let mut clock =
        raw_clock.map(|s| serde_json::from_str::<Hlc>(&s)).transpose()?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let hlc = clock.tick(now_ms);
    let change = Change { change_id: Uuid::now_v7(), kind, id, lab_id, hlc, fields, deleted, restore: false };
    let current = current.map(|r| r.state()).transpose()?;
    let next = apply_change(current.as_ref(), &change)?;

    drop(meta.put(serde_json::to_string(&clock)?).with_key("hlc").primitive()?);
    let mut tally_changes = TallyChanges::default();
    if let Some(next) = next {
        drop(records.put(RecordRow::of(&next)?).serde()?);
        tally_changes.record_changed(current.as_ref(), Some(&next));
    }
    let row = OutboxRow::new(&change)?;
    drop(outbox.put(row).serde()?);
    add_to_tallies(&tallies, tally_changes, tally_reads).await?;
    tx.commit().await?;
    Ok(change)
}

/// One local edit, as [`write`] takes it.
#[derive(Debug, Clone)]
pub struct Edit {
    pub kind: RecordKind,
    pub id: Uuid,
    pub lab_id: Uuid,
    pub fields: serde_json::Map<String, serde_json::Value>,
    pub deleted: bool,
    /// Bring a deleted record back (a coordinator's Papperskorg, docs/SYNC.md).
    pub restore: bool,
}

/// Save many local edits at once (an import, a bulk entry): each is stamped,
/// merged and queued exactly as [`write`] does, all in one transaction, so
/// either every edit is saved or none is. The requests are issued without
/// waiting for each other; a failed one aborts the transaction, which the
/// commit reports.
pub async fn write_many(edits: Vec<Edit>, now_ms: u64) -> Result<Vec<Change>> {
    let device = device_id().await?;
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    let mut clock = meta_get::<Hlc>(&meta, "hlc").await?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let changes: Vec<Change> = edits
        .into_iter()
        .map(|e| Change {
            change_id: Uuid::now_v7(),
            kind: e.kind,
            id: e.id,
            lab_id: e.lab_id,
            hlc: clock.tick(now_ms),
            fields: e.fields,
            deleted: e.deleted,
            restore: e.restore,
        })
        .collect();
    meta_put(&meta, "hlc", &clock).await?;

    // All reads first, in flight together; then every write.
    let mut reads = Vec::with_capacity(changes.len());
    for change in &changes {
        reads.push(records.get::<RecordRow, _, _>(change.id.to_string()).serde()?);
    }
    // Two edits of one record in the batch: the second merges onto the first
    // (and its tally change starts from the first's result).
    let mut merged: HashMap<Uuid, RecordState> = HashMap::new();
    let mut tally_changes = TallyChanges::default();
    for (change, read) in changes.iter().zip(reads) {
        let stored = read.await?;
        let current = match merged.remove(&change.id) {
            Some(state) => Some(state),
            None => stored.map(|r| r.state()).transpose()?,
        };
        let next = apply_change(current.as_ref(), change)?;
        if let Some(next) = &next {
            drop(records.put(RecordRow::of(next)?).serde()?);
            tally_changes.record_changed(current.as_ref(), Some(next));
        }
        if let Some(state) = next.or(current) {
            merged.insert(change.id, state);
        }
        let row = OutboxRow::new(change)?;
        drop(outbox.put(row).serde()?);
    }
    add_to_tallies(&tallies, tally_changes, Vec::new()).await?;
    tx.commit().await?;
    Ok(changes)
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

/// Live visits of `kind` at a meeting place on a date (one index range read).
pub async fn live_at_place_on(kind: RecordKind, place: Uuid, date: &str) -> Result<Vec<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_place_date_live")?;
    let key = js_key(&[kind.as_str().into(), place.to_string().into(), date.into(), 1.into()]);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(key).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}

/// Every record of a kind in a lab, deleted ones too (one `kind_lab` index read).
async fn in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_lab")?;
    let key = js_key(&[kind.as_str().into(), lab.to_string().into()]);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(key).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}

/// Every live record of a kind in a lab.
pub async fn live_in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    Ok(in_lab(kind, lab).await?.into_iter().filter(|s| s.deleted.is_none()).collect())
}

pub async fn record(id: Uuid) -> Result<Option<RecordState>> {
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let row: Option<RecordRow> = tx.object_store(RECORDS)?.get(id.to_string()).serde()?.await?;
    row.map(|r| r.state()).transpose()
}

/// The outbox, oldest first (rejected changes included).
pub async fn outbox() -> Result<Vec<Pending>> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let rows: Vec<OutboxRow> =
        tx.object_store(OUTBOX)?.get_all().serde()?.await?.collect::<std::result::Result<_, _>>()?;
    rows.into_iter().map(OutboxRow::pending).collect()
}

pub async fn outbox_len() -> Result<u32> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let n = tx.object_store(OUTBOX)?.count().await?;
    Ok(n as u32)
}

/// The oldest `limit` outbox changes the server has not refused: one read
/// of the `waiting` index (ordered by `seq` within its one key).
pub async fn next_batch(limit: usize) -> Result<Vec<Pending>> {
    next_batch_in(&open().await?, limit).await
}

pub async fn next_batch_in(db: &Database, limit: usize) -> Result<Vec<Pending>> {
    let tx = db.transaction(OUTBOX).build()?;
    let outbox = tx.object_store(OUTBOX)?;
    let index = outbox.index("waiting")?;
    let rows: Vec<OutboxRow> = decode_rows(index.get_all().with_limit(limit as u32).primitive()?.await?)?;
    rows.into_iter().map(OutboxRow::pending).collect()
}

/// How many changes wait for the server, and how many it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: u32,
    pub rejected: u32,
}

/// The outbox's counts, from two key counts (no row is read or decoded).
pub async fn outbox_counts() -> Result<OutboxCounts> {
    outbox_counts_in(&open().await?).await
}

pub async fn outbox_counts_in(db: &Database) -> Result<OutboxCounts> {
    let tx = db.transaction(OUTBOX).build()?;
    let outbox = tx.object_store(OUTBOX)?;
    let all = outbox.count().primitive()?;
    let waiting = outbox.index("waiting")?.count().primitive()?;
    let (all, waiting) = (all.await? as u32, waiting.await? as u32);
    Ok(OutboxCounts { pending: waiting, rejected: all.saturating_sub(waiting) })
}

/// Has this device pulled everything there was at least once (its first
/// sync complete)? Until then summaries would count half the data, so the
/// screens say they are loading instead.
///
/// A device that synced before this flag existed has a cursor but no flag:
/// it is taken as complete (it showed figures before and should go on doing
/// so offline), and the flag is written.
pub async fn first_sync_done() -> Result<bool> {
    first_sync_done_in(&open().await?).await
}

pub async fn first_sync_done_in(db: &Database) -> Result<bool> {
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    let meta = tx.object_store(META)?;
    if meta_get::<bool>(&meta, "first_sync_done").await?.unwrap_or(false) {
        return Ok(true);
    }
    let legacy = meta_get::<u64>(&meta, "cursor").await?.unwrap_or(0) > 0
        && meta_get::<bool>(&meta, "first_sync_started").await?.is_none();
    if legacy {
        meta_put(&meta, "first_sync_done", &true).await?;
    } else {
        meta_put(&meta, "first_sync_started", &true).await?;
    }
    tx.commit().await?;
    Ok(legacy)
}

/// The device has pulled everything there was: its summaries are whole.
pub async fn mark_first_sync_done() -> Result<()> {
    mark_first_sync_done_in(&open().await?).await
}

pub async fn mark_first_sync_done_in(db: &Database) -> Result<()> {
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    meta_put(&tx.object_store(META)?, "first_sync_done", &true).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn cursor() -> Result<u64> {
    cursor_in(&open().await?).await
}

pub async fn cursor_in(db: &Database) -> Result<u64> {
    let tx = db.transaction(META).build()?;
    Ok(meta_get::<u64>(&tx.object_store(META)?, "cursor").await?.unwrap_or(0))
}

/// What one sync round brought back, to be saved in one transaction.
pub struct SyncOutcome {
    /// Outbox entries the server accepted: removed.
    pub accepted: Vec<u64>,
    /// Outbox entries the server refused: kept, with the reason.
    pub rejected: Vec<(u64, Rejection)>,
    pub records: Vec<ServerRecord>,
    pub cursor: u64,
    pub server_time_ms: u64,
    /// What to add to this device's wall clock from now on (`labblogg_shared::skew::offset_ms`).
    pub clock_offset_ms: i64,
}

/// Apply a sync round: drop accepted changes, mark refused ones, take the
/// server's records with this device's still-pending edits merged on top,
/// move the cursor and the clock. One transaction.
///
/// When the device's clock runs beyond what the server accepts, the clock is
/// brought back and every pending change the server would refuse as ahead —
/// refused already or not sent yet — is stamped again and waits to be sent
/// (`labblogg_shared::skew::repair`). When a pulled month approval is no
/// longer in force (the month was re-opened), every change refused as
/// `locked` waits to be sent again. Returns how many were stamped or queued
/// again: the engine sends them in the same sync.
pub async fn apply_sync(outcome: SyncOutcome, now_ms: u64) -> Result<usize> {
    apply_sync_in(&open().await?, outcome, now_ms).await
}

/// [`apply_sync`] into database `db` (a sync keeps to the database it began on).
pub async fn apply_sync_in(db: &Database, outcome: SyncOutcome, now_ms: u64) -> Result<usize> {
    let device = device_id_in(db).await?;
    let tx = db.transaction([RECORDS, OUTBOX, META, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, meta, tallies) =
        (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(META)?, tx.object_store(TALLIES)?);

    // Every request below is issued without waiting for the one before: the
    // transaction orders them, and a failed one aborts it (the commit says so).
    let clock_read = meta.get("hlc").primitive()?;
    // How much there is to look at decides how to look: a device pulling for
    // the first time has no local rows where the pulled ones go and an empty
    // outbox, and one request each says so instead of two per pulled record.
    let ids: Vec<String> = outcome.records.iter().map(|r| r.state.id.to_string()).collect();
    let (local_rows, queued) = match (ids.iter().min(), ids.iter().max()) {
        (Some(lo), Some(hi)) => {
            use indexed_db_futures::KeyRange;
            let range = KeyRange::Bound(JsValue::from(lo.as_str()), false, JsValue::from(hi.as_str()), false);
            let local = records.count().with_query::<JsValue, _>(range).primitive()?;
            let queued = outbox.count().primitive()?;
            (local.await?, queued.await?)
        }
        _ => (0, 0),
    };
    // A pulled record replaces the local row: a visit's tallies move from what
    // that row counted to what the new one counts, and a row that is already
    // what was pulled (this device's own changes coming back) is not written again.
    let replaced_reads = ids
        .iter()
        .map(|id| (local_rows > 0).then(|| records.get::<RecordRow, _, _>(id.as_str()).serde()).transpose())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for seq in &outcome.accepted {
        drop(outbox.delete(*seq as f64).primitive()?);
    }
    let refused_reads = outcome
        .rejected
        .iter()
        .map(|(seq, _)| outbox.get::<OutboxRow, _, _>(*seq as f64).serde())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    // Pulled records get this device's pending edits on top: a short outbox
    // is read whole, a long one only for the pulled records (`record_id` index).
    let pending_reads = if queued == 0 {
        Vec::new()
    } else if (queued as usize) <= ids.len() {
        vec![outbox.get_all().primitive()?]
    } else {
        let by_record = outbox.index("record_id")?;
        ids.iter()
            .map(|id| by_record.get_all().with_query::<JsValue, _>(JsValue::from(id.as_str())).primitive())
            .collect::<std::result::Result<Vec<_>, _>>()?
    };

    for ((_, reason), read) in outcome.rejected.iter().zip(refused_reads) {
        if let Some(mut row) = read.await? {
            row.rejected = Some(serde_json::to_string(reason)?);
            row.waiting = None;
            drop(outbox.put(row).serde()?);
        }
    }
    let accepted: std::collections::HashSet<u64> = outcome.accepted.iter().copied().collect();
    let mut pending_by_record: HashMap<String, Vec<Change>> = HashMap::new();
    for read in pending_reads {
        for row in decode_rows::<OutboxRow>(read.await?)? {
            // The read was queued after the deletes, but say it plainly.
            if row.seq.is_some_and(|s| accepted.contains(&s)) {
                continue;
            }
            let change: Change = serde_json::from_str(&row.body)?;
            // One index key's rows come in primary-key order: outbox order.
            let changes = pending_by_record.entry(row.record_id).or_default();
            // A record pulled twice in one round reads its pending changes twice.
            if !changes.iter().any(|c| c.change_id == change.change_id) {
                changes.push(change);
            }
        }
    }

    let raw_clock: Option<String> = clock_read.await?;
    let mut clock =
        raw_clock.map(|s| serde_json::from_str::<Hlc>(&s)).transpose()?.unwrap_or_else(|| Hlc::new(node_of(device)));
    let mut tally_changes = TallyChanges::default();
    // A record pulled twice in one round replaces what the first one wrote.
    let mut written: HashMap<Uuid, RecordState> = HashMap::new();
    for (rec, replaced_read) in outcome.records.into_iter().zip(replaced_reads) {
        let mut state = rec.state;
        clock.observe(state.max_clock(), now_ms);
        for change in pending_by_record.get(&state.id.to_string()).into_iter().flatten() {
            // A pending edit the server would refuse stays in the outbox as is.
            if let Ok(Some(next)) = apply_change(Some(&state), change) {
                state = next;
            }
        }
        let replaced = match (written.remove(&state.id), replaced_read) {
            (Some(earlier), _) => Some(earlier),
            // A row this version cannot read was never counted (see `count_stored_visits`).
            (None, Some(read)) => read.await?.and_then(|row| row.state().ok()),
            (None, None) => None,
        };
        if replaced.as_ref() != Some(&state) {
            drop(records.put(RecordRow::of(&state)?).serde()?);
            tally_changes.record_changed(replaced.as_ref(), Some(&state));
        }
        written.insert(state.id, state);
    }
    add_to_tallies(&tallies, tally_changes, Vec::new()).await?;
    clock.observe(Hlc { ms: outcome.server_time_ms, counter: 0, node: 0 }, now_ms);
    let restamped = if skew::needs_repair(&clock, outcome.server_time_ms) {
        repair_clock(&outbox, &records, &mut clock, outcome.server_time_ms).await?
    } else {
        0
    };
    // A month was re-opened: changes refused because it was approved wait to be sent again
    // (if another month still holds them, the server says so again).
    let reopened =
        written.values().any(|s| s.kind == RecordKind::MonthApproval && !labblogg_shared::approval::is_in_force(s));
    let requeued = if reopened { requeue(&outbox, |why| why.code == RejectCode::Locked, None).await? } else { 0 };
    drop(meta.put(serde_json::to_string(&clock)?).with_key("hlc").primitive()?);
    drop(meta.put(serde_json::to_string(&outcome.cursor)?).with_key("cursor").primitive()?);
    drop(meta.put(serde_json::to_string(&outcome.clock_offset_ms)?).with_key(CLOCK_OFFSET).primitive()?);
    tx.commit().await?;
    crate::clock::set_offset_ms(outcome.clock_offset_ms);
    Ok(restamped + requeued)
}

/// Part of a transaction: the refused outbox changes (all, or the one `only`)
/// whose refusal `again` accepts wait to be sent again. Returns how many.
async fn requeue(
    outbox: &indexed_db_futures::object_store::ObjectStore<'_>,
    again: impl Fn(&Rejection) -> bool,
    only: Option<u64>,
) -> Result<usize> {
    let rows: Vec<OutboxRow> = match only {
        Some(seq) => outbox.get::<OutboxRow, _, _>(seq as f64).serde()?.await?.into_iter().collect(),
        None => decode_rows(outbox.get_all().primitive()?.await?)?,
    };
    let mut n = 0;
    for mut row in rows {
        let refused = row.rejected.as_deref().and_then(|raw| serde_json::from_str::<Rejection>(raw).ok());
        if refused.as_ref().is_some_and(&again) {
            row.rejected = None;
            row.waiting = Some(1);
            drop(outbox.put(row).serde()?);
            n += 1;
        }
    }
    Ok(n)
}

/// Send a refused change again (staff chose "try again": the month was
/// re-opened, or what was wrong has been put right elsewhere).
pub async fn retry(seq: u64) -> Result<bool> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
    let n = requeue(&tx.object_store(OUTBOX)?, |_| true, Some(seq)).await?;
    tx.commit().await?;
    Ok(n > 0)
}

/// Part of [`apply_sync`]'s transaction: stamp again, in outbox order, every pending change
/// stamped beyond the server's limit, clear a `clock_ahead` refusal so it is sent again, and
/// move the stamps of the local records those changes touched.
async fn repair_clock(
    outbox: &indexed_db_futures::object_store::ObjectStore<'_>,
    records: &indexed_db_futures::object_store::ObjectStore<'_>,
    clock: &mut Hlc,
    server_time_ms: u64,
) -> Result<usize> {
    let mut rows: Vec<OutboxRow> = decode_rows(outbox.get_all().primitive()?.await?)?;
    rows.sort_by_key(|r| r.seq);
    let mut changes =
        rows.iter().map(|r| serde_json::from_str::<Change>(&r.body)).collect::<std::result::Result<Vec<_>, _>>()?;
    let done = skew::repair(clock, server_time_ms, &mut changes);
    for r in &done {
        let (row, change) = (&mut rows[r.index], &changes[r.index]);
        // A refusal for another reason stays: only the clock was the matter here.
        let clock_refusal = row.rejected.as_deref().is_some_and(|raw| {
            serde_json::from_str::<Rejection>(raw).is_ok_and(|why| why.code == RejectCode::ClockAhead)
        });
        if row.rejected.is_none() || clock_refusal {
            row.rejected = None;
            row.waiting = Some(1);
        }
        row.body = serde_json::to_string(change)?;
        drop(outbox.put(row.clone()).serde()?);
        if let Some(raw) = records.get::<RecordRow, _, _>(change.id.to_string()).serde()?.await? {
            let mut state = raw.state()?;
            // Only stamps move: the record's fields, so its visit tally, stay.
            skew::restamp_record(&mut state, r.old, r.new);
            drop(records.put(RecordRow::of(&state)?).serde()?);
        }
    }
    Ok(done.len())
}

/// Forget a refused change for good (staff chose to discard it).
pub async fn discard(seq: u64) -> Result<()> {
    let db = open().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(OUTBOX)?.delete(seq as f64).primitive()?.await?;
    tx.commit().await?;
    Ok(())
}

/// Take changes exported from another device's outbox: merge each into its
/// record and queue it for the server, unless this outbox already holds it.
/// Returns how many were new. One transaction: all or nothing.
pub async fn import_changes(changes: Vec<Change>) -> Result<usize> {
    let db = open().await?;
    let tx = db.transaction([RECORDS, OUTBOX, TALLIES]).with_mode(TransactionMode::Readwrite).build()?;
    let (records, outbox, tallies) = (tx.object_store(RECORDS)?, tx.object_store(OUTBOX)?, tx.object_store(TALLIES)?);
    let existing: Vec<OutboxRow> = decode_rows(outbox.get_all().primitive()?.await?)?;
    let mut known: std::collections::HashSet<Uuid> =
        existing.iter().filter_map(|r| serde_json::from_str::<Change>(&r.body).ok()).map(|c| c.change_id).collect();
    let mut added = 0;
    let mut tally_changes = TallyChanges::default();
    for change in changes {
        if !known.insert(change.change_id) {
            continue;
        }
        let current: Option<RecordRow> = records.get(change.id.to_string()).serde()?.await?;
        let current = current.map(|r| r.state()).transpose()?;
        if let Some(next) = apply_change(current.as_ref(), &change)? {
            records.put(RecordRow::of(&next)?).serde()?.await?;
            tally_changes.record_changed(current.as_ref(), Some(&next));
        }
        let row = OutboxRow::new(&change)?;
        outbox.put(row).serde()?.await?;
        added += 1;
    }
    add_to_tallies(&tallies, tally_changes, Vec::new()).await?;
    tx.commit().await?;
    Ok(added)
}

/// What the summaries of the given labs are computed from: their live
/// records other than visits and the knowledge base (labs, meeting places,
/// goals, measurements, partners, activities, month approvals, questions), and their
/// visit tallies.
///
/// One read-only transaction; every read is an index or key range read of one
/// kind of one lab, all in flight together. A year of a lab's visits is a
/// million rows, read here as a few thousand tallies instead.
pub async fn summary_input(labs: &[Uuid]) -> Result<(Vec<RecordState>, Vec<VisitTally>)> {
    use indexed_db_futures::KeyRange;
    const KINDS: [RecordKind; 8] = [
        RecordKind::Lab,
        RecordKind::MeetingPlace,
        RecordKind::Goal,
        RecordKind::GoalMeasurement,
        RecordKind::Partner,
        RecordKind::Activity,
        RecordKind::MonthApproval,
        RecordKind::Question,
    ];
    let db = open().await?;
    let tx = db.transaction([RECORDS, TALLIES]).build()?;
    let (records, tallies) = (tx.object_store(RECORDS)?, tx.object_store(TALLIES)?);
    let index = records.index("kind_lab")?;
    let mut record_reads = Vec::with_capacity(labs.len() * KINDS.len());
    let mut tally_reads = Vec::with_capacity(labs.len());
    for lab in labs {
        for kind in KINDS {
            let key = js_key(&[kind.as_str().into(), lab.to_string().into()]);
            record_reads.push(index.get_all().with_query::<JsValue, _>(key).primitive()?);
        }
        // [lab] sorts before every [lab, …] key and [lab, []] after (arrays sort above strings).
        let range = KeyRange::Bound(
            js_key(&[lab.to_string().into()]),
            false,
            js_key(&[lab.to_string().into(), js_sys::Array::new().into()]),
            false,
        );
        tally_reads.push(tallies.get_all().with_query::<JsValue, _>(range).primitive()?);
    }
    let mut states = Vec::new();
    for read in record_reads {
        for row in decode_rows::<RecordRow>(read.await?)? {
            let state = row.state()?;
            if state.deleted.is_none() {
                states.push(state);
            }
        }
    }
    let mut visits = Vec::new();
    for read in tally_reads {
        for row in decode_rows::<TallyRow>(read.await?)? {
            visits.push(row.tally()?);
        }
    }
    Ok((states, visits))
}

/// Rows per request when reading many records.
const READ_CHUNK: u32 = 20_000;

/// Every record of a kind, of every lab on the device (deleted ones
/// included): the knowledge base, whose published records come from labs
/// the user is not in. One range read of `kind_lab`: [kind] sorts before
/// every [kind, lab] and [kind, []] after (arrays sort above strings).
/// The deleted records of `kind` in `lab` (their fields kept): the Papperskorg.
pub async fn deleted_in_lab(kind: RecordKind, lab: Uuid) -> Result<Vec<RecordState>> {
    Ok(in_lab(kind, lab).await?.into_iter().filter(|s| s.deleted.is_some() && !s.fields.is_empty()).collect())
}

pub async fn all_of_kind(kind: RecordKind) -> Result<Vec<RecordState>> {
    use indexed_db_futures::KeyRange;
    let db = open().await?;
    let tx = db.transaction(RECORDS).build()?;
    let records = tx.object_store(RECORDS)?;
    let index = records.index("kind_lab")?;
    let lower = js_key(&[kind.as_str().into()]);
    let upper = js_key(&[kind.as_str().into(), js_sys::Array::new().into()]);
    let range = KeyRange::Bound(lower, false, upper, false);
    let rows = decode_rows::<RecordRow>(index.get_all().with_query::<JsValue, _>(range).primitive()?.await?)?;
    rows.iter().map(RecordRow::state).collect()
}
