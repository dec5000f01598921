//! Choosing, opening, upgrading and deleting the local database of the signed-in user, and the
//! device id it carries.

use super::rows::{TallyRow, TALLY_KEY_PATH, TALLY_KEY_PATH_V3};
use super::{js_err, js_key, meta_get, meta_put, Result, StoreError};
use super::{CLOCK_OFFSET, DB_NAME, DB_VERSION, META, OUTBOX, READ_CHUNK, RECORDS, TALLIES};
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use labblogg_shared::calendar::StockholmClock;
use labblogg_shared::summary::{TallyChanges, VisitKey};
use labblogg_shared::{RecordKind, Visit};
use serde::Deserialize;
use std::cell::RefCell;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

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
        return Err(StoreError::NotSignedIn);
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
